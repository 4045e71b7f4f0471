"""Phase 2: compute and budgets grow."""

from __future__ import annotations

import numpy as np

from market.state import MarketState


def grow(state: MarketState) -> None:
    """GPU stocks grow monthly at ``gpu_growth_per_year``; at the start of each year
    after the first, budgets grow at ``budget_growth_per_year`` times the lab's
    capability growth relative to the market's, to the power ``budget_feedback``.
    """
    labs = state.labs
    labs.gpus_h100e *= _powers(1 + labs.gpu_growth_per_year, 1 / 12)
    if state.step > 1 and (state.step - 1) % 12 == 0:
        growth = labs.capability / labs.capability_year_ago
        mean_growth = np.average(growth, weights=np.maximum(labs.budget_usd, 1e-9))
        relative = _powers(growth / mean_growth, state.cfg.budget_feedback)
        labs.budget_usd *= (1 + labs.budget_growth_per_year) * relative
        labs.capability_year_ago[:] = labs.capability


def _powers(base: np.ndarray, exponent: float) -> np.ndarray:
    """``base ** exponent`` element by element with C's pow (a few labs: no cost).

    numpy's vectorised power (SIMD, and a sqrt shortcut for 0.5) can differ from pow()
    in the last bit, and which path runs depends on the array's length, so a lab's
    budget would depend on how many other labs there are.
    """
    return np.array([b**exponent for b in base.tolist()], dtype=float)
