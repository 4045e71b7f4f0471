"""Global sensitivity: Sobol indices (SALib, Saltelli sampling) of key parameters on
key outcomes of the frontier-2025 market.

Question: which assumptions drive concentration of research talent, the leader's
capability lead, the rate of moves between labs and the number of spin-outs?

    python experiments/sensitivity.py [--quick] [--samples 64] [--out DIR]
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import typer

from experiments.sweeps import analysis, figures, script
from experiments.sweeps.console import DaskLocal, Out, Quick, Scheduler, Workers
from experiments.sweeps.design import DesignFile

PARAMETERS = [
    ("market.sigma", 0.2, 2.0),
    ("population.skill_tail_alpha", 1.6, 3.0),
    ("population.pref_compute", 0.0, 1.0),
    ("market.noncompete_enforcement", 0.0, 1.0),
    ("labs.*.policy.pay_multiplier", 0.7, 2.0),
]
"""(path, low, high): substitution between compute and talent, fatness of the skill
tail, weight people put on compute per head, enforcement of non-competes, and every
lab's willingness to pay."""

OUTCOMES = ["research_hhi", "capability_gap", "between_lab_moves_per_year", "spin_outs"]


def design(samples: int) -> DesignFile:
    """Saltelli sample of size samples * (D + 2), one seed per point (first order)."""
    return DesignFile.model_validate(
        {
            "name": "sensitivity",
            "description": "Sobol indices of key parameters on concentration and flows",
            "scenario": "frontier-2025",
            "n_engineers": 5000,
            "steps": 60,
            "replications": 1,
            "root_seed": 20250704,
            "metrics": OUTCOMES,
            "design": {
                "kind": "sobol",
                "samples": samples,
                "parameters": [{"path": p, "low": lo, "high": hi} for p, lo, hi in PARAMETERS],
            },
        }
    )


def main(
    quick: Quick = False,
    out: Out = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    samples: Annotated[int, typer.Option(min=2, help="Sobol base sample N (power of 2).")] = 64,
) -> None:
    """Run the Saltelli design and report first-order and total Sobol indices."""
    outcome = script.run(
        design(samples),
        quick=quick,
        out=out,
        workers=workers,
        scheduler=scheduler,
        dask_local=dask_local,
    )
    runs = outcome.tables["runs"]
    frames = []
    for metric in OUTCOMES:
        first, _ = analysis.sobol_indices(
            outcome.design, analysis.point_means(runs, metric), seed=1
        )
        frames.append(first.assign(metric=metric))
    indices = pd.concat(frames, ignore_index=True)[
        ["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    ]
    script.save_table(outcome, "sobol_indices", indices)
    fig = figures.bars_with_errors(
        indices,
        "metric",
        "ST",
        "ST_conf",
        group="parameter",
        title="Total-order Sobol indices (95% bootstrap half-widths)",
        y_title="ST",
    )
    figures.save_figure(fig, outcome.out_dir, "sobol_total")
    fig = figures.bars_with_errors(
        indices,
        "metric",
        "S1",
        "S1_conf",
        group="parameter",
        title="First-order Sobol indices",
        y_title="S1",
    )
    figures.save_figure(fig, outcome.out_dir, "sobol_first")

    d = outcome.design
    lines = [
        f"Sensitivity: {len(d.points)} Saltelli points (N={d.file.design.samples}), "
        f"{d.file.n_engineers} people, {d.file.steps} months; total-order index ST ± 95%"
    ]
    for metric in OUTCOMES:
        part = indices[indices["metric"] == metric].sort_values("ST", ascending=False)
        ranked = ", ".join(
            f"{r.parameter} {r.ST:.2f}±{r.ST_conf:.2f}" for r in part.head(3).itertuples()
        )
        lines.append(f"{metric}: {ranked}")
    if d.file.design.samples and d.file.design.samples < 32:
        lines.append("(few samples: indices are rough; use the full run for conclusions)")
    script.answer(outcome, lines)


if __name__ == "__main__":
    typer.run(main)
