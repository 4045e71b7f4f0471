"""Non-competes: 0, 6 or 12 months for everyone, or 12 months at one lab only.

Question: does banning non-competes speed up talent flow, and to GPU-rich labs? And
what does a lab gain by imposing one alone? Ten seeds per setting, paired.

    python experiments/noncompete.py [--quick] [--out DIR] [--workers N]
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import typer

import market
from experiments.sweeps import analysis, figures, script
from experiments.sweeps.design import DesignFile

EVERYONE = [0, 6, 12]
ALONE = 12
GPU_RICH = 3


def settings(labs: list[str]) -> list[tuple[str, dict[str, int]]]:
    """(label, non-compete months per lab): everyone at 0/6/12, then each lab alone."""
    out = [(f"everyone {m} months", dict.fromkeys(labs, m)) for m in EVERYONE]
    for lab in labs:
        out.append((f"{lab} alone {ALONE} months", {x: ALONE if x == lab else 0 for x in labs}))
    return out


def design(replications: int) -> tuple[DesignFile, list[str]]:
    """Explicit list: every point sets every lab's non-compete (one column per lab)."""
    base = market.load_scenario("frontier-2025")
    items = settings(base.lab_names)
    points = [
        {f"labs.{lab}.policy.noncompete_months": m for lab, m in months.items()}
        for _, months in items
    ]
    spec = DesignFile.model_validate(
        {
            "name": "noncompete",
            "description": "non-compete months for everyone or one lab alone",
            "scenario": "frontier-2025",
            "replications": replications,
            "root_seed": 20250703,
            "metrics": ["between_lab_moves_per_year", "net_flow", "researchers", "talent_share"],
            "design": {"kind": "list", "points": points},
        }
    )
    return spec, [label for label, _ in items]


def gpu_rich_labs(scenario: market.Scenario, n: int = GPU_RICH) -> list[str]:
    """The ``n`` frontier or big-tech labs with the most GPUs per researcher at the start."""
    ratio = {
        lab.name: lab.gpus_h100e / max(lab.headcount.research, 1)
        for lab in scenario.labs
        if lab.kind in ("frontier", "big_tech")
    }
    return sorted(ratio, key=lambda name: -ratio[name])[:n]


@script.command
def main(
    harness: script.Harness,
    replications: Annotated[int, typer.Option(min=2, help="Seeds per setting.")] = 10,
) -> None:
    """Sweep non-compete settings and report flows and per-lab effects."""
    spec, labels = design(replications)
    outcome = harness.run(spec)
    runs = outcome.wide.copy()
    base = outcome.design.base
    rich = gpu_rich_labs(base)
    runs["net_flow_gpu_rich"] = runs[[f"net_flow.{lab}" for lab in rich]].sum(axis=1)
    names = dict(enumerate(labels))
    flows = analysis.paired_difference(runs, "between_lab_moves_per_year")
    to_rich = analysis.paired_difference(runs, "net_flow_gpu_rich")
    effects = []
    for metric, df in (("between_lab_moves_per_year", flows), ("net_flow_gpu_rich", to_rich)):
        effects.append(df.assign(metric=metric, setting=df["point"].map(names)))
    alone = []
    for i, lab in enumerate(base.lab_names):
        point = len(EVERYONE) + i
        for metric in (f"researchers.{lab}", f"net_flow.{lab}"):
            d = analysis.paired_difference(runs, metric)
            row = d[d["point"] == point].assign(metric=metric, setting=names[point], lab=lab)
            alone.append(row)
    alone_df = pd.concat(alone, ignore_index=True)
    effects_df = pd.concat(effects, ignore_index=True)
    script.save_table(outcome, "effects_everyone", effects_df)
    script.save_table(outcome, "effects_alone", alone_df)

    everyone = flows[flows["point"] < len(EVERYONE)].assign(months=EVERYONE)
    fig = figures.line_with_band(
        everyone.assign(
            low=everyone["mean"] + everyone["diff_low"] - everyone["diff"],
            high=everyone["mean"] + everyone["diff_high"] - everyone["diff"],
        ),
        "months",
        "mean",
        "low",
        "high",
        title="Moves between labs per year when every lab imposes a non-compete",
        x_title="non-compete months (all labs)",
        y_title="between-lab moves per year",
    )
    figures.save_figure(fig, outcome.out_dir, "flows_everyone")
    heads = alone_df[alone_df["metric"].str.startswith("researchers.")]
    fig = figures.bars_with_errors(
        heads.assign(err=(heads["diff_high"] - heads["diff_low"]) / 2),
        "lab",
        "diff",
        "err",
        title=f"Researchers kept by imposing a {ALONE}-month non-compete alone (vs none anywhere)",
        y_title="change in researchers",
    )
    figures.save_figure(fig, outcome.out_dir, "alone_researchers")

    steps = outcome.design.scenario_for({}).steps
    lines = [f"Non-competes over {steps} months (GPU-rich labs: {', '.join(rich)})"]
    for row in flows[flows["point"] < len(EVERYONE)].itertuples():
        r = to_rich[to_rich["point"] == row.point].iloc[0]
        lines.append(
            f"{names[row.point]}: {row.mean:.0f} between-lab moves/yr "
            f"({row.diff:+.0f} vs none, 95% CI {script.ci(row.diff_low, row.diff_high, '+.0f')});"
            f" net inflow to GPU-rich labs {r['mean']:+.0f} "
            f"({r['diff']:+.0f} {script.ci(r['diff_low'], r['diff_high'], '+.0f')})"
        )
    top = heads.loc[heads["diff"].idxmax()]
    lines.append(
        f"imposing {ALONE} months alone helps {top['lab']} most: {top['diff']:+.0f} researchers "
        f"{script.ci(top['diff_low'], top['diff_high'], '+.0f')} vs no non-competes"
    )
    script.answer(outcome, lines)


if __name__ == "__main__":
    typer.run(main)
