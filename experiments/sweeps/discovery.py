"""Scenario discovery and feature scoring on sweep tables, through EMA Workbench.

An adapter, not a re-implementation: it turns the long sweep tables into what
``ema_workbench.analysis`` takes (an experiments DataFrame of parameters, one row per
run, and an outcome vector), calls PRIM (Friedman & Fisher 1999; Bryant & Lempert
2010) and extra-trees feature scoring (Jaxa-Rozen & Kwakkel 2018), and returns plain
DataFrames. ``ema-workbench`` is imported only when these functions run.

Typical use::

    x = experiments_frame(outcome.tables["runs"], design)
    y = outcome_vector(outcome.tables["outcomes"], "talent_share", "OpenAI")
    box = discover(x, y >= 0.2)           # runs of interest: OpenAI keeps >= 20%
    box.limits, box.coverage, box.density
    scores = feature_scores(x, {"openai_share": y})
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.sweeps.design import ResolvedDesign
from market.errors import ScenarioError


def _ema():
    try:
        import ema_workbench.analysis as analysis
    except ImportError:
        raise ScenarioError(
            "discovery", "needs ema-workbench: pip install 'talent-market[discovery]'"
        ) from None
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return analysis


def experiments_frame(runs: pd.DataFrame, design: ResolvedDesign) -> pd.DataFrame:
    """The swept parameters of every run (the ``runs`` table's order), as EMA's
    ``experiments``: numbers as float64/int64, anything else as a category. Parameters
    that never vary are left out (PRIM cannot restrict them).
    """
    x = runs[design.parameter_names].copy()
    for col in x.columns:
        if x[col].dtype.kind not in "fi":
            x[col] = x[col].astype(str).astype("category")
    return x.loc[:, x.nunique() > 1].reset_index(drop=True)


def outcome_vector(
    outcomes: pd.DataFrame, metric: str, lab: str | None = None, run_ids: pd.Series | None = None
) -> np.ndarray:
    """One outcome per run from the long ``outcomes`` table, in ``run_ids`` order
    (default: sorted run ids, the order of the ``runs`` table).
    """
    part = outcomes[outcomes["metric"] == metric]
    part = part[part["lab"].isna()] if lab is None else part[part["lab"] == lab]
    if part.empty:
        raise ScenarioError("metric", f"no outcome {metric!r} for lab {lab!r} in the table")
    values = part.set_index("run_id")["value"]
    order = sorted(values.index) if run_ids is None else list(run_ids)
    return values.reindex(order).to_numpy(dtype=float)


@dataclass
class Box:
    """One PRIM box: limits per restricted parameter and its quality."""

    limits: pd.DataFrame
    """One row per restricted parameter: parameter, low, high (or the kept categories)."""
    coverage: float
    """Share of all runs of interest that lie in the box."""
    density: float
    """Share of the runs in the box that are of interest."""
    mass: float
    """Share of all runs that lie in the box."""
    trajectory: pd.DataFrame
    """EMA's peeling trajectory (coverage, density, mass, res_dim per step)."""

    def describe(self) -> str:
        """The box as one line, e.g. ``market.sigma in [0.2, 0.9]``."""
        parts = [f"{r.parameter} in [{r.low:.3g}, {r.high:.3g}]" for r in self.limits.itertuples()]
        return " and ".join(parts) or "anywhere (no restriction)"


def discover(
    x: pd.DataFrame,
    of_interest: np.ndarray,
    *,
    min_density: float = 0.8,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
) -> Box:
    """PRIM (``ema_workbench.analysis.prim.Prim``) on runs where ``of_interest`` holds:
    the box on the peeling trajectory with the highest coverage among those with
    density >= ``min_density`` (the densest box if none reaches it).
    """
    prim = _ema().prim
    y = np.asarray(of_interest, dtype=bool)
    if y.shape[0] != len(x):
        raise ValueError(f"{len(x)} runs but {y.shape[0]} outcomes")
    if not y.any():
        raise ScenarioError("discovery", "no run is of interest: lower the threshold")
    finder = prim.Prim(x, y, mass_min=mass_min, peel_alpha=peel_alpha)
    box = finder.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    dense = traj[traj["density"] >= min_density]
    i = int(dense["coverage"].idxmax()) if len(dense) else int(traj["density"].idxmax())
    box.select(i)
    lims = box.box_lim
    initial = finder.box_init
    rows = []
    for col in lims.columns:
        low, high = lims[col].iloc[0], lims[col].iloc[1]
        if col in x.select_dtypes("number").columns:
            if low > initial[col].iloc[0] or high < initial[col].iloc[1]:
                rows.append({"parameter": col, "low": float(low), "high": float(high)})
        elif set(low) != set(initial[col].iloc[0]):
            rows.append({"parameter": col, "low": np.nan, "high": np.nan, "kept": sorted(low)})
    return Box(
        pd.DataFrame(rows, columns=["parameter", "low", "high"]),
        float(traj.loc[i, "coverage"]),
        float(traj.loc[i, "density"]),
        float(traj.loc[i, "mass"]),
        traj,
    )


def feature_scores(
    x: pd.DataFrame, outcomes: dict[str, np.ndarray], *, seed: int = 0
) -> pd.DataFrame:
    """Extra-trees feature scores (``feature_scoring.get_ex_feature_scores``) of each
    parameter for each outcome (regression; booleans as classification): columns
    outcome, parameter, score (scores of one outcome sum to 1).
    """
    fs = _ema().feature_scoring
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    frames = []
    for name, y in outcomes.items():
        y = np.asarray(y)
        mode = RuleInductionType.CLASSIFICATION if y.dtype == bool else RuleInductionType.REGRESSION
        scores, _ = fs.get_ex_feature_scores(x, y, mode=mode, random_state=seed)
        part = scores.reset_index()
        part.columns = ["parameter", "score"]
        frames.append(part.assign(outcome=name)[["outcome", "parameter", "score"]])
    return pd.concat(frames, ignore_index=True)
