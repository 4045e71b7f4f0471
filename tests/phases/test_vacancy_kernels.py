"""The compiled going-rate medians are numpy's medians, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from market.phases.vacancies import _medians_by_group


@pytest.mark.parametrize("seed", range(6))
def test_medians_by_group_are_numpy_medians(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    values = rng.lognormal(12, 1, n)
    values[rng.random(n) < 0.3] = 150_000.0  # ties, as pay scales have
    group = rng.integers(0, 4, n)
    group[group == 3] = 2  # group 3 stays empty
    got = _medians_by_group(values, group, 4)
    for g in range(3):
        sel = values[group == g]
        want = np.median(sel) if sel.size else np.nan
        assert got[g] == want or (np.isnan(got[g]) and np.isnan(want))
    assert np.isnan(got[3])


def test_medians_of_even_and_odd_counts_and_nan():
    values = np.array([3.0, 1.0, 2.0, 10.0, np.nan, 5.0, 0.1 + 0.2, 0.3])
    group = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    got = _medians_by_group(values, group, 3)
    assert got[0] == np.median([3.0, 1.0, 2.0, 10.0]) == 2.5
    assert np.isnan(got[1])  # a NaN in the group, as np.median
    assert got[2] == np.median([0.1 + 0.2, 0.3])


def test_group_codes_out_of_range_are_refused():
    with pytest.raises(IndexError):
        _medians_by_group(np.ones(3), np.array([0, 1, 5]), 3)


@pytest.mark.parametrize("tied", [0.0, 0.6, 1.0])
def test_medians_of_large_groups_with_many_ties(tied):
    """Large groups go through the sampled brackets of ``order_stats``; a median inside a
    run of equal pay (a pay scale) overfills the bracket and takes the fallback."""
    rng = np.random.default_rng(11)
    n = 20_001
    values = rng.lognormal(12, 1, n)
    values[rng.random(n) < tied] = 150_000.0
    group = rng.integers(0, 3, n)
    got = _medians_by_group(values, group, 3)
    for g in range(3):
        assert got[g] == np.median(values[group == g])
