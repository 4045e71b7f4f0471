"""Phase 11: this month's lab rows into the ledger."""

from __future__ import annotations

import numpy as np

from market.codes import N_SPECIALTIES, RESEARCH_CODE, Specialty
from market.jit import kernel, np_maximum
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
    comp, bounds = state.values_by_lab(state.people.comp_usd)
    quantiles = group_quantiles(comp, bounds, COMP_QUANTILES)
    budgets = labs.budget_usd.copy()
    heads, deficit, per_researcher, bring_up = _lab_columns(
        agg.headcount, agg.payroll, budgets, agg.gpus, _or_zeros(agg.bring_up, n_labs)
    )
    state.ledger.add_lab_records(
        {
            "step": np.full(n_labs, state.step),
            "lab": np.array(labs.names, dtype=object),
            "kind": np.array(labs.kinds, dtype=object),
            "headcount": heads[N_SPECIALTIES],
            "research": heads[Specialty.RESEARCH],
            "infrastructure": heads[Specialty.INFRASTRUCTURE],
            "product": heads[Specialty.PRODUCT],
            "research_skill": agg.research_s1,
            "hires": state.hires[:n_labs].copy(),
            "departures": state.departures[:n_labs].copy(),
            "payroll_usd": agg.payroll,
            "budget_usd": budgets,
            "deficit_usd": deficit,
            "comp_median_usd": quantiles[:, 0],
            "comp_p90_usd": quantiles[:, 1],
            "comp_p99_usd": quantiles[:, 2],
            "gpus_h100e": agg.gpus.copy(),
            "gpus_per_researcher": per_researcher,
            "utilisation": agg.util,
            "research_output": labs.research_output.copy(),
            "capability": labs.capability.copy(),
            # Infrastructure leadership (zeros and 1/month when it is off).
            "gpus_backlog": labs.gpus_backlog.copy(),
            "infra_leaders": _or_zeros(agg.leaders, n_labs),
            "bring_up_months": bring_up,
        }
    )


@kernel
def _lab_columns(
    headcount: np.ndarray,
    payroll: np.ndarray,
    budget: np.ndarray,
    gpus: np.ndarray,
    bring_up: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`record`'s derived columns per lab ``j``: the head counts as int64 (rows
    ``0..2`` ``headcount[s].astype(np.int64)``, row 3 the total
    ``headcount.sum(axis=0).astype(np.int64)``, the specialties added in order); the
    deficit, payroll above budget (``np.where(payroll > budget x (1 + 1e-9), payroll -
    budget, 0.0)``: float noise is not debt); GPUs per researcher (``np.where(research >
    0, gpus / np.maximum(research, 1), np.nan)``: missing, not the whole fleet, for a
    lab without researchers) and the bring-up months ``1.0 / np.maximum(bring_up,
    1e-12)`` (NaN stays NaN).
    """
    n_labs = payroll.shape[0]
    heads = np.empty((N_SPECIALTIES + 1, n_labs), dtype=np.int64)
    deficit, per_researcher, months = np.empty(n_labs), np.empty(n_labs), np.empty(n_labs)
    for j in range(n_labs):
        total = headcount[0, j]
        for s in range(N_SPECIALTIES):
            heads[s, j] = np.int64(headcount[s, j])
            if s > 0:
                total = total + headcount[s, j]
        heads[N_SPECIALTIES, j] = np.int64(total)
        p, b = payroll[j], budget[j]
        deficit[j] = p - b if p > b * (1 + 1e-9) else 0.0
        r = headcount[RESEARCH_CODE, j]
        per_researcher[j] = gpus[j] / np_maximum(r, 1.0) if r > 0 else np.nan
        months[j] = 1.0 / np_maximum(bring_up[j], 1e-12)
    return heads, deficit, per_researcher, months


def _or_zeros(values: np.ndarray | None, n: int) -> np.ndarray:
    return np.zeros(n) if values is None else np.asarray(values, dtype=float).copy()


def group_quantiles(values: np.ndarray, bounds: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """Quantiles ``q`` of each group ``values[bounds[j] : bounds[j + 1]]`` ((G, len(q));
    NaN rows for empty groups and for groups holding a NaN).

    Bit-identical to ``np.quantile(group, q)`` with numpy's default ``linear`` method,
    by one compiled call (:func:`_group_quantiles`) instead of numpy.quantile's ~100 us
    of overhead per group.
    """
    return _group_quantiles(values, bounds, np.asarray(q, dtype=float))


@kernel
def _group_quantiles(values: np.ndarray, bounds: np.ndarray, q: np.ndarray) -> np.ndarray:
    """:func:`group_quantiles`: per group of ``n`` and quantile ``q``, numpy's virtual
    index ``(n - 1) q``, its two neighbouring order statistics ``a <= b``
    (:func:`market.selection.order_stats`, all groups in one call; NaN for a group
    holding a NaN, as np.quantile gives) and numpy's two-sided lerp, ``b - (b - a)(1 -
    gamma)`` if ``gamma >= 0.5`` else ``a + (b - a) gamma``, with numpy's operations and
    their order.
    """
    n_groups, n_q = bounds.shape[0] - 1, q.shape[0]
    out = np.full((n_groups, n_q), np.nan)
    at = np.flatnonzero(bounds[1:] > bounds[:-1])
    size = np.empty(at.shape[0], dtype=np.int64)
    kth = np.empty((at.shape[0], 2 * n_q), dtype=np.int64)
    gamma = np.empty((at.shape[0], n_q))
    for g in range(at.shape[0]):
        n = bounds[at[g] + 1] - bounds[at[g]]
        size[g] = n
        for i in range(n_q):
            virtual = float(n - 1) * q[i]
            prev = np.floor(virtual)
            above = virtual >= float(n - 1)
            kth[g, i] = n - 1 if above else int(prev)
            kth[g, n_q + i] = n - 1 if above else int(prev + 1.0)
            gamma[g, i] = virtual - float(-1 if above else kth[g, i])
    stats = order_stats(values, bounds[at].astype(np.int64), size, kth)
    for g in range(at.shape[0]):
        for i in range(n_q):
            a, b, t = stats[g, i], stats[g, n_q + i], gamma[g, i]
            diff = b - a
            out[at[g], i] = b - diff * (1.0 - t) if t >= 0.5 else a + diff * t
    return out
