"""Phase 4: labs whose payroll exceeds the budget lay people off."""

from __future__ import annotations

import numpy as np

from market.codes import Employer, Reason
from market.moves import leave
from market.state import MarketState
from market.valuation import marginal_value

MAX_ROUNDS = 200
"""Safety bound on layoff rounds per lab and month (each round cuts at least one)."""


def lay_off(state: MarketState) -> None:
    """Each lab over budget lays people off until payroll fits (rule ``layoff_rule``,
    docs/ODD.md 7.9); they enter the pool asking ``layoff_reservation_share`` of their
    last pay, where labs with vacancies can rehire them.
    """
    if not state.cfg.layoffs_enabled:
        return
    agg, labs = state.lab_state, state.labs
    over = np.flatnonzero(agg.payroll > labs.budget_usd * (1 + 1e-9))
    if over.size == 0:
        return
    for j in over:
        if state.cfg.layoff_rule in ("rounds", "surplus"):
            _cut_in_rounds(state, int(j))
        else:
            _cut(state, _by_value_per_dollar(state, int(j)))
    state.refresh()


def _staff_values(state: MarketState, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lab ``j``'s staff rows, what the lab loses if each leaves, and what each costs."""
    p = state.people
    rows = np.flatnonzero(p.view("employer") == j)
    everyone = np.ones(len(rows), bool)
    value = marginal_value(
        state.lab_state, p, rows, np.full(len(rows), j), everyone, state.cfg, state.price
    )
    cost = p.comp_usd[rows] * (1 + state.labs.retention_bonus_frac[j])
    return rows, value, cost


def _excess(state: MarketState, j: int) -> float:
    return float(state.lab_state.payroll[j] - state.labs.budget_usd[j])


def _by_value_per_dollar(state: MarketState, j: int) -> np.ndarray:
    """The old rule: lowest value per dollar first, in one pass, until payroll fits."""
    rows, value, cost = _staff_values(state, j)
    order = np.argsort(value / cost, kind="stable")
    n_cut = int(np.searchsorted(np.cumsum(cost[order]), _excess(state, j), side="left")) + 1
    return rows[order[: min(n_cut, len(rows))]]


def _cut_in_rounds(state: MarketState, j: int) -> None:
    """Rounds of cuts until payroll fits, values recomputed after each round.

    Rule ``rounds``: a lab that must bring payroll ``sum c_i`` under its budget ``B``
    and keeps the most surplus ``sum (v_i - c_i)`` keeps person ``i`` when
    ``v_i / c_i >= 1 + lambda`` (the Lagrangian of the knapsack, ``lambda`` the shadow
    price of the budget), so people go lowest value per dollar first. Rule ``surplus``
    (mechanisms v2) orders by ``v - c`` instead, which, once everyone is worth their
    cost, cuts the cheapest people first and so many more heads for the same saving.
    Either way only people worth less than they cost may go while any remain (the
    pay multiplier, a bidding policy, does not enter), no specialty loses more than
    ``layoff_round_share`` of its staff in a round (at least one person), and marginal
    values are recomputed after each round, so cutting a specialty raises the value of
    those who stay in it.
    """
    p, cfg = state.people, state.cfg
    for _ in range(MAX_ROUNDS):
        excess = _excess(state, j)
        if excess <= 1e-9 * state.labs.budget_usd[j]:
            return
        rows, value, cost = _staff_values(state, j)
        if rows.size == 0:
            return
        key = value - cost if cfg.layoff_rule == "surplus" else value / cost
        eligible = value < cost
        if not eligible.any():
            eligible[:] = True
        spec = p.specialty[rows]
        limit = np.maximum(1, np.floor(cfg.layoff_round_share * np.bincount(spec, minlength=3)))
        order = np.flatnonzero(eligible)[np.argsort(key[eligible], kind="stable")]
        # rank of each candidate within its specialty, in cut order
        rank = np.zeros(len(order), dtype=np.int64)
        for s in range(3):
            sel = spec[order] == s
            rank[sel] = np.arange(sel.sum())
        order = order[rank < limit[spec[order]]]
        n_cut = int(np.searchsorted(np.cumsum(cost[order]), excess, side="left")) + 1
        _cut(state, rows[order[: min(n_cut, len(order))]])
        state.refresh()


def _cut(state: MarketState, cut: np.ndarray) -> None:
    p = state.people
    leave(state, cut, Employer.POOL, Reason.LAYOFF)
    p.comp_usd[cut] *= state.pop.layoff_reservation_share
    p.touch(cut)
