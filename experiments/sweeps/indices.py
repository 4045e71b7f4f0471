"""Global sensitivity indices from a replicated sweep, with the seed noise they carry.

A sobol or morris design with ``replications = R`` runs every design point R times.
The indices (SALib) are computed on the mean over replications of each point; the
seed-noise share says how much of the variance is run-to-run noise rather than the
parameters:

- ``noise_share_runs`` = within-point variance / (within-point + between-point
  variance), the part of a run's variance that no parameter explains, with the
  between-point variance from one-way ANOVA variance components (variance of the point
  means less the within-point variance / R, floored at 0), so the share stays in [0, 1]
  (the plain ratio to the variance over all runs can exceed 1 by chance when the
  parameters explain nothing);
- ``noise_share_means`` = (mean within-point variance / R) / variance of the point
  means (what is left in the means the indices are computed from; near 0 is good).

:func:`index_warnings` says when the sample is too small for the indices to mean much.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from experiments.sweeps.analysis import morris_indices, point_means, sobol_indices
from experiments.sweeps.design import ResolvedDesign
from experiments.sweeps.tables import metric_columns

MIN_SOBOL_SAMPLES = 64
"""Below this Saltelli base sample N, Sobol intervals are usually wider than the indices."""
MIN_MORRIS_TRAJECTORIES = 10
"""Campolongo et al. (2007) suggest 10-20 trajectories for a stable mu* ranking."""
MAX_CONF = 0.3
"""A 95% interval half-width above this means the index is not resolved."""
MAX_NOISE_SHARE = 0.2
"""Above this share of seed noise in the point means, add replications."""


@dataclass
class IndexReport:
    """Indices, seed-noise shares and warnings of one sampled design."""

    kind: str
    first: pd.DataFrame
    """sobol: metric, parameter, S1, S1_conf, S1_low, S1_high, ST, ST_conf, ST_low,
    ST_high; morris: metric, parameter, mu, mu_star, sigma, mu_star_conf."""
    pairs: pd.DataFrame | None
    """sobol with second_order: metric, a, b, S2, S2_conf, S2_low, S2_high."""
    noise: pd.DataFrame
    """metric, replications, noise_share_runs, noise_share_means."""
    warnings: list[str] = field(default_factory=list)


def seed_noise(wide: pd.DataFrame, metric: str) -> dict[str, Any]:
    """Within-point (seed) variance as a share of run and point-mean variance."""
    groups = wide.groupby("point")[metric]
    reps = int(groups.size().min())
    within = float(groups.var(ddof=1).mean()) if reps > 1 else np.nan
    means = float(groups.mean().var(ddof=1))
    between = max(means - within / reps, 0.0)
    return {
        "metric": metric,
        "replications": reps,
        "noise_share_runs": within / (within + between) if within + between > 0 else np.nan,
        "noise_share_means": (within / reps) / means if means > 0 else np.nan,
    }


def usable_metrics(wide: pd.DataFrame, design: ResolvedDesign) -> tuple[list[str], list[str]]:
    """Metric columns defined in every run, and the ones skipped (some runs missing)."""
    keep: list[str] = []
    skipped: list[str] = []
    for col in metric_columns(wide, design):
        (keep if wide[col].notna().all() else skipped).append(col)
    return keep, skipped


def compute_indices(
    design: ResolvedDesign, wide: pd.DataFrame, metrics: list[str] | None = None, seed: int = 1
) -> IndexReport:
    """Sobol (S1, ST, S2 if sampled) or Morris (mu*, sigma) indices per metric."""
    kind = design.file.design.kind
    if kind not in ("sobol", "morris"):
        raise ValueError(f"indices need a sobol or morris design (this one is {kind!r})")
    usable, skipped = usable_metrics(wide, design)
    metrics = [m for m in (metrics or usable) if m in usable]
    firsts, pairs, noise = [], [], []
    for metric in metrics:
        y = point_means(wide, metric)
        noise.append(seed_noise(wide, metric))
        if kind == "sobol":
            first, second = sobol_indices(design, y, seed=seed)
            for name in ("S1", "ST"):
                first[f"{name}_low"] = first[name] - first[f"{name}_conf"]
                first[f"{name}_high"] = first[name] + first[f"{name}_conf"]
            if second is not None:
                second["S2_low"] = second["S2"] - second["S2_conf"]
                second["S2_high"] = second["S2"] + second["S2_conf"]
                pairs.append(second.assign(metric=metric))
        else:
            first = morris_indices(design, y, seed=seed)
        firsts.append(first.assign(metric=metric))
    table = pd.concat(firsts, ignore_index=True) if firsts else pd.DataFrame()
    if len(table):
        table = table[["metric", *[c for c in table.columns if c != "metric"]]]
    pair_table = None
    if pairs:
        pair_table = pd.concat(pairs, ignore_index=True)
        pair_table = pair_table[["metric", *[c for c in pair_table.columns if c != "metric"]]]
    report = IndexReport(kind, table, pair_table, pd.DataFrame(noise))
    report.warnings = index_warnings(design, report)
    if skipped:
        report.warnings.append(
            f"skipped {len(skipped)} metric columns missing in some runs ({', '.join(skipped[:4])}"
            + (", ..." if len(skipped) > 4 else "")
            + ")"
        )
    return report


def index_warnings(design: ResolvedDesign, report: IndexReport) -> list[str]:
    """Warnings when the sample is too small for the indices (or too noisy)."""
    ds, out = design.file.design, []
    n = ds.samples or 0
    if report.kind == "sobol" and n < MIN_SOBOL_SAMPLES:
        out.append(
            f"sample too small: Sobol base sample N={n} < {MIN_SOBOL_SAMPLES}; "
            "indices and their intervals are not reliable"
        )
    if report.kind == "morris" and n < MIN_MORRIS_TRAJECTORIES:
        out.append(
            f"sample too small: {n} Morris trajectories < {MIN_MORRIS_TRAJECTORIES}; "
            "the mu* ranking is not reliable"
        )
    t = report.first
    if report.kind == "sobol" and len(t):
        bad = t[(t["ST_conf"] > MAX_CONF) | (t["ST"] > 1.05) | (t["S1"] < -0.05)]
        if len(bad):
            out.append(
                f"{len(bad)} of {len(t)} Sobol index pairs are unresolved (95% half-width > "
                f"{MAX_CONF}, ST > 1 or S1 < 0): the sample is too small for them"
            )
    if design.file.replications < 2:
        out.append("one seed per point: seed noise is not measured and is inside the indices")
    elif len(report.noise):
        noisy = report.noise[report.noise["noise_share_means"] > MAX_NOISE_SHARE]
        if len(noisy):
            worst = noisy.loc[noisy["noise_share_means"].idxmax()]
            out.append(
                f"seed noise is over {MAX_NOISE_SHARE:.0%} of the variance of point means for "
                f"{len(noisy)} metrics (worst {worst['metric']}: "
                f"{worst['noise_share_means']:.0%}); add replications"
            )
    return out


def mu_star_sigma_figure(table: pd.DataFrame) -> go.Figure:
    """Morris screening plot: mu* (importance) against sigma (non-linearity and
    interactions), one marker per parameter with mu*'s 95% interval; a menu picks the
    metric. Points above the dotted line (sigma > mu*) act mostly through interactions
    or non-linearly.
    """
    metrics = list(dict.fromkeys(table["metric"]))
    fig = go.Figure()
    for i, metric in enumerate(metrics):
        part = table[table["metric"] == metric]
        top = float(np.nanmax([part["mu_star"].max(), part["sigma"].max(), 0.0])) or 1.0
        fig.add_trace(
            go.Scatter(
                x=part["mu_star"],
                y=part["sigma"],
                mode="markers+text",
                text=part["parameter"],
                textposition="top center",
                error_x={"type": "data", "array": part["mu_star_conf"]},
                name=metric,
                visible=i == 0,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[0, top],
                y=[0, top],
                mode="lines",
                line={"dash": "dot", "color": "grey"},
                name="sigma = mu*",
                visible=i == 0,
            )
        )
    buttons = [
        {
            "label": metric,
            "method": "update",
            "args": [
                {"visible": [j // 2 == i for j in range(2 * len(metrics))]},
                {"title": f"Morris screening: {metric}"},
            ],
        }
        for i, metric in enumerate(metrics)
    ]
    fig.update_layout(
        title=f"Morris screening: {metrics[0] if metrics else ''}",
        xaxis_title="mu* (mean absolute elementary effect)",
        yaxis_title="sigma (spread of elementary effects)",
        template="plotly_white",
        updatemenus=[{"buttons": buttons, "x": 1.0, "y": 1.15, "xanchor": "right"}],
    )
    return fig


def sobol_figure(table: pd.DataFrame, index: str = "ST") -> go.Figure:
    """Bars of Sobol ``index`` (S1 or ST) per metric and parameter with 95% intervals."""
    fig = go.Figure()
    for name, part in table.groupby("parameter", sort=False):
        fig.add_trace(
            go.Bar(
                x=part["metric"],
                y=part[index],
                error_y={"type": "data", "array": part[f"{index}_conf"]},
                name=str(name),
            )
        )
    label = "Total-order" if index == "ST" else "First-order"
    fig.update_layout(
        title=f"{label} Sobol indices (95% bootstrap intervals)",
        yaxis_title=index,
        barmode="group",
        template="plotly_white",
    )
    return fig


def write_indices(design: ResolvedDesign, wide: pd.DataFrame, out_dir: Path) -> IndexReport:
    """Compute the indices of a sobol/morris sweep and write their tables and figures:
    ``sobol_indices`` (+ ``sobol_pairs``) or ``morris_indices``, ``seed_noise``, and
    ``sobol_total.html``, ``sobol_first.html`` / ``morris_mu_star_sigma.html``.
    """
    from experiments.sweeps.figures import save_figure
    from experiments.sweeps.tables import write_extra_table

    report = compute_indices(design, wide)
    meta = {"warnings": report.warnings}
    write_extra_table(out_dir, f"{report.kind}_indices", report.first, design, meta)
    write_extra_table(out_dir, "seed_noise", report.noise, design, meta)
    if report.pairs is not None:
        write_extra_table(out_dir, "sobol_pairs", report.pairs, design, meta)
    if not len(report.first):
        return report
    if report.kind == "sobol":
        save_figure(sobol_figure(report.first, "ST"), out_dir, "sobol_total")
        save_figure(sobol_figure(report.first, "S1"), out_dir, "sobol_first")
    else:
        save_figure(mu_star_sigma_figure(report.first), out_dir, "morris_mu_star_sigma")
    return report
