import numpy as np
import pytest

from market.codes import Employer, Reason, Specialty
from market.phases.layoffs import lay_off


def test_lab_over_budget_cuts_lowest_value_per_dollar_until_payroll_fits(make_state):
    # Three researchers at A with equal pay; the least skilled is worth least per dollar.
    people = [{"skill": s, "comp_usd": 100.0} for s in (5.0, 1.0, 3.0)]
    st = make_state(
        [{"name": "A", "budget_usd": 250.0}, {"name": "B"}],
        people,
        population={"layoff_reservation_share": 0.8},
        market={"layoff_rule": "value_per_dollar"},
    )
    lay_off(st)
    p = st.people
    assert p.employer[:3].tolist() == [0, Employer.POOL, 0]  # one cut is enough
    assert p.comp_usd[1] == pytest.approx(80.0)  # asks 80% of last pay in the pool
    assert st.lab_state.payroll[0] == pytest.approx(200.0)
    moves = st.ledger.move_records()
    assert moves["person_id"].tolist() == [1] and moves["reason"].tolist() == [Reason.LAYOFF]


def test_no_cut_within_budget_or_when_switched_off(make_state):
    people = [{"comp_usd": 100.0, "specialty": int(Specialty.PRODUCT)}]
    st = make_state([{"name": "A", "budget_usd": 100.0}, {"name": "B"}], people)
    lay_off(st)
    assert st.people.employer[0] == 0
    st = make_state(
        [{"name": "A", "budget_usd": 1.0}, {"name": "B"}], people, market={"layoffs_enabled": False}
    )
    lay_off(st)
    assert st.people.employer[0] == 0 and len(st.ledger.move_records()["step"]) == 0
    assert np.isfinite(st.lab_state.payroll).all()
