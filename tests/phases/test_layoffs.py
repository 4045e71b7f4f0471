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


INFRA = int(Specialty.INFRASTRUCTURE)


def big_fleet_lab(make_state, rule: str, budget: float):
    """20 infrastructure people and 20 researchers (skill 1, pay 100) at a lab whose
    8,000 GPUs need them: utilisation 0.1 + 0.8 x z / (z + 1) with z = infra skill per
    1,000 GPUs = 20 / 8 (0.671), sigma 0.5.
    """
    people = [{"specialty": INFRA, "comp_usd": 100.0} for _ in range(20)]
    people += [{"comp_usd": 100.0} for _ in range(20)]
    st = make_state(
        [{"name": "A", "gpus_h100e": 8000.0, "budget_usd": budget}, {"name": "B"}],
        people,
        market={
            "layoff_rule": rule,
            "sigma": 0.5,
            "compute_ref_h100e": 4000.0,
            "talent_ref": 5.0,
            "infra_half_saturation": 1.0,
            "product_max_uplift": 0.0,
        },
    )
    st.price = 6000.0
    return st


def test_a_cut_at_a_lab_with_a_big_fleet_keeps_most_infra_staff(make_state):
    # A 40% budget cut (payroll 4,000 -> 2,400). At the start an infrastructure person
    # is worth less than a researcher, but each one cut makes the others worth more
    # (utilisation falls ever faster), so recomputing values between rounds keeps most
    # of them; the old one-pass rule cuts 16 of 20 and loses more output.
    old = big_fleet_lab(make_state, "value_per_dollar", 2400.0)
    new = big_fleet_lab(make_state, "surplus", 2400.0)
    lay_off(old)
    lay_off(new)
    kept_old = int((old.people.employer[:20] == 0).sum())
    kept_new = int((new.people.employer[:20] == 0).sum())
    assert kept_old == 4
    assert kept_new > 10  # most of the 20
    for st in (old, new):
        assert st.lab_state.payroll[0] <= 2400.0 + 1e-9
    assert new.lab_state.output[0] > old.lab_state.output[0]
    assert new.lab_state.util[0] > old.lab_state.util[0]


def test_people_worth_more_than_they_cost_are_kept_while_others_can_go(make_state):
    # talent_ref 20: a researcher is worth ~200 > pay 100, an infrastructure person
    # ~37 < 100; an 8-person cut (payroll 4,000 -> 3,200) takes infrastructure only.
    st = big_fleet_lab(make_state, "surplus", 3200.0)
    st.cfg = st.cfg.model_copy(update={"talent_ref": 20.0})
    st.refresh()
    lay_off(st)
    emp = st.people.employer[:40]
    assert (emp[20:] == 0).all()  # every researcher kept
    assert int((emp[:20] == Employer.POOL).sum()) == 8
