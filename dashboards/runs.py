"""Server-side side of a dashboard run: validate what the browser sends, refuse runs
above the size caps, store each run's tables under an unguessable id, build the export
files. Plain Python (no Dash), so every rule here is unit-tested without a browser.

Nothing here is shared mutable state between sessions: a browser session holds the
ids of its own runs in its own ``dcc.Store``; the files under :class:`RunStore` are
written once and never changed.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import market
from dashboards.fields import GLOBAL_FIELDS, LAB_FIELDS, check_number
from market.io.results import table_to_csv_bytes, table_to_parquet_bytes

EXPORT_FORMATS = ("csv", "parquet")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Limits:
    """Caps on what one dashboard run may cost; a request above them is refused.

    Attributes:
        max_people: people simulated (after rescaling).
        max_steps: months simulated.
        max_person_months: estimated people x months, counting graduate inflow; the
            full frontier-2025 scenario (about 35k people, 120 months, 3,000 graduates a
            year) is about 6 million and runs in a few seconds.
        max_upload_bytes: size of an uploaded TOML scenario.
        max_seed: largest seed.
        keep_runs: finished runs kept on disk per server process (oldest deleted).

    """

    max_people: int = 100_000
    max_steps: int = 240
    max_person_months: float = 10_000_000
    max_upload_bytes: int = 1_000_000
    max_seed: int = 2**32 - 1
    keep_runs: int = 200


@dataclass(frozen=True)
class RunRequest:
    """A validated run: the exact scenario (as TOML text and parsed) and the seed."""

    scenario: market.Scenario
    toml: str
    seed: int


# -- validation -----------------------------------------------------------------------


def check_int(value: Any, lo: int, hi: int, where: str) -> int:
    """``value`` as an int in ``[lo, hi]``; a one-line ScenarioError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise market.ScenarioError(where, f"expected a whole number {lo:,}–{hi:,}, got {value!r}")
    if not math.isfinite(value) or value != int(value):
        raise market.ScenarioError(where, f"expected a whole number {lo:,}–{hi:,}, got {value!r}")
    if not lo <= value <= hi:
        raise market.ScenarioError(where, f"must be {lo:,}–{hi:,} (got {int(value):,})")
    return int(value)


def base_scenario(source: Any, limits: Limits) -> market.Scenario:
    """The scenario a session picked: ``{"kind": "builtin", "name": ...}`` or
    ``{"kind": "upload", "toml": ..., "filename": ...}`` (as kept in its store).
    """
    if not isinstance(source, Mapping):
        raise market.ScenarioError("scenario", "pick a built-in scenario or upload a TOML file")
    kind = source.get("kind")
    if kind == "builtin":
        name = source.get("name")
        builtins = market.builtin_scenarios()
        if name not in builtins:
            raise market.ScenarioError(
                "scenario", f"unknown built-in scenario {name!r}; known: {', '.join(builtins)}"
            )
        return market.load_scenario(name)
    if kind == "upload":
        return scenario_from_toml(source.get("toml"), limits, str(source.get("filename", "")))
    raise market.ScenarioError("scenario", f"unknown scenario source {kind!r}")


def scenario_from_toml(text: Any, limits: Limits, origin: str = "") -> market.Scenario:
    """Parse and validate TOML text (an upload, a stored request) within the size cap."""
    if not isinstance(text, str):
        raise market.ScenarioError("scenario", "expected TOML text")
    if len(text.encode("utf-8", "replace")) > limits.max_upload_bytes:
        raise market.ScenarioError(
            "scenario", f"file is larger than {limits.max_upload_bytes:,} bytes"
        )
    return market.load_scenario_text(text, origin=origin or "uploaded file")


def estimated_person_months(scenario: market.Scenario) -> float:
    """People x months a run costs, counting graduates entering over the run."""
    steps = scenario.steps
    grads = scenario.population.graduates_per_year if scenario.market.graduates_enabled else 0
    return steps * (scenario.n_engineers + grads * steps / 24.0)


def check_size(scenario: market.Scenario, limits: Limits) -> None:
    """Refuse a scenario above the dashboard's caps with a message that says which."""
    if scenario.steps > limits.max_steps:
        raise market.ScenarioError(
            "steps", f"the dashboard runs at most {limits.max_steps} months (got {scenario.steps})"
        )
    if scenario.n_engineers > limits.max_people:
        raise market.ScenarioError(
            "people",
            f"the dashboard simulates at most {limits.max_people:,} people "
            f"(got {scenario.n_engineers:,}); lower 'people' or use the CLI",
        )
    cost = estimated_person_months(scenario)
    if cost > limits.max_person_months:
        raise market.ScenarioError(
            "run size",
            f"run too large: about {cost:,.0f} person-months (people x months incl. "
            f"graduates) > cap {limits.max_person_months:,.0f}; "
            "use fewer people, months or graduates, or the CLI",
        )


def lab_overrides(base: market.Scenario, rows: Any) -> dict[str, Any]:
    """Override paths from the per-lab grid rows, each value checked against its range.

    Every lab of ``base`` must appear exactly once; only values that differ from the
    scenario become overrides.
    """
    if not isinstance(rows, list) or len(rows) != len(base.labs):
        raise market.ScenarioError(
            "labs", f"expected one policy row per lab ({len(base.labs)} rows)"
        )
    overrides: dict[str, Any] = {}
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, Mapping):
            raise market.ScenarioError("labs", "each policy row must be an object")
        name = row.get("lab")
        if name not in base.lab_names or name in seen:
            raise market.ScenarioError("labs", f"unknown or repeated lab {name!r}")
        seen.add(name)
        current = lab_row(base.lab(name))
        for spec in LAB_FIELDS:
            where = f"labs.{name}.{spec.path}"
            value = row.get(spec.key)
            if spec.choices:
                if value not in spec.choices:
                    raise market.ScenarioError(
                        where, f"must be one of {', '.join(spec.choices)} (got {value!r})"
                    )
            else:
                value = check_number(spec, value, where)
            if value != current[spec.key]:
                overrides[where] = value
    return overrides


def global_overrides(base: market.Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """Override paths from the market-wide controls, each checked against its range."""
    current = global_values(base)
    overrides: dict[str, Any] = {}
    for spec in GLOBAL_FIELDS:
        value = check_number(spec, values.get(spec.key), spec.path)
        if value != current[spec.key]:
            overrides[spec.path] = value
    return overrides


def build_request(
    source: Any,
    *,
    steps: Any,
    seed: Any,
    people: Any,
    global_values_: Mapping[str, Any],
    lab_rows: Any,
    limits: Limits,
) -> RunRequest:
    """Validate everything a session sends for a run into a :class:`RunRequest`.

    Order: the session's scenario, its policy overrides (per lab and global, in the
    scenario's own units), then rescaling to ``people`` (which keeps per-head ratios,
    so a lab's GPU stock and the graduate inflow scale with it), then ``steps``.

    Raises:
        ScenarioError: the first invalid input, as one line naming the field.

    """
    base = base_scenario(source, limits)
    steps_i = check_int(steps, 1, limits.max_steps, "steps")
    seed_i = check_int(seed, 0, limits.max_seed, "seed")
    people_i = check_int(people, len(base.labs), limits.max_people, "people")
    overrides = {**global_overrides(base, global_values_), **lab_overrides(base, lab_rows)}
    spec = base.with_overrides(overrides) if overrides else base
    if people_i != spec.n_engineers:
        spec = spec.scaled(people_i)
    spec = with_horizon(spec, steps_i)
    check_size(spec, limits)
    return finalise(spec, seed_i)


def with_horizon(spec: market.Scenario, steps: int) -> market.Scenario:
    """``spec`` run for ``steps`` months (events after the horizon are dropped)."""
    return spec if steps == spec.steps else spec.truncated(steps)


def finalise(spec: market.Scenario, seed: int) -> RunRequest:
    """Freeze ``spec`` through its TOML text, so that what runs is exactly what exports."""
    text = market.scenario_to_toml(spec)
    return RunRequest(market.load_scenario_text(text, origin="run request"), text, seed)


def request_from_store(data: Any, limits: Limits) -> RunRequest:
    """Re-validate a run request as stored in the browser (it may have been forged)."""
    if not isinstance(data, Mapping):
        raise market.ScenarioError("run", "no run request")
    seed = check_int(data.get("seed"), 0, limits.max_seed, "seed")
    spec = scenario_from_toml(data.get("toml"), limits, "run request")
    check_size(spec, limits)
    return RunRequest(spec, data["toml"], seed)


def lab_row(lab: market.LabConfig) -> dict[str, Any]:
    """A lab's editable fields as a grid row."""
    row: dict[str, Any] = {"lab": lab.name}
    for spec in LAB_FIELDS:
        owner: Any = lab.policy if spec.path.startswith("policy.") else lab
        row[spec.key] = getattr(owner, spec.field)
    return row


def lab_rows(scenario: market.Scenario) -> list[dict[str, Any]]:
    """Grid rows of every lab, with the scenario's values kept as ``orig_<key>`` so the
    grid can highlight edited cells.
    """
    rows = []
    for lab in scenario.labs:
        row = lab_row(lab)
        row.update({f"orig_{k}": v for k, v in row.items() if k != "lab"})
        rows.append(row)
    return rows


def global_values(scenario: market.Scenario) -> dict[str, Any]:
    """The scenario's values of the market-wide controls."""
    values = {}
    for spec in GLOBAL_FIELDS:
        section, field = spec.path.split(".")
        values[spec.key] = getattr(getattr(scenario, section), field)
    return values


def scenario_diff(before: market.Scenario, after: market.Scenario) -> list[tuple[str, Any, Any]]:
    """``(path, before, after)`` for every leaf field that differs (labs by name)."""

    def flat(node: Any, prefix: str, out: dict[str, Any]) -> dict[str, Any]:
        if isinstance(node, dict):
            for key, value in node.items():
                flat(value, f"{prefix}.{key}" if prefix else str(key), out)
        elif (
            isinstance(node, list)
            and node
            and all(isinstance(x, dict) and "name" in x for x in node)
        ):
            for item in node:
                flat(item, f"{prefix}.{item['name']}", out)
        else:
            out[prefix] = node
        return out

    a = flat(before.model_dump(mode="json"), "", {})
    b = flat(after.model_dump(mode="json"), "", {})
    keys = [k for k in a if k in b] + [k for k in a if k not in b] + [k for k in b if k not in a]
    return [(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


# -- the result store -----------------------------------------------------------------


class RunStore:
    """Finished runs on disk, one folder per run id (32 hex digits, from uuid4).

    Each folder holds the five tables as Parquet, ``metadata.json`` and the exact
    ``scenario.toml`` that ran. Folders are written into a temporary name and renamed,
    so a folder that exists is complete; they are never modified afterwards.
    """

    def __init__(self, root: str | Path, keep: int = Limits.keep_runs) -> None:
        self.root = Path(root)
        self.keep = keep
        self.root.mkdir(parents=True, exist_ok=True)

    def folder(self, run_id: Any) -> Path:
        """The folder of ``run_id``; a ScenarioError for a malformed or unknown id."""
        if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
            raise market.ScenarioError("run", "malformed run id")
        path = self.root / run_id
        if not (path / "metadata.json").is_file():
            raise market.ScenarioError("run", "this run is no longer on the server; run it again")
        return path

    def save(self, result: market.RunResult, toml_text: str) -> str:
        """Store a finished run; returns its new id."""
        run_id = uuid.uuid4().hex
        tmp = Path(tempfile.mkdtemp(prefix=f".{run_id}-", dir=self.root))
        for name in market.TABLE_NAMES:
            result.tables[name].to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "scenario.toml").write_text(toml_text, encoding="utf-8")
        (tmp / "metadata.json").write_text(
            json.dumps(result.metadata, indent=2, sort_keys=True, default=str), encoding="utf-8"
        )
        os.replace(tmp, self.root / run_id)
        self.prune()
        return run_id

    def prune(self) -> None:
        """Delete the oldest runs beyond ``keep``."""
        runs = sorted(
            (p for p in self.root.iterdir() if p.is_dir() and _RUN_ID.match(p.name)),
            key=lambda p: p.stat().st_mtime,
        )
        for old in runs[: max(0, len(runs) - self.keep)]:
            shutil.rmtree(old, ignore_errors=True)

    def table(self, run_id: Any, name: str) -> pd.DataFrame:
        """One table of a run."""
        if name not in market.TABLE_NAMES:
            raise market.ScenarioError("table", f"unknown table {name!r}")
        return pd.read_parquet(self.folder(run_id) / f"{name}.parquet")

    def tables(self, run_id: Any) -> dict[str, pd.DataFrame]:
        """All tables of a run, keyed by name."""
        return {name: self.table(run_id, name) for name in market.TABLE_NAMES}

    def metadata(self, run_id: Any) -> dict[str, Any]:
        """The run's metadata (scenario, parameters, seed, versions, times)."""
        return json.loads((self.folder(run_id) / "metadata.json").read_text(encoding="utf-8"))

    def scenario_toml(self, run_id: Any) -> str:
        """The exact scenario that ran, as TOML."""
        return (self.folder(run_id) / "scenario.toml").read_text(encoding="utf-8")

    def scenario(self, run_id: Any) -> market.Scenario:
        """The exact scenario that ran."""
        return market.load_scenario_text(self.scenario_toml(run_id), origin="stored run")


# -- export ---------------------------------------------------------------------------


def tables_zip(
    tables: Mapping[str, pd.DataFrame],
    metadata: Mapping[str, Any],
    fmt: str,
    scenario_toml: str | None = None,
) -> bytes:
    """A zip of every table in ``fmt`` (csv or parquet) plus ``metadata.json`` (and the
    scenario as ``scenario.toml`` when given).
    """
    if fmt not in EXPORT_FORMATS:
        raise market.ScenarioError("format", f"must be one of {', '.join(EXPORT_FORMATS)}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in market.TABLE_NAMES:
            df = tables[name]
            if fmt == "csv":
                zf.writestr(f"{name}.csv", table_to_csv_bytes(df))
            else:
                zf.writestr(f"{name}.parquet", table_to_parquet_bytes(df, dict(metadata)))
        zf.writestr("metadata.json", json.dumps(metadata, indent=2, sort_keys=True, default=str))
        if scenario_toml is not None:
            zf.writestr("scenario.toml", scenario_toml)
    return buf.getvalue()


def scenario_export(toml_text: str, seed: int) -> str:
    """The scenario TOML with a header saying how to reproduce the run."""
    header = (
        "# Exported by the talent-market dashboard. Reproduce the run with:\n"
        f"#   talent-market run --scenario <this file> --seed {seed}\n"
    )
    return header + toml_text


def export_basename(metadata: Mapping[str, Any]) -> str:
    """``frontier-2025_seed1_2025-01_2026-12``: a safe file name stem for a run."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(metadata.get("scenario", "run"))).strip("-")
    seed = seed_of(metadata)
    return f"{name or 'run'}_seed{seed}_{metadata.get('start_month')}_{metadata.get('end_month')}"


def run_label(metadata: Mapping[str, Any], elapsed_s: float | None = None) -> str:
    """One line describing a run for the page."""
    took = f", {elapsed_s:.1f} s" if elapsed_s is not None else ""
    return (
        f"{metadata.get('scenario')}: {metadata.get('n_engineers_initial', 0):,} people, "
        f"{metadata.get('steps')} months ({metadata.get('start_month')} to "
        f"{metadata.get('end_month')}), seed {seed_of(metadata)}{took}"
    )


def seed_of(metadata: Mapping[str, Any]) -> Any:
    """The integer seed recorded in run metadata (``{"seed": {"seed": 1}}``)."""
    seed = metadata.get("seed")
    return seed.get("seed", seed) if isinstance(seed, Mapping) else seed


def default_cache_dir() -> Path:
    """A fresh per-process folder for the job cache and the run store."""
    return Path(tempfile.mkdtemp(prefix="talent-market-dashboard-"))


def seq(values: Any) -> Sequence[Any]:
    """``values`` as a list (``None`` -> empty)."""
    if values is None:
        return []
    return list(values) if isinstance(values, list | tuple) else [values]
