"""The integer-code forms of the flows and retention tables give the same frames as
the pandas groupby/merge forms they replaced (kept as ``_flows_table_pandas`` and
``_retention_table_pandas``, which also serve the empty cases)."""

from __future__ import annotations

import pandas as pd
import pytest

import market
from market import tables as T


@pytest.mark.parametrize(
    ("kwargs", "steps"),
    [
        ({"n_labs": 5, "n_engineers": 500, "rng": 1}, 60),
        ({"n_labs": 12, "n_engineers": 2000, "spinout_rate_per_year": 0.3, "rng": 8}, 48),
        ({"n_labs": 3, "n_engineers": 60, "rng": 2}, 3),  # few or no moves, no window
    ],
)
def test_fast_tables_equal_the_pandas_forms(kwargs, steps):
    model = market.TalentMarket(**kwargs)
    for _ in range(steps):
        model.step()
    moves, labs = T.moves_table(model), T.labs_table(model)
    pd.testing.assert_frame_equal(
        T.flows_table(moves), T._flows_table_pandas(moves), check_exact=True
    )
    pd.testing.assert_frame_equal(
        T.retention_table(moves, labs, model.steps),
        T._retention_table_pandas(moves, labs, model.steps),
        check_exact=True,
    )
    # no moves at all: the pandas forms' empty frames
    empty = moves.iloc[:0]
    pd.testing.assert_frame_equal(T.flows_table(empty), T._flows_table_pandas(empty))
