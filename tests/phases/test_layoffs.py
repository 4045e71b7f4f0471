import numpy as np
import pytest

from market.codes import Employer, Reason, Specialty
from market.phases.layoffs import _staff_values, lay_off


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


def juniors_and_seniors(make_state, rule: str):
    """10 juniors (skill 1, pay 100) and 4 seniors (skill 3, pay 350) at a lab whose
    payroll (2,400) is 350 over budget; every one of them is worth more than they cost,
    a senior less per dollar than a junior but more in total.
    """
    people = [{"skill": 1.0, "comp_usd": 100.0} for _ in range(10)]
    people += [{"skill": 3.0, "comp_usd": 350.0} for _ in range(4)]
    st = make_state(
        [{"name": "A", "gpus_h100e": 8000.0, "budget_usd": 2050.0}, {"name": "B"}],
        people,
        market={
            "layoff_rule": rule,
            "layoff_round_share": 1.0,
            "compute_ref_h100e": 4000.0,
            "talent_ref": 5.0,
            "infra_enabled": False,
            "product_max_uplift": 0.0,
        },
    )
    st.price = 1.0
    _, value, _ = _staff_values(st, 0)
    st.price = 150.0 / value[0]  # a junior is worth 150 (ratio 1.5, surplus 50)
    return st


def test_rounds_cut_lowest_value_per_dollar_first_and_keep_more_value(make_state):
    # The lab keeps the most surplus for a given saving by keeping people with the
    # highest value per dollar (the knapsack's Lagrangian); ordering by surplus would
    # cut four cheap juniors (600 of value) where one senior (under 450) saves as much.
    states = {rule: juniors_and_seniors(make_state, rule) for rule in ("rounds", "surplus")}
    _, value, cost = _staff_values(states["rounds"], 0)
    ratio, surplus = value / cost, value - cost
    assert (surplus > 0).all()  # nobody is worth less than they cost
    assert ratio[10:].max() < ratio[:10].min()  # a senior is worth less per dollar ...
    assert surplus[10:].min() > surplus[:10].max()  # ... but more in total
    lost = {}
    for rule, st in states.items():
        before = st.lab_state.output[0]
        lay_off(st)
        assert st.lab_state.payroll[0] <= 2050.0 + 1e-9
        lost[rule] = before - st.lab_state.output[0]
    cut_rounds = states["rounds"].people.employer[:14] == Employer.POOL
    cut_surplus = states["surplus"].people.employer[:14] == Employer.POOL
    assert cut_rounds.tolist() == [False] * 10 + [True, False, False, False]  # one senior
    assert cut_surplus.tolist() == [True] * 4 + [False] * 10  # four juniors
    assert lost["rounds"] < lost["surplus"]
