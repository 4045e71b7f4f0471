"""Comparative statics (issue 10): baseline vs eight policy changes, paired seeds.

Changes: Meta pay x3, Meta GPUs x2, sigma 0.5 and 2, non-competes 0 and 12 months
everywhere, counter-offers off, equal search everywhere (every lab's poaching intensity
1). Outcomes: Meta's Dec-2026 headcount, the big-lab job-to-job rate, the median pay
ratio on big-lab-to-big-lab moves and the rank correlation of GPUs per researcher with
net research inflow. Every change is compared with the baseline on the same seeds (common
random numbers): mean difference with a 95% t interval, beside the sign the literature
expects (with its source). A change on a field that a scheduled event also sets drops
that event (precedence ``user``): e.g. equal search removes Meta's 2025 poaching burst.

    python experiments/comparative_statics.py [--quick] [--seeds 20] [--out DIR] [--workers N]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import typer

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import market
from experiments.calibration.metrics import evaluate, run_data
from experiments.calibration.report import fmt
from experiments.sweeps import analysis, figures, script
from experiments.sweeps.console import Seeds
from experiments.sweeps.design import DesignFile

OUTCOMES: dict[str, tuple[str, str, str]] = {
    "meta_headcount_2026": ("headcount:Meta,2026-12", "Meta headcount, Dec 2026", "count"),
    "meta_research_2026": (
        "lab_column:Meta,2026-12,research",
        "Meta researchers, Dec 2026",
        "count",
    ),
    "meta_capability_2026": (
        "lab_column:Meta,2026-12,capability",
        "Meta capability, Dec 2026",
        "index",
    ),
    "meta_pay_per_head_2026": (
        "lab_column:Meta,2026-12,pay_per_head",
        "Meta payroll per head, Dec 2026",
        "usd",
    ),
    "meta_departures": (
        "lab_moves:Meta,out,2025-01..2026-12",
        "Meta departures to other labs, 2025-26",
        "count",
    ),
    "meta_hires": ("lab_moves:Meta,in,2025-01..2026-12", "Meta hires, 2025-26", "count"),
    "job_to_job_big": ("job_to_job_rate:big", "big-lab job-to-job rate /yr", "share"),
    "pay_ratio_big": ("median_pay_ratio:big", "median pay ratio, big-lab moves", "ratio"),
    "compute_pull_rho": ("compute_pull_rho:2026-12", "rho(GPUs/researcher, net inflow)", "rho"),
}
"""Outcome column -> (metric, label, unit)."""

REFERENCES: dict[str, str] = {
    "MSF09": "Marx, Strumsky & Fleming (2009), Management Science 55(6): Michigan's 1985 "
    "enforcement of non-competes cut inventor mobility by ~8%, ~15% for star inventors.",
    "PVR02": "Postel-Vinay & Robin (2002), Econometrica 70(6): with counter-offers the "
    "incumbent matches outside offers, so fewer workers move and stayers' pay rises.",
    "BM98": "Burdett & Mortensen (1998), IER 39(2); Manning (2003), Monopsony in Motion: "
    "a firm's labour supply rises with the wage it pays.",
    "WW25": "Whitfill & Wu (2025), arXiv 2507.23181: compute and research labour as CES "
    "inputs, sigma from ~0 (complements) to 2.6.",
    "I10": "Issue 10: with every lab's search intensity equal, the correlation should "
    "stay positive if compute (not search intensity) pulls talent.",
}
"""Short keys of the literature behind the expected signs."""
MARX, PVR, MANNING, WW, ISSUE = "MSF09", "PVR02", "BM98", "WW25", "I10"

DOUBLE = "x2"
"""Placeholder: twice the base scenario's value (filled in by :func:`design`)."""

CHANGES: list[tuple[str, dict[str, object], dict[str, str], str]] = [
    ("baseline", {}, {}, ""),
    (
        "Meta pay x3",
        {"labs.Meta.policy.pay_multiplier": 3.0},
        {
            "meta_headcount_2026": "+",
            "meta_departures": "-",
            "job_to_job_big": "+",
            "pay_ratio_big": "+",
        },
        MANNING,
    ),
    (
        "Meta GPUs x2",
        {"labs.Meta.gpus_h100e": DOUBLE},
        {"meta_headcount_2026": "+", "meta_capability_2026": "+", "compute_pull_rho": "+"},
        WW,
    ),
    (
        "sigma 0.5",
        {"market.sigma": 0.5},
        {"compute_pull_rho": "+"},
        WW,
    ),
    (
        "sigma 2",
        {"market.sigma": 2.0},
        {"compute_pull_rho": "-"},
        WW,
    ),
    (
        "non-competes 0",
        {"labs.*.policy.noncompete_months": 0},
        {"job_to_job_big": "+"},
        MARX,
    ),
    (
        "non-competes 12 months",
        {"labs.*.policy.noncompete_months": 12},
        {"job_to_job_big": "- (about -8%)"},
        MARX,
    ),
    (
        "counters off",
        {"market.counter_offers_enabled": False},
        {"job_to_job_big": "+", "pay_ratio_big": "-"},
        PVR,
    ),
    (
        "option value off",
        {"market.option_value_enabled": False},
        {"pay_ratio_big": "+"},
        PVR,
    ),
    (
        "equal search",
        {"labs.*.policy.poaching_intensity": 1.0},
        {"compute_pull_rho": "+ if talent follows compute"},
        ISSUE,
    ),
]
"""(label, overrides, expected sign per outcome, literature)."""


def measure(scenario: market.Scenario, seed: np.random.SeedSequence) -> dict[str, float]:
    """The sweep ``measure``: the four outcomes of one run."""
    run = run_data(scenario, seed)
    return {col: evaluate(metric, run) for col, (metric, _, _) in OUTCOMES.items()}


def design(seeds: int) -> DesignFile:
    """One point per change, the baseline first; runs to Dec 2026."""
    base = market.load_scenario("frontier-2025")
    meta_gpus = 2.0 * base.labs[base.lab_names.index("Meta")].gpus_h100e
    points = [{k: (meta_gpus if v == DOUBLE else v) for k, v in c[1].items()} for c in CHANGES]
    return DesignFile.model_validate(
        {
            "name": "comparative-statics",
            "description": "issue-10 comparative statics, paired seeds",
            "scenario": "frontier-2025",
            "steps": 24,
            "replications": seeds,
            "root_seed": 20250710,
            "measure": "experiments.comparative_statics:measure",
            "design": {"kind": "list", "points": points},
        }
    )


def statics_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per change and outcome: baseline mean, paired difference with 95% CI, signs."""
    rows = []
    for col, (_, label, unit) in OUTCOMES.items():
        diffs = analysis.paired_difference(runs, col)
        base = float(diffs.loc[diffs["point"] == 0, "mean"].iloc[0])
        for point, (name, _, signs, source) in enumerate(CHANGES):
            if point == 0:
                continue
            d = diffs[diffs["point"] == point].iloc[0]
            expected = signs.get(col, "")
            observed = _sign(d["diff_low"], d["diff_high"])
            rows.append(
                {
                    "change": name,
                    "outcome": label,
                    "unit": unit,
                    "baseline": base,
                    "changed": float(d["mean"]),
                    "diff": float(d["diff"]),
                    "diff_low": float(d["diff_low"]),
                    "diff_high": float(d["diff_high"]),
                    "observed_sign": observed,
                    "expected_sign": expected,
                    "agrees": _agrees(expected, observed),
                    "literature": source if expected else "",
                }
            )
    return pd.DataFrame(rows)


def _sign(low: float, high: float) -> str:
    """+ or - when the 95% interval excludes 0; no spread (all seeds equal) is no evidence."""
    if not (np.isfinite(low) and np.isfinite(high)) or np.isclose(low, high, rtol=1e-9, atol=1e-12):
        return "n/a"
    return "+" if low > 0 else "-" if high < 0 else "0 (CI spans 0)"


def _agrees(expected: str, observed: str) -> str:
    if not expected:
        return ""
    if observed.startswith("0") or observed == "n/a":
        return "not significant"
    return "yes" if expected.startswith(observed) else "no"


def markdown(table: pd.DataFrame) -> str:
    """The table as markdown (for the report and answer.txt)."""
    lines = [
        "| change | outcome | baseline | changed - baseline [95% CI] | sign | expected "
        "[ref] | agrees |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples(index=False):
        u = r.unit
        lines.append(
            f"| {r.change} | {r.outcome} | {fmt(r.baseline, u)} | {r.diff:+.3g} "
            f"[{r.diff_low:+.3g}, {r.diff_high:+.3g}] | {r.observed_sign} | "
            f"{r.expected_sign}{' [' + r.literature + ']' if r.literature else ''} | {r.agrees} |"
        )
    lines += ["", *(f"- [{k}] {v}" for k, v in REFERENCES.items())]
    return "\n".join(lines)


def figure(table: pd.DataFrame) -> go.Figure:
    """Paired differences with 95% intervals, one panel row per outcome."""
    fig = go.Figure()
    for outcome, part in table.groupby("outcome", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["diff"],
                y=part["change"] + " | " + str(outcome),
                mode="markers",
                name=str(outcome),
                error_x={
                    "type": "data",
                    "array": part["diff_high"] - part["diff"],
                    "arrayminus": part["diff"] - part["diff_low"],
                },
            )
        )
    fig.add_vline(x=0, line_dash="dot")
    fig.update_layout(
        title="Comparative statics: change - baseline (paired seeds, 95% CI)",
        template="plotly_white",
        height=25 * len(table) + 200,
    )
    return fig


@script.command
def main(
    harness: script.Harness,
    seeds: Seeds = 20,
    report: Annotated[Path | None, typer.Option(help="Also write the table here (md).")] = None,
) -> None:
    """Run every change on paired seeds and write the table."""
    outcome = harness.run(design(seeds))
    runs = outcome.wide
    table = statics_table(runs)
    script.save_table(outcome, "comparative_statics", table)
    figures.save_figure(figure(table), outcome.out_dir, "comparative_statics", png=False)
    text = markdown(table)
    (outcome.out_dir / "comparative_statics.md").write_text(text + "\n", encoding="utf-8")
    if report is not None:
        report.write_text(text + "\n", encoding="utf-8")
    script.answer(outcome, text.splitlines())


if __name__ == "__main__":
    typer.run(main)
