"""Server-side rules of a dashboard run: validation, caps, the run store, export."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import market
from dashboards import fields, runs
from market.io.results import table_to_csv_bytes

LIMITS = runs.Limits()


def generic_source(n_engineers: int = 600) -> dict[str, Any]:
    spec = market.generic_scenario(n_labs=5, n_engineers=n_engineers)
    return {"kind": "upload", "toml": market.scenario_to_toml(spec), "filename": "g.toml"}


def build(source: dict[str, Any], limits: runs.Limits = LIMITS, **changes: Any) -> runs.RunRequest:
    """build_request on the form a browser would send, with ``changes``."""
    base = runs.base_scenario(source, LIMITS)
    args: dict[str, Any] = {
        "source": source,
        "steps": 12,
        "seed": 3,
        "people": base.n_engineers,
        "global_values": runs.global_values(base),
        "lab_rows": runs.lab_rows(base),
    }
    args.update(changes)
    return runs.build_request(runs.RunForm(**args), limits)


def test_ranges_come_from_the_model() -> None:
    spec = fields.LAB_FIELD_BY_KEY["pay_multiplier"]
    lo, hi, _, _ = spec.bounds
    info = market.Policy.model_fields["pay_multiplier"]
    assert (lo, hi) == (info.metadata[0].ge, info.metadata[1].le)
    assert spec.range_text == "0.1–10"
    assert "valuation" in spec.help
    assert fields.LAB_FIELD_BY_KEY["pay_cap_usd"].range_text == "> 0 and ≤ 1e9"
    assert fields.LAB_FIELD_BY_KEY["counter_offer"].choices == ("none", "match", "exceed")
    for spec in fields.LAB_FIELDS + fields.GLOBAL_FIELDS:
        assert spec.help, spec.key  # every control has help text
        assert spec.range_text


def test_request_applies_lab_and_global_policies() -> None:
    source = generic_source()
    base = runs.base_scenario(source, LIMITS)
    lab = base.lab_names[1]
    rows = runs.lab_rows(base)
    rows[1].update(pay_multiplier=3.0, counter_offer="exceed", compute_allocation="top_teams")
    glob = {**runs.global_values(base), "sigma": 1.5, "noncompete_enforcement": 0.0}
    req = build(source, lab_rows=rows, global_values=glob)
    assert req.scenario.lab(lab).policy.pay_multiplier == 3.0
    assert req.scenario.lab(lab).policy.counter_offer == "exceed"
    assert req.scenario.lab(lab).policy.compute_allocation == "top_teams"
    assert req.scenario.market.sigma == 1.5
    assert req.scenario.market.noncompete_enforcement == 0.0
    assert req.scenario.steps == 12
    assert req.seed == 3
    assert market.load_scenario_text(req.toml) == req.scenario
    changed = {path for path, _, _ in runs.scenario_diff(base, req.scenario)}
    assert f"labs.{lab}.policy.pay_multiplier" in changed
    assert "market.sigma" in changed


def test_rescaling_keeps_the_edited_policy_per_head() -> None:
    source = generic_source(600)
    base = runs.base_scenario(source, LIMITS)
    lab = base.lab_names[0]
    rows = runs.lab_rows(base)
    rows[0]["gpus_h100e"] = base.lab(lab).gpus_h100e * 2
    req = build(source, lab_rows=rows, people=1200)
    assert req.scenario.n_engineers == pytest.approx(1200, abs=len(base.labs))
    assert req.scenario.lab(lab).gpus_h100e == pytest.approx(base.lab(lab).gpus_h100e * 4, rel=0.01)


@pytest.mark.parametrize(
    ("change", "field_text"),
    [
        ({"steps": 0}, "steps"),
        ({"steps": 10_000}, "steps"),
        ({"steps": 12.5}, "steps"),
        ({"seed": -1}, "seed"),
        ({"seed": "1; rm -rf"}, "seed"),
        ({"people": 10**9}, "people"),
        ({"people": True}, "people"),
        (
            {
                "global_values": {
                    "noncompete_enforcement": 2.0,
                    "sigma": 0.5,
                    "graduates_per_year": 0,
                }
            },
            "market.noncompete_enforcement",
        ),
        (
            {
                "global_values": {
                    "noncompete_enforcement": 1.0,
                    "sigma": float("nan"),
                    "graduates_per_year": 0,
                }
            },
            "market.sigma",
        ),
    ],
)
def test_out_of_range_inputs_are_refused_with_the_field(change: dict, field_text: str) -> None:
    source = generic_source()
    with pytest.raises(market.ScenarioError) as err:
        build(source, **change)
    assert field_text in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("pay_multiplier", 50.0, "must be 0.1–10"),
        ("pay_multiplier", "abc", "expected a number (0.1–10), got 'abc'"),
        ("pay_multiplier", "50", "must be 0.1–10 (got '50')"),
        ("pay_cap_usd", 0.0, "> 0"),
        ("gpus_h100e", -1.0, "0–1e8"),
        ("retention_bonus_frac", None, "expected a number"),
        ("counter_offer", "double", "must be one of none, match, exceed"),
        ("compute_allocation", 3, "must be one of"),
    ],
)
def test_forged_lab_rows_are_refused(key: str, value: Any, expected: str) -> None:
    source = generic_source()
    base = runs.base_scenario(source, LIMITS)
    rows = runs.lab_rows(base)
    rows[2][key] = value
    with pytest.raises(market.ScenarioError) as err:
        build(source, lab_rows=rows)
    assert f"labs.{base.lab_names[2]}." in str(err.value)
    assert expected in str(err.value)


def test_lab_rows_must_match_the_scenario() -> None:
    source = generic_source()
    base = runs.base_scenario(source, LIMITS)
    rows = runs.lab_rows(base)
    for bad in (
        rows[:-1],
        [*rows[:-1], {**rows[0]}],
        [*rows[:-1], {**rows[-1], "lab": "Evil"}],
        "rows",
        None,
    ):
        with pytest.raises(market.ScenarioError, match="labs"):
            build(source, lab_rows=bad)


def test_unknown_scenario_sources_are_refused() -> None:
    for source in (
        None,
        {"kind": "builtin", "name": "../../etc/passwd"},
        {"kind": "x"},
        {"kind": "upload", "toml": "not = [valid"},
        {"kind": "upload", "toml": 3},
    ):
        with pytest.raises(market.ScenarioError):
            runs.base_scenario(source, LIMITS)
    big = {"kind": "upload", "toml": "#" * (LIMITS.max_upload_bytes + 1)}
    with pytest.raises(market.ScenarioError, match="larger than"):
        runs.base_scenario(big, LIMITS)


def test_size_cap_counts_people_months_and_graduates() -> None:
    source = generic_source()
    tight = runs.Limits(max_person_months=600 * 12 * 1.5)
    ok = build(source, tight)
    assert runs.estimated_person_months(ok.scenario) <= tight.max_person_months
    glob = {**runs.global_values(ok.scenario), "graduates_per_year": 1e6}
    with pytest.raises(market.ScenarioError, match="run too large"):
        build(source, tight, global_values=glob)


def test_stored_request_is_revalidated() -> None:
    spec = market.generic_scenario(n_labs=3, n_engineers=300).with_overrides({"steps": 1200})
    forged = {"request_id": "x", "toml": market.scenario_to_toml(spec), "seed": 1}
    with pytest.raises(market.ScenarioError, match="at most 240 months"):
        runs.request_from_store(forged, LIMITS)
    with pytest.raises(market.ScenarioError, match="seed"):
        runs.request_from_store({**forged, "seed": 2**40}, LIMITS)


def test_horizon_drops_events_after_it() -> None:
    spec = market.build_scenario(
        {
            **market.generic_scenario(n_labs=3, n_engineers=300).model_dump(),
            "steps": 36,
            "events": [
                {"at": 6, "field": "sigma", "value": 1.0},
                {"at": 30, "field": "sigma", "value": 2.0},
            ],
        }
    )
    short = runs.with_horizon(spec, 12)
    assert short.steps == 12
    assert [e.at for e in short.events] == [6]
    assert runs.with_horizon(spec, 36) is spec


def test_builtin_scenario_accepts_a_short_horizon() -> None:
    name = market.builtin_scenarios()[0]
    source = {"kind": "builtin", "name": name}
    req = build(source, steps=6, people=500)
    assert req.scenario.steps == 6


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[runs.RunStore, str, runs.RunRequest]:
    source = generic_source()
    req = build(source)
    store = runs.RunStore(tmp_path_factory.mktemp("runs"))
    result = market.run_scenario(req.scenario, seed=req.seed)
    return store, store.save(result, req.toml), req


def test_exported_toml_reproduces_the_run_exactly(
    stored: tuple[runs.RunStore, str, runs.RunRequest], tmp_path: Path
) -> None:
    store, run_id, req = stored
    meta = store.metadata(run_id)
    exported = runs.scenario_export(store.scenario_toml(run_id), runs.seed_of(meta))
    assert f"--seed {req.seed}" in exported
    path = tmp_path / "exported.toml"
    path.write_text(exported)
    # what `talent-market run --scenario exported.toml --seed S` does
    again = market.run_scenario(market.load_scenario(path), seed=req.seed)
    for name in market.TABLE_NAMES:
        pd.testing.assert_frame_equal(again.tables[name], store.table(run_id, name))


Stored = tuple[runs.RunStore, str, runs.RunRequest]


def test_csv_zip_matches_the_model_tables(stored: Stored) -> None:
    store, run_id, req = stored
    payload = runs.tables_zip(
        store.tables(run_id), store.metadata(run_id), "csv", store.scenario_toml(run_id)
    )
    own = market.run_scenario(req.scenario, seed=req.seed).tables
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        names = set(zf.namelist())
        assert names == {f"{n}.csv" for n in market.TABLE_NAMES} | {
            "metadata.json",
            "scenario.toml",
        }
        for name in market.TABLE_NAMES:
            assert zf.read(f"{name}.csv") == table_to_csv_bytes(own[name]), name
        meta = json.loads(zf.read("metadata.json"))
    assert meta["seed"] == {"seed": req.seed}
    assert meta["parameters"] == req.scenario.model_dump(mode="json")


def test_parquet_zip_roundtrip(stored: tuple[runs.RunStore, str, runs.RunRequest]) -> None:
    store, run_id, _ = stored
    payload = runs.tables_zip(store.tables(run_id), store.metadata(run_id), "parquet")
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        for name in market.TABLE_NAMES:
            df = pd.read_parquet(io.BytesIO(zf.read(f"{name}.parquet")))
            pd.testing.assert_frame_equal(df, store.table(run_id, name))
    with pytest.raises(market.ScenarioError):
        runs.tables_zip(store.tables(run_id), {}, "xlsx")


def test_run_store_refuses_bad_ids(stored: tuple[runs.RunStore, str, runs.RunRequest]) -> None:
    store, run_id, _ = stored
    assert store.metadata(run_id)["steps"] == 12
    for bad in ("../" + run_id, run_id.upper(), "0" * 32, None, 5, {"run_id": run_id}):
        with pytest.raises(market.ScenarioError):
            store.metadata(bad)
    with pytest.raises(market.ScenarioError):
        store.table(run_id, "../secrets")


def test_run_store_prunes_oldest(tmp_path: Path) -> None:
    spec = market.generic_scenario(n_labs=2, n_engineers=20).with_overrides({"steps": 1})
    result = market.run_scenario(spec, seed=0)
    store = runs.RunStore(tmp_path, keep=2)
    ids = [store.save(result, market.scenario_to_toml(spec)) for _ in range(3)]
    with pytest.raises(market.ScenarioError, match="no longer"):
        store.metadata(ids[0])
    assert store.metadata(ids[2])["steps"] == 1


def test_a_policy_under_a_switched_off_mechanism_is_refused_by_name() -> None:
    """Counter-offers unticked and a lab's counter rule edited: the edit could do
    nothing, so the run is refused with the switch named, not run without it."""
    source = generic_source()
    base = runs.base_scenario(source, LIMITS)
    lab = base.lab_names[1]
    rows = runs.lab_rows(base)
    rows[1].update(counter_offer="exceed")
    switches = {**runs.mechanism_values(base), "counter_offers_enabled": False}
    with pytest.raises(market.ScenarioError) as err:
        build(source, lab_rows=rows, mechanisms=switches)
    assert err.value.field == f"labs.{lab}.policy.counter_offer"
    assert "market.counter_offers_enabled = false" in str(err.value)
    assert build(source, mechanisms=switches).scenario.market.counter_offers_enabled is False
