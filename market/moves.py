"""Settling moves: the one place where people change employer, with their ledger row.

Every phase that hires, lays off or retires people calls :func:`move` or
:func:`leave`, so the ledger, the month's hire and departure counters, search ties and
contracts stay consistent whatever the reason.
"""

from __future__ import annotations

import numpy as np

from market.codes import NO_LAB, Employer, Reason
from market.jit import kernel
from market.state import MarketState


def move(
    state: MarketState,
    rows: np.ndarray,
    to: int | np.ndarray,
    pay: np.ndarray,
    reason: Reason | np.ndarray,
) -> None:
    """Move ``rows`` to lab(s) ``to`` at ``pay`` with a fresh equity grant, for one
    ``reason`` or one each.

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
    _settle(
        rows,
        old_lab,
        to,
        pay,
        p.employer,
        p.comp_usd,
        p.unvested_usd,
        p.tenure_months,
        p.hired_step,
        labs.equity_share,
        labs.vesting_months,
        state.departures,
        state.hires,
        state.ties,
        float(state.cfg.tie_learning),
        int(state.step),
    )
    p.touch(rows)


@kernel
def _settle(
    rows: np.ndarray,
    old_lab: np.ndarray,
    to: np.ndarray,
    pay: np.ndarray,
    employer: np.ndarray,
    comp: np.ndarray,
    unvested: np.ndarray,
    tenure: np.ndarray,
    hired: np.ndarray,
    equity_share: np.ndarray,
    vesting_months: np.ndarray,
    departures: np.ndarray,
    hires: np.ndarray,
    ties: np.ndarray,
    tie_learning: float,
    step: int,
) -> None:
    """:func:`move`'s counters and columns in one pass over the movers, in row order
    (as ``np.add.at`` adds): a departure from and a tie increment ``ties[to, old]`` for
    those who were at a lab, a hire at ``to``; then employer, pay, the new grant
    ``equity_share[to] * pay * vesting_months[to] / 12``, tenure 0 and the hire step.
    """
    for i in range(rows.shape[0]):
        r, j, old = rows[i], to[i], old_lab[i]
        if old >= 0:
            departures[old] += 1
            ties[j, old] += tie_learning
        hires[j] += 1
        employer[r] = j
        comp[r] = pay[i]
        unvested[r] = equity_share[j] * pay[i] * vesting_months[j] / 12
        tenure[r] = 0
        hired[r] = step


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
