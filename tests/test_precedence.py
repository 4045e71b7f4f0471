"""The precedence rule for user changes vs scheduled events (market/precedence.py)."""

from __future__ import annotations

import pytest

import market
from market.errors import ScenarioError
from market.runner import run_scenario


@pytest.fixture(scope="module")
def frontier() -> market.Scenario:
    return market.load_scenario("frontier-2025")


def _xai_gpu_events(s: market.Scenario) -> list[market.Event]:
    return [e for e in s.events if e.lab == "xAI" and e.field == "gpus_h100e"]


def test_user_change_wins_and_the_dropped_event_is_reported(frontier):
    assert _xai_gpu_events(frontier), "frontier-2025 schedules xAI's Colossus"
    s = frontier.with_overrides({"labs.xAI.gpus_h100e": 400_000})
    assert _xai_gpu_events(s) == []
    assert len(s.events) == len(frontier.events) - len(_xai_gpu_events(frontier))
    (item,) = s.event_overrides
    assert item.path == "labs.xAI.gpus_h100e"
    assert item.outcome == "dropped"
    assert item.user_value == 400_000
    assert "dropped" in item.message()


def test_user_value_survives_the_run(frontier):
    """Issue 13 item 1: --set labs.xAI.gpus_h100e=400000 --steps 12 ended at 271,080."""
    s = frontier.with_overrides({"labs.xAI.gpus_h100e": 400_000, "steps": 6})
    labs = run_scenario(s.scaled(2_000), seed=1).tables["labs"]
    xai = labs[labs["lab"] == "xAI"].sort_values("step")["gpus_h100e"].to_numpy()
    growth = frontier.lab("xAI").gpu_growth_per_year
    factor = 2_000 / frontier.n_engineers
    expected = 400_000 * factor * (1 + growth) ** (6 / 12)
    assert xai[-1] == pytest.approx(expected, rel=1e-9)


def test_relative_rescales_the_event_by_the_users_change(frontier):
    base = frontier.lab("xAI").gpus_h100e
    (event,) = _xai_gpu_events(frontier)[:1]
    s = frontier.with_overrides({"labs.xAI.gpus_h100e": 2 * base}, precedence="relative")
    assert _xai_gpu_events(s)[0].value == pytest.approx(2 * event.value)
    assert s.event_overrides[0].outcome == "rescaled"


def test_events_rule_keeps_the_event_and_reports_the_overwrite(frontier):
    s = frontier.with_overrides({"labs.xAI.gpus_h100e": 1_000}, precedence="events")
    assert _xai_gpu_events(s) == _xai_gpu_events(frontier)
    assert {i.outcome for i in s.event_overrides} == {"applies"}


def test_wildcard_paths_reach_every_labs_events(frontier):
    fields = {e.field for e in frontier.events if e.lab is not None}
    field = sorted(fields & set(market.Policy.model_fields))[0]
    s = frontier.with_overrides({f"labs.*.policy.{field}": getattr(market.Policy(), field)})
    hit = [e for e in frontier.events if e.field == field and e.lab is not None]
    assert len(s.event_overrides) == len(hit)
    assert not [e for e in s.events if e.field == field and e.lab is not None]


def test_untouched_fields_keep_their_events_and_report_nothing(frontier):
    s = frontier.with_overrides({"market.sigma": 1.0})
    assert s.events == frontier.events
    assert s.event_overrides == ()


def test_report_survives_truncation_and_rescaling(frontier):
    s = frontier.with_overrides({"labs.xAI.gpus_h100e": 400_000})
    assert s.truncated(12).event_overrides == s.event_overrides
    assert s.scaled(2_000).event_overrides == s.event_overrides


def test_unknown_rule_is_a_user_error(frontier):
    with pytest.raises(ScenarioError, match="precedence"):
        frontier.with_overrides({"labs.xAI.gpus_h100e": 1.0}, precedence="later")


def test_metadata_lists_the_overrides(frontier):
    s = frontier.with_overrides({"labs.xAI.gpus_h100e": 400_000, "steps": 2}).scaled(500)
    meta = run_scenario(s, seed=0).metadata
    assert meta["event_overrides"][0]["path"] == "labs.xAI.gpus_h100e"
