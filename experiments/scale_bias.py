"""Does rescaling a scenario change its per-head outcomes? Full scale vs ``--engineers``.

Runs the scenario at full scale and rescaled to ``--engineers`` people over the same
seeds (two one-point sweeps, ``out/full`` and ``out/scaled``) and compares per-head
outcomes at the end of the run: median pay, talent share and research headcount share
per lab, the research HHI. A rescaled outcome is *within the seed spread* when its
mean lies inside the 2.5-97.5% range of the full-scale runs.

    python experiments/scale_bias.py [--quick] [--engineers 5000] [--seeds 6] [--out DIR]
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from experiments.sweeps import figures, script
from experiments.sweeps.console import ScenarioName, Seeds
from experiments.sweeps.design import DesignFile
from experiments.sweeps.runner import SweepOutcome

METRICS = ["comp_median_usd", "talent_share", "researchers", "research_hhi"]
LABS = ("OpenAI", "Meta", "Google DeepMind", "Anthropic")
"""Labs in the printed answer (the tables hold every lab)."""


def design(scenario: str, seeds: int, n_engineers: int | None, name: str) -> DesignFile:
    """One point, ``seeds`` replications, at ``n_engineers`` people (None: full)."""
    return DesignFile.model_validate(
        {
            "name": f"scale_bias-{name}",
            "scenario": scenario,
            "n_engineers": n_engineers,
            "replications": seeds,
            "root_seed": 20250705,
            "metrics": METRICS,
            "design": {"kind": "list", "points": [{}]},
        }
    )


def per_head(wide: pd.DataFrame, labs: list[str]) -> pd.DataFrame:
    """Per-head outcome columns of a wide table: research shares replace headcounts."""
    out = wide.drop(columns=[c for c in wide.columns if c.startswith("researchers.")])
    heads = wide[[f"researchers.{lab}" for lab in labs]]
    total = wide[[c for c in wide.columns if c.startswith("researchers.")]].sum(axis=1)
    for lab in labs:
        out[f"research_share.{lab}"] = heads[f"researchers.{lab}"] / total
    return out


def compare(full: pd.DataFrame, scaled: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: full-scale mean and seed range, rescaled mean, bias and verdict."""
    rows = []
    for col in full.columns:
        if "." not in col and col not in METRICS:
            continue
        f, s = full[col].to_numpy(float), scaled[col].to_numpy(float)
        if np.isnan(f).all() or np.isnan(s).all():
            continue
        lo, hi = np.nanquantile(f, [0.025, 0.975])
        metric, _, lab = col.partition(".")
        mean_s, mean_f = float(np.nanmean(s)), float(np.nanmean(f))
        sd = float(np.nanstd(f, ddof=1))
        rows.append(
            {
                "metric": metric,
                "lab": lab or None,
                "full_mean": mean_f,
                "full_q025": float(lo),
                "full_q975": float(hi),
                "full_sd": sd,
                "scaled_mean": mean_s,
                "scaled_sd": float(np.nanstd(s, ddof=1)),
                "bias": mean_s - mean_f,
                "bias_relative": (mean_s - mean_f) / mean_f if mean_f else np.nan,
                "bias_in_sd": (mean_s - mean_f) / sd if sd > 0 else np.nan,
                "within_seed_spread": bool(lo <= mean_s <= hi),
            }
        )
    return pd.DataFrame(rows)


@script.command
def main(
    harness: script.Harness,
    scenario: ScenarioName = "frontier-2025",
    seeds: Seeds = 6,
    engineers: Annotated[int, typer.Option(min=100, help="People in the rescaled runs.")] = 5000,
) -> None:
    """Run full scale and rescaled over the same seeds; report the per-head bias."""
    root = harness.out_dir("scale_bias")
    outcomes: dict[str, SweepOutcome] = {}
    for name, n in (("full", None), ("scaled", engineers)):
        outcomes[name] = harness.run(design(scenario, seeds, n, name), out=root / name)
    labs = outcomes["full"].design.base.lab_names
    full, scaled = (per_head(outcomes[k].wide, labs) for k in ("full", "scaled"))
    table = compare(full, scaled)
    top = dataclasses.replace(outcomes["full"], out_dir=root)
    script.save_table(top, "scale_bias", table)
    named = table.assign(outcome=table["metric"] + "." + table["lab"].fillna(""))
    fig = figures.bars_with_errors(
        named,
        "outcome",
        "bias_in_sd",
        title="Rescaled minus full scale, in full-scale seed standard deviations",
        y_title="bias / seed sd",
    )
    figures.save_figure(fig, root, "scale_bias")
    n_full = outcomes["full"].design.scenario_for({}).n_engineers
    n_scaled = outcomes["scaled"].design.scenario_for({}).n_engineers
    inside = int(table["within_seed_spread"].sum())
    lines = [
        f"Scale bias: {n_scaled:,} vs {n_full:,} people, {seeds} seeds each, end of the run; "
        f"{inside} of {len(table)} per-head outcomes within the full-scale seed range",
    ]
    shown = table[table["lab"].isin(LABS) | table["lab"].isna()]
    for r in shown.itertuples():
        lines.append(
            f"{r.metric}{'.' + r.lab if isinstance(r.lab, str) else ''}: full {r.full_mean:.4g} "
            f"[{r.full_q025:.4g}, {r.full_q975:.4g}], rescaled {r.scaled_mean:.4g} "
            f"({r.bias_relative:+.0%}, {r.bias_in_sd:+.1f} sd)"
            + ("" if r.within_seed_spread else "  OUTSIDE the seed range")
        )
    script.answer(top, lines)


if __name__ == "__main__":
    typer.run(main)
