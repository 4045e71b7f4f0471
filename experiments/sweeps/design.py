"""Design files (TOML, validated with pydantic) and the design points they generate.

A design file names a base scenario, optional rescaling, replications, a root seed,
the outcome metrics, and a ``[design]`` table: ``factorial`` (every combination of
``values``), ``list`` (explicit ``points``), ``lhs`` (Latin hypercube, scipy.stats.qmc),
``sobol`` (Saltelli sampling, SALib) or ``morris`` (elementary-effect trajectories,
SALib). Parameters are dotted scenario paths as in ``Scenario.with_overrides``,
e.g. ``labs.Meta.policy.pay_multiplier`` or ``labs.*.policy.noncompete_months``.

:func:`resolve_design` checks every path and every point against the base scenario
before anything runs, so a typo fails with one line and nothing is written.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
from pydantic import ConfigDict, Field, ValidationError, model_validator
from scipy.stats import qmc

import market
from market.config import Scenario, TypedNumbers
from market.errors import ScenarioError
from market.precedence import EventOverride, Precedence

DesignKind = Literal["factorial", "list", "lhs", "sobol", "morris"]
Scalar = bool | int | float | str
SAMPLED_KINDS = ("lhs", "sobol", "morris")


class _Strict(TypedNumbers):
    model_config = ConfigDict(extra="forbid")


class ParameterSpec(_Strict):
    """One swept parameter: a scenario path with listed values or a numeric range."""

    path: str = Field(min_length=1)
    """Dotted scenario path, e.g. ``labs.Meta.policy.pay_multiplier``."""
    values: list[Scalar] | None = None
    """Levels for a factorial design (numbers, strings or booleans)."""
    low: float | None = None
    """Lower bound for lhs/sobol/morris designs."""
    high: float | None = None
    """Upper bound for lhs/sobol/morris designs (must exceed ``low``)."""
    integer: bool | None = None
    """Round sampled values to integers (default: if the scenario field is an integer)."""

    @model_validator(mode="after")
    def _values_or_range(self) -> Self:
        if self.values is not None:
            if not self.values:
                raise ValueError(f"{self.path}: values is empty; give at least one value")
            if self.low is not None or self.high is not None:
                raise ValueError(f"{self.path}: give either values or low/high, not both")
        elif self.low is not None or self.high is not None:
            if self.low is None or self.high is None:
                raise ValueError(f"{self.path}: a range needs both low and high")
            if not self.low < self.high:
                raise ValueError(
                    f"{self.path}: empty range (low {self.low:g} must be < high {self.high:g})"
                )
        else:
            raise ValueError(f"{self.path}: give values = [...] or low and high")
        return self


class DesignSpec(_Strict):
    """The ``[design]`` table: how design points are generated."""

    kind: DesignKind = "factorial"
    """factorial, list, lhs, sobol or morris."""
    parameters: list[ParameterSpec] = Field(default_factory=list)
    """Swept parameters (all kinds except ``list``)."""
    points: list[dict[str, Scalar]] = Field(default_factory=list)
    """Explicit points for ``kind = "list"``: tables of path = value."""
    samples: int | None = Field(None, ge=1, le=1_000_000)
    """lhs: number of points; sobol: base sample N (a power of 2); morris: trajectories."""
    levels: int = Field(4, ge=2, le=100)
    """Morris grid levels."""
    second_order: bool = False
    """Sobol: also sample for second-order indices (N * (2D + 2) points instead of
    N * (D + 2))."""
    seed: int | None = Field(None, ge=0)
    """Sampler seed for lhs/sobol/morris (default: the root seed)."""

    @model_validator(mode="after")
    def _kind_requirements(self) -> Self:
        if self.kind == "list":
            if not self.points:
                raise ValueError("kind 'list' needs at least one [[design.points]] table")
            if self.parameters:
                raise ValueError("kind 'list' takes points, not parameters")
            return self
        if self.points:
            raise ValueError(f"points are only for kind 'list' (kind is {self.kind!r})")
        if not self.parameters:
            raise ValueError(f"kind {self.kind!r} needs at least one [[design.parameters]]")
        paths = [p.path for p in self.parameters]
        if len(set(paths)) != len(paths):
            raise ValueError("each parameter path may appear only once")
        if self.kind == "factorial":
            for p in self.parameters:
                if p.values is None:
                    raise ValueError(f"{p.path}: a factorial design needs values = [...]")
            return self
        for p in self.parameters:
            if p.low is None:
                raise ValueError(f"{p.path}: a {self.kind} design needs low and high")
        if self.samples is None:
            raise ValueError(f"kind {self.kind!r} needs samples = N")
        if self.kind == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"sobol samples must be a power of 2 (got {self.samples})")
        if self.kind == "morris" and self.samples < 2:
            raise ValueError("morris needs samples >= 2 trajectories")
        return self


class DesignFile(_Strict):
    """A whole design file: base scenario, replications, seed, metrics, design."""

    name: str | None = Field(None, min_length=1, max_length=80)
    """Short name for titles (default: the file name)."""
    description: str = ""
    """What question the sweep answers."""
    scenario: str = "frontier-2025"
    """Built-in scenario name or TOML path (relative to the design file)."""
    n_engineers: int | None = Field(None, ge=2, le=10_000_000)
    """Rescale every run to this many people (keeps per-head ratios)."""
    steps: int | None = Field(None, ge=1, le=1200)
    """Months per run (default: the scenario's)."""
    replications: int = Field(1, ge=1, le=100_000)
    """Runs per design point, each with its own seed."""
    root_seed: int = Field(0, ge=0)
    """Root of the ``numpy.random.SeedSequence`` that all run seeds are spawned from."""
    common_random_numbers: bool = True
    """Replicate r of every point uses the same seed (paired comparisons); if false
    every run gets its own spawned seed."""
    metrics: list[str] | None = None
    """Outcome metrics by name (default: all, see experiments.sweeps.metrics)."""
    series: list[str] = Field(default_factory=list)
    """Columns of the per-step ``labs`` table to keep for every run (default: none)."""
    precedence: Precedence = "user"
    """What happens to a scheduled event on a field a design point changes: ``user``
    (the event is dropped, the point's value wins), ``relative`` (the event is rescaled
    by the change) or ``events`` (the event still applies). Every affected event is
    reported (stderr, metadata.json, the ``event_overrides`` table)."""
    measure: str | None = Field(None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    """``module:function`` that runs one scenario and returns its outcome columns
    (replaces the built-in ``metrics``); called as ``fn(scenario, seed, **measure_options)``."""
    measure_options: dict[str, Scalar] = Field(default_factory=dict)
    """Keyword arguments passed to ``measure``."""
    design: DesignSpec
    """How design points are generated."""


@dataclass
class ResolvedDesign:
    """A design checked against its base scenario, with every point generated."""

    file: DesignFile
    base: Scenario
    points: list[dict[str, Scalar]]
    parameter_names: list[str]
    metrics: list[str]
    parameter_dtypes: dict[str, str] = field(default_factory=dict)
    """pandas dtype of each parameter column (same in every shard)."""
    sample_matrix: np.ndarray | None = None
    """Unrounded sampler output (sobol/morris), in point order, for the analysis."""
    problem: dict[str, Any] | None = None
    """SALib problem dict for sampled designs."""
    event_overrides: list[tuple[EventOverride, ...]] = field(default_factory=list)
    """Per design point, the scheduled events its changes affect (see ``precedence``)."""
    defaults: dict[str, Scalar] = field(default_factory=dict)
    """Base-scenario value of each parameter, shown in the tables for a list-design
    point that leaves the parameter out (that point keeps the base and its events)."""
    quick: bool = False
    """A smoke run (``--quick``): tables are written, no conclusion is printed."""
    digest: str = field(default="")

    @property
    def name(self) -> str:
        """Display name."""
        return self.file.name or "sweep"

    @property
    def n_runs(self) -> int:
        """Points times replications."""
        return len(self.points) * self.file.replications

    def scenario_for(self, overrides: dict[str, Scalar]) -> Scenario:
        """The scenario of one design point."""
        return build_run_scenario(
            self.base, overrides, self.file.n_engineers, self.file.steps, self.file.precedence
        )

    def parameter_values(self, point: int) -> dict[str, Scalar]:
        """The parameter columns of ``point`` (base values where the point has none)."""
        given = self.points[point]
        return {k: given.get(k, self.defaults.get(k)) for k in self.parameter_names}  # type: ignore[misc]

    def overridden_events(self) -> list[dict[str, Any]]:
        """Every (design point, affected event) pair as plain rows."""
        return [
            {"point": i, **item.to_dict()}
            for i, items in enumerate(self.event_overrides)
            for item in items
        ]

    def describe(self) -> dict[str, Any]:
        """JSON-friendly description stored in the manifest and table metadata."""
        return {
            "name": self.name,
            "design_file": self.file.model_dump(mode="json"),
            "base_scenario": self.base.name,
            "n_points": len(self.points),
            "n_runs": self.n_runs,
            "parameters": self.parameter_names,
            "metrics": self.metrics,
            "precedence": self.file.precedence,
            "event_overrides": self.overridden_events(),
            "digest": self.digest,
        }


def build_run_scenario(
    base: Scenario,
    overrides: dict[str, Scalar],
    n_engineers: int | None,
    steps: int | None,
    precedence: str = "user",
) -> Scenario:
    """Set the steps, apply ``overrides`` (real-world units) under ``precedence``, then
    rescale.

    Shortening a run drops the scenario's scheduled events that fall after its end (so
    they are not reported as overwritten); a ``steps`` parameter wins over the design's
    ``steps``. Events on a field that ``overrides`` change follow ``precedence`` and are
    listed in the result's ``event_overrides``.
    """
    overrides = dict(overrides)
    if "steps" in overrides:
        steps = overrides.pop("steps")  # type: ignore[assignment]  # validated, never cut
    sc = base
    if steps is not None and steps != sc.steps:
        sc = truncated(sc, steps)
    if overrides:
        sc = sc.with_overrides(overrides, precedence=precedence)
    if n_engineers is not None:
        sc = sc.scaled(n_engineers)
    return sc


def truncated(sc: Scenario, steps: int) -> Scenario:
    """``sc`` run for ``steps`` months, without events scheduled after the last one."""
    return sc.truncated(steps)


QUICK_ENGINEERS = 1000
QUICK_STEPS = 24
QUICK_REPLICATIONS = 2
QUICK_SAMPLES = {"lhs": 8, "sobol": 8, "morris": 4}


def quick_variant(spec: DesignFile) -> DesignFile:
    """A tiny version of ``spec`` for a smoke run: at most 1000 people, 24 months,
    2 replications and a handful of sampled points (factorial levels are kept).
    """
    ds = spec.design
    samples = ds.samples
    if ds.kind in QUICK_SAMPLES and samples is not None:
        samples = min(samples, QUICK_SAMPLES[ds.kind])
    return spec.model_copy(
        update={
            "name": f"{spec.name or 'sweep'}-quick",
            "n_engineers": min(spec.n_engineers or QUICK_ENGINEERS, QUICK_ENGINEERS),
            "steps": min(spec.steps or QUICK_STEPS, QUICK_STEPS),
            "replications": min(spec.replications, QUICK_REPLICATIONS),
            "design": ds.model_copy(update={"samples": samples}),
        }
    )


# -- loading --------------------------------------------------------------------------
def design_from_dict(data: dict[str, Any]) -> DesignFile:
    """Validate a design given as a dict; a ScenarioError names the first bad field."""
    try:
        return DesignFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = _location(err["loc"])
        if err["type"] == "value_error":
            message = str(err.get("ctx", {}).get("error", err["msg"]))
        elif err["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        else:
            message = f"{err['msg'].lower()} (got {err.get('input')!r})"
        raise ScenarioError(where, message) from None


def load_design(
    path: str | Path, quick: bool = False, precedence: str | None = None
) -> ResolvedDesign:
    """Read, validate and resolve a design TOML file (``quick``: its tiny variant;
    ``precedence``: replaces the file's rule).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError("design", f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError("design", f"{path} is not a text (TOML) file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("design", f"{path} is not valid TOML: {exc}") from None
    if precedence is not None:
        data["precedence"] = precedence
    spec = design_from_dict(data)
    if spec.name is None:
        spec = spec.model_copy(update={"name": path.stem})
    if quick:
        spec = quick_variant(spec)
    design = resolve_design(spec, base_dir=path.parent)
    design.quick = quick
    return design


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "design"


# -- resolution -------------------------------------------------------------------
def resolve_design(
    spec: DesignFile, base_dir: str | Path = ".", base: Scenario | None = None
) -> ResolvedDesign:
    """Load the base scenario (or take ``base``, a scenario built in Python), check
    every parameter and point, generate the points.
    """
    from experiments.sweeps.metrics import validate_metrics, validate_series

    base = base if base is not None else _load_base(spec.scenario, Path(base_dir))
    metrics = validate_metrics(spec.metrics)
    validate_series(spec.series)
    ds = spec.design
    matrix: np.ndarray | None = None
    problem: dict[str, Any] | None = None
    if ds.kind == "list":
        names = list(dict.fromkeys(k for point in ds.points for k in point))
        for key in names:
            check_path(base, key, next(p[key] for p in ds.points if key in p), "design.points")
        # A point that leaves a parameter out keeps the base (and its events); its
        # table columns show the base value, so parameter columns are never missing.
        defaults = {key: check_path(base, key, None, "design.points") for key in names}
        points = [dict(p) for p in ds.points]
    else:
        defaults = {}
        integer = []
        for i, p in enumerate(ds.parameters):
            trial = p.values[0] if p.values is not None else p.low
            current = check_path(base, p.path, trial, f"design.parameters[{i}].path")
            integer.append(p.integer if p.integer is not None else _is_int(current))
        names = [p.path for p in ds.parameters]
        seed = ds.seed if ds.seed is not None else spec.root_seed
        if ds.kind == "factorial":
            points = factorial_points({p.path: list(p.values or []) for p in ds.parameters})
        else:
            bounds = [(float(p.low or 0.0), float(p.high or 0.0)) for p in ds.parameters]
            problem = salib_problem(names, bounds)
            if ds.kind == "lhs":
                matrix = lhs_matrix(bounds, ds.samples or 1, seed)
            elif ds.kind == "sobol":
                matrix = sobol_matrix(problem, ds.samples or 1, ds.second_order, seed)
            else:
                matrix = morris_matrix(problem, ds.samples or 2, ds.levels, seed)
            points = points_from_matrix(names, matrix, integer)
    if spec.measure is not None:
        resolve_measure(spec.measure)
    overridden = []
    for i, point in enumerate(points):
        try:
            sc = build_run_scenario(base, point, spec.n_engineers, spec.steps, spec.precedence)
        except ScenarioError as exc:
            raise ScenarioError(f"design point {i} {_short(point)}", str(exc)) from None
        overridden.append(tuple(sc.event_overrides))
    dtypes = {
        name: column_dtype([p.get(name, defaults.get(name)) for p in points]) for name in names
    }
    resolved = ResolvedDesign(spec, base, points, names, metrics, dtypes, matrix, problem)
    resolved.event_overrides = overridden
    resolved.defaults = defaults
    resolved.digest = design_digest(resolved)
    return resolved


def _load_base(name: str, base_dir: Path) -> Scenario:
    candidate = base_dir / name
    if name.endswith(".toml") and candidate.is_file():
        return market.load_scenario(str(candidate))
    try:
        return market.load_scenario(name)
    except ScenarioError as exc:
        if exc.field == "scenario":  # already says which scenario
            raise
        raise ScenarioError("scenario", str(exc)) from None


def resolve_measure(spec: str) -> Any:
    """The function named ``module:function`` (a ScenarioError if it does not exist)."""
    import importlib

    module, _, name = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ScenarioError("measure", f"cannot load {spec!r}: {exc}") from None
    if not callable(fn):
        raise ScenarioError("measure", f"{spec!r} is not a function")
    return fn


def check_path(base: Scenario, path: str, trial: Scalar | None, where: str) -> Any:
    """Check that ``path`` names a scenario field accepting ``trial``; return its
    current value (for ``labs.*`` the first lab's). ``trial=None`` only reads it.
    """
    try:
        if trial is None:
            pass
        elif path == "steps":
            truncated(base, trial)  # type: ignore[arg-type]
        else:
            base.with_overrides({path: trial})
    except (ScenarioError, TypeError, ValueError) as exc:
        raise ScenarioError(where, str(exc)) from None
    data = base.model_dump()
    parts = path.split(".")
    node: Any = data
    if parts[0] == "labs":
        name = base.lab_names[0] if parts[1] == "*" else parts[1]
        node = data["labs"][base.lab_names.index(name)]
        parts = parts[2:]
    for key in parts:
        node = node[key]
    if isinstance(node, dict | list):
        raise ScenarioError(where, f"{path} is a table, not a single field")
    return node


def column_dtype(values: list[Any]) -> str:
    """One numpy-backed dtype for a parameter column: int64, float64, bool or object
    (strings). Never a nullable extension type: points always hold every parameter.
    """
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    if values and all(_is_int(v) for v in values):
        return "int64"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "float64"
    return "object"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(point: dict[str, Scalar]) -> str:
    return "(" + ", ".join(f"{k}={v}" for k, v in point.items()) + ")"


# -- generators (pure) --------------------------------------------------------------
def factorial_points(levels: dict[str, list[Scalar]]) -> list[dict[str, Scalar]]:
    """Every combination of the levels, the last parameter varying fastest."""
    names = list(levels)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*levels.values())]


def salib_problem(names: list[str], bounds: list[tuple[float, float]]) -> dict[str, Any]:
    """The SALib problem dictionary."""
    return {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}


def lhs_matrix(bounds: list[tuple[float, float]], n: int, seed: int) -> np.ndarray:
    """``n`` Latin-hypercube points scaled to ``bounds`` (scipy.stats.qmc)."""
    sampler = qmc.LatinHypercube(d=len(bounds), rng=np.random.default_rng(seed))
    unit = sampler.random(n)
    lo, hi = zip(*bounds, strict=True)
    return qmc.scale(unit, lo, hi)


def sobol_matrix(problem: dict[str, Any], n: int, second_order: bool, seed: int) -> np.ndarray:
    """Saltelli's extension of the Sobol sequence (SALib): N*(D+2) or N*(2D+2) rows."""
    from SALib.sample import sobol

    return sobol.sample(problem, n, calc_second_order=second_order, seed=seed)


def morris_matrix(problem: dict[str, Any], trajectories: int, levels: int, seed: int) -> np.ndarray:
    """Morris elementary-effect trajectories (SALib): trajectories*(D+1) rows."""
    from SALib.sample import morris

    return morris.sample(problem, trajectories, num_levels=levels, seed=seed)


def points_from_matrix(
    names: list[str], matrix: np.ndarray, integer: list[bool]
) -> list[dict[str, Scalar]]:
    """Rows of a sample matrix as override dicts, rounding integer parameters."""
    points = []
    for row in matrix:
        point: dict[str, Scalar] = {}
        for name, value, is_int in zip(names, row, integer, strict=True):
            point[name] = round(float(value)) if is_int else float(value)
        points.append(point)
    return points


def design_digest(design: ResolvedDesign) -> str:
    """sha256 over everything that determines the runs and their outcomes."""
    payload = {
        "file": design.file.model_dump(mode="json", exclude={"name", "description"}),
        "base": design.base.model_dump(mode="json"),
        "points": design.points,
        "metrics": design.metrics,
        "dtypes": design.parameter_dtypes,
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()
