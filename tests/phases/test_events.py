import numpy as np
import pytest

from market.codes import Reason
from market.config import Event
from market.errors import ScenarioError
from market.phases.compute import grow
from market.phases.events import EventSchedule, apply_events


def schedule_of(*events: Event) -> EventSchedule:
    out = EventSchedule()
    for e in events:
        out.at.setdefault(int(e.at), []).append(e)
    return out


def test_temporary_lab_event_applies_then_reverts(make_state):
    st = make_state([{"name": "A", "gpus_h100e": 100.0}, {"name": "B"}], [])
    sched = schedule_of(Event(at=2, lab="A", field="gpus_h100e", value=500.0, months=3))
    for step, expected in [(1, 100.0), (2, 500.0), (4, 500.0), (5, 100.0)]:
        st.step = step
        apply_events(st, sched)
        assert st.labs.gpus_h100e[0] == expected


@pytest.mark.parametrize("leadership", [False, True])
def test_a_temporary_event_on_a_growing_stock_keeps_the_growth_when_it_reverts(
    make_state, leadership
):
    """Budget 100 growing 50%/yr and 1,000 GPUs doubling a year, compounded monthly; an
    event sets 200 and 5,000 at step 3 for 4 months. After the revert at step 7 each
    stock is exactly where it would be without the event: the start value after 7
    months of growth (the revert restores the old value times the growth since).
    """
    lab = {"name": "A", "budget_usd": 100.0, "budget_growth_per_year": 0.5}
    lab |= {"gpus_h100e": 1000.0, "gpu_growth_per_year": 1.0}
    market = {"budget_feedback": 0.0, "infra_leadership_enabled": leadership}
    st = make_state([lab, {"name": "B"}], [], market=market)
    sched = schedule_of(
        Event(at=3, lab="A", field="budget_usd", value=200.0, months=4),
        Event(at=3, lab="A", field="gpus_h100e", value=5000.0, months=4),
    )
    for step in range(1, 8):
        st.step = step
        apply_events(st, sched)
        grow(st)
    fleet = st.labs.gpus_h100e[0] + st.labs.gpus_backlog[0]
    assert st.labs.budget_usd[0] == pytest.approx(100 * 1.5 ** (7 / 12), rel=1e-12)
    assert fleet == pytest.approx(1000 * 2 ** (7 / 12), rel=1e-12)


def test_policy_event_refreshes_policy_columns_and_codes(make_state):
    st = make_state([{"name": "A"}, {"name": "B"}], [])
    sched = schedule_of(
        Event(at=1, lab="B", field="pay_multiplier", value=3.0),
        Event(at=1, lab="B", field="counter_offer", value="exceed"),
    )
    apply_events(st, sched)
    assert st.labs.pay_multiplier.tolist() == [1.0, 3.0]
    assert st.labs.policies[1].counter_offer == "exceed"
    assert st.labs.counter_rule.tolist() == [1, 2]  # match, exceed


def test_policy_event_with_a_bad_value_is_refused(make_state):
    st = make_state([{"name": "A"}, {"name": "B"}], [])
    sched = schedule_of(Event(at=1, lab="A", field="pay_multiplier", value=-1.0))
    with pytest.raises(ValueError):
        apply_events(st, sched)
    assert st.labs.pay_multiplier[0] == 1.0


def test_market_event_is_validated_and_reverted(make_state):
    st = make_state([{"name": "A"}, {"name": "B"}], [], market={"sigma": 0.5})
    sched = schedule_of(Event(at=1, field="sigma", value="1.5", months=1))
    apply_events(st, sched)
    assert st.cfg.sigma == 1.5
    st.step = 2
    apply_events(st, sched)
    assert st.cfg.sigma == 0.5
    bad = schedule_of(Event(at=3, field="sigma", value=99.0))
    st.step = 3
    with pytest.raises(ValueError):
        apply_events(st, bad)


# -- people events (issue 11) ---------------------------------------------------------
INFRA = 1


def people_event(**fields):
    return Event(at=1, **fields)


def acquihire(**fields):
    """Buyer (lab 1) acqui-hires researchers from Seller (lab 0) at step 1."""
    return people_event(
        kind="acquihire", from_lab="Seller", to_lab="Buyer", specialty="research", **fields
    )


def test_team_move_takes_the_top_n_by_skill_with_ties_to_the_lower_row(make_state):
    skills = [1.0, 5.0, 3.0, 5.0, 4.0]
    people = [{"specialty": INFRA, "skill": s, "employer": 0} for s in skills]
    people.append({"specialty": 0, "skill": 9.0, "employer": 0})  # a researcher: not taken
    st = make_state([{"name": "A"}, {"name": "B"}], people)
    event = people_event(
        kind="team_move", from_lab="A", to_lab="B", specialty="infrastructure", people=3
    )
    apply_events(st, schedule_of(event))
    # Skills 5 (row 1), 5 (row 3), 4 (row 4).
    assert st.people.view("employer").tolist() == [0, 1, 0, 1, 1, 0]
    moves = st.ledger.move_records()
    assert moves["person_id"].tolist() == [1, 3, 4]
    assert set(moves["reason"].tolist()) == {int(Reason.TEAM_MOVE)}
    assert st.hires[1] == 3 and st.departures[0] == 3


def test_random_team_move_uses_the_model_rng_reproducibly(make_state):
    people = [{"specialty": INFRA, "skill": float(s), "employer": 0} for s in range(1, 11)]
    picked = []
    for _ in range(2):
        st = make_state([{"name": "A"}, {"name": "B"}], people)
        event = people_event(
            kind="team_move",
            from_lab="A",
            to_lab="B",
            specialty="infrastructure",
            people=4,
            selection="random",
        )
        apply_events(st, schedule_of(event), np.random.default_rng(11))
        picked.append(np.flatnonzero(st.people.view("employer") == 1).tolist())
    assert picked[0] == picked[1] and len(picked[0]) == 4
    assert picked[0] == sorted(np.random.default_rng(11).choice(10, 4, replace=False).tolist())


def test_team_move_larger_than_this_months_headcount_is_a_scenario_error(make_state):
    people = [{"specialty": INFRA, "employer": 0} for _ in range(2)]
    st = make_state([{"name": "A"}, {"name": "B"}], people)
    event = people_event(
        kind="team_move", from_lab="A", to_lab="B", specialty="infrastructure", people=3
    )
    with pytest.raises(ScenarioError, match=r"event\.people: 3 exceeds A's infrastructure"):
        apply_events(st, schedule_of(event))
    assert st.people.view("employer").tolist() == [0, 0]


def test_acquihire_books_the_payment_for_twelve_months(make_state):
    people = [{"specialty": 0, "skill": s, "employer": 0} for s in (2.0, 8.0, 4.0)]
    st = make_state([{"name": "Seller"}, {"name": "Buyer", "budget_usd": 1e9}], people)
    event = acquihire(people=2, payment_usd=2e8, comp_usd=500_000.0)
    sched = schedule_of(event)
    apply_events(st, sched)
    assert st.people.view("employer").tolist() == [0, 1, 1]  # skills 8 and 4
    assert st.people.view("comp_usd").tolist()[1:] == [500_000.0, 500_000.0]
    assert st.labs.budget_usd[1] == 1e9 - 2e8
    assert set(st.ledger.move_records()["reason"].tolist()) == {int(Reason.ACQUIHIRE)}
    st.step = 13
    apply_events(st, sched)
    assert st.labs.budget_usd[1] == 1e9


def test_acquihire_above_the_buyers_budget_moves_nobody(make_state):
    people = [{"specialty": 0, "employer": 0}, {"specialty": 0, "employer": 1}]
    st = make_state([{"name": "Seller"}, {"name": "Buyer", "budget_usd": 1e6}], people)
    event = acquihire(people=1, payment_usd=1.5e6)  # above the 1e6 budget
    with pytest.raises(ScenarioError, match=r"event\.payment_usd: Buyer cannot pay"):
        apply_events(st, schedule_of(event))
    assert st.labs.budget_usd[1] == 1e6
    assert st.people.view("employer").tolist() == [0, 1]


def test_gpu_event_with_leadership_on_fills_the_backlog(make_state):
    st = make_state(
        [{"name": "A", "gpus_h100e": 100.0}, {"name": "B"}],
        [],
        market={"infra_leadership_enabled": True},
    )
    sched = schedule_of(Event(at=1, lab="A", field="gpus_h100e", value=300.0, months=2))
    apply_events(st, sched)
    assert (st.labs.gpus_h100e[0], st.labs.gpus_backlog[0]) == (100.0, 200.0)
    st.step = 3
    apply_events(st, sched)  # the revert restores the fleet of 100 (backlog cut first)
    assert (st.labs.gpus_h100e[0], st.labs.gpus_backlog[0]) == (100.0, 0.0)


def test_event_moves_skip_named_people_who_are_not_at_a_lab(make_state):
    people = [{"employer": 0}, {"employer": -1}, {"employer": -2}]  # at A, pool, gone
    st = make_state([{"name": "A"}, {"name": "B"}], people)
    st.people.names.extend(["at lab", "in pool", "gone"])
    st.people.name[:3] = [0, 1, 2]
    sched = schedule_of(people_event(kind="move", names=["at lab", "in pool", "gone"], to_lab="B"))
    apply_events(st, sched)
    assert st.people.view("employer").tolist() == [1, -1, -2]
    assert st.ledger.move_records()["person_id"].tolist() == [0]
