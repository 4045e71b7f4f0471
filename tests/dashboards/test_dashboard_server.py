"""The server refuses forged callback requests (POSTs to Dash's endpoint that bypass
the page), runs jobs correctly outside the browser, and the CLI starts it as documented.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dash
import pytest
from forge import message_text, post, run_values
from typer.testing import CliRunner

import market
from dashboards import ids, runs
from dashboards.app import Settings, create_app
from dashboards.jobs import JobGate
from dashboards.views.run import run_job
from market.codes import BETWEEN_LABS


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return create_app(Settings(cache_dir=tmp_path_factory.mktemp("dash")))


@pytest.fixture(scope="module")
def store(app: Any) -> runs.RunStore:
    return runs.RunStore(Path(app.server.config["TALENT_MARKET_CACHE_DIR"]) / "runs")


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    return {"kind": "builtin", "name": "frontier-2025"}


@pytest.fixture(scope="module")
def base(source: dict[str, Any]) -> market.Scenario:
    return runs.base_scenario(source, runs.Limits())


@pytest.fixture(scope="module")
def run_id(store: runs.RunStore, base: market.Scenario) -> str:
    spec = runs.with_horizon(base.scaled(1500), 12)
    return store.save(market.run_scenario(spec, seed=1), market.scenario_to_toml(spec))


def test_valid_run_request_is_accepted(app: Any, source: dict, base: market.Scenario) -> None:
    out = post(app, ids.RUN_REQUEST, run_values(source, base), f"{ids.RUN}.n_clicks")
    request = out["response"][ids.RUN_REQUEST]["data"]
    assert request["seed"] == 1
    spec = market.load_scenario_text(request["toml"])
    assert spec.steps == 12
    assert spec.n_engineers == pytest.approx(1500, abs=len(base.labs))


def test_forged_out_of_range_policy_is_refused(
    app: Any, source: dict, base: market.Scenario
) -> None:
    rows = runs.lab_rows(base)
    rows[3]["pay_multiplier"] = 1e6
    values = run_values(source, base, **{f"{ids.LAB_GRID}.rowData": rows})
    out = post(app, ids.RUN_REQUEST, values, f"{ids.RUN}.n_clicks")
    assert ids.RUN_REQUEST not in out["response"]  # nothing is run
    text = message_text(out, ids.RUN_MESSAGE)
    assert f"labs.{base.lab_names[3]}.policy.pay_multiplier" in text
    assert "0.1–10" in text


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({f"{ids.PEOPLE}.value": 10**9}, "people"),
        ({f"{ids.STEPS}.value": 10**6}, "steps"),
        ({f"{ids.PEOPLE}.value": 100_000, f"{ids.STEPS}.value": 240}, "run too large"),
        ({f"{ids.GRADUATES}.value": 1e7, f"{ids.STEPS}.value": 240}, "run too large"),
        ({f"{ids.SIGMA}.value": "1e308"}, "market.sigma"),
        ({f"{ids.SCENARIO_STORE}.data": {"kind": "builtin", "name": "/etc/passwd"}}, "scenario"),
    ],
)
def test_forged_huge_or_malformed_runs_are_refused(
    app: Any, source: dict, base: market.Scenario, changes: dict, expected: str
) -> None:
    out = post(app, ids.RUN_REQUEST, run_values(source, base, **changes), f"{ids.RUN}.n_clicks")
    assert ids.RUN_REQUEST not in out["response"]
    assert expected in message_text(out, ids.RUN_MESSAGE)


def flow_values(run_id: str, **changes: Any) -> dict[str, Any]:
    values = {
        f"{ids.RUN_STORE}.data": {"run_id": run_id},
        f"{ids.SPECIALTIES}.value": ["research", "infrastructure", "product"],
        f"{ids.WINDOW}.value": [1, 12],
        f"{ids.ENTRY_EXIT}.value": [],
        f"{ids.POOLS}.value": "show",
    }
    values.update(changes)
    return values


def test_flow_views_of_a_stored_run(app: Any, run_id: str, store: runs.RunStore) -> None:
    out = post(app, ids.SANKEY, flow_values(run_id), f"{ids.SPECIALTIES}.value")
    fig = out["response"][ids.SANKEY]["figure"]
    moves = store.table(run_id, "moves")
    between = moves[moves["reason"].isin(BETWEEN_LABS) & (moves.from_lab != moves.to_lab)]
    if len(between):
        labels = set(fig["data"][0]["node"]["label"])
        assert set(between["to_lab"]) & labels
        assert sum(fig["data"][0]["link"]["value"]) == len(between)
    assert f"{len(between):,} moves shown" in out["response"][ids.FLOW_CAPTION]["children"]


@pytest.mark.parametrize(
    "changes",
    [
        {f"{ids.WINDOW}.value": [0, 10**9]},
        {f"{ids.WINDOW}.value": "all"},
        {f"{ids.SPECIALTIES}.value": ["<script>"]},
        {f"{ids.ENTRY_EXIT}.value": ["rm"]},
        {f"{ids.RUN_STORE}.data": {"run_id": "../../../etc/passwd"}},
    ],
)
def test_forged_view_inputs_are_refused(app: Any, run_id: str, changes: dict) -> None:
    out = post(app, ids.SANKEY, flow_values(run_id, **changes), f"{ids.SPECIALTIES}.value")
    assert ids.SANKEY not in out["response"]
    assert "error" in json.dumps(out["response"][ids.FLOW_CAPTION])


def test_forged_export_is_refused(app: Any) -> None:
    values = {f"{ids.EXPORT_CSV}.n_clicks": 1, f"{ids.RUN_STORE}.data": {"run_id": "../x"}}
    out = post(app, ids.DOWNLOAD, values, f"{ids.EXPORT_CSV}.n_clicks")
    assert ids.DOWNLOAD not in out["response"]
    assert "malformed run" in message_text(out, ids.EXPORT_MESSAGE)


def test_export_of_a_stored_run(app: Any, run_id: str) -> None:
    values = {f"{ids.EXPORT_TOML}.n_clicks": 1, f"{ids.RUN_STORE}.data": {"run_id": run_id}}
    out = post(app, ids.DOWNLOAD, values, f"{ids.EXPORT_TOML}.n_clicks")
    download = out["response"][ids.DOWNLOAD]["data"]
    assert download["filename"].endswith(".toml")
    assert "--seed 1" in download["content"]
    assert market.load_scenario_text(download["content"]).steps == 12


def test_background_job_revalidates_a_forged_request(store: runs.RunStore) -> None:
    spec = market.generic_scenario(n_labs=3, n_engineers=90_000).with_overrides({"steps": 240})
    forged = {"request_id": "x", "toml": market.scenario_to_toml(spec), "seed": 0}
    progress: list[Any] = []
    data, message = run_job(forged, store, runs.Limits(), progress.append, gate(store))
    assert data is dash.no_update
    assert "run too large" in str(message.children)
    assert progress == []  # refused before any step ran


def test_background_job_runs_and_reports_progress(store: runs.RunStore) -> None:
    spec = market.generic_scenario(n_labs=4, n_engineers=400).with_overrides({"steps": 6})
    request = {"request_id": "x", "toml": market.scenario_to_toml(spec), "seed": 2}
    progress: list[Any] = []
    data, _ = run_job(request, store, runs.Limits(), progress.append, gate(store))
    assert progress[-1] == ("6", "6", "seed 2 (1 of 1): month 6 of 6")
    expected = market.run_scenario(spec, seed=2).tables["summary"]
    stored = store.table(data["run_id"], "summary")
    assert stored.equals(expected)


def gate(store: runs.RunStore, slots: int = 2, queue: int = 2) -> JobGate:
    return JobGate(store.root.parent / f"slots-{slots}-{queue}", slots, queue, timeout_s=60)


def cli_app() -> Any:
    from market import cli

    cli._register_plugins()
    return cli.app


def test_cli_defaults_to_localhost_8050_debug_off(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(dash.Dash, "run", lambda self, **kw: calls.append(kw))
    result = CliRunner().invoke(cli_app(), ["dashboard"])
    assert result.exit_code == 0, result.output
    assert calls == [{"host": "127.0.0.1", "port": 8050, "debug": False}]
    assert "warning" not in result.output
    result = CliRunner().invoke(cli_app(), ["dashboard", "--host", "0.0.0.0", "--port", "9000"])
    assert calls[-1] == {"host": "0.0.0.0", "port": 9000, "debug": False}


def test_cli_user_mistake_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(cli_app(), ["dashboard", "--port", "70000"])
    assert result.exit_code == 2
    assert "--port" in result.output
