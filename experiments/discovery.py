"""Scenario discovery: under which settings does OpenAI keep at least ``--keep`` of its
research headcount by ``--until`` (default 2030-12)?

A Latin hypercube over pay, compute and market parameters (``--samples`` points x
``--seeds`` paired seeds, full scale); a run is *of interest* when OpenAI's research
headcount at the end is at least ``--keep`` times its January-2025 headcount. PRIM
(EMA Workbench) finds the box of settings where such runs concentrate; extra-trees
feature scores rank the parameters by how much they explain the retention ratio.

    python experiments/discovery.py [--quick] [--keep 0.9] [--samples 48] [--out DIR]
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

from experiments.sweeps import figures, script
from experiments.sweeps.console import ScenarioName, Seeds
from experiments.sweeps.design import DesignFile
from experiments.sweeps.discovery import discover, experiments_frame, feature_scores

LAB = "OpenAI"
PARAMETERS = [
    ("labs.Meta.policy.pay_multiplier", 1.0, 5.0),
    ("labs.OpenAI.policy.pay_multiplier", 0.7, 2.0),
    ("labs.OpenAI.gpus_h100e", 150_000.0, 900_000.0),
    ("market.sigma", 0.2, 2.0),
    ("market.noncompete_enforcement", 0.0, 1.0),
]
"""(path, low, high) of the swept settings."""


def design(scenario: str, samples: int, seeds: int, steps: int) -> DesignFile:
    """The Latin hypercube of settings."""
    return DesignFile.model_validate(
        {
            "name": "discovery",
            "description": f"when does {LAB} keep its research talent",
            "scenario": scenario,
            "steps": steps,
            "replications": seeds,
            "root_seed": 20250706,
            "metrics": ["researchers", "talent_share"],
            "design": {
                "kind": "lhs",
                "samples": samples,
                "parameters": [{"path": p, "low": lo, "high": hi} for p, lo, hi in PARAMETERS],
            },
        }
    )


@script.command
def main(
    harness: script.Harness,
    scenario: ScenarioName = "frontier-2025",
    seeds: Seeds = 2,
    samples: Annotated[int, typer.Option(min=8, help="Latin-hypercube points.")] = 48,
    keep: Annotated[
        float, typer.Option(min=0.0, max=10.0, help="Share of research headcount to keep.")
    ] = 0.9,
    until: Annotated[str, typer.Option(help="End of the run, YYYY-MM.")] = "2030-12",
) -> None:
    """Find the settings under which the lab keeps its research talent (PRIM)."""
    import market

    try:
        base = market.load_scenario(scenario)
        steps = base.month_to_step(until)
        if not 1 <= steps <= base.steps:
            raise market.ScenarioError("--until", f"must lie within the run, got {until}")
    except (market.ScenarioError, ValueError) as exc:
        script.fail(f"--until: {exc}" if isinstance(exc, ValueError) else str(exc))
        return
    outcome = harness.run(design(scenario, samples, seeds, steps))
    d = outcome.design
    start = d.scenario_for({}).lab(LAB).headcount.research  # same at every point
    wide = outcome.wide
    ratio = wide[f"researchers.{LAB}"].to_numpy(float) / max(start, 1)
    x = experiments_frame(outcome.tables["runs"], d)
    hit = ratio >= keep
    scores = feature_scores(x, {"retention_ratio": ratio})
    script.save_table(outcome, "feature_scores", scores)
    fig = figures.bars_with_errors(
        scores,
        "parameter",
        "score",
        title=f"What explains {LAB}'s research retention by {until} (extra-trees scores)",
        y_title="feature score",
    )
    figures.save_figure(fig, outcome.out_dir, "feature_scores")
    lines = [
        f"Discovery: {LAB} keeps >= {keep:.0%} of its {start} researchers by {until} in "
        f"{hit.sum()} of {len(hit)} runs ({len(d.points)} settings x {d.file.replications} seeds)"
    ]
    if 0 < hit.sum() < len(hit):
        box = discover(x, hit)
        script.save_table(outcome, "prim_box", box.limits)
        script.save_table(outcome, "prim_trajectory", box.trajectory)
        lines.append(
            f"PRIM box: {box.describe()} (coverage {box.coverage:.0%}, density "
            f"{box.density:.0%}, mass {box.mass:.0%})"
        )
    else:
        lines.append("no PRIM box: every run or no run is of interest; change --keep")
    top = scores.sort_values("score", ascending=False).head(3)
    lines.append(
        "most influential: " + ", ".join(f"{r.parameter} {r.score:.2f}" for r in top.itertuples())
    )
    lines.append(
        f"retention ratio: median {np.median(ratio):.2f}, range {ratio.min():.2f}-{ratio.max():.2f}"
    )
    script.answer(outcome, lines)


if __name__ == "__main__":
    typer.run(main)
