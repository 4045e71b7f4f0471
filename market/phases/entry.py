"""Phase 6: graduates enter the job pool; people who searched too long leave it."""

from __future__ import annotations

import numpy as np

from market.codes import Employer, Reason, Specialty
from market.jit import kernel
from market.moves import leave, move
from market.population import add_graduates
from market.search import pairwise_sum
from market.state import MarketState

POOL_CODE = int(Employer.POOL)
"""The pool's employer code as a plain int (a kernel constant)."""


def enter(state: MarketState, rng: np.random.Generator) -> None:
    """Pool members past ``pool_months`` go to the outside sector (graduates, while it
    has budget) or leave the market; then ``Poisson(graduates_per_year / 12)`` new
    graduates join the pool.
    """
    p, pop, cfg = state.people, state.pop, state.cfg
    stale = _stale(p.view("employer"), p.tenure_months, int(pop.pool_months))
    if cfg.outside_absorbs_graduates:
        stale = absorb_into_outside_sector(state, stale)
    leave(state, stale, Employer.GONE, Reason.POOL_EXIT)
    if not cfg.graduates_enabled or pop.graduates_per_year <= 0:
        return
    n = int(rng.poisson(pop.graduates_per_year / 12))
    if n > 0:
        add_graduates(state, rng, n)


def absorb_into_outside_sector(state: MarketState, stale: np.ndarray) -> np.ndarray:
    """Unhired graduates among ``stale`` take posts in the outside sector at their
    reservation pay, best first, while its budget allows: researchers in academia,
    infrastructure and product people in the wider tech pool, then anyone wherever
    budget is left. Returns those still unplaced.
    """
    p, labs = state.people, state.labs
    graduates = stale[p.hired_step[stale] < 0]
    if graduates.size == 0:
        return stale
    graduates = graduates[np.argsort(-p.skill[graduates], kind="stable")]
    outside_labs = np.flatnonzero(labs.outside_sector)
    payroll = payrolls_now(state, outside_labs)
    outside = outside_labs.tolist()
    headroom = {j: labs.budget_usd[j] - payroll[k] for k, j in enumerate(outside)}
    placed_all = []
    for matching_only in (True, False):
        is_research = p.specialty[graduates] == Specialty.RESEARCH
        for j in sorted(outside, key=lambda j: -headroom[j]):
            wants = graduates
            if matching_only:
                wants = graduates[is_research == (labs.kinds[j] == "academia")]
            if wants.size == 0 or headroom[j] <= 0:
                continue
            cost = p.comp_usd[wants] * (1 + labs.retention_bonus_frac[j])
            placed = wants[np.cumsum(cost) <= headroom[j]]
            if placed.size:
                headroom[j] -= cost[: placed.size].sum()
                move(state, placed, j, p.comp_usd[placed].copy(), Reason.GRADUATE_HIRE)
                placed_all.append(placed)
                graduates = _without(graduates, placed, p.n)  # still sorted by skill
                is_research = p.specialty[graduates] == Specialty.RESEARCH
    if not placed_all:
        return stale
    return _without(stale, np.concatenate(placed_all), p.n)


def payrolls_now(state: MarketState, labs: np.ndarray) -> np.ndarray:
    """The payroll with retention grants of each lab in ``labs`` as the people columns
    stand now (the aggregates of the last refresh miss this month's anniversary raises):
    ``comp_usd[employer == j].sum() * (1 + retention_bonus_frac[j])``, numpy's pairwise
    sum of the lab's pay in row order (:func:`_pay_sums`, one compiled call).
    """
    p = state.people
    sums = _pay_sums(p.view("employer"), p.comp_usd, np.asarray(labs, dtype=np.int64))
    return sums * (1 + state.labs.retention_bonus_frac[labs])


@kernel
def _stale(employer: np.ndarray, tenure: np.ndarray, pool_months: int) -> np.ndarray:
    """Pool members past ``pool_months``, ascending, in one pass:
    ``np.flatnonzero((employer == POOL) & (tenure > pool_months))``.
    """
    n = employer.shape[0]
    rows = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):  # a branch on the few in the pool, then none on their tenure
        if employer[i] == POOL_CODE:
            rows[k] = i
            k += tenure[i] > pool_months
    return rows[:k]


@kernel
def _pay_sums(employer: np.ndarray, comp: np.ndarray, labs: np.ndarray) -> np.ndarray:
    """``comp[employer == j].sum()`` for each ``j`` in ``labs``, bit for bit: a lab's pay
    gathered in row order (a pass over the rows without branches, whose outcome is
    unpredictable row to row), then numpy's pairwise sum
    (:func:`market.search.pairwise_sum`).
    """
    n = employer.shape[0]
    values = np.empty(n)
    out = np.empty(labs.shape[0])
    for k in range(labs.shape[0]):
        j = labs[k]
        m = 0
        for i in range(n):
            values[m] = comp[i]
            m += employer[i] == j
        out[k] = pairwise_sum(values, 0, m)
    return out


def _without(rows: np.ndarray, drop: np.ndarray, n: int) -> np.ndarray:
    """``np.setdiff1d(rows, drop, assume_unique=True)`` for rows below ``n``: ``rows``
    in their order, less those in ``drop`` (one mask over the rows, no sort).
    """
    gone = np.zeros(n, dtype=bool)
    gone[drop] = True
    return rows[~gone[rows]]
