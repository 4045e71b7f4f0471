"""Phase 11: this month's lab rows into the ledger."""

from __future__ import annotations

import numpy as np

from market.codes import Specialty
from market.jit import kernel
from market.selection import quickselect
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
    (:func:`_order_stats`) and the index and interpolation arithmetic vectorised
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
    stats = _order_stats(values, start, sizes[groups].astype(np.int64), kth)
    a, b = stats[:, : len(q_arr)], stats[:, len(q_arr) :]
    diff = b - a
    out[groups] = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return out


SMALL_GROUP = 256
"""Groups up to this size are sorted whole by :func:`_order_stats`."""


@kernel
def _order_stats(
    values: np.ndarray, start: np.ndarray, size: np.ndarray, kth: np.ndarray
) -> np.ndarray:
    """``np.partition(group, k)[k]`` for each ``k`` in ``kth[g]`` of each group
    ``values[start[g] : start[g] + size[g]]`` (no NaN): the ``k``-th smallest value,
    exactly, without moving ``values``.

    Small groups are sorted. In a large one, a strided sample of about ``n^(2/3)``
    values, sorted, brackets each wanted rank: ``[lo, hi]`` a few standard errors
    either side of ``k``'s sample rank. One pass counts the values below each bracket
    and copies those inside it; the ``k``-th smallest is then the ``(k - below)``-th
    of the bracket's values (a quickselect on a few percent of the group) if it lies
    in the bracket, which the counts prove; otherwise (a bad sample, or a bracket
    larger than the room kept for it) in a copy of the group, by quickselect.
    """
    n_groups, n_k = kth.shape
    out = np.empty((n_groups, n_k))
    order = np.empty(n_k, dtype=np.int64)
    owner = np.empty(n_k, dtype=np.int64)
    lo_at = np.empty(n_k, dtype=np.int64)
    hi_at = np.empty(n_k, dtype=np.int64)
    below = np.empty(n_k, dtype=np.int64)
    count = np.empty(n_k, dtype=np.int64)
    done = np.empty(n_k, dtype=np.int64)
    for g in range(n_groups):
        n = size[g]
        seg = values[start[g] : start[g] + n]
        if n <= SMALL_GROUP:
            ranked = np.sort(seg)
            for i in range(n_k):
                out[g, i] = ranked[kth[g, i]]
            continue
        m = min(n, max(SMALL_GROUP, int(n ** (2.0 / 3.0))))
        sample = np.empty(m)
        for i in range(m):
            sample[i] = seg[(i * n) // m]
        sample.sort()
        order[:] = np.argsort(kth[g])
        n_b = 0
        for w in order:
            p = kth[g, w] / (n - 1)
            r = p * (m - 1)
            d = 3.0 * np.sqrt(p * (1.0 - p) * m) + 3.0
            a = int(np.floor(r - d))
            b = int(np.ceil(r + d))
            if n_b > 0 and a <= hi_at[n_b - 1]:
                hi_at[n_b - 1] = max(hi_at[n_b - 1], b)
            else:
                lo_at[n_b] = a
                hi_at[n_b] = b
                n_b += 1
            owner[w] = n_b - 1
        # room for twice the expected bracket (fresh pages are dear: no n-sized buffer)
        room = 0
        for c in range(n_b):
            room = max(room, min(n, 2 * (hi_at[c] - lo_at[c] + 2) * (n // m + 1) + 64))
        band = np.empty((n_b, room + 1))
        for c in range(n_b):
            low = sample[lo_at[c]] if lo_at[c] >= 0 else -np.inf
            high = sample[hi_at[c]] if hi_at[c] < m else np.inf
            under = 0
            inside = 0
            for j in range(n):  # no branches (they would be mispredicted)
                v = seg[j]
                under += v < low
                band[c, inside] = v  # kept only if inside the bracket
                inside = min(inside + ((low <= v) & (v <= high)), room)
            below[c] = under
            count[c] = inside if inside < room else -1  # -1: full, not usable
            done[c] = -1
        whole = sample  # (typed; replaced by a copy of the group if a bracket misses)
        whole_done = -2
        for w in order:
            c = owner[w]
            r = kth[g, w] - below[c]
            if count[c] >= 0 and 0 <= r < count[c]:
                if r == done[c] + 1 and r > 0:  # next after a selected one: the least left
                    _least_to_front(band[c], r, count[c] - 1)
                    done[c] = r
                elif r != done[c]:
                    quickselect(band[c], done[c] + 1, count[c] - 1, r)
                    done[c] = r
                out[g, w] = band[c, r]
            else:  # the sample missed: select in one copy of the whole group
                if whole_done == -2:
                    whole = seg.copy()
                    whole_done = -1
                k = kth[g, w]
                if k != whole_done:
                    quickselect(whole, whole_done + 1, n - 1, k)
                    whole_done = k
                out[g, w] = whole[k]
    return out


@kernel
def _least_to_front(a: np.ndarray, left: int, right: int) -> None:
    """Swap the least of ``a[left : right + 1]`` (its first occurrence) to ``left``."""
    best = left
    for i in range(left + 1, right + 1):
        if a[i] < a[best]:
            best = i
    a[left], a[best] = a[best], a[left]
