"""Compute or pay: one lab (default Meta) spends a fixed extra sum per year, split
between GPUs and pay.

A share ``s`` of ``--extra-usd`` (per year) rents a larger GPU fleet at
``--gpu-cost-usd`` per H100e per year (default $20k, about $2.30 an hour); the rest
raises the lab's payroll budget and, in the same proportion, its pay multiplier. With
the defaults, all-GPU means 100k more H100e from the start.
Question: which split leaves the lab most capable at the end of the run?

Both halves of the money persist: the budget and GPU changes are user changes, so under
the default precedence rule (``user``) the lab's scheduled events on those fields (for
Meta the 2025-06 budget rise and the 2025-10 cut) are dropped at every split and
reported; ``--precedence relative`` keeps them, rescaled by the change, and
``--precedence events`` reproduces the old, biased behaviour (the budget events reset
the extra pay money while the extra GPUs stay).

    python experiments/compute_vs_pay.py [--quick] [--lab Meta] [--extra-usd 2e9]
"""

from __future__ import annotations

from typing import Annotated

import typer

import market
from experiments.sweeps import analysis, figures, script
from experiments.sweeps.design import DesignFile

GPU_SHARES = [0.0, 0.25, 0.5, 0.75, 1.0]


def split_points(
    lab: market.LabConfig, extra_usd: float, gpu_cost_usd: float
) -> list[dict[str, float]]:
    """One design point per GPU share: the lab's GPUs, budget and pay multiplier."""
    points = []
    for share in GPU_SHARES:
        to_pay = (1 - share) * extra_usd
        points.append(
            {
                f"labs.{lab.name}.gpus_h100e": lab.gpus_h100e + share * extra_usd / gpu_cost_usd,
                f"labs.{lab.name}.budget_usd": lab.budget_usd + to_pay,
                f"labs.{lab.name}.policy.pay_multiplier": lab.policy.pay_multiplier
                * (lab.budget_usd + to_pay)
                / lab.budget_usd,
            }
        )
    return points


def design(lab: str, extra_usd: float, gpu_cost_usd: float, replications: int) -> DesignFile:
    """Explicit list design: all pay (point 0) ... all GPUs (last point)."""
    base = market.load_scenario("frontier-2025")
    return DesignFile.model_validate(
        {
            "name": "compute_vs_pay",
            "description": f"{lab}: ${extra_usd:,.0f}/year split between GPUs and pay",
            "scenario": "frontier-2025",
            "replications": replications,
            "root_seed": 20250702,
            "metrics": ["capability", "researchers", "talent_share", "capability_gap"],
            "design": {
                "kind": "list",
                "points": split_points(base.lab(lab), extra_usd, gpu_cost_usd),
            },
        }
    )


@script.command
def main(
    harness: script.Harness,
    lab: Annotated[str, typer.Option(help="The lab that spends.")] = "Meta",
    extra_usd: Annotated[float, typer.Option(min=0, help="Extra spend per year (USD).")] = 2e9,
    gpu_cost_usd: Annotated[
        float, typer.Option(min=1, help="Cost of one H100e per year (USD/year).")
    ] = 20_000,
    replications: Annotated[int, typer.Option(min=2, help="Seeds per split.")] = 10,
) -> None:
    """Sweep the GPU share of a fixed extra spend and report the lab's capability."""
    try:
        spec = design(lab, extra_usd, gpu_cost_usd, replications)
    except market.ScenarioError as exc:
        script.fail(str(exc))
        return
    outcome = harness.run(spec)
    runs = outcome.wide
    rows = []
    for metric in (f"capability.{lab}", f"researchers.{lab}", f"talent_share.{lab}"):
        d = analysis.paired_difference(runs, metric)
        d.insert(0, "metric", metric)
        d.insert(1, "gpu_share", d["point"].map(dict(enumerate(GPU_SHARES))))
        rows.append(d)
    table = script.pd.concat(rows, ignore_index=True)
    script.save_table(outcome, "split_effects", table)
    cap = table[table["metric"] == f"capability.{lab}"]
    fig = figures.line_with_band(
        cap,
        "gpu_share",
        "diff",
        "diff_low",
        "diff_high",
        title=f"{lab}: capability vs all-pay, by share of ${extra_usd / 1e9:g}B/yr spent on GPUs",
        x_title="share of the extra spend on GPUs",
        y_title="capability minus all-pay capability",
    )
    figures.save_figure(fig, outcome.out_dir, "capability_by_split")
    heads = table[table["metric"] == f"researchers.{lab}"]
    fig = figures.line_with_band(
        heads,
        "gpu_share",
        "diff",
        "diff_low",
        "diff_high",
        title=f"{lab}: researchers vs all-pay",
        x_title="share of the extra spend on GPUs",
        y_title="researchers minus all-pay researchers",
    )
    figures.save_figure(fig, outcome.out_dir, "researchers_by_split")

    best = cap.loc[cap["mean"].idxmax()]
    n_gpus = extra_usd / gpu_cost_usd
    lines = [
        f"Compute vs pay: {lab} spends ${extra_usd / 1e9:g}B/yr more "
        f"(all GPUs = {n_gpus:,.0f} more H100e, "
        f"all pay = payroll budget +${extra_usd / 1e9:g}B/yr)",
        f"after {outcome.design.scenario_for({}).steps} months, "
        f"best split for capability: {best['gpu_share']:.0%} GPUs / {1 - best['gpu_share']:.0%} "
        f"pay, capability {best['mean']:.3g}",
    ]
    vs_best = analysis.paired_difference(runs, f"capability.{lab}", int(best["point"]))
    tied = vs_best[(vs_best["diff_high"] >= 0) & (vs_best["point"] != best["point"])]
    shares = ", ".join(f"{GPU_SHARES[p]:.0%}" for p in tied["point"])
    lines.append(
        "splits not distinguishable from the best (paired 95% CI of the difference "
        f"includes 0): {shares or 'none'}"
    )
    for row in cap.itertuples():
        head = heads[heads["point"] == row.point].iloc[0]
        lines.append(
            f"{row.gpu_share:>4.0%} GPUs: capability {row.mean:.3g}, vs all-pay "
            f"{row.diff:+.3g} 95% CI {script.ci(row.diff_low, row.diff_high, '+.3g')}; "
            f"researchers {head['mean']:.0f} ({head['diff']:+.0f} "
            f"{script.ci(head['diff_low'], head['diff_high'], '+.0f')})"
        )
    script.answer(outcome, lines)


if __name__ == "__main__":
    typer.run(main)
