"""Tables, figures and the fitted scenario of a calibration (no model runs here)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from experiments.calibration.parameters import ParameterSpace
from experiments.calibration.patterns import PatternSpec
from experiments.calibration.split import Split
from market.config import Scenario
from market.io.atomic import atomic_write_text
from market.io.scenario_toml import scenario_to_toml


def fmt(value: float, unit: str) -> str:
    """A value in its unit for the reports."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "usd":
        return f"${value / 1e6:,.2f}M" if abs(value) >= 1e6 else f"${value / 1e3:,.0f}k"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "count":
        return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"
    return f"{value:,.2f}"


def verdict(mean: float, lo: float, hi: float, band: tuple[float, float]) -> str:
    """Match (mean in band), partial (only the seed range overlaps), mismatch, no data."""
    if not np.isfinite(mean):
        return "no data"
    if band[0] <= mean <= band[1]:
        return "match"
    if hi >= band[0] and lo <= band[1]:
        return "partial"
    return "mismatch"


def seed_summary(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 2.5-97.5% range over seeds of the finite ``values`` (NaNs if none)."""
    values = values[np.isfinite(values)]
    if not values.size:
        return float("nan"), float("nan"), float("nan")
    lo, hi = (float(v) for v in np.percentile(values, [2.5, 97.5]))
    return float(values.mean()), lo, hi


def pattern_table(
    per_seed: pd.DataFrame, patterns: dict[str, PatternSpec], split: Split
) -> pd.DataFrame:
    """Observed, simulated (mean, 2.5-97.5% over seeds), tolerance, role and verdict."""
    rows = []
    for pid, pat in patterns.items():
        values = per_seed[pid].to_numpy(dtype=float) if pid in per_seed else np.array([])
        values = values[np.isfinite(values)]
        mean, lo, hi = seed_summary(values)
        rows.append(
            {
                "pattern": pid,
                "description": pat.description,
                "role": split.role(pid),
                "kind": pat.kind,
                "observed": pat.observed,
                "tolerance": pat.tolerance,
                "band_low": pat.band[0],
                "band_high": pat.band[1],
                "sim_mean": mean,
                "sim_lo": lo,
                "sim_hi": hi,
                "n_seeds": int(values.size),
                "z": (mean - pat.observed) / pat.tolerance,
                "verdict": verdict(mean, lo, hi, pat.band),
                "ok": bool(pat.band[0] <= mean <= pat.band[1]),
                "unit": pat.unit,
                "source_url": pat.source_url,
            }
        )
    return pd.DataFrame(rows)


def fitted_scenario(space: ParameterSpace, values: np.ndarray, name: str) -> Scenario:
    """The base scenario with the fitted values (events on those fields dropped)."""
    sc = space.base.with_overrides(space.overrides(values))
    return sc.model_copy(update={"name": name})


def write_scenario(scenario: Scenario, path: Path) -> None:
    """A TOML file that ``talent-market run --scenario FILE`` loads."""
    atomic_write_text(path, scenario_to_toml(scenario))


def fit_figure(table: pd.DataFrame) -> go.Figure:
    """Each pattern's simulated mean and seed range in tolerance units (0 = observed)."""
    tol = table["tolerance"]
    z = (table["sim_mean"] - table["observed"]) / tol
    lo = (table["sim_lo"] - table["observed"]) / tol
    hi = (table["sim_hi"] - table["observed"]) / tol
    labels = table["pattern"] + " (" + table["role"] + ")"
    fig = go.Figure(
        go.Scatter(
            x=z,
            y=labels,
            mode="markers",
            error_x={"type": "data", "array": hi - z, "arrayminus": z - lo},
            text=table["verdict"],
            name="simulated (mean, 2.5-97.5% of seeds)",
        )
    )
    fig.add_vrect(x0=-1, x1=1, fillcolor="green", opacity=0.1, line_width=0)
    fig.update_layout(
        title="Fit per pattern: (simulated - observed) / tolerance",
        xaxis_title="tolerance units (shaded: within one tolerance)",
        template="plotly_white",
        height=30 * len(table) + 200,
    )
    return fig


def trace_figure(trace: pd.DataFrame) -> go.Figure:
    """Objective per evaluation and best so far, coloured by search phase."""
    fig = go.Figure()
    for phase, part in trace.groupby("phase", sort=False):
        fig.add_trace(
            go.Scatter(x=part["evaluation"], y=part["objective"], mode="markers", name=str(phase))
        )
    fig.add_trace(
        go.Scatter(x=trace["evaluation"], y=trace["best_so_far"], mode="lines", name="best so far")
    )
    fig.update_layout(
        title="Objective trace",
        xaxis_title="evaluation",
        yaxis_title="J (sum of squared tolerance-scaled misses)",
        yaxis_type="log",
        template="plotly_white",
    )
    return fig
