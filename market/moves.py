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
    to = np.full(len(rows), to) if isinstance(to, int | np.integer) else np.asarray(to, np.int64)
    old_lab, specialty, skill, old_comp = _settle(
        rows,
        to,
        pay,
        p.employer,
        p.specialty,
        p.skill,
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
    state.ledger.add_moves(state.step, rows, old_lab, to, specialty, skill, old_comp, pay, reason)
    p.touch(rows)


@kernel
def _settle(
    rows: np.ndarray,
    to: np.ndarray,
    pay: np.ndarray,
    employer: np.ndarray,
    specialty: np.ndarray,
    skill: np.ndarray,
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`move`'s ledger columns (employer, specialty, skill and pay before the
    move), then its counters and columns in one pass over the movers, in row order (as
    ``np.add.at`` adds): a departure from and a tie increment ``ties[to, old]`` for
    those who were at a lab, a hire at ``to``; then employer, pay, the new grant
    ``equity_share[to] * pay * vesting_months[to] / 12``, tenure 0 and the hire step.
    """
    k = rows.shape[0]
    old_lab, spec = np.empty(k, dtype=np.int64), np.empty(k, dtype=specialty.dtype)
    sk, old_comp = np.empty(k), np.empty(k)
    for i in range(k):
        r = rows[i]
        old_lab[i], spec[i], sk[i], old_comp[i] = employer[r], specialty[r], skill[r], comp[r]
    for i in range(k):
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
    return old_lab, spec, sk, old_comp


def leave(state: MarketState, rows: np.ndarray, to: Employer, reason: Reason) -> None:
    """People leave their lab (or the pool) for the pool (layoff) or the market."""
    p = state.people
    from_lab, to_lab, specialty, skill, old_comp, at_lab = _leave(
        rows,
        int(to),
        p.employer,
        p.specialty,
        p.skill,
        p.comp_usd,
        p.unvested_usd,
        p.tenure_months,
        state.departures,
    )
    state.ledger.add_moves(
        state.step, rows, from_lab, to_lab, specialty, skill, old_comp, np.zeros(len(rows)), reason
    )
    if at_lab:  # people leaving the pool change no lab's aggregates
        p.touch(rows)


@kernel
def _leave(
    rows: np.ndarray,
    to: int,
    employer: np.ndarray,
    specialty: np.ndarray,
    skill: np.ndarray,
    comp: np.ndarray,
    unvested: np.ndarray,
    tenure: np.ndarray,
    departures: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """:func:`leave`'s ledger columns (the lab left or ``NO_LAB``, ``NO_LAB``,
    specialty, skill and pay), then a departure from each lab left in row order (as
    ``np.add.at`` adds) and employer ``to``, no unvested equity, tenure 0; whether
    anyone left a lab.
    """
    k = rows.shape[0]
    from_lab, to_lab = np.empty(k, dtype=np.int64), np.full(k, NO_LAB, dtype=np.int64)
    spec, sk, old_comp = np.empty(k, dtype=specialty.dtype), np.empty(k), np.empty(k)
    for i in range(k):
        r = rows[i]
        old = employer[r]
        from_lab[i] = old if old >= 0 else NO_LAB
        spec[i], sk[i], old_comp[i] = specialty[r], skill[r], comp[r]
    at_lab = False
    for i in range(k):
        r = rows[i]
        if from_lab[i] >= 0:
            departures[from_lab[i]] += 1
            at_lab = True
        employer[r] = to
        unvested[r] = 0.0
        tenure[r] = 0
    return from_lab, to_lab, spec, sk, old_comp, at_lab
