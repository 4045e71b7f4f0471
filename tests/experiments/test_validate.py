"""The validation report: only test rows count, the declared inputs hold together, the
2023 hold-out scenario is traced and runs, bad input exits 2 with one line."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import market
from experiments.calibration import run as calibration
from experiments.calibration import validation
from experiments.calibration.metrics import evaluate, run_data
from experiments.calibration.patterns import HELD_OUT_KINDS
from market.io import load_scenario

ROOT = Path(__file__).resolve().parents[2]
HOLDOUT = ROOT / "experiments" / "calibration" / "holdout-2023"


def test_declared_inputs_hold_together():
    inputs = calibration.load_inputs()
    assert len(inputs.split.test) >= validation.MIN_TEST_ROWS
    assert not {inputs.patterns[p].kind for p in inputs.split.train} & set(HELD_OUT_KINDS)
    assert {inputs.patterns[p].kind for p in inputs.split.train} == {"general"}
    # held-out figures are kept outside the project: no declared pattern has their kind
    assert not [p for p, spec in inputs.patterns.items() if spec.kind in HELD_OUT_KINDS]


def test_only_test_rows_count_as_validation():
    inputs = calibration.load_inputs()
    pats, split = inputs.patterns, inputs.split
    # every training and check row exactly on its observed value (a match), every test
    # row ten tolerances off (a mismatch): the summary must count 0 matches
    data = {}
    for pid, pat in pats.items():
        value = pat.observed if split.role(pid) != "test" else pat.observed + 10 * pat.tolerance
        data[pid] = [value, value]
    per_seed = pd.DataFrame(data)
    table = validation.summarise(per_seed, pats, split)
    text = validation.render(table, validation.sanity_table(per_seed), pats, split, [], None)
    n_test = len(split.test)
    assert f"0 match, 0 partial, {n_test} mismatch, 0 no data, of {n_test} test rows" in text
    assert (table.loc[table["role"] == "train", "verdict"] == "match").all()
    assert len(re.findall(r"^\| T\d+ \|", text, flags=re.M)) == n_test  # one row per test
    assert "No calibration output was given" in text


def test_statics_section_includes_the_table(tmp_path):
    assert "Not included" in validation.statics_section(None)
    (tmp_path / "comparative_statics.md").write_text("| change | x |\n|---|---|\n")
    assert "| change | x |" in validation.statics_section(tmp_path)


def _noted_fields(sources: dict[str, str]) -> dict[tuple[str, str], str]:
    """(lab or '*', field) -> note, from keys '<lab>.<f1>,<f2>,...'."""
    pairs = {}
    for key, note in sources.items():
        owner, _, fields = key.partition(".")
        pairs.update({(owner, f.strip()): note for f in fields.split(",")})
    return pairs


def test_holdout_scenario_is_traced():
    text = resources.files("market.scenarios").joinpath("frontier-2023.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    sc = load_scenario("frontier-2023")
    assert sc.start == "2023-01" and sc.step_to_month(sc.steps) == "2026-12"
    assert not {"xAI", "SSI", "Thinking Machines", "Mistral"} & set(sc.lab_names)
    noted = _noted_fields(raw["sources"])
    for lab in raw["labs"]:
        for field in ("gpus_h100e", "budget_usd", "headcount", "comp_median_usd"):
            note = noted.get((lab["name"], field)) or noted.get(("*", field), "")
            assert note.lower().startswith(("source:", "assumption")), (lab["name"], field)
    full = load_scenario("frontier-2025")
    oa23, oa25 = (s.labs[s.lab_names.index("OpenAI")] for s in (sc, full))
    assert oa23.gpus_h100e == pytest.approx(
        oa25.gpus_h100e / (1 + oa25.gpu_growth_per_year) ** 2, rel=0.01
    )


def test_holdout_run_reaches_2025():
    inputs = calibration.load_inputs(
        HOLDOUT / "parameters.toml", HOLDOUT / "patterns.toml", HOLDOUT / "split.toml"
    )
    sc = inputs.space.base.scaled(1500)
    run = run_data(sc, np.random.SeedSequence(3))
    for pid in ("openai_growth_2023", "openai_growth_aug_dec_2025", "job_to_job_big_2324"):
        assert np.isfinite(evaluate(inputs.patterns[pid].metric, run)), pid
    assert isinstance(run.model, market.TalentMarket)


def test_lab_column_metric_reads_the_labs_table():
    from experiments.calibration.metrics import RunData

    labs = pd.DataFrame(
        {
            "month": ["2026-12", "2026-12"],
            "lab": ["Meta", "OpenAI"],
            "headcount": [4, 0],
            "payroll_usd": [2e6, 0.0],
            "capability": [1.5, 2.0],
        }
    )
    run = RunData(model=None, tables={"labs": labs}, snapshot={})  # type: ignore[arg-type]
    assert evaluate("lab_column:Meta,2026-12,capability", run) == 1.5
    assert evaluate("lab_column:Meta,2026-12,pay_per_head", run) == 5e5
    assert np.isnan(evaluate("lab_column:OpenAI,2026-12,pay_per_head", run))  # nobody there
    assert np.isnan(evaluate("lab_column:Nowhere,2026-12,capability", run))


def test_lab_moves_metric_counts_departures_and_hires():
    from experiments.calibration.metrics import RunData

    moves = pd.DataFrame(
        {
            "month": ["2025-03", "2025-04", "2026-01", "2027-01", "2025-05"],
            "from_lab": ["Meta", "Meta", "OpenAI", "Meta", "pool"],
            "to_lab": ["OpenAI", "Meta", "Meta", "xAI", "Meta"],
            "reason": ["poached", "countered", "poached", "poached", "graduate_hire"],
        }
    )
    run = RunData(model=None, tables={"moves": moves}, snapshot={})  # type: ignore[arg-type]
    assert evaluate("lab_moves:Meta,out,2025-01..2026-12", run) == 1  # 2027 is outside
    assert evaluate("lab_moves:Meta,in,2025-01..2026-12", run) == 2  # countered is no hire
    assert np.isnan(evaluate("lab_moves:Meta,sideways,", run))


# -- comparative statics ---------------------------------------------------------------
def test_statics_design_doubles_meta_gpus_and_pairs_seeds():
    from experiments import comparative_statics as cs

    spec = cs.design(seeds=3)
    points = spec.design.points
    assert len(points) == len(cs.CHANGES) and points[0] == {}
    base = load_scenario("frontier-2025")
    meta = base.labs[base.lab_names.index("Meta")]
    assert points[2] == {"labs.Meta.gpus_h100e": 2 * meta.gpus_h100e}
    assert spec.common_random_numbers and spec.steps == 24


def test_statics_table_by_hand():
    from experiments import comparative_statics as cs

    # baseline 10, 12, 14 on three seeds; every change adds exactly 1, 2, 3 (diff mean 2,
    # t interval 2 +- 4.30 * 1 / sqrt(3) = [-0.48, 4.48]) except the last, which adds
    # 5, 5.1, 4.9 (an interval well above 0)
    rows = []
    for point in range(len(cs.CHANGES)):
        for rep, base in enumerate((10.0, 12.0, 14.0)):
            last = point == len(cs.CHANGES) - 1
            add = 0 if point == 0 else ((5, 5.1, 4.9) if last else (1, 2, 3))[rep]
            rows.append({"point": point, "replicate": rep, **{c: base + add for c in cs.OUTCOMES}})
    table = cs.statics_table(pd.DataFrame(rows))
    first = table[(table["change"] == cs.CHANGES[1][0])].iloc[0]
    assert first["baseline"] == pytest.approx(12.0) and first["diff"] == pytest.approx(2.0)
    assert first["diff_low"] == pytest.approx(2 - 4.3027 / np.sqrt(3), rel=1e-3)
    assert first["observed_sign"].startswith("0")
    last = table[(table["change"] == cs.CHANGES[-1][0])].iloc[0]
    assert last["diff"] == pytest.approx(5.0) and last["observed_sign"] == "+"
    assert cs._sign(1.0, 1.0) == "n/a"  # no spread across seeds is no evidence


def test_held_out_lab_figures_are_reported_but_never_declared():
    """Two-year retention of hires and lab-to-lab flow ratios have no observed value in
    the project (they are checked outside it): no pattern declares them, and the report
    prints the model's values with an interval computed by hand here."""
    import pandas as pd

    from experiments.calibration.heldout import HELD_OUT, PREFIX, heldout_section
    from experiments.calibration.patterns import HELD_OUT_KINDS, load_patterns

    declared = load_patterns()
    assert not [p for p in declared.values() if p.kind in HELD_OUT_KINDS]
    assert not {h.metric for h in HELD_OUT} & {p.metric for p in declared.values()}
    per_seed = pd.DataFrame({PREFIX + "retention_openai": [0.6, 0.7, 0.8]})
    text = "\n".join(heldout_section(per_seed))
    # mean 0.7, s = 0.1, t(0.975, 2) = 4.303 -> 0.7 +- 0.248; seed range by
    # linear interpolation: 2.5% -> 0.605, 97.5% -> 0.795
    assert "70.0% [60.5%, 79.5%] (95% CI 45.2% to 94.8%)" in text
    assert text.count("no data (the run is too short)") == len(HELD_OUT) - 1
