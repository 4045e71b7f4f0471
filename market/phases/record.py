"""Phase 11: this month's lab rows into the ledger."""

from __future__ import annotations

import numpy as np

from market.codes import Specialty
from market.selection import order_stats
from market.state import MarketState

COMP_QUANTILES: tuple[float, ...] = (0.5, 0.9, 0.99)
"""Pay quantiles recorded per lab: median, p90, p99."""


def record(state: MarketState) -> None:
    """Append one row per lab (the ``labs`` table's columns) from the aggregates of
    the last :meth:`MarketState.refresh`, the end-of-month state.
    """
    agg, labs = state.lab_state, state.labs
    n_labs = state.n_labs
    by_lab, bounds = state.lab_order()
    comp = state.people.comp_usd[by_lab]
    quantiles = group_quantiles(comp, bounds, COMP_QUANTILES)
    research = agg.research_headcount
    gpus = agg.gpus
    budgets = labs.budget_usd.copy()
    state.ledger.add_lab_records(
        {
            "step": np.full(n_labs, state.step),
            "lab": np.array(labs.names, dtype=object),
            "kind": np.array(labs.kinds, dtype=object),
            "headcount": agg.headcount.sum(axis=0).astype(np.int64),
            "research": research.astype(np.int64),
            "infrastructure": agg.headcount[Specialty.INFRASTRUCTURE].astype(np.int64),
            "product": agg.headcount[Specialty.PRODUCT].astype(np.int64),
            "research_skill": agg.research_s1,
            "hires": state.hires[:n_labs].copy(),
            "departures": state.departures[:n_labs].copy(),
            "payroll_usd": agg.payroll,
            "budget_usd": budgets,
            # Payroll above budget (debt, with layoffs off); float noise is not debt.
            "deficit_usd": np.where(agg.payroll > budgets * (1 + 1e-9), agg.payroll - budgets, 0.0),
            "comp_median_usd": quantiles[:, 0],
            "comp_p90_usd": quantiles[:, 1],
            "comp_p99_usd": quantiles[:, 2],
            "gpus_h100e": gpus.copy(),
            # Missing (NaN), not the whole fleet, for a lab without researchers.
            "gpus_per_researcher": np.where(research > 0, gpus / np.maximum(research, 1), np.nan),
            "utilisation": agg.util,
            "research_output": labs.research_output.copy(),
            "capability": labs.capability.copy(),
            # Infrastructure leadership (zeros and 1/month when it is off).
            "gpus_backlog": labs.gpus_backlog.copy(),
            "infra_leaders": _or_zeros(agg.leaders, n_labs),
            "bring_up_months": 1.0 / np.maximum(_or_zeros(agg.bring_up, n_labs), 1e-12),
        }
    )


def _or_zeros(values: np.ndarray | None, n: int) -> np.ndarray:
    return np.zeros(n) if values is None else np.asarray(values, dtype=float).copy()


def group_quantiles(values: np.ndarray, bounds: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """Quantiles ``q`` of each group ``values[bounds[j] : bounds[j + 1]]`` ((G, len(q));
    NaN rows for empty groups). May reorder ``values`` in place.

    Bit-identical to ``np.quantile(group, q)`` with numpy's default ``linear`` method
    (virtual index ``(n - 1) q``, the neighbouring order statistics, numpy's two-sided
    lerp), but the order statistics of all groups by one compiled selection
    (:func:`market.selection.order_stats`) and the index and interpolation arithmetic vectorised
    over groups, instead of numpy.quantile's ~100 us of overhead per call. Falls back
    to ``np.quantile`` if ``values`` holds NaN.
    """
    q_arr = np.asarray(q, dtype=float)
    sizes = np.diff(bounds)
    out = np.full((len(sizes), len(q_arr)), np.nan)
    groups = np.flatnonzero(sizes)
    if groups.size == 0:
        return out
    if np.isnan(values).any():
        for j in groups:
            out[j] = np.quantile(values[bounds[j] : bounds[j + 1]], q_arr)
        return out
    n = sizes[groups, None]
    virtual = (n - 1).astype(float) * q_arr
    prev = np.floor(virtual)
    above = virtual >= n - 1
    prev_idx = np.where(above, n - 1, prev).astype(np.intp)
    next_idx = np.where(above, n - 1, prev + 1).astype(np.intp)
    gamma = virtual - np.where(above, -1, prev_idx)
    kth = np.concatenate([prev_idx, next_idx], axis=1).astype(np.int64)
    start = bounds[groups].astype(np.int64)
    stats = order_stats(values, start, sizes[groups].astype(np.int64), kth)
    a, b = stats[:, : len(q_arr)], stats[:, len(q_arr) :]
    diff = b - a
    out[groups] = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return out
