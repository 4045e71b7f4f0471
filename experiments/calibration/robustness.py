"""Do the test verdicts survive the fitted uncertainty and the range of sigma?

Conditions: the fitted point; ``draws`` parameter vectors drawn from the normal
approximation ``N(theta_hat, V)`` (clipped to the bounds; seeded analysis rng, not the
model's); and the fitted point at each ``market.sigma`` in :data:`SIGMAS` (Whitfill &
Wu 2025 bracket it by [0, 2.6]). A verdict *survives* when every condition gives the
verdict of the fitted point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.calibration.evaluate import Evaluator
from experiments.calibration.fit import FitResult
from experiments.calibration.patterns import PatternSpec
from experiments.calibration.report import pattern_table
from experiments.calibration.split import Split

SIGMAS = (0.0, 0.5, 1.0, 2.0, 2.6)
"""Elasticities of substitution tried (market.sigma)."""


def conditions(fit: FitResult, evaluator: Evaluator, draws: int, seed: int) -> list[tuple]:
    """(name, parameter values, extra overrides) of every condition."""
    out: list[tuple] = [("fitted", fit.values, {})]
    if draws and np.isfinite(fit.cov).all():
        rng = np.random.default_rng(seed)
        space = evaluator.space
        for k, v in enumerate(rng.multivariate_normal(fit.values, fit.cov, size=draws)):
            out.append((f"draw {k + 1}", np.clip(v, space.low, space.high), {}))
    out += [(f"sigma={s:g}", fit.values, {"market.sigma": s}) for s in SIGMAS]
    return out


def robustness(
    evaluator: Evaluator,
    fit: FitResult,
    patterns: dict[str, PatternSpec],
    split: Split,
    draws: int = 4,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long (condition, pattern, verdict) table and a per-pattern survival summary."""
    rows = []
    tested = {pid: patterns[pid] for pid in split.test}
    for name, values, extra in conditions(fit, evaluator, draws, seed):
        table = pattern_table(evaluator.per_seed(values, extra), tested, split)
        for r in table.itertuples(index=False):
            rows.append(
                {
                    "condition": name,
                    "pattern": r.pattern,
                    "sim_mean": r.sim_mean,
                    "verdict": r.verdict,
                }
            )
    long = pd.DataFrame(rows)
    summary = []
    for pid, part in long.groupby("pattern", sort=False):
        base = part.loc[part["condition"] == "fitted", "verdict"].iloc[0]
        same = part["verdict"] == base
        sig = part[part["condition"].str.startswith("sigma")]
        summary.append(
            {
                "pattern": pid,
                "fitted_verdict": base,
                "conditions": len(part),
                "same_verdict": int(same.sum()),
                "survives_uncertainty": bool(
                    same[~part["condition"].str.startswith("sigma")].all()
                ),
                "survives_sigma": bool((sig["verdict"] == base).all()),
                "survives": bool(same.all()),
                "verdicts_by_sigma": ", ".join(
                    f"{c.split('=')[1]}: {v}"
                    for c, v in zip(sig["condition"], sig["verdict"], strict=True)
                ),
            }
        )
    return long, pd.DataFrame(summary)
