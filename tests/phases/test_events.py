import pytest

from market.config import Event
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
