"""Phase 4: labs whose payroll exceeds the budget lay people off."""

from __future__ import annotations

import numpy as np

from market.codes import Employer, Reason
from market.moves import leave
from market.state import MarketState
from market.valuation import marginal_value


def lay_off(state: MarketState) -> None:
    """Each lab over budget lays off the people with the lowest value per dollar
    until payroll fits; they enter the pool asking ``layoff_reservation_share`` of
    their last pay.
    """
    if not state.cfg.layoffs_enabled:
        return
    agg, labs, p = state.lab_state, state.labs, state.people
    budgets = labs.budget_usd.copy()
    over = np.flatnonzero(agg.payroll > budgets * (1 + 1e-9))
    if over.size == 0:
        return
    emp = p.view("employer")
    for j in over:
        rows = np.flatnonzero(emp == j)
        everyone = np.ones(len(rows), bool)
        value = marginal_value(
            agg, p, rows, np.full(len(rows), j), everyone, state.cfg, state.price
        )
        cost = p.comp_usd[rows] * (1 + labs.retention_bonus_frac[j])
        order = np.argsort(value / cost, kind="stable")
        excess = agg.payroll[j] - budgets[j]
        n_cut = int(np.searchsorted(np.cumsum(cost[order]), excess, side="left")) + 1
        cut = rows[order[: min(n_cut, len(rows))]]
        leave(state, cut, Employer.POOL, Reason.LAYOFF)
        p.comp_usd[cut] *= state.pop.layoff_reservation_share
        p.touch()
    state.refresh()
