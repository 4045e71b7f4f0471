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
from dashboards import timeline
from dashboards.fields import (
    GLOBAL_FIELDS,
    LAB_FIELDS,
    MECHANISM_BY_KEY,
    MECHANISM_FIELDS,
    check_number,
    check_switch,
    parse_text,
)
from market.errors import shown
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
        max_replications: seeds one run may ask for.
        default_replications: seeds shown in the form at first.
        max_total_person_months: person-months of all seeds of one run together; a
            request for more seeds than fit is cut to what fits (at least one).
        max_jobs: runs computing at once on this server (each is a process).
        max_queued: runs waiting for a free slot; one more is refused at once.
        queue_timeout_s: how long a queued run waits before it gives up.

    """

    max_people: int = 100_000
    max_steps: int = 240
    max_person_months: float = 10_000_000
    max_upload_bytes: int = 1_000_000
    max_seed: int = 2**32 - 1
    keep_runs: int = 200
    max_replications: int = 10
    default_replications: int = 5
    max_total_person_months: float = 30_000_000
    max_jobs: int = 2
    max_queued: int = 4
    queue_timeout_s: float = 300.0


@dataclass(frozen=True)
class RunRequest:
    """A validated run: the exact scenario (as TOML text and parsed), the first seed,
    how many seeds (``seed``, ``seed + 1``, ...) and what the precedence rule did.
    """

    scenario: market.Scenario
    toml: str
    seed: int
    replications: int = 1
    report: tuple[str, ...] = ()
    note: str = ""

    def to_store(self, request_id: str) -> dict[str, Any]:
        """The request as kept in the browser (re-validated by the background job)."""
        return {
            "request_id": request_id,
            "toml": self.toml,
            "seed": self.seed,
            "replications": self.replications,
        }


# -- validation -----------------------------------------------------------------------


def check_int(value: Any, lo: int, hi: int, where: str) -> int:
    """``value`` (a number, or text as typed) as an int in ``[lo, hi]``; a one-line
    ScenarioError that echoes the value as typed otherwise.
    """
    typed = value
    value = parse_text(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise market.ScenarioError(where, f"expected a whole number {lo:,}–{hi:,}, got {typed!r}")
    if not math.isfinite(value) or value != int(value):
        raise market.ScenarioError(where, f"expected a whole number {lo:,}–{hi:,}, got {typed!r}")
    if not lo <= value <= hi:
        shown = typed if isinstance(typed, str) else f"{int(value):,}"
        raise market.ScenarioError(where, f"must be {lo:,}–{hi:,} (got {shown})")
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


def replication_cap(scenario: market.Scenario, limits: Limits) -> int:
    """How many seeds of ``scenario`` fit the caps (at least one)."""
    cost = max(estimated_person_months(scenario), 1.0)
    return max(1, min(limits.max_replications, int(limits.max_total_person_months // cost)))


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
            value = check_cell(spec, row.get(spec.key), where)
            if value != current[spec.key]:
                overrides[where] = value
    return overrides


def check_cell(spec: Any, value: Any, where: str) -> Any:
    """One per-lab grid cell checked against its field's choices or range."""
    if spec.choices:
        if value not in spec.choices:
            raise market.ScenarioError(
                where, f"must be one of {', '.join(spec.choices)} (got {value!r})"
            )
        return value
    return check_number(spec, value, where)


def lenient_overrides(
    base: market.Scenario, rows: Any, values: Mapping[str, Any], switches: Any = None
) -> dict:
    """The valid edits among the per-lab rows, market-wide values and mechanism
    switches (invalid ones are left out), for live flags while the user is still typing.
    """
    overrides: dict[str, Any] = {}
    current = {r["lab"]: r for r in lab_rows(base)}
    for row in rows if isinstance(rows, list) else []:
        name = row.get("lab") if isinstance(row, Mapping) else None
        for spec in LAB_FIELDS if name in current else ():
            where = f"labs.{name}.{spec.path}"
            try:
                value = check_cell(spec, row.get(spec.key), where)
            except market.ScenarioError:
                continue
            if value != current[name][spec.key]:
                overrides[where] = value
    for spec in GLOBAL_FIELDS:
        try:
            overrides.update(global_overrides_one(base, spec, values.get(spec.key)))
        except market.ScenarioError:
            continue
    now = mechanism_values(base)
    for key, value in switches.items() if isinstance(switches, Mapping) else ():
        if key in now and isinstance(value, bool) and value != now[key]:
            overrides[MECHANISM_BY_KEY[key].path] = value
    return overrides


def global_overrides_one(base: market.Scenario, spec: Any, value: Any) -> dict[str, Any]:
    """``{path: value}`` if the market-wide control ``spec`` differs from ``base``."""
    value = check_number(spec, value, spec.path)
    return {spec.path: value} if value != global_values(base)[spec.key] else {}


def global_overrides(base: market.Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """Override paths from the market-wide controls, each checked against its range."""
    overrides: dict[str, Any] = {}
    for spec in GLOBAL_FIELDS:
        overrides.update(global_overrides_one(base, spec, values.get(spec.key)))
    return overrides


def switches_from_checklist(checked: Any) -> Any:
    """The Mechanisms checklist's value (the ticked switches) as ``{name: bool}`` for
    every switch. A name that is no switch is kept (as True) and anything but a list
    is passed on as sent, so that :func:`mechanism_overrides` refuses it by name;
    ``None`` (not filled yet) stays None: the scenario's own switches.
    """
    if not isinstance(checked, list):
        return checked
    values: dict[Any, bool] = {spec.key: spec.key in checked for spec in MECHANISM_FIELDS}
    for name in checked:
        if not (isinstance(name, str) and name in values):
            values[name if isinstance(name, str) else shown(name)] = True
    return values


def checked_switches(switches: Mapping[str, bool]) -> list[str]:
    """The ticked names of a valid ``{name: bool}``, as the checklist holds them."""
    return [spec.key for spec in MECHANISM_FIELDS if switches.get(spec.key) is True]


def mechanism_overrides(base: market.Scenario, switches: Any) -> dict[str, Any]:
    """Override paths from the mechanism switches: ``switches`` must give every
    switch of :data:`MECHANISM_FIELDS` a real boolean and name no other; ``None`` keeps
    the scenario's own. Only switches that differ from the scenario become overrides.
    """
    if switches is None:
        return {}
    if not isinstance(switches, Mapping):
        raise market.ScenarioError(
            "mechanisms", f"expected the switches as name: true/false, got {shown(switches)}"
        )
    unknown = [name for name in switches if name not in MECHANISM_BY_KEY]
    if unknown:
        raise market.ScenarioError(
            "mechanisms",
            f"unknown switch {shown(unknown[0])} (known: {', '.join(MECHANISM_BY_KEY)})",
        )
    current = mechanism_values(base)
    overrides: dict[str, Any] = {}
    for spec in MECHANISM_FIELDS:
        value = check_switch(spec, switches.get(spec.key))
        if value != current[spec.key]:
            overrides[spec.path] = value
    return overrides


@dataclass(frozen=True)
class RunForm:
    """Everything a session's side panel sends for a run, as the browser sent it
    (``mechanisms``: ``{name: bool}`` of every switch, None for the scenario's own).
    """

    source: Any
    steps: Any
    seed: Any
    people: Any
    global_values: Mapping[str, Any]
    lab_rows: Any
    event_rows: Any = None
    precedence: Any = "user"
    replications: Any = 1
    mechanisms: Any = None


def build_request(form: RunForm, limits: Limits) -> RunRequest:
    """Validate everything a session sends for a run into a :class:`RunRequest`.

    Order: the session's scenario, its events as edited (switched off, new dates or
    values), its policy overrides (per lab, global and mechanism switches, in the
    scenario's own units) applied with the chosen precedence rule over the events,
    then rescaling to ``people`` (which keeps per-head ratios, so a lab's GPU stock and
    the graduate inflow scale with it), then ``steps``; the number of seeds is cut to
    what fits the size caps.

    Raises:
        ScenarioError: the first invalid input, as one line naming the field.

    """
    base = base_scenario(form.source, limits)
    steps_i = check_int(form.steps, 1, limits.max_steps, "steps")
    seed_i = check_int(form.seed, 0, limits.max_seed, "seed")
    people_i = check_int(form.people, len(base.labs), limits.max_people, "people")
    reps = check_int(form.replications, 1, limits.max_replications, "seeds")
    precedence = timeline.check_precedence(form.precedence)
    with_events = timeline.events_from_rows(base, form.event_rows)
    overrides = {
        **global_overrides(base, form.global_values),
        **mechanism_overrides(base, form.mechanisms),
        **lab_overrides(base, form.lab_rows),
    }
    spec = with_events.with_overrides(overrides, precedence) if overrides else with_events
    enabled = timeline.enabled_indices(form.event_rows, len(base.events))
    outcomes = timeline.event_outcomes(spec.event_overrides, enabled)
    report = tuple(timeline.report_line(item, i) for i, item in sorted(outcomes.items()))
    if people_i != spec.n_engineers:
        spec = spec.scaled(people_i)
    spec = with_horizon(spec, steps_i)
    check_size(spec, limits)
    cap = replication_cap(spec, limits)
    note = f"{cap} of {reps} seeds run (the size cap fits {cap})" if reps > cap else ""
    request = finalise(spec, seed_i)
    return RunRequest(request.scenario, request.toml, seed_i, min(reps, cap), report, note)


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
    reps = check_int(data.get("replications", 1), 1, limits.max_replications, "seeds")
    spec = scenario_from_toml(data.get("toml"), limits, "run request")
    check_size(spec, limits)
    if seed + reps - 1 > limits.max_seed:
        raise market.ScenarioError("seed", f"seed + seeds - 1 must be ≤ {limits.max_seed:,}")
    if reps > replication_cap(spec, limits):
        raise market.ScenarioError(
            "seeds", f"at most {replication_cap(spec, limits)} seeds of a run this size"
        )
    return RunRequest(spec, data["toml"], seed, reps)


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


def mechanism_values(scenario: market.Scenario) -> dict[str, bool]:
    """The scenario's mechanism switches, ``{name: bool}``."""
    return {spec.key: getattr(scenario.market, spec.key) for spec in MECHANISM_FIELDS}


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


def run_ids(data: Any, limits: Limits) -> list[str]:
    """The run ids a session's run pointer holds: the first seed's run first, then the
    other seeds' (``{"run_id": ..., "runs": [...]}``); shapes are checked, ids are
    checked by :meth:`RunStore.folder` when read.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("run_id"), str):
        raise market.ScenarioError("run", "no run yet")
    runs = data.get("runs", [data["run_id"]])
    if (
        not isinstance(runs, list)
        or not 1 <= len(runs) <= limits.max_replications
        or runs[0] != data["run_id"]
        or not all(isinstance(r, str) and _RUN_ID.match(r) for r in runs)
    ):
        raise market.ScenarioError("run", "malformed run pointer")
    return list(runs)


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


def seeds_label(metadata: Mapping[str, Any], seeds: Any, elapsed_s: float | None = None) -> str:
    """:func:`run_label` of a run of several seeds ("seeds 3–4" for "seed 3")."""
    label = run_label(metadata, elapsed_s)
    if isinstance(seeds, list) and len(seeds) > 1:
        label = label.replace(f"seed {seeds[0]}", f"seeds {seeds[0]}–{seeds[-1]}", 1)
    return label


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
