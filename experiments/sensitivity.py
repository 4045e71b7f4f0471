"""Global sensitivity: Sobol indices (SALib, Saltelli sampling) of key parameters on
key outcomes of the frontier-2025 market, with replications.

Question: which assumptions drive concentration of research talent, the leader's
capability lead, the rate of moves between labs and the number of spin-outs?

Every Saltelli point runs ``--replications`` seeds (paired across points); the indices
are computed on the point means, and the seed-noise share (how much of the variance
is run-to-run noise) is reported beside them. S1, ST and S2 come with SALib's 95%
bootstrap intervals; a warning says when the sample is too small for them.

    python experiments/sensitivity.py [--quick] [--samples 64] [--replications 2] [--out DIR]
    python experiments/sensitivity.py --leadership   # + infrastructure-leadership parameters
"""

from __future__ import annotations

from typing import Annotated

import typer

from experiments.sweeps import script
from experiments.sweeps.design import DesignFile
from experiments.sweeps.indices import write_indices
from market.io import load_scenario

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

LEADERSHIP_PARAMETERS = [
    ("market.infra_leader_skill", 15.0, 40.0),
    ("market.infra_leader_half_saturation", 2.0, 8.0),
    ("market.infra_leader_scale_exponent", 0.25, 0.75),
    ("market.infra_leaderless_share", 0.1, 0.6),
    ("market.bring_up_min_per_month", 0.02, 0.15),
    ("market.bring_up_max_per_month", 0.3, 0.9),
]
"""(path, low, high) of the infrastructure-leadership submodel (docs/ODD.md 7.2), added
with ``--leadership``, which also switches the submodel on in the base scenario: the
leader threshold, the leadership a fleet needs and how it grows with the fleet, what a
leaderless fleet gets, and the slowest and fastest bring-up of new GPUs."""

OUTCOMES = ["research_hhi", "capability_gap", "between_lab_moves_per_year", "spin_outs"]


def design(
    samples: int,
    replications: int = 2,
    second_order: bool = True,
    n_engineers: int | None = None,
    steps: int = 60,
    leadership: bool = False,
) -> DesignFile:
    """Saltelli sample of N * (2D + 2) points (N * (D + 2) without second order),
    ``replications`` paired seeds each, at full scale unless ``n_engineers`` is given
    (``leadership``: also the :data:`LEADERSHIP_PARAMETERS`).
    """
    parameters = PARAMETERS + (LEADERSHIP_PARAMETERS if leadership else [])
    return DesignFile.model_validate(
        {
            "name": "sensitivity",
            "description": "Sobol indices of key parameters on concentration and flows",
            "scenario": "frontier-2025",
            "n_engineers": n_engineers,
            "steps": steps,
            "replications": replications,
            "root_seed": 20250704,
            "metrics": OUTCOMES,
            "design": {
                "kind": "sobol",
                "samples": samples,
                "second_order": second_order,
                "parameters": [{"path": p, "low": lo, "high": hi} for p, lo, hi in parameters],
            },
        }
    )


@script.command
def main(
    harness: script.Harness,
    samples: Annotated[int, typer.Option(min=2, help="Sobol base sample N (power of 2).")] = 64,
    replications: Annotated[int, typer.Option(min=1, help="Seeds per Saltelli point.")] = 2,
    second_order: Annotated[
        bool, typer.Option(help="Also sample for second-order indices S2.")
    ] = True,
    engineers: Annotated[
        int | None,
        typer.Option(min=100, help="Rescale to this many people (default: full scale)."),
    ] = None,
    steps: Annotated[int, typer.Option(min=12, max=120, help="Months per run.")] = 60,
    leadership: Annotated[
        bool,
        typer.Option(help="Switch infrastructure leadership on and vary its parameters too."),
    ] = False,
) -> None:
    """Run the replicated Saltelli design and report S1, ST (and S2) with intervals."""
    try:
        spec = design(samples, replications, second_order, engineers, steps, leadership)
    except ValueError as exc:
        script.fail(f"--samples: {exc.errors()[0]['ctx']['error']}")  # type: ignore[attr-defined]
        return
    base = None
    if leadership:
        base = load_scenario(spec.scenario).with_overrides(
            {"market.infra_leadership_enabled": True}
        )
    outcome = harness.run(spec, base=base)
    report = write_indices(outcome.design, outcome.wide, outcome.out_dir)
    indices, noise = report.first, report.noise.set_index("metric")

    d = outcome.design
    f = d.file
    lines = [
        f"Sensitivity: {len(d.points)} Saltelli points (N={f.design.samples}) x "
        f"{f.replications} seeds, {f.n_engineers or 'all'} people, {f.steps} months; "
        "total-order index ST [95% interval]; seed noise = share of run variance "
        "within points"
    ]
    for metric in OUTCOMES:
        if metric not in noise.index:
            lines.append(f"{metric}: not defined in every run, no indices")
            continue
        part = indices[indices["metric"] == metric].sort_values("ST", ascending=False)
        ranked = ", ".join(
            f"{r.parameter} {r.ST:.2f} [{r.ST_low:.2f}, {r.ST_high:.2f}]"
            for r in part.head(3).itertuples()
        )
        share = noise.loc[metric, "noise_share_runs"]
        lines.append(f"{metric}: {ranked}; seed noise {share:.0%}")
    if report.pairs is not None and len(report.pairs):
        top = report.pairs.loc[report.pairs["S2"].abs().idxmax()]
        lines.append(
            f"strongest interaction: {top['a']} x {top['b']} on {top['metric']}, "
            f"S2 {top['S2']:.2f} [{top['S2_low']:.2f}, {top['S2_high']:.2f}]"
        )
    lines += [f"warning: {w}" for w in report.warnings]
    for warning in report.warnings:
        script.warn(warning)
    script.answer(outcome, lines)


if __name__ == "__main__":
    typer.run(main)
