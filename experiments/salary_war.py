"""Salary war: one lab (default Meta) multiplies its willingness to pay by 1x..5x.

Question: how many researchers does it gain, and who loses them? 20 seeds per level,
paired across levels (common random numbers), full frontier-2025 scenario.

    python experiments/salary_war.py [--quick] [--lab Meta] [--out DIR] [--workers N]
"""

from __future__ import annotations

from typing import Annotated

import typer

from experiments.sweeps import analysis, figures, script
from experiments.sweeps.design import DesignFile

MULTIPLIERS = [1.0, 2.0, 3.0, 4.0, 5.0]


def design(lab: str, replications: int = 20) -> DesignFile:
    """The sweep: pay multiplier of ``lab`` at each level, 1x first (the baseline)."""
    return DesignFile.model_validate(
        {
            "name": "salary_war",
            "description": f"{lab} pay multiplier 1x..5x",
            "scenario": "frontier-2025",
            "replications": replications,
            "root_seed": 20250701,
            "metrics": ["researchers", "talent_share", "net_flow", "comp_median_usd"],
            "design": {
                "kind": "factorial",
                "parameters": [
                    {"path": f"labs.{lab}.policy.pay_multiplier", "values": MULTIPLIERS}
                ],
            },
        }
    )


@script.command
def main(
    harness: script.Harness,
    lab: Annotated[str, typer.Option(help="The lab that raises pay.")] = "Meta",
    replications: Annotated[int, typer.Option(min=2, help="Seeds per level.")] = 20,
) -> None:
    """Sweep one lab's pay multiplier and report its research headcount gain."""
    outcome = harness.run(design(lab, replications))
    runs, param = outcome.wide, f"labs.{lab}.policy.pay_multiplier"
    levels = runs.groupby("point")[param].first()
    labs = outcome.design.base.lab_names
    diffs = []
    for name in labs:
        d = analysis.paired_difference(runs, f"researchers.{name}")
        d.insert(0, "lab", name)
        d.insert(1, "pay_multiplier", d["point"].map(levels))
        diffs.append(d)
    table = script.pd.concat(diffs, ignore_index=True)
    script.save_table(outcome, "researcher_change", table)

    own = table[table["lab"] == lab]
    fig = figures.line_with_band(
        own,
        "pay_multiplier",
        "diff",
        "diff_low",
        "diff_high",
        title=f"{lab}: researchers gained vs 1x pay (mean, 95% CI)",
        x_title=f"{lab} pay multiplier",
        y_title="researchers gained at the end of the run",
    )
    figures.save_figure(fig, outcome.out_dir, "own_gain")
    others = table[table["lab"] != lab]
    fig = figures.line_with_band(
        others,
        "pay_multiplier",
        "diff",
        "diff_low",
        "diff_high",
        group="lab",
        title=f"Researchers gained or lost by other labs as {lab} raises pay",
        x_title=f"{lab} pay multiplier",
        y_title="change in researchers vs 1x",
    )
    figures.save_figure(fig, outcome.out_dir, "others_change")

    steps = outcome.design.scenario_for({}).steps
    lines = [f"Salary war: {lab} pays 1x..5x; researchers after {steps} months vs 1x"]
    for row in own[own["pay_multiplier"] > 1].itertuples():
        at = others[others["pay_multiplier"] == row.pay_multiplier]
        loser = at.loc[at["diff"].idxmin()]
        lines.append(
            f"at {row.pay_multiplier:g}x pay {lab} {'gains' if row.diff >= 0 else 'loses'} "
            f"{abs(row.diff):.0f} researchers, "
            f"95% CI {script.ci(row.diff_low, row.diff_high)} (n={row.n}); "
            f"biggest loser {loser['lab']} {loser['diff']:+.0f} "
            f"{script.ci(loser['diff_low'], loser['diff_high'])}"
        )
    script.answer(outcome, lines)


if __name__ == "__main__":
    typer.run(main)
