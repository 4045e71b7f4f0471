"""Settling moves: the one place where people change employer, with their ledger row.

Every phase that hires, lays off or retires people calls :func:`move` or
:func:`leave`, so the ledger, the month's hire and departure counters, search ties and
contracts stay consistent whatever the reason.
"""

from __future__ import annotations

import numpy as np

from market.codes import NO_LAB, Employer, Reason
from market.state import MarketState


def move(
    state: MarketState,
    rows: np.ndarray,
    to: int | np.ndarray,
    pay: np.ndarray,
    reason: Reason,
) -> None:
    """Move ``rows`` to lab(s) ``to`` at ``pay`` with a fresh equity grant.

    The grant is ``equity_share * pay * vesting_months / 12`` of the new lab; tenure
    restarts; ties from the new lab to the old one grow by ``tie_learning``.
    """
    p, labs = state.people, state.labs
    old_lab = p.employer[rows].astype(np.int64)
    to = np.broadcast_to(np.asarray(to, dtype=np.int64), rows.shape)
    state.ledger.add_moves(
        state.step,
        rows,
        old_lab,
        to,
        p.specialty[rows],
        p.skill[rows],
        p.comp_usd[rows],
        pay,
        reason,
    )
    was_at_lab = old_lab >= 0
    np.add.at(state.departures, old_lab[was_at_lab], 1)
    # In row order, so repeated (to, from) cells get their increments in the same order.
    np.add.at(state.ties, (to[was_at_lab], old_lab[was_at_lab]), state.cfg.tie_learning)
    np.add.at(state.hires, to, 1)
    p.employer[rows] = to
    p.comp_usd[rows] = pay
    p.unvested_usd[rows] = labs.equity_share[to] * pay * labs.vesting_months[to] / 12
    p.tenure_months[rows] = 0
    p.hired_step[rows] = state.step
    p.touch(rows)


def leave(state: MarketState, rows: np.ndarray, to: Employer, reason: Reason) -> None:
    """People leave their lab (or the pool) for the pool (layoff) or the market."""
    p = state.people
    old_lab = p.employer[rows].astype(np.int64)
    state.ledger.add_moves(
        state.step,
        rows,
        np.where(old_lab >= 0, old_lab, NO_LAB),
        np.full(len(rows), NO_LAB),
        p.specialty[rows],
        p.skill[rows],
        p.comp_usd[rows],
        np.zeros(len(rows)),
        reason,
    )
    at_lab = old_lab >= 0
    np.add.at(state.departures, old_lab[at_lab], 1)
    p.employer[rows] = to
    p.unvested_usd[rows] = 0.0
    p.tenure_months[rows] = 0
    if at_lab.any():  # people leaving the pool change no lab's aggregates
        p.touch(rows)
