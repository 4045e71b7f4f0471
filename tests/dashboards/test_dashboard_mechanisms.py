"""The Mechanisms control: one switch per ``market.*_enabled`` field, filled from the
scenario, submitted with a run (refused by name when forged), kept over a reload, and
treated by the events' precedence rule like any other market-wide field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from forge import message_text, post, run_values

import market
from dashboards import fields, ids, runs, timeline
from dashboards.app import Settings, create_app
from dashboards.views.scenario import SAVED_KEYS, restore

LIMITS = runs.Limits()
SWITCHES = [spec.key for spec in fields.MECHANISM_FIELDS]
BAN = "counter_offers_enabled"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return create_app(Settings(cache_dir=tmp_path_factory.mktemp("mech")))


def upload(spec: market.Scenario, name: str = "g.toml") -> dict[str, Any]:
    return {"kind": "upload", "toml": market.scenario_to_toml(spec), "filename": name}


def generic(**market_fields: Any) -> market.Scenario:
    spec = market.generic_scenario(n_labs=4, n_engineers=400)
    overrides = {f"market.{k}": v for k, v in market_fields.items()}
    return spec.with_overrides(overrides) if overrides else spec


def with_ban_event(spec: market.Scenario) -> market.Scenario:
    """``spec`` with an event that bans counter-offers in month 6."""
    event = {"at": 6, "field": BAN, "value": False, "note": "a ban"}
    return market.build_scenario({**spec.model_dump(), "events": [event]})


def form(source: dict[str, Any], **changes: Any) -> runs.RunForm:
    base = runs.base_scenario(source, LIMITS)
    args: dict[str, Any] = {
        "source": source,
        "steps": 12,
        "seed": 1,
        "people": base.n_engineers,
        "global_values": runs.global_values(base),
        "lab_rows": runs.lab_rows(base),
        "mechanisms": runs.mechanism_values(base),
    }
    return runs.RunForm(**{**args, **changes})


def test_every_mechanism_switch_of_the_model_is_a_control() -> None:
    """A switch added to the model fails here until the dashboard shows it."""
    model = {
        name
        for name, info in market.MarketConfig.model_fields.items()
        if name.endswith("_enabled") and info.annotation is bool
    }
    assert set(SWITCHES) == model
    assert len(SWITCHES) == len(set(SWITCHES))
    for spec in fields.MECHANISM_FIELDS:
        assert spec.label and spec.help.endswith(f"({spec.path})"), spec.key
        assert "Switch:" not in spec.help and "\n" not in spec.help
    assert "counter outside offers" in fields.MECHANISM_BY_KEY[BAN].help


def test_a_switch_off_reaches_the_scenario_and_its_toml() -> None:
    source = upload(generic())
    switches = {**runs.mechanism_values(generic()), BAN: False}
    req = runs.build_request(form(source, mechanisms=switches), LIMITS)
    assert req.scenario.market.counter_offers_enabled is False
    assert req.scenario.market.option_value_enabled is True  # the others as they were
    assert "counter_offers_enabled = false" in req.toml
    assert market.load_scenario_text(req.toml) == req.scenario
    diff = runs.scenario_diff(generic(), req.scenario)
    assert ("market.counter_offers_enabled", True, False) in diff
    # the scenario's own switches (None, or all as they are) change nothing
    for same in (None, runs.mechanism_values(generic())):
        req = runs.build_request(form(source, mechanisms=same), LIMITS)
        assert req.scenario.market.counter_offers_enabled is True


@pytest.mark.parametrize(
    ("switches", "expected"),
    [
        ({"evil_enabled": True}, "mechanisms: unknown switch 'evil_enabled' (known: offers_"),
        ({"sigma": False}, "mechanisms: unknown switch 'sigma'"),
        ({BAN: "false"}, "market.counter_offers_enabled: expected true or false, got 'false'"),
        ({BAN: 0}, "market.counter_offers_enabled: expected true or false, got 0"),
        ({BAN: None}, "market.counter_offers_enabled: expected true or false, got None"),
        ({"spinouts_enabled": [True]}, "market.spinouts_enabled: expected true or false"),
        ("all", "mechanisms: expected the switches as name: true/false, got 'all'"),
    ],
)
def test_forged_switches_are_refused_naming_the_field(switches: Any, expected: str) -> None:
    source = upload(generic())
    sent = (
        {**runs.mechanism_values(generic()), **switches} if isinstance(switches, dict) else switches
    )
    with pytest.raises(market.ScenarioError) as err:
        runs.build_request(form(source, mechanisms=sent), LIMITS)
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


def test_the_checklist_value_becomes_every_switch() -> None:
    ticked = [k for k in SWITCHES if k != BAN]
    assert runs.switches_from_checklist(ticked) == {k: k != BAN for k in SWITCHES}
    assert runs.switches_from_checklist([]) == dict.fromkeys(SWITCHES, False)
    assert runs.switches_from_checklist(None) is None
    assert "evil" in runs.switches_from_checklist([*ticked, "evil"])
    assert runs.checked_switches(runs.switches_from_checklist(ticked)) == ticked


def run_post(app: Any, source: dict[str, Any], checked: Any) -> dict[str, Any]:
    base = runs.base_scenario(source, LIMITS)
    values = run_values(source, base, **{f"{ids.MECHANISMS}.value": checked,
                                         f"{ids.PEOPLE}.value": base.n_engineers})  # fmt: skip
    return post(app, ids.RUN_REQUEST, values, f"{ids.RUN}.n_clicks")


@pytest.mark.parametrize(
    ("checked", "expected"),
    [
        ([*SWITCHES, "evil"], "unknown switch 'evil'"),
        ([*SWITCHES, 5], "unknown switch '5'"),
        (
            {**dict.fromkeys(SWITCHES, True), BAN: "no"},
            "market.counter_offers_enabled: expected true or false, got 'no'",
        ),
        ({BAN: False}, "market.offers_enabled: expected true or false, got None"),
        ("yes", "mechanisms: expected the switches"),
    ],
)
def test_forged_checklist_posts_are_refused(app: Any, checked: Any, expected: str) -> None:
    out = run_post(app, upload(generic()), checked)
    assert ids.RUN_REQUEST not in out["response"]  # nothing is run
    assert expected in message_text(out, ids.RUN_MESSAGE)


def fill_post(app: Any, source: dict[str, Any], saved: Any = None) -> list[Any]:
    values = {f"{ids.SCENARIO_STORE}.data": source, f"{ids.SESSION_STORE}.data": saved}
    out = post(app, ids.SCENARIO_INFO, values, f"{ids.SCENARIO_STORE}.data")["response"]
    return out[ids.MECHANISMS]["value"]


def test_run_keeps_the_switches_and_a_reload_restores_them(app: Any) -> None:
    source = upload(generic())
    ticked = [k for k in SWITCHES if k not in (BAN, "layoffs_enabled")]
    out = run_post(app, source, ticked)["response"]
    spec = market.load_scenario_text(out[ids.RUN_REQUEST]["data"]["toml"])
    assert not spec.market.counter_offers_enabled and not spec.market.layoffs_enabled
    saved = out[ids.SESSION_STORE]["data"]
    assert saved["mechanisms"] == ticked
    assert "mechanisms" in SAVED_KEYS
    # a reload fills the controls from the scenario, then the session's last form
    assert fill_post(app, source, saved) == ticked
    assert fill_post(app, source) == [k for k in SWITCHES if k != "infra_leadership_enabled"]
    # all switched off is kept too (an empty list is a value, not "nothing saved")
    none_on = runs.base_scenario(source, LIMITS)
    values = restore([None] * len(SAVED_KEYS), {"source": source, "mechanisms": []})
    assert values[SAVED_KEYS.index("mechanisms")] == []
    assert none_on.market.offers_enabled  # the scenario itself unchanged


def test_a_scenario_file_that_switches_off_initialises_the_control_unticked(app: Any) -> None:
    spec = generic(counter_offers_enabled=False, spinouts_enabled=False)
    source = upload(spec, "no-counters.toml")
    checked = fill_post(app, source)
    assert BAN not in checked and "spinouts_enabled" not in checked
    assert "option_value_enabled" in checked and "infra_leadership_enabled" not in checked
    # ticking it again is a change from the file, and runs with counter-offers on
    out = run_post(app, source, [*checked, BAN])["response"]
    ran = market.load_scenario_text(out[ids.RUN_REQUEST]["data"]["toml"])
    assert ran.market.counter_offers_enabled and not ran.market.spinouts_enabled


@pytest.mark.parametrize(
    ("rule", "kept", "status"),
    [
        ("user", False, "your value wins: event dropped"),
        ("relative", False, "your value wins: event dropped"),  # a boolean is not rescaled
        ("events", True, "applies: overwrites your value"),
    ],
)
def test_events_on_a_switch_follow_the_precedence_rule(
    app: Any, rule: str, kept: bool, status: str
) -> None:
    """An event that bans counter-offers in month 6, a user who switches them off from
    the start: flagged and run as the rule says, exactly as for ``market.sigma``.
    """
    base = with_ban_event(generic())
    source = upload(base)
    ticked = [k for k in SWITCHES if k not in (BAN, "infra_leadership_enabled")]
    values = {
        f"{ids.LAB_GRID}.rowData": runs.lab_rows(base),
        f"{ids.EVENTS_GRID}.rowData": timeline.event_rows(base),
        f"{ids.PRECEDENCE}.value": rule,
        f"{ids.NONCOMPETE}.value": base.market.noncompete_enforcement,
        f"{ids.SIGMA}.value": base.market.sigma,
        f"{ids.GRADUATES}.value": base.population.graduates_per_year,
        f"{ids.MECHANISMS}.value": ticked,
        f"{ids.SCENARIO_STORE}.data": source,
    }
    out = post(app, ids.EVENT_REPORT, values, f"{ids.MECHANISMS}.value")["response"]
    (row,) = out[ids.EVENTS_GRID]["rowData"]
    assert row["status"] == status
    assert "market.counter_offers_enabled" in json.dumps(out[ids.EVENT_REPORT])
    # the same switch left as the scenario has it: the event just applies, unflagged
    values[f"{ids.MECHANISMS}.value"] = [*ticked, BAN]
    out = post(app, ids.EVENT_REPORT, values, f"{ids.MECHANISMS}.value")["response"]
    assert ids.EVENTS_GRID not in out or out[ids.EVENTS_GRID]["rowData"][0]["status"] == ""
    # and the run follows the same rule
    switches = {**runs.mechanism_values(base), BAN: False}
    req = runs.build_request(
        form(source, mechanisms=switches, event_rows=timeline.event_rows(base), precedence=rule),
        LIMITS,
    )
    assert [e.field for e in req.scenario.events] == ([BAN] if kept else [])
    assert any("market.counter_offers_enabled" in line for line in req.report)


def test_the_run_metadata_records_the_switches(tmp_path: Path) -> None:
    source = upload(generic())
    switches = {**runs.mechanism_values(generic()), BAN: False, "spinouts_enabled": False}
    req = runs.build_request(form(source, mechanisms=switches, steps=3), LIMITS)
    store = runs.RunStore(tmp_path)
    run_id = store.save(market.run_scenario(req.scenario, seed=req.seed), req.toml)
    recorded = store.metadata(run_id)["parameters"]["market"]
    assert {k: recorded[k] for k in SWITCHES} == switches
    assert store.scenario(run_id).market.counter_offers_enabled is False
    moves = store.table(run_id, "moves")
    assert not (moves["reason"] == "countered").any()


def test_a_switch_set_otherwise_than_the_scenario_is_marked(app: Any) -> None:
    source = upload(generic(spinouts_enabled=False))
    ticked = [k for k in SWITCHES if k not in (BAN, "spinouts_enabled", "infra_leadership_enabled")]
    values = {f"{ids.MECHANISMS}.value": ticked, f"{ids.SCENARIO_STORE}.data": source}
    out = post(app, ids.MECHANISMS, values, f"{ids.MECHANISMS}.value")["response"]
    labels = {o["value"]: o["label"]["props"] for o in out[ids.MECHANISMS]["options"]}
    assert [k for k, p in labels.items() if p["className"] == "cell-edited"] == [BAN]
    assert labels[BAN]["title"].endswith("Changed from the scenario.")
    assert labels["spinouts_enabled"]["title"] == fields.MECHANISM_BY_KEY["spinouts_enabled"].help
    forged = {**values, f"{ids.MECHANISMS}.value": "x"}
    assert ids.MECHANISMS not in post(app, ids.MECHANISMS, forged, f"{ids.MECHANISMS}.value")
