"""Issue 15, "must show": a hypothesis fuzzer over scenario fields, ``--set`` overrides,
events and design files.

Every case calls the CLI in this process on a 16-person market and must either run
(exit 0, the output folder one whole run) or exit 2 with exactly one ``error:`` line;
never a traceback, never anything left in ``--out`` after a refusal, and a default
output folder always one safe name under ``results/``. 1,000 cases in the default run
(300 + 300 + 250 + 150), ten times as many under ``-m slow``. Set ``FUZZ_REPORT=path``
to get the outcome counts as JSON.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import typing
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from market.config import Headcount, LabConfig, MarketConfig, Policy, PopulationConfig, Scenario

OUTCOMES: Counter[str] = Counter()
SLOW = 10
"""How many times more cases the ``slow`` variants run."""
CASE_NUMBER = itertools.count()

# -- values ------------------------------------------------------------------------------
SPECIAL_NUMBERS = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    1e-308,
    5e-324,
    -0.0,
    0,
    1,
    -1,
    6.7,
    2**63,
    10**30,
    -(2**63),
    1e15,
    0.999999,
    1.000001,
]
SPECIAL_TEXT = ["", "[/]", "[red]x", "[[design.points]]", "../../x", "/srv/elsewhere", "A", "B"]
SPECIAL_TEXT += ["2025-02", "2025-13", "x" * 300, "none", "match", "exceed", "frontier", "\n"]

scalars = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS),
    st.integers(-5, 60),
    st.floats(-10, 100, allow_nan=False),
    st.booleans(),
    st.sampled_from(SPECIAL_TEXT),
    st.text(alphabet="ab[]/.-_ \\'\"=", max_size=8),
)
values = st.one_of(
    scalars,
    scalars,
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.sampled_from(["a", "research", "name", "x"]), scalars, max_size=2),
)
RAW_TEXT = [
    "true",
    "false",
    "nan",
    "inf",
    "-inf",
    "+inf",
    "-1e308",
    "1e-308",
    "6.7",
    "0",
    "-3",
    "[/]",
    "'[/]'",
    '"x"',
    "[1,2]",
    "[nan,0.5,0.5]",
    "[0.5,0.5]",
    "[0.2, 0.3, 0.5]",
    "{a=1}",
    "{research=0, infrastructure=0, product=0}",
    "['A']",
    "['B']",
    "2025-01-01",
    "",
    "1" * 40,
    "0x10",
    "1_000",
]
raw_values = st.one_of(
    st.sampled_from(RAW_TEXT),
    scalars.map(lambda v: tomli_w.dumps({"v": v})[4:].strip() if not isinstance(v, str) else v),
)


# -- paths -----------------------------------------------------------------------------------
def scalar_fields(model: type[BaseModel]) -> list[str]:
    """Names of a model's fields that are not sub-models or lists of them."""
    nested = {"labs", "population", "market", "events", "headcount", "policy", "sources"}
    return [name for name in model.model_fields if name not in nested]


HEADCOUNT = ("research", "infrastructure", "product")
FIELDS: dict[str, tuple[type[BaseModel], str]] = {
    **{name: (Scenario, name) for name in scalar_fields(Scenario)},
    **{
        f"labs.{lab}.{f}": (LabConfig, f)
        for lab in ("A", "B", "*")
        for f in scalar_fields(LabConfig)
    },
    **{f"labs.A.headcount.{f}": (Headcount, f) for f in HEADCOUNT},
    **{f"labs.{lab}.policy.{f}": (Policy, f) for lab in ("A", "*") for f in scalar_fields(Policy)},
    **{f"population.{f}": (PopulationConfig, f) for f in scalar_fields(PopulationConfig)},
    **{f"market.{f}": (MarketConfig, f) for f in scalar_fields(MarketConfig)},
}
FIELD_PATHS = sorted(FIELDS)
SIZE_FIELDS = {"research", "infrastructure", "product", "graduates_per_year", "steps"}
"""Fields whose largest valid values make a run slow: only small valid values."""


def edge_values(path: str) -> list[Any]:
    """Valid values at and just inside the field's bounds, its default and its choices:
    where a model breaks if validation is too loose (1e-308 above 0, 1e12 budgets).
    """
    model, name = FIELDS[path]
    info = model.model_fields[name]
    kinds = typing.get_args(info.annotation) or (info.annotation,)
    if typing.get_origin(info.annotation) is typing.Literal:
        return list(kinds)
    if info.annotation is bool:
        return [True, False]
    default = info.get_default(call_default_factory=True)
    found = [default] if isinstance(default, int | float | str) else []
    default = found[0] if found else "x"
    lo = hi = None
    for meta in info.metadata:
        lo = next(
            (getattr(meta, a) for a in ("ge", "gt") if getattr(meta, a, None) is not None), lo
        )
        hi = next(
            (getattr(meta, a) for a in ("le", "lt") if getattr(meta, a, None) is not None), hi
        )
    integer = int in kinds and float not in kinds
    if lo is not None:
        found += [lo, lo + 1] if integer else [lo, lo + 1e-308, lo + 1e-9, lo * 1.000001]
    if hi is not None and name not in SIZE_FIELDS:
        found += [hi, hi - 1] if integer else [hi, hi * 0.999999, hi - 1e-9]
    if name in SIZE_FIELDS:
        found += [0, 1, 2, 7]
    return found or [default]


plausible = st.sampled_from(FIELD_PATHS).flatmap(
    lambda path: st.tuples(st.just(path), st.sampled_from(edge_values(path)))
)
ODD_PATHS = ["labs.Nope.mission", "labs.A", "labs", "market", "market.nope", "nope", "events"]
ODD_PATHS += ["labs.A.policy", "labs.A.headcount", "", ".", "market.", "labs.[red]A.mission"]
ODD_PATHS += ["sources.x", "population.graduate_mix.0", "labs.A.ties", "labs.*.ties"]
paths = st.one_of(
    st.sampled_from(FIELD_PATHS), st.sampled_from(FIELD_PATHS), st.sampled_from(ODD_PATHS)
)
EVENT_FIELDS = sorted(MarketConfig.model_fields) + sorted(Policy.model_fields)
EVENT_FIELDS += ["gpus_h100e", "budget_usd", "mission", "efficiency", "name", "nope", ""]


# -- running one case ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    target = os.environ.get("FUZZ_REPORT")
    if target:
        Path(target).write_text(json.dumps(dict(sorted(OUTCOMES.items())), indent=1))


def new_case(workdir: Path) -> Path:
    case = workdir / f"c{next(CASE_NUMBER)}"
    case.mkdir()
    return case


def check(kind: str, outcome, out: Path, rel) -> None:
    """The one property: a whole run, or one line and exit 2 with nothing written."""
    if outcome.code == 0:
        OUTCOMES[f"{kind}: ran"] += 1
        assert "Traceback" not in outcome.err + outcome.out
        if (out / "manifest.json").exists():  # a sweep
            meta = rel.strict_json((out / "metadata.json").read_text())
            OUTCOMES["design: runs in the sweeps that ran"] += meta["n_runs"]
            assert (out / "runs.parquet").is_file() and (out / "runs.csv").is_file()
        else:
            rel.assert_one_whole_run(out)
        assert rel.leftovers(out) == []
    else:
        OUTCOMES[f"{kind}: exit 2"] += 1
        outcome.assert_clean_failure()
        assert not out.exists(), f"a refused case left {sorted(p.name for p in out.rglob('*'))}"


def run_case(rel, kind: str, case: Path, args: list[Any], default_out: bool) -> None:
    """Run ``talent-market ARGS``; with ``default_out`` in ``case`` as working folder."""
    if not default_out:
        out = case / "out"
        check(kind, rel.invoke(*args, "--out", out), out, rel)
        return
    cwd = os.getcwd()
    os.chdir(case)
    try:
        outcome = rel.invoke(*args)
    finally:
        os.chdir(cwd)
    made = sorted(p.name for p in case.iterdir() if p.name != "in.toml")
    if outcome.code == 0:
        assert made == ["results"], made
        folders = [p for p in (case / "results").iterdir()]
        assert len(folders) == 1 and not folders[0].name.startswith("."), folders
        check(kind, outcome, folders[0], rel)
    else:
        check(kind, outcome, case / "results", rel)
        assert made == [], made


def finish(case: Path) -> None:
    shutil.rmtree(case, ignore_errors=True)


def fuzz_pair(strategy, body, n: int, doc: str):
    """A fuzz test of ``n`` cases for the default run and one of ``SLOW * n`` marked slow."""

    def make(examples: int):
        @given(strategy)
        @fuzz_settings(examples)
        def test(rel, workdir, tiny_file, case_data):
            body(rel, workdir, tiny_file, case_data)

        test.__doc__ = doc
        return test

    return make(n), pytest.mark.slow(make(n * SLOW))


def fuzz_settings(n: int):
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- 1. scenario fields in a TOML file -------------------------------------------------------
def put(data: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path in a scenario dict (labs by name), creating tables on the way."""
    parts = path.split(".")
    node: Any = data
    if parts[0] == "labs" and len(parts) > 2:
        labs = (
            data["labs"]
            if parts[1] == "*"
            else [lab for lab in data["labs"] if lab["name"] == parts[1]]
        )
        for lab in labs:
            put(lab, ".".join(parts[2:]), value)
        return
    for key in parts[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[parts[-1] or "x"] = value


scenario_cases = st.tuples(
    st.lists(
        st.one_of(plausible, st.tuples(st.sampled_from(FIELD_PATHS), values)),
        min_size=1,
        max_size=3,
    ),
    st.booleans(),
)


def scenario_field_case(rel, workdir, tiny_file, case_data) -> None:
    changes, default_out = case_data
    case = new_case(workdir)
    data = rel.tiny_dict()
    for path, value in changes:
        put(data, path, value)
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):  # not representable in TOML at all
        OUTCOMES["scenario: not TOML-able"] += 1
        return finish(case)
    (case / "in.toml").write_text(text)
    run_case(
        rel, "scenario", case, ["run", "-s", case / "in.toml", "-q", "--steps", "2"], default_out
    )
    finish(case)


test_fuzz_scenario_fields, test_fuzz_scenario_fields_slow = fuzz_pair(
    scenario_cases,
    scenario_field_case,
    300,
    """Scenario files with 1-3 fields set to odd values (NaN, 1e308, true, [/], tables).""",
)


# -- 2. --set overrides and the other run options ---------------------------------------------
as_raw = plausible.map(lambda pv: (pv[0], tomli_w.dumps({"v": pv[1]})[4:].strip()))
option_cases = st.tuples(
    st.lists(st.one_of(as_raw, as_raw, st.tuples(paths, raw_values)), min_size=0, max_size=3),
    st.sampled_from([None, "2", "5", "16", "1", "0", "-1", "10000000", "x", "1e3"]),
    st.sampled_from([None, "1", "2", "0", "1201", "x", "true"]),
    st.sampled_from([None, "0", "3", "-1", "x", str(2**64)]),
    st.sampled_from([None, "csv", "parquet", "parquet,csv", "xlsx", "", "[/]", "csv,csv"]),
    st.booleans(),
)


def option_case(rel, workdir, tiny_file, case_data) -> None:
    sets, engineers, steps, seed, formats, default_out = case_data
    case = new_case(workdir)
    args: list[Any] = ["run", "-s", tiny_file, "-q"]
    for path, raw in sets:
        args += ["--set", f"{path}={raw}"]
    for flag, value in (("--engineers", engineers), ("--seed", seed), ("--formats", formats)):
        if value is not None:
            args += [flag, value]
    args += ["--steps", steps or "2"]
    run_case(rel, "--set", case, args, default_out)
    finish(case)


test_fuzz_set_overrides_and_options, test_fuzz_set_overrides_and_options_slow = fuzz_pair(
    option_cases,
    option_case,
    300,
    """``--set PATH=VALUE`` (odd paths and TOML values), ``--engineers``, ``--steps``,
    ``--seed`` and ``--formats``.
    """,
)


# -- 3. events ---------------------------------------------------------------------------------
LAB_EVENT_PATHS = [p for p in FIELD_PATHS if p.startswith("labs.A.") and "headcount" not in p]
MARKET_EVENT_PATHS = [p for p in FIELD_PATHS if p.startswith("market.")]


def plausible_event(path: str) -> st.SearchStrategy[dict[str, Any]]:
    """An event on a real field with an edge value, at a step inside the run."""
    lab = {"lab": "A"} if path.startswith("labs.") else {}
    return st.fixed_dictionaries(
        {
            "at": st.sampled_from([1, 2, 3, "2025-02", "2025-03"]),
            "field": st.just(path.rsplit(".", 1)[1]),
            "value": st.sampled_from(edge_values(path)),
            **{k: st.just(v) for k, v in lab.items()},
        },
        optional={"months": st.sampled_from([1, 2, 5])},
    )


odd_events = st.fixed_dictionaries(
    {
        "at": st.one_of(
            st.integers(-1, 4), st.sampled_from(SPECIAL_NUMBERS + SPECIAL_TEXT), st.booleans()
        ),
        "field": st.sampled_from(EVENT_FIELDS),
        "value": values,
    },
    optional={
        "lab": st.sampled_from(["A", "B", "Nope", "[/]", ""]),
        "months": st.one_of(st.integers(-1, 4), st.sampled_from([True, 2.5, math.nan, 10**6, "2"])),
        "note": st.sampled_from(["", "[/]", "x" * 100]),
        "extra": scalars,
    },
)
good_events = st.sampled_from(LAB_EVENT_PATHS + MARKET_EVENT_PATHS).flatmap(plausible_event)
events = st.one_of(good_events, odd_events)
event_cases = st.lists(events, min_size=1, max_size=3)


def event_case(rel, workdir, tiny_file, evs) -> None:
    case = new_case(workdir)
    data = rel.tiny_dict()
    data["events"] = evs
    try:
        (case / "in.toml").write_text(tomli_w.dumps(data))
    except (TypeError, ValueError):
        OUTCOMES["events: not TOML-able"] += 1
        return finish(case)
    run_case(rel, "events", case, ["run", "-s", case / "in.toml", "-q"], default_out=False)
    finish(case)


test_fuzz_events, test_fuzz_events_slow = fuzz_pair(
    event_cases,
    event_case,
    250,
    """1-3 scheduled events with odd steps, fields, labs, values and durations.""",
)


# -- 4. design files ------------------------------------------------------------------------------
small = st.one_of(
    st.integers(-2, 3), st.sampled_from([True, 6.7, math.nan, math.inf, 10**7, "2", 0.5])
)
DESIGN_PATHS = [
    "market.sigma",
    "steps",
    "labs.A.policy.pay_multiplier",
    "labs.*.policy.noncompete_months",
]
DESIGN_PATHS += [
    "labs.A.headcount.research",
    "market.nope",
    "",
    "[/]",
    "labs.Nope.mission",
    "market",
]
good_parameter = st.sampled_from(["market.sigma", "labs.A.policy.pay_multiplier"]).flatmap(
    lambda path: st.fixed_dictionaries(
        {
            "path": st.just(path),
            "values": st.lists(st.sampled_from(edge_values(path)), min_size=1, max_size=2),
        }
    )
)
odd_parameter = st.fixed_dictionaries(
    {"path": st.sampled_from(DESIGN_PATHS)},
    optional={
        "values": st.lists(st.one_of(small, scalars), max_size=2),
        "low": small,
        "high": small,
        "integer": st.sampled_from([True, False, 1]),
    },
)
parameter = st.one_of(good_parameter, good_parameter, odd_parameter)
good_spec = st.fixed_dictionaries(
    {
        "kind": st.just("factorial"),
        "parameters": st.lists(
            good_parameter, min_size=1, max_size=2, unique_by=lambda p: p["path"]
        ),
    }
)
good_sampled = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["lhs", "sobol", "morris"]),
        "samples": st.just(2),
        "parameters": st.just([{"path": "market.sigma", "low": 0.0, "high": 3.0}]),
    }
)
design_spec = st.fixed_dictionaries(
    {"kind": st.sampled_from(["factorial", "factorial", "list", "lhs", "sobol", "morris", "nope"])},
    optional={
        "parameters": st.lists(parameter, max_size=2),
        "points": st.lists(
            st.dictionaries(st.sampled_from(DESIGN_PATHS), small, max_size=2), max_size=2
        ),
        "samples": st.sampled_from([1, 2, 3, 0, True, 6.7, 10**7]),
        "levels": small,
        "seed": small,
    },
)
good_top = st.fixed_dictionaries(
    {"design": st.one_of(good_spec, good_spec, good_sampled)},
    optional={
        "name": st.sampled_from(SPECIAL_TEXT[:6]),
        "n_engineers": st.sampled_from([2, 4, 16]),
        "metrics": st.sampled_from([["researchers"], ["talent_share", "research_hhi"]]),
        "series": st.sampled_from([[], ["research"]]),
        "common_random_numbers": st.booleans(),
    },
)
design_top = st.fixed_dictionaries(
    {"design": st.one_of(design_spec, design_spec, good_spec, scalars)},
    optional={
        "name": st.sampled_from(SPECIAL_TEXT),
        "n_engineers": st.sampled_from([2, 4, 16, 0, 1, True, 6.7, 10**7, "x", math.nan]),
        "steps": st.sampled_from([1, 2, 0, True, 6.7, 1201, -1, math.nan, "2"]),
        "replications": st.sampled_from([1, 2, 0, True, 2.5, 10**6, -1]),
        "root_seed": st.sampled_from([0, 5, -1, True, 2**70, 1.5]),
        "metrics": st.sampled_from([["researchers"], [], ["nope"], "researchers", [1]]),
        "series": st.sampled_from([[], ["research"], ["nope"], "x"]),
        "common_random_numbers": st.sampled_from([True, False, 1, "yes"]),
        "unknown_key": scalars,
    },
)
design_cases = st.one_of(
    good_top.map(lambda d: ("dict", d)),
    design_top.map(lambda d: ("dict", d)),
    design_top.map(lambda d: ("dict", d)),
    st.binary(max_size=80).map(lambda b: ("bytes", b)),
    st.text(alphabet="[]=.\"' \nab1", max_size=40).map(lambda t: ("text", t)),
)


def design_case(rel, workdir, tiny_file, case_data) -> None:
    how, content = case_data
    case = new_case(workdir)
    path = case / "in.toml"
    if how == "dict":
        data = {"scenario": str(tiny_file), "steps": 2, "replications": 1, **content}
        try:
            path.write_text(tomli_w.dumps(data))
        except (TypeError, ValueError):
            OUTCOMES["design: not TOML-able"] += 1
            return finish(case)
    elif how == "bytes":
        path.write_bytes(content)
    else:
        path.write_text(content)
    run_case(rel, "design", case, ["sweep", path, "--workers", "1", "-q"], default_out=False)
    finish(case)


test_fuzz_design_files, test_fuzz_design_files_slow = fuzz_pair(
    design_cases,
    design_case,
    150,
    """Design files: odd top-level values, parameters, points and samplers; raw bytes and
    broken TOML.
    """,
)
