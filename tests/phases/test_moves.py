"""Settling moves (market.moves): counters, ties, contracts and ledger rows."""

from __future__ import annotations

import numpy as np

from market.codes import NO_LAB, Employer, Reason
from market.moves import leave, move


def _move_by_numpy(state, rows, to, pay):
    """The reference: what move() does to the counters and columns, in numpy."""
    p, labs = state.people, state.labs
    old = p.employer[rows].astype(np.int64)
    at_lab = old >= 0
    np.add.at(state.departures, old[at_lab], 1)
    np.add.at(state.ties, (to[at_lab], old[at_lab]), state.cfg.tie_learning)
    np.add.at(state.hires, to, 1)
    p.employer[rows] = to
    p.comp_usd[rows] = pay
    p.unvested_usd[rows] = labs.equity_share[to] * pay * labs.vesting_months[to] / 12
    p.tenure_months[rows] = 0
    p.hired_step[rows] = state.step


def _snapshot(state):
    p = state.people
    return [
        state.departures.copy(),
        state.hires.copy(),
        state.ties.copy(),
        *(p.view(c).copy() for c in ("employer", "comp_usd", "unvested_usd")),
        *(p.view(c).copy() for c in ("tenure_months", "hired_step")),
    ]


def test_move_books_counters_ties_and_contracts_as_the_numpy_form(make_state):
    rng = np.random.default_rng(5)
    labs = [
        {"name": n, "policy": {"equity_share": e, "vesting_months": v}}
        for n, e, v in (("A", 0.3, 48), ("B", 0.55, 36), ("C", 0.0, 48))
    ]
    employer = rng.integers(-1, 3, 40)  # some in the pool
    people = [
        {"employer": int(e), "comp_usd": float(c), "tenure_months": 7, "hired_step": 2}
        for e, c in zip(employer, rng.uniform(1e5, 9e5, 40), strict=True)
    ]
    market = {"tie_learning": 0.1}  # repeated (to, from) cells add 0.1 several times
    a = make_state(labs, people, market=market, step=9)
    b = make_state(labs, people, market=market, step=9)
    rows = rng.permutation(40)[:25]
    to = rng.integers(0, 3, 25)
    pay = rng.uniform(2e5, 2e6, 25)
    move(a, rows, to, pay, Reason.POACHED)
    _move_by_numpy(b, rows, to, pay)
    for got, want in zip(_snapshot(a), _snapshot(b), strict=True):
        np.testing.assert_array_equal(got, want)
    assert a.hires.sum() == 25 and a.departures.sum() == (employer[rows] >= 0).sum()
    moves = a.ledger.move_records()
    np.testing.assert_array_equal(moves["person_id"], rows)
    np.testing.assert_array_equal(moves["to_lab"], to)


def test_move_to_one_lab_broadcasts_it(make_state):
    st = make_state([{"name": "A"}, {"name": "B"}], [{"employer": 0}, {"employer": -1}])
    move(st, np.array([0, 1]), 1, np.array([4e5, 5e5]), Reason.POACHED)
    assert st.people.view("employer").tolist() == [1, 1]
    assert st.hires[:2].tolist() == [0, 2] and st.departures[:2].tolist() == [1, 0]
    assert st.ties[1, 0] == 1.0 + st.cfg.tie_learning


def _leave_by_numpy(state, rows, to, reason):
    """The reference: leave() before its kernel."""
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


def test_leave_books_departures_contracts_and_ledger_as_the_numpy_form(make_state):
    rng = np.random.default_rng(6)
    employer = rng.integers(-2, 3, 40)  # some in the pool, some gone
    people = [
        {"employer": int(e), "comp_usd": float(c), "unvested_usd": 5.0, "tenure_months": 7}
        for e, c in zip(employer, rng.uniform(1e5, 9e5, 40), strict=True)
    ]
    labs = [{"name": n} for n in "ABC"]
    for to, reason in ((Employer.POOL, Reason.LAYOFF), (Employer.GONE, Reason.ATTRITION)):
        a, b = make_state(labs, people, step=4), make_state(labs, people, step=4)
        rows = rng.permutation(40)[:25]
        leave(a, rows, to, reason)
        _leave_by_numpy(b, rows, to, reason)
        for got, want in zip(_snapshot(a), _snapshot(b), strict=True):
            np.testing.assert_array_equal(got, want)
        got, want = a.ledger.move_records(), b.ledger.move_records()
        for name, col in want.items():
            assert got[name].dtype == col.dtype
            np.testing.assert_array_equal(got[name], col)
    leave(a, rows[:0], Employer.GONE, Reason.ATTRITION)  # nobody: nothing booked
    assert a.ledger.moves_this_step == 25
