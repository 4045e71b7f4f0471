"""The search and vacancy kernels of the v2 speed-up give bit-identical results to the
numpy calls they replaced (``searchsorted``, ``unique``, ``lexsort``, ``median``, a
mask per specialty). No timings here: speed is checked by ``benchmarks/run.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.people import People
from market.phases.search import _mark_top_k, first_pairs
from market.phases.vacancies import _medians_by_group, going_rates
from market.search import (
    _draw_sources,
    search_right,
    specialty_groups,
    specialty_split,
)
from market.selection import unique_sorted


@pytest.mark.parametrize("seed", range(8))
def test_bucketed_search_is_searchsorted(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5000))
    weight = rng.pareto(1.5, n) + 1.0
    weight[rng.random(n) < 0.2] = 0.0  # runs of equal values
    if seed % 2:
        weight = weight**3  # far from one element per bucket
    cum = np.cumsum(weight)
    target = rng.random(4 * n + 2000) * cum[-1] * 1.01
    target[:50] = cum[rng.integers(0, n, 50)]  # exactly on an element
    target[50] = 0.0
    np.testing.assert_array_equal(search_right(cum, target), cum.searchsorted(target, "right"))


def test_bucketed_search_falls_back_on_unsorted_or_nan():
    rng = np.random.default_rng(1)
    cum = np.cumsum(rng.random(3000))
    target = rng.random(5000) * cum[-1]
    for bad in (cum[::-1].copy(), np.where(np.arange(3000) == 7, np.nan, cum)):
        np.testing.assert_array_equal(search_right(bad, target), bad.searchsorted(target, "right"))
    target[3] = np.nan
    np.testing.assert_array_equal(search_right(cum, target), cum.searchsorted(target, "right"))


@pytest.mark.parametrize(("n", "size"), [(0, 10), (100, 1000), (5000, 10_000), (50, 10**7)])
def test_unique_sorted_is_numpy_unique(n, size):
    keys = np.random.default_rng(n).integers(0, size, n)
    got = unique_sorted(keys, size)
    np.testing.assert_array_equal(got, np.unique(keys))
    assert got.dtype == np.int64


def test_source_draws_match_the_matrix_form():
    rng = np.random.default_rng(3)
    n_labs = 6
    w = rng.random((n_labs, n_labs + 1)) * (rng.random((n_labs, n_labs + 1)) < 0.7)
    total = w.sum(axis=1)
    k = rng.integers(0, 40, n_labs)
    k[2] = 0
    active = np.flatnonzero(k)
    groups, u_person = _draw_sources(np.random.default_rng(9), w, total, k, active)
    # the original: one matrix of cdf rows against every draw
    u = np.random.default_rng(9).random(2 * int(k.sum()))
    counts = k[active]
    lab_of = np.repeat(active, counts)
    first = np.repeat(np.cumsum(2 * counts) - 2 * counts, counts)
    within = np.arange(len(lab_of)) - np.repeat(np.cumsum(counts) - counts, counts)
    cdf = (w[active] / total[active, None]).cumsum(axis=1)
    cdf /= cdf[:, -1:]
    row_of = np.repeat(np.arange(active.size), counts)
    np.testing.assert_array_equal(groups, (cdf[row_of] <= u[first + within][:, None]).sum(axis=1))
    np.testing.assert_array_equal(u_person, u[first + k[lab_of] + within])


def test_specialty_split_is_one_specialty_at_a_time():
    rng = np.random.default_rng(4)
    p = People.empty(2000)
    p.add(skill=rng.random(2000), specialty=rng.integers(0, 3, 2000).astype(np.int8))
    rows = rng.permutation(2000)[:1500]
    bounds = np.concatenate([[0], np.sort(rng.integers(0, 1500, 9)), [1500]])
    for s, (got_rows, got_bounds) in enumerate(specialty_split(p, rows, bounds, 3)):
        want_rows, want_bounds = specialty_groups(p, rows, bounds, s)
        np.testing.assert_array_equal(got_rows, want_rows)
        np.testing.assert_array_equal(got_bounds, want_bounds)


@pytest.mark.parametrize("ties", [False, True])
def test_mark_top_k_is_the_first_k_of_a_stable_argsort(ties):
    rng = np.random.default_rng(5)
    n = 3000
    score = rng.normal(size=n)
    if ties:
        score = np.round(score, 1)  # many equal scores
        score[:5] = [0.0, -0.0, np.nan, np.inf, -np.inf]
        score[rng.integers(0, n, 40)] = np.nan
    n_numbers = int((~np.isnan(score)).sum())
    idx = np.sort(rng.choice(n, n - 50, replace=False))  # a group: some positions
    ranked = idx[np.argsort(-score[idx], kind="stable")]
    for k in (1, 2, 65, 500, 2000, n_numbers - 60, n_numbers - 50, n_numbers, n - 50, n):
        best = np.zeros(n, dtype=bool)
        _mark_top_k(idx, np.empty(n), score, k, best)
        want = np.zeros(n, dtype=bool)
        want[ranked[:k]] = True
        np.testing.assert_array_equal(best, want)


def test_first_pairs_is_unique_with_first_index():
    rng = np.random.default_rng(6)
    n_labs, n_rows = 5, 300
    spin = (rng.integers(0, n_labs, 40), rng.integers(0, n_rows, 40))
    parts = []
    for i in range(4):  # parts 0-2 have rows of their own, part 3 may repeat any
        key = np.unique(rng.integers(0, n_labs * (n_rows + 1), 200))
        row = key % (n_rows + 1)
        key = key[(row < n_rows) & ((row % 3 == i) | (i == 3))]
        parts.append((key // (n_rows + 1), key % (n_rows + 1), i == 3))
    labs, rows, n_spin = first_pairs(spin, parts, n_rows)
    all_labs = np.concatenate([spin[0], *(p[0] for p in parts)])
    all_rows = np.concatenate([spin[1], *(p[1] for p in parts)])
    _, first = np.unique(all_labs * (n_rows + 1) + all_rows, return_index=True)
    first = np.sort(first)
    np.testing.assert_array_equal(labs, all_labs[first])
    np.testing.assert_array_equal(rows, all_rows[first])
    assert n_spin == int((first < 40).sum())


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11, 1000])
def test_median_of_one_group_is_numpy_median(n):
    x = np.random.default_rng(n).random(n)
    one = np.zeros(n, dtype=np.int64)
    assert _medians_by_group(x, one, 1)[0] == float(np.median(x))
    x[n // 2] = np.nan
    assert np.isnan(_medians_by_group(x, one, 1)[0])


def test_going_rates_match_a_mask_per_specialty():
    rng = np.random.default_rng(7)
    comp, skill = rng.random(500) * 1e5, rng.random(500) + 1
    spec = rng.integers(0, 2, 500).astype(np.int8)  # nobody in specialty 2
    wage, med = going_rates(comp, skill, spec)
    for s in range(2):
        assert wage[s] == float(np.median(comp[spec == s]))
        assert med[s] == float(np.median(skill[spec == s]))
    assert np.isnan(wage[2]) and np.isnan(med[2])


def test_lab_records_at_a_step_are_those_of_all_records():
    from market.ledger import Ledger

    ledger = Ledger()
    assert ledger.lab_records_at(3, ("headcount",)) == {}
    rng = np.random.default_rng(8)
    for step in (0, 1, 2, 2, 5):  # a step recorded twice keeps both batches, in order
        n = int(rng.integers(1, 6))
        ledger.add_lab_records(
            {"step": np.full(n, step), "headcount": rng.integers(0, 9, n), "x": rng.random(n)}
        )
    everything = ledger.lab_records()
    for step in range(7):
        got = ledger.lab_records_at(step, ("headcount", "x"))
        at = everything["step"] == step
        for c in ("headcount", "x"):
            np.testing.assert_array_equal(got[c], everything[c][at])
            assert got[c].dtype == everything[c].dtype


def test_vesting_share_by_lab_table_is_the_formula():
    from market.phases.vesting import lab_vesting_share, vesting_share

    rng = np.random.default_rng(9)
    months = np.array([48, 36, 12, 1, 60])
    cliff = np.array([12, 0, 12, 1, 6])
    lab = rng.integers(0, 5, 5000)
    tenure = rng.integers(0, 200, 5000).astype(np.int32)
    want = vesting_share(tenure, months[lab], cliff[lab])
    np.testing.assert_array_equal(lab_vesting_share(tenure, lab, months, cliff), want)


@pytest.mark.parametrize("seed", range(6))
def test_top_per_group_is_rank_by_lexsort(seed):
    from market.phases.search import top_per_group

    rng = np.random.default_rng(seed)
    n, n_groups = int(rng.integers(1, 3000)), 30
    group = rng.integers(0, n_groups, n)
    score = rng.normal(size=n)
    if seed % 2:
        score = np.round(score, 1)  # ties within groups
    if seed == 5:
        score[0] = np.nan
    k = rng.integers(0, 12, n_groups)
    k[:3] = [0, 1, 10_000]
    # the original: rank within the group in lexsort order
    order = np.lexsort((-score, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    want = np.zeros(n, dtype=bool)
    want[order] = rank < k[g]
    np.testing.assert_array_equal(top_per_group(group, score, k, 10), want)


@pytest.mark.parametrize("seed", range(10))
def test_lab_sums_pay_only_updates_equal_recomputation(seed):
    """Pay changes, a touched member whose skill or specialty changed (never done by
    the model, but allowed), pay changes at a lab that also gains appended people:
    after every batch the sums equal a from-scratch pass (to rounding: they are updated
    by the changed rows) and the lab order equals it exactly."""
    from market.lab_sums import LabSums, people_sums

    rng = np.random.default_rng(seed)
    n, n_labs, g = 300, 5, [0.0, 0.4][seed % 2]
    p = People.empty(n)
    p.add(
        skill=rng.pareto(2.0, n) + 1,
        specialty=rng.integers(0, 3, n).astype(np.int8),
        employer=rng.integers(-2, n_labs, n).astype(np.int32),
        comp_usd=rng.lognormal(12, 0.5, n),
    )
    alloc = rng.integers(0, 3, n_labs)
    cache = LabSums()
    cache.get(p, n_labs, alloc, g)
    for _ in range(30):
        kind = rng.integers(0, 5)
        members = np.flatnonzero(p.view("employer") >= 0)
        rows = rng.choice(members, min(len(members), int(rng.integers(1, 30))), replace=False)
        if kind == 0:  # raises (a few labs, or everyone's)
            p.comp_usd[rows] *= 1.05
        elif kind == 1:  # a skill written in place
            p.skill[rows[:1]] *= 1.5
            p.comp_usd[rows[1:]] += 1.0
        elif kind == 2:
            p.specialty[rows[:1]] = (p.specialty[rows[:1]] + 1) % 3
        elif kind == 3:  # raises and an entrant hired at the end of a lab
            p.comp_usd[rows] *= 0.97
            p.add(
                skill=np.array([2.0]),
                specialty=np.array([0], dtype=np.int8),
                employer=np.array([p.employer[rows[0]]], dtype=np.int32),
                comp_usd=np.array([1e5]),
            )
        else:  # a move between labs
            p.employer[rows[:1]] = (p.employer[rows[:1]] + 1) % n_labs
        p.touch(rows)
        got = cache.get(p, n_labs, alloc, g)
        staff = np.flatnonzero(p.view("employer") >= 0)
        for a, b in zip(got, people_sums(p, n_labs, alloc, g), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)
        lab_rows, _bounds = cache.lab_order(p, n_labs)
        np.testing.assert_array_equal(lab_rows, staff[np.argsort(p.employer[staff], kind="stable")])


def test_rows_without_is_setdiff1d():
    from market.phases.entry import _without

    rng = np.random.default_rng(10)
    rows = rng.permutation(500)[:200]
    drop = rng.choice(rows, 50, replace=False)
    np.testing.assert_array_equal(
        _without(rows, drop, 500), np.setdiff1d(rows, drop, assume_unique=True)
    )
