"""Phase 2: compute and budgets grow."""

from __future__ import annotations

import numpy as np

from market.pricing import reprice
from market.state import MarketState


def grow(state: MarketState) -> None:
    """GPU stocks grow monthly at ``gpu_growth_per_year`` (with infrastructure leadership
    on, new GPUs join the backlog and come online at the bring-up rate,
    :func:`bring_up`). At the start of each year after the first, an annual review sets
    each lab's budget growth to ``budget_growth_per_year`` times its capability growth
    relative to the market's, to the power ``budget_feedback``, and the value of output
    is reset (:func:`market.pricing.reprice`). With ``budget_growth_monthly`` budgets
    compound to that growth month by month (``((1 + g) x feedback)^(1/12)``, from the
    first month); without, the whole year's growth comes at the review.
    """
    labs, cfg = state.labs, state.cfg
    if cfg.infra_leadership_enabled:
        bring_up(state)
    else:
        labs.gpus_h100e *= _powers(1 + labs.gpu_growth_per_year, 1 / 12)
    review = state.step > 1 and state.new_budget_year
    if review:
        growth = labs.capability / labs.capability_year_ago
        mean_growth = np.average(growth, weights=np.maximum(labs.budget_usd, 1e-9))
        labs.budget_review_factor[:] = _powers(growth / mean_growth, cfg.budget_feedback)
        labs.capability_year_ago[:] = labs.capability
        if not cfg.budget_growth_monthly:
            labs.budget_usd *= (1 + labs.budget_growth_per_year) * labs.budget_review_factor
    if cfg.budget_growth_monthly:
        year = (1 + labs.budget_growth_per_year) * labs.budget_review_factor
        labs.budget_usd *= _powers(year, 1 / 12)
    if review:
        reprice(state)


def bring_up(state: MarketState) -> None:
    """The whole fleet (online + backlog) grows at ``gpu_growth_per_year``; new GPUs join
    the backlog (a shrinking fleet loses backlog first), then a share ``k`` of the
    backlog comes online, ``k`` rising with the lab's infrastructure leadership as of
    the end of last month (:func:`market.production.bring_up_share`).
    """
    labs = state.labs
    online, backlog = labs.gpus_h100e, labs.gpus_backlog
    total = online + backlog
    change = total * _powers(1 + labs.gpu_growth_per_year, 1 / 12) - total
    cut = np.maximum(-change, 0.0)
    from_backlog = np.minimum(cut, backlog)
    backlog += np.maximum(change, 0.0) - from_backlog
    online -= cut - from_backlog
    share = _share(state)
    arriving = share * backlog
    online += arriving
    backlog -= arriving
    np.maximum(online, 0.0, out=online)
    np.maximum(backlog, 0.0, out=backlog)


def _share(state: MarketState) -> np.ndarray:
    """This month's bring-up share per lab (labs founded since the last refresh: the
    leaderless minimum).
    """
    agg = state.lab_state
    n = state.n_labs
    share = np.full(n, state.cfg.bring_up_min_per_month)
    if agg.bring_up is not None:
        m = min(n, len(agg.bring_up))
        share[:m] = agg.bring_up[:m]
    return share


def _powers(base: np.ndarray, exponent: float) -> np.ndarray:
    """``base ** exponent`` element by element with C's pow (a few labs: no cost).

    numpy's vectorised power (SIMD, and a sqrt shortcut for 0.5) can differ from pow()
    in the last bit, and which path runs depends on the array's length, so a lab's
    budget would depend on how many other labs there are.
    """
    return np.array([b**exponent for b in base.tolist()], dtype=float)
