"""Phase 11: this month's lab rows into the ledger."""

from __future__ import annotations

import numpy as np

from market.codes import Specialty
from market.jit import kernel
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
    NaN rows for empty groups). Partially sorts ``values`` in place.

    Bit-identical to ``np.quantile(group, q)`` with numpy's default ``linear`` method
    (virtual index ``(n - 1) q``, the neighbouring order statistics, numpy's two-sided
    lerp), but the order statistics of all groups by one compiled selection
    (:func:`_select_in_groups`) and the index and interpolation arithmetic vectorised
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
    kth = np.sort(np.concatenate([prev_idx, next_idx], axis=1), axis=1).astype(np.int64)
    start = bounds[groups, None]
    _select_in_groups(values, start[:, 0].astype(np.int64), sizes[groups].astype(np.int64), kth)
    a, b = values[start + prev_idx], values[start + next_idx]
    diff = b - a
    out[groups] = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return out


@kernel
def _select_in_groups(
    values: np.ndarray, start: np.ndarray, size: np.ndarray, kth: np.ndarray
) -> None:
    """Reorder each group ``values[start[g] : start[g] + size[g]]`` in place so that
    position ``kth[g, i]`` (ascending in ``i``, within the group) holds the group's
    ``kth[g, i]``-th smallest value, as ``ndarray.partition(kth[g])`` does (values
    without NaN): one quickselect per distinct k, each on the part right of the last.
    """
    for g in range(start.shape[0]):
        lo = start[g]
        hi = lo + size[g] - 1
        done = -1
        for i in range(kth.shape[1]):
            k = kth[g, i]
            if k == done:
                continue
            _quickselect(values, lo + done + 1, hi, lo + k)
            done = k


@kernel
def _quickselect(a: np.ndarray, left: int, right: int, k: int) -> None:
    """Move the ``k``-th smallest of ``a[left : right + 1]`` to position ``k``, smaller
    or equal values before it and larger or equal after (Hoare partition around a
    median of three; past ``2 log2(n) + 8`` rounds the rest is sorted, so the worst
    case stays O(n log n)).
    """
    rounds = 8
    n = right - left + 1
    while n > 1:
        rounds += 2
        n >>= 1
    while right > left:
        if right - left < 16 or rounds == 0:
            a[left : right + 1].sort()
            return
        rounds -= 1
        mid = (left + right) >> 1
        if a[mid] < a[left]:
            a[mid], a[left] = a[left], a[mid]
        if a[right] < a[left]:
            a[right], a[left] = a[left], a[right]
        if a[right] < a[mid]:
            a[right], a[mid] = a[mid], a[right]
        pivot = a[mid]
        i, j = left, right
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            right = j
        elif k >= i:
            left = i
        else:
            return
