"""Fitting: a scrambled-Sobol warm start, then bounded Nelder-Mead, then the sandwich.

The objective is piecewise constant in the parameters (a finite population of agents
makes discrete choices), so gradient methods see zero or huge gradients; Nelder-Mead
only compares function values. A Sobol warm start (scipy.stats.qmc, seeded) spreads
the first candidates evenly over the box so the simplex starts near the best region,
which a local method needs. Everything runs in unit-cube coordinates.

Uncertainty comes from the curvature: with ``G`` the Jacobian of the training moments
at the optimum (central differences, step :data:`JACOBIAN_STEP` of each range, on the
same seeds), ``W = diag(1/tol^2)`` and ``Omega = diag(tol^2) + S/R`` (the tolerances
stand for the observed figures' uncertainty; ``S`` is the across-seed covariance of the
simulated moments, ``R`` the number of seeds),
``V = (G'WG)^-1 G'W Omega W G (G'WG)^-1`` (the SMM sandwich, Gourieroux & Monfort).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import qmc

from experiments.calibration.evaluate import Evaluator
from experiments.calibration.objective import Objective

JACOBIAN_STEP = 0.1
"""Finite-difference step, as a share of each parameter's range (large on purpose: the
objective is a step function at small scales)."""
SIMPLEX_STEP = 0.15
"""Initial Nelder-Mead simplex edge, as a share of each range."""


@dataclass(frozen=True)
class Budget:
    """How many evaluations each stage may spend."""

    starts: int = 16
    """Sobol warm-start points (rounded up to a power of 2)."""
    maxfev: int = 40
    """Nelder-Mead evaluations."""
    seed: int = 0
    """Seed of the Sobol scrambling."""


@dataclass
class FitResult:
    """The fitted parameters, their uncertainty and the search trace."""

    names: list[str]
    values: np.ndarray
    se: np.ndarray
    cov: np.ndarray
    objective: float
    moments: np.ndarray
    jacobian: np.ndarray
    trace: pd.DataFrame
    identified: np.ndarray
    notes: list[str] = field(default_factory=list)

    def table(self, low: np.ndarray, high: np.ndarray) -> pd.DataFrame:
        """One row per parameter: estimate, standard error, 95% interval, bounds."""
        return pd.DataFrame(
            {
                "parameter": self.names,
                "estimate": self.values,
                "se": self.se,
                "ci_low": self.values - 1.96 * self.se,
                "ci_high": self.values + 1.96 * self.se,
                "low": low,
                "high": high,
                "identified": self.identified,
            }
        )


class Search:
    """The objective as a function of unit-cube coordinates, with a trace."""

    def __init__(self, evaluator: Evaluator, objective: Objective) -> None:
        self.evaluator = evaluator
        self.objective = objective
        self.rows: list[dict[str, float | str]] = []
        self.points: list[tuple[float, np.ndarray]] = []
        self.phase = "start"

    def __call__(self, unit: np.ndarray) -> float:
        """J at unit-cube coordinates ``unit`` (recorded in the trace)."""
        values = self.evaluator.space.to_values(unit)
        per_seed = self.evaluator.per_seed(values)
        j = self.objective.value(per_seed)
        row: dict[str, float | str] = {"evaluation": len(self.rows), "phase": self.phase}
        row.update(dict(zip(self.evaluator.space.names, values.tolist(), strict=True)))
        row["objective"] = j
        self.rows.append(row)
        self.points.append((j, np.array(unit, dtype=float)))
        return j

    def best(self) -> np.ndarray:
        """The unit coordinates of the lowest objective seen so far (first on ties)."""
        return min(self.points, key=lambda item: item[0])[1]

    def trace(self) -> pd.DataFrame:
        """Every evaluation in order, with the best objective so far."""
        df = pd.DataFrame(self.rows)
        df["best_so_far"] = df["objective"].cummin()
        return df


def warm_start(dim: int, n: int, seed: int) -> np.ndarray:
    """``n`` (rounded up to a power of 2) scrambled Sobol points in the unit cube."""
    m = max(0, int(np.ceil(np.log2(max(n, 1)))))
    return qmc.Sobol(d=dim, scramble=True, rng=np.random.default_rng(seed)).random_base2(m)


def fit(evaluator: Evaluator, objective: Objective, budget: Budget) -> FitResult:
    """Minimise the objective; return the optimum with its sandwich covariance."""
    space = evaluator.space
    search = Search(evaluator, objective)
    base = np.clip(space.to_unit(space.base_values()), 0.0, 1.0)
    candidates = [base, *warm_start(space.dim, budget.starts, budget.seed)]
    scores = [search(u) for u in candidates]
    best = candidates[int(np.argmin(scores))]
    search.phase = "nelder-mead"
    simplex = np.vstack([best] + [_vertex(best, i) for i in range(space.dim)])
    optimize.minimize(  # its x is a simplex vertex; keep the best point ever evaluated
        search,
        best,
        method="Nelder-Mead",
        bounds=[(0.0, 1.0)] * space.dim,
        options={
            "maxfev": budget.maxfev,
            "initial_simplex": simplex,
            "xatol": 0.01,
            "fatol": 0.01,
        },
    )
    u_hat = np.clip(search.best(), 0.0, 1.0)
    search.phase = "jacobian"
    jac_unit, per_seed_hat = jacobian(search, u_hat)
    values = space.to_values(u_hat)
    jac = jac_unit / (space.high - space.low)
    cov, identified, notes = sandwich(jac, objective, per_seed_hat)
    return FitResult(
        space.names,
        values,
        np.sqrt(np.clip(np.diag(cov), 0.0, None)),
        cov,
        objective.value(per_seed_hat),
        objective.moments(per_seed_hat),
        jac,
        search.trace(),
        identified,
        notes,
    )


def _vertex(best: np.ndarray, i: int) -> np.ndarray:
    v = best.copy()
    v[i] = best[i] + SIMPLEX_STEP if best[i] + SIMPLEX_STEP <= 1.0 else best[i] - SIMPLEX_STEP
    return v


def jacobian(search: Search, u_hat: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """D moments / d unit coordinates by central differences (one-sided at a bound)."""
    ev, obj = search.evaluator, search.objective
    per_seed_hat = ev.per_seed(ev.space.to_values(u_hat))
    cols = []
    for i in range(ev.space.dim):
        up, down = u_hat.copy(), u_hat.copy()
        up[i] = min(1.0, u_hat[i] + JACOBIAN_STEP)
        down[i] = max(0.0, u_hat[i] - JACOBIAN_STEP)
        search(up)
        search(down)
        m_up = obj.moments(ev.per_seed(ev.space.to_values(up)))
        m_down = obj.moments(ev.per_seed(ev.space.to_values(down)))
        cols.append((m_up - m_down) / (up[i] - down[i]))
    return np.column_stack(cols), per_seed_hat


def sandwich(
    jac: np.ndarray, objective: Objective, per_seed: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The SMM sandwich covariance, which parameters are identified, and notes."""
    notes: list[str] = []
    g = np.nan_to_num(jac, nan=0.0)
    w = np.diag(1.0 / objective.tolerance**2)
    sims = np.column_stack(
        [
            per_seed[pid].to_numpy(dtype=float) if pid in per_seed else np.full(len(per_seed), 0.0)
            for pid in objective.ids
        ]
    )
    r = sims.shape[0]
    s = np.cov(np.nan_to_num(sims), rowvar=False, ddof=1) if r > 1 else np.zeros((len(w), len(w)))
    omega = np.diag(objective.tolerance**2) + np.atleast_2d(s) / max(r, 1)
    bread = g.T @ w @ g
    identified = np.abs(np.diag(bread)) > 1e-12
    if not identified.all():
        notes.append("some parameters do not move any training moment (not identified)")
    inv = np.linalg.pinv(bread)
    cov = inv @ g.T @ w @ omega @ w @ g @ inv
    cov[~identified, :] = np.nan
    cov[:, ~identified] = np.nan
    return cov, identified, notes
