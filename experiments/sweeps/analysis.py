"""Answers from sweep tables: paired differences, Sobol and Morris indices (SALib)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from experiments.sweeps.design import ResolvedDesign
from experiments.sweeps.tables import t_interval


def paired_difference(
    runs: pd.DataFrame, metric: str, baseline_point: int = 0, level: float = 0.95
) -> pd.DataFrame:
    """Per design point: mean difference of ``metric`` from the baseline point, with a
    t interval over replicates paired by replicate number (common random numbers).

    Returns columns point, n, mean, diff, diff_low, diff_high.
    """
    wide = runs.pivot(index="replicate", columns="point", values=metric).astype(float)
    base = wide[baseline_point]
    rows = []
    for point in wide.columns:
        mean, _, _, _ = t_interval(wide[point].to_numpy())
        diff, _, low, high = t_interval((wide[point] - base).to_numpy(), level)
        rows.append(
            {
                "point": int(point),
                "n": int(wide[point].notna().sum()),
                "mean": mean,
                "diff": diff,
                "diff_low": low,
                "diff_high": high,
            }
        )
    return pd.DataFrame(rows)


def point_means(runs: pd.DataFrame, metric: str) -> np.ndarray:
    """Mean of ``metric`` over replications, one value per design point in order."""
    return runs.groupby("point", sort=True)[metric].mean().to_numpy(dtype=float)


def sobol_indices(
    design: ResolvedDesign, y: np.ndarray, seed: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Sobol indices of outputs ``y`` (one per design point, in order) of a sobol design.

    Returns (S1, S1_conf, ST, ST_conf per parameter) and, if the design sampled for
    them, second-order indices per pair (S2, S2_conf).
    """
    return sobol_table(_problem(design, "sobol"), y, design.file.design.second_order, seed)


def sobol_table(
    problem: dict[str, Any], y: np.ndarray, second_order: bool = False, seed: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """SALib's Sobol analysis as tables (see :func:`sobol_indices`)."""
    from SALib.analyze import sobol

    res = sobol.analyze(
        problem, np.asarray(y, dtype=float), calc_second_order=second_order, seed=seed
    )
    first = pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )
    pairs = None
    if second_order:
        names = problem["names"]
        rows = [
            {"a": names[i], "b": names[j], "S2": res["S2"][i, j], "S2_conf": res["S2_conf"][i, j]}
            for i in range(len(names))
            for j in range(i + 1, len(names))
        ]
        pairs = pd.DataFrame(rows)
    return first, pairs


def morris_indices(design: ResolvedDesign, y: np.ndarray, seed: int | None = None) -> pd.DataFrame:
    """Morris elementary effects (SALib): mu, mu_star, sigma, mu_star_conf."""
    from SALib.analyze import morris

    problem = _problem(design, "morris")
    res = morris.analyze(
        problem,
        design.sample_matrix,
        np.asarray(y, dtype=float),
        num_levels=design.file.design.levels,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "sigma": res["sigma"],
            "mu_star_conf": res["mu_star_conf"],
        }
    )


def _problem(design: ResolvedDesign, kind: str) -> dict[str, Any]:
    if design.file.design.kind != kind or design.problem is None:
        raise ValueError(f"design {design.name!r} is {design.file.design.kind!r}, not {kind!r}")
    return design.problem
