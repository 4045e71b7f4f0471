"""The events timeline: rows from the scenario, edits validated by the model, the
precedence rule's report turned into grid flags; forged requests to the events
callbacks and to the other new callbacks are refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from forge import message_text, post, run_values

import market
from dashboards import ids, runs, timeline
from dashboards.app import Settings, create_app

LIMITS = runs.Limits()
SOURCE = {"kind": "builtin", "name": "frontier-2025"}


@pytest.fixture(scope="module")
def base() -> market.Scenario:
    return market.load_scenario("frontier-2025")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return create_app(Settings(cache_dir=tmp_path_factory.mktemp("ev")))


def xai_gpu_event(rows: list[dict[str, Any]]) -> dict[str, Any]:
    (row,) = [r for r in rows if r["path"] == "labs.xAI.gpus_h100e"]
    return row


def test_rows_carry_date_lab_field_value_and_source(base: market.Scenario) -> None:
    rows = timeline.event_rows(base)
    assert len(rows) == len(base.events)
    row = xai_gpu_event(rows)
    assert row["at"] == "2025-04" and row["lab"] == "xAI" and row["value"] == 200000.0
    assert row["source"].startswith("Colossus")
    assert "assumption" not in row["source"]
    assert timeline.events_from_rows(base, rows) == base  # unchanged rows: same scenario


def test_switched_off_and_edited_events(base: market.Scenario) -> None:
    rows = timeline.event_rows(base)
    row = xai_gpu_event(rows)
    row["on"] = False
    rows[1] = {**rows[1], "value": "5", "at": "2025-09", "months": "3"}
    spec = timeline.events_from_rows(base, rows)
    assert len(spec.events) == len(base.events) - 1
    assert not [e for e in spec.events if e.lab == "xAI" and e.field == "gpus_h100e"]
    edited = spec.events[0]  # rows[0] was the switched-off xAI event
    assert (edited.at, edited.value, edited.months) == ("2025-09", 5, 3)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"value": "abc"}, "events[0].value: gpus_h100e input should be a valid number"),
        ({"value": "-5"}, "events[0].value"),
        ({"at": "2040-01"}, "events[0].at: '2040-01' is step 181, outside the run"),
        ({"at": "soon"}, "events[0].at"),
        ({"months": "x"}, "events[0].months"),
        ({"months": "0"}, "[0].months"),
        ({"on": "yes"}, "events[0].on"),
        ({"i": 999}, "unknown event row"),
        ({"value": None}, "events[0].value"),
    ],
)
def test_bad_edits_are_refused_naming_the_row(
    base: market.Scenario, change: dict[str, Any], expected: str
) -> None:
    rows = timeline.event_rows(base)
    rows[0] = {**rows[0], **change}
    with pytest.raises(market.ScenarioError) as err:
        timeline.events_from_rows(base, rows)
    assert expected in str(err.value)
    if "value" in change and change["value"] == "abc":
        assert "'abc'" in str(err.value)  # echoed as typed


@pytest.mark.parametrize(
    ("rule", "flag", "status"),
    [
        ("user", "kept", "your value wins"),
        ("relative", "rescaled", "rescaled by your change"),
        ("events", "overwritten", "applies"),
    ],
)
def test_an_edited_field_survives_or_is_flagged(
    base: market.Scenario, rule: str, flag: str, status: str
) -> None:
    """The model's precedence rule decides; the grid flags what it decided."""
    lab_rows = runs.lab_rows(base)
    (xai,) = [r for r in lab_rows if r["lab"] == "xAI"]
    xai["gpus_h100e"] = 1000.0
    overrides = runs.lenient_overrides(base, lab_rows, runs.global_values(base))
    assert overrides == {"labs.xAI.gpus_h100e": 1000.0}
    spec = base.with_overrides(overrides, rule)
    rows = timeline.event_rows(base)
    outcomes = timeline.event_outcomes(spec.event_overrides, list(range(len(rows))))
    flagged = timeline.flag_lab_rows(lab_rows, timeline.status_rows(rows, outcomes), outcomes)
    (xai,) = [r for r in flagged if r["lab"] == "xAI"]
    assert xai["flag_gpus_h100e"] == flag
    assert "2025-04" in xai["events_gpus_h100e"]
    assert status in xai_gpu_event(timeline.status_rows(rows, outcomes))["status"]
    # an untouched cell that an event sets later is flagged as such
    (openai,) = [r for r in flagged if r["lab"] == "OpenAI"]
    assert openai["flag_gpu_growth_per_year"] == "event"
    # and the run follows the same rule: the user's 1,000 GPUs stay unless events win
    form = runs.RunForm(
        source=SOURCE, steps=12, seed=1, people=base.n_engineers,
        global_values=runs.global_values(base), lab_rows=lab_rows,
        event_rows=timeline.event_rows(base), precedence=rule,
    )  # fmt: skip
    req = runs.build_request(form, LIMITS)
    kept = [e for e in req.scenario.events if e.lab == "xAI" and e.field == "gpus_h100e"]
    assert (len(kept) == 0) == (rule == "user")
    assert any("labs.xAI.gpus_h100e" in line for line in req.report)


def flag_values(base: market.Scenario, **changes: Any) -> dict[str, Any]:
    values = {
        f"{ids.LAB_GRID}.rowData": runs.lab_rows(base),
        f"{ids.EVENTS_GRID}.rowData": timeline.event_rows(base),
        f"{ids.PRECEDENCE}.value": "user",
        f"{ids.NONCOMPETE}.value": base.market.noncompete_enforcement,
        f"{ids.SIGMA}.value": base.market.sigma,
        f"{ids.GRADUATES}.value": base.population.graduates_per_year,
        f"{ids.MECHANISMS}.value": runs.checked_switches(runs.mechanism_values(base)),
        f"{ids.SCENARIO_STORE}.data": SOURCE,
    }
    values.update(changes)
    return values


def test_flag_callback_flags_an_edited_cell(app: Any, base: market.Scenario) -> None:
    rows = runs.lab_rows(base)
    next(r for r in rows if r["lab"] == "xAI")["gpus_h100e"] = 1000.0
    values = flag_values(base, **{f"{ids.LAB_GRID}.rowData": rows,
                                  f"{ids.PRECEDENCE}.value": "events"})  # fmt: skip
    out = post(app, ids.EVENT_REPORT, values, f"{ids.LAB_GRID}.rowData")["response"]
    xai = next(r for r in out[ids.LAB_GRID]["rowData"] if r["lab"] == "xAI")
    assert xai["flag_gpus_h100e"] == "overwritten"
    assert "applies and overwrites your value 1000.0" in json.dumps(out[ids.EVENT_REPORT])


@pytest.mark.parametrize(
    "changes",
    [
        {f"{ids.PRECEDENCE}.value": "attacker"},
        {f"{ids.SCENARIO_STORE}.data": {"kind": "builtin", "name": "../../etc/passwd"}},
        {f"{ids.EVENTS_GRID}.rowData": [{"i": 0, "on": True}]},
        {f"{ids.EVENTS_GRID}.rowData": "x"},
    ],
)
def test_forged_flag_requests_are_refused(app: Any, base: market.Scenario, changes: dict) -> None:
    out = post(app, ids.EVENT_REPORT, flag_values(base, **changes), f"{ids.PRECEDENCE}.value")
    response = out["response"]
    assert ids.LAB_GRID not in response and ids.EVENTS_GRID not in response
    assert "error" in json.dumps(response[ids.EVENT_REPORT])


def test_forged_reset_requests_change_nothing(app: Any) -> None:
    bad = {"kind": "builtin", "name": "nope"}
    for output, trigger in ((ids.LAB_GRID, ids.RESET_LABS), (ids.EVENTS_GRID, ids.RESET_EVENTS)):
        values = {f"{trigger}.n_clicks": 1, f"{ids.SCENARIO_STORE}.data": bad}
        out = post(app, output, values, f"{trigger}.n_clicks")
        assert output not in out.get("response", {})


def test_forged_run_requests_with_events_precedence_or_seeds(
    app: Any, base: market.Scenario
) -> None:
    events = timeline.event_rows(base)
    events[0]["at"] = "2099-01"
    cases = [
        ({f"{ids.EVENTS_GRID}.rowData": events}, "events[0].at"),
        ({f"{ids.PRECEDENCE}.value": "mine"}, "precedence"),
        ({f"{ids.REPLICATIONS}.value": 1000}, "seeds"),
        ({f"{ids.REPLICATIONS}.value": "abc"}, "got 'abc'"),
        ({f"{ids.STEPS}.value": "500"}, "must be 1–240 (got 500)"),
    ]
    for changes, expected in cases:
        values = run_values(SOURCE, base, **changes)
        out = post(app, ids.RUN_REQUEST, values, f"{ids.RUN}.n_clicks")
        assert ids.RUN_REQUEST not in out["response"], changes
        assert expected in message_text(out, ids.RUN_MESSAGE), changes


def test_seeds_are_cut_to_what_fits(app: Any, base: market.Scenario) -> None:
    values = run_values(SOURCE, base, **{f"{ids.REPLICATIONS}.value": 10,
                                         f"{ids.PEOPLE}.value": 23775,
                                         f"{ids.STEPS}.value": 120})  # fmt: skip
    out = post(app, ids.RUN_REQUEST, values, f"{ids.RUN}.n_clicks")["response"]
    request = out[ids.RUN_REQUEST]["data"]
    assert 1 <= request["replications"] < 10
    assert f"{request['replications']} of 10 seeds run" in json.dumps(out[ids.RUN_MESSAGE])


def test_forged_pointer_for_every_view_is_refused(app: Any, tmp_path: Path) -> None:
    forged = [
        {"run_id": "0" * 32, "runs": ["0" * 32, "../../etc"]},
        {"run_id": "0" * 32, "runs": ["1" * 32]},
        {"run_id": "0" * 32, "runs": ["0" * 32] * 50},
        {"run_id": "0" * 32},  # well formed, not on this server
    ]
    views = [ids.TIMESERIES, ids.DRIVERS, ids.SUMMARY_GRID, ids.WINDOW]
    for data in forged:
        for view in views:
            out = post(app, view, {f"{ids.RUN_STORE}.data": data}, f"{ids.RUN_STORE}.data")
            assert view not in out.get("response", {}), (view, data)
        values = {f"{ids.BASELINE_STORE}.data": data, f"{ids.RUN_STORE}.data": data}
        out = post(app, ids.COMPARE_GRAPH, values, f"{ids.BASELINE_STORE}.data")
        assert ids.COMPARE_GRAPH not in out["response"]
        assert "error" in json.dumps(out["response"][ids.BASELINE_INFO])


def test_forged_upload_is_refused(app: Any) -> None:
    huge = "data:text/plain;base64," + "A" * (LIMITS.max_upload_bytes * 2)
    for contents in (huge, "data:x;base64,%%%", 5):
        values = {f"{ids.UPLOAD_CHECKED}.data": contents, f"{ids.UPLOAD}.filename": "x.toml"}
        out = post(app, ids.SCENARIO_STORE, values, f"{ids.UPLOAD_CHECKED}.data")
        assert ids.SCENARIO_STORE not in out.get("response", {})
