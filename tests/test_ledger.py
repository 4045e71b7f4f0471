"""The move ledger's columns against the batches they replaced: every batch's values
cast to the columns' dtypes and concatenated in order, across growth, with one reason
for a batch or one each.
"""

from __future__ import annotations

import numpy as np

from market.codes import Reason
from market.ledger import MOVE_COLUMNS, Ledger


def test_move_records_are_the_batches_concatenated():
    rng = np.random.default_rng(3)
    ledger, batches = Ledger(), []
    for step, k in enumerate((0, 1, 700, 5, 2000, 0, 3)):
        rows = rng.integers(0, 2**40, k)
        reason = Reason(step % 9) if step % 2 else rng.integers(0, 9, k).astype(np.int8)
        cols = (
            rows,
            rng.integers(-2, 30, k),  # int64, cast to int32
            np.full(k, 7, dtype=np.int32),
            rng.integers(0, 3, k).astype(np.int8),
            rng.random(k),
            rng.uniform(1e5, 1e6, k),
            np.zeros(k),
        )
        ledger.add_moves(step, *cols, reason)
        if k:
            batches.append(
                (np.full(k, step), *cols, np.broadcast_to(np.asarray(reason, np.int8), (k,)))
            )
    assert ledger.moves_this_step == 2709
    got = ledger.move_records()
    for j, (name, dtype) in enumerate(MOVE_COLUMNS.items()):
        want = np.concatenate([np.array(b[j], dtype=dtype) for b in batches])
        assert got[name].dtype == want.dtype
        np.testing.assert_array_equal(got[name], want)
    got["skill"][:] = 0.0  # a copy: the ledger keeps its own
    assert ledger.move_records()["skill"].any()


def test_an_empty_ledger_has_empty_columns():
    got = Ledger().move_records()
    assert {name: (col.dtype, col.size) for name, col in got.items()} == {
        name: (np.dtype(dtype), 0) for name, dtype in MOVE_COLUMNS.items()
    }


def test_lab_records_at_a_step_with_batches_of_several_steps():
    rng = np.random.default_rng(4)
    ledger = Ledger()
    for steps in ([1, 1], [2, 3, 2], [], [3], [5, 5, 5], [4, 6], [3, 3]):
        n = len(steps)
        ledger.add_lab_records(
            {"step": np.array(steps, dtype=np.int64), "x": rng.random(n), "k": np.arange(n)}
        )
    everything = ledger.lab_records()
    for step in range(8):
        got = ledger.lab_records_at(step, ("x", "k"))
        at = everything["step"] == step
        for c in ("x", "k"):
            assert got[c].dtype == everything[c].dtype
            np.testing.assert_array_equal(got[c], everything[c][at])
        got["x"][:] = -1.0  # a copy: the ledger keeps its own
    assert (ledger.lab_records()["x"] >= 0).all()
