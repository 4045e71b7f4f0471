"""The compiled search kernels (``market.search.draw_month`` and its two kernels,
``pairwise_sum``, ``market.phases.search.top_per_group``) give bit-identical results
and the same random stream as the numpy forms they replace (``draw_candidates`` per
part then ``first_pairs``; ``ndarray.sum``; ``np.lexsort``), on random inputs with
ties, empty groups, zero weights and NaN. No timings here.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.people import People
from market.phases.search import _top_per_group, first_pairs, top_per_group
from market.search import (
    SEARCH_MIN_TARGETS,
    SEARCH_ROWS_PER_TARGET,
    draw_candidates,
    draw_month,
    month_draws,
    month_setup,
    pairwise_sum,
    search_buckets,
    specialty_groups,
)
from market.selection import radix_sort, unique_inverse


@pytest.mark.parametrize("seed", range(3))
def test_pairwise_sum_is_numpy_sum(seed):
    rng = np.random.default_rng(seed)
    for width in [*range(1, 40), 64, 127, 128, 129, 255, 256, 257, 300, 1000, 4097]:
        w = rng.pareto(1.5, (4, width)) * (rng.random((4, width)) < 0.8)
        want = w.sum(axis=1)  # the row sums of draw_candidates' source weights
        got = np.array([pairwise_sum(w[i], 0, width) for i in range(4)])
        np.testing.assert_array_equal(got, want)
        assert pairwise_sum(w[0], 3, width - 3) == w[0, 3:].sum()


def _python(fn):
    """The Python function of a kernel (itself when ``NUMBA_DISABLE_JIT=1``)."""
    return getattr(fn, "py_func", fn)


def _market(rng, n_people, n_labs, n_spec=3, pool_share=0.2):
    """People, their rows by group (labs then the pool, row order within a group) and
    the group bounds, as ``group_order`` gives them."""
    p = People.empty(n_people + 5)
    skill = rng.pareto(2.0, n_people) + 1.0
    skill[rng.random(n_people) < 0.05] = 0.0  # zero weights: runs of equal cum values
    emp = rng.integers(0, n_labs, n_people)
    emp[rng.random(n_people) < pool_share] = n_labs
    emp[rng.random(n_people) < 0.1] = -1  # gone
    if n_labs > 2:
        emp[emp == 1] = 0  # an empty lab
    p.add(skill=skill, specialty=rng.integers(0, n_spec, n_people).astype(np.int8))
    rows = np.flatnonzero(emp >= 0)
    order = np.argsort(emp[rows], kind="stable")
    sorted_rows = rows[order]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(emp[rows], minlength=n_labs + 1))])
    return p, sorted_rows, bounds


def _reference(rng, p, sorted_rows, bounds, part_spec, part_ties, means, st, first):
    """The numpy chain: one ``draw_candidates`` per part, then ``first_pairs``."""
    parts = []
    for s, ties, lam in zip(part_spec, part_ties, means, strict=True):
        rows, b = (sorted_rows, bounds) if s < 0 else specialty_groups(p, sorted_rows, bounds, s)
        got = draw_candidates(rng, p, rows, b, ties, rng.poisson(lam), st)
        parts.append((*got, s < 0))
    labs, rows, n_first = first_pairs(first, parts, p.n)
    return labs[n_first:], rows[n_first:]


@pytest.mark.parametrize("seed", range(12))
def test_draw_month_is_draw_candidates_then_first_pairs(seed):
    _check_draw_month(seed, int(np.random.default_rng(seed).integers(200, 3000)), 1.0)


@pytest.mark.parametrize("seed", range(4))
def test_draw_month_on_a_large_market_with_few_draws(seed):
    """Several rows a search bucket (at most 4 buckets a target), or no buckets (fewer
    targets than one per ``SEARCH_ROWS_PER_TARGET`` rows), searched by bisection."""
    _check_draw_month(seed, 40_000, 0.15)
    _check_draw_month(seed, 200_000, 0.02)


def test_search_buckets_only_for_enough_targets():
    """No buckets below ``SEARCH_MIN_TARGETS`` targets or one target per
    ``SEARCH_ROWS_PER_TARGET`` rows; else each element in the bucket of its value, the
    buckets in order (runs of equal values, zero weights first and last, empty
    buckets)."""
    rng = np.random.default_rng(0)
    w = rng.pareto(1.0, 40_000) * (rng.random(40_000) < 0.7)
    w[:50] = w[-50:] = 0.0
    cum = np.cumsum(w)
    fewest = -(-40_000 // SEARCH_ROWS_PER_TARGET)  # one target per that many rows
    assert search_buckets(cum, SEARCH_MIN_TARGETS - 1)[0] == 0
    assert search_buckets(cum, fewest - 1)[0] == 0
    assert search_buckets(cum[:0], 100)[0] == 0
    assert search_buckets(np.zeros(100), 100)[0] == 0
    for n_targets in (fewest, 3000, 20_000, 90_000):
        n_buckets, scale, start = search_buckets(cum, n_targets)
        assert n_buckets == min(2 * 40_000, 4 * n_targets)
        bucket = np.minimum((cum * scale).astype(np.int64), n_buckets - 1)
        np.testing.assert_array_equal(
            start, np.r_[0, np.cumsum(np.bincount(bucket, minlength=n_buckets))]
        )


@pytest.mark.parametrize("seed", range(6))
def test_source_table_counts_the_cdf_entries_not_above_u(seed):
    """The count of cdf entries ``<= u`` from :func:`_source_table`'s slot of ``u`` and
    the entries after it equals the full count, for cdfs with flat runs (empty groups),
    leading zeros, entries on slot edges, a last entry of 1 or just below; a cdf that
    decreases or holds NaN gets no table."""
    from market.search import SOURCE_TABLE_SIZE, _source_table

    rng = np.random.default_rng(seed)
    size = SOURCE_TABLE_SIZE
    for n in (1, 2, 7, 16, 61, 300):
        w = rng.random(n) * (rng.random(n) < 0.6)
        w[0] = 0.0 if seed % 2 else w[0]
        cdf = np.cumsum(w / w.sum()) if w.sum() > 0 else np.ones(n)
        cdf /= cdf[-1]
        cdf[rng.random(n) < 0.2] = 0.0  # then sorted again: entries on the edges below
        cdf[: n // 3] = np.floor(cdf[: n // 3] * size) / size
        cdf = np.sort(cdf)
        if seed == 5:
            cdf = np.minimum(cdf, np.nextafter(1.0, 0.0))
        u = np.concatenate(
            [rng.random(2000), np.arange(size) / size, cdf[cdf < 1.0], [np.nextafter(1.0, 0.0)]]
        )
        for fn in (_source_table, _python(_source_table)):
            table = np.full(size, -1, dtype=np.int64)
            assert fn(cdf, table)
            for x in u:
                g = table[int(x * size)]
                while g < n and cdf[g] <= x:
                    g += 1
                assert g == np.count_nonzero(cdf <= x)
    table = np.empty(size, dtype=np.int64)
    assert not _source_table(np.array([0.2, 0.1, 1.0]), table)
    assert not _source_table(np.array([0.2, np.nan, 1.0]), table)
    assert _source_table(np.empty(0), table)


def test_part_draws_is_the_masked_poisson_counts():
    from market.search import _part_draws

    rng = np.random.default_rng(2)
    drawn = rng.poisson(3.0, 9)
    total = np.array([1.0, 0.0, -0.0, np.nan, np.inf, -1.0, 1e-300, 2.0, 5.0])
    want = np.where(total > 0, drawn, 0)
    for fn in (_part_draws, _python(_part_draws)):
        k = np.full(9, -7, dtype=np.int64)
        assert fn(k, drawn, total) == want.sum()
        np.testing.assert_array_equal(k, want)
    assert _part_draws(np.empty(0, np.int64), drawn[:0], total[:0]) == 0


def test_draw_month_grows_its_uniforms_within_a_month():
    """The month's uniforms go into a buffer kept between months: one that has to grow
    after a part keeps that part's uniforms."""
    from market import search

    search._SCRATCH.uniforms = np.full(5, np.nan)
    _check_draw_month(1, 2000, 1.0)
    assert len(search._SCRATCH.uniforms) > 4096


def _check_draw_month(seed, n_people, lam_scale):
    rng = np.random.default_rng(seed)
    n_labs = int(rng.integers(2, 25))  # widths below and above numpy's 8-way unroll
    p, sorted_rows, bounds = _market(rng, n_people, n_labs)
    ties = rng.random((n_labs, n_labs + 1)) * (rng.random((n_labs, n_labs + 1)) < 0.6)
    ties[:, n_labs] += 0.1
    ties[0] = 0.0  # a lab that sees nobody
    st = [1.0, 2.0, 0.7][seed % 3]
    part_spec, part_ties, means = [], [], []
    if seed % 4 == 3:  # undirected search: one part over everyone
        part_spec.append(-1)
        part_ties.append(ties)
        means.append(rng.random(n_labs) * 200)
    else:
        for s in range(3):
            if s == 1 and seed % 2:
                continue  # a specialty without vacancies
            part_spec.append(s)
            part_ties.append(ties)
            lam = rng.random(n_labs) * [5, 400][seed % 2] * (rng.random(n_labs) < 0.7)
            lam *= lam_scale
            means.append(lam)
    pool_only = np.zeros((n_labs, n_labs + 1))
    pool_only[:, n_labs] = 1.0
    part_spec.append(-1)  # campus draws: may repeat earlier pairs
    part_ties.append(pool_only)
    means.append(rng.random(n_labs) * 30)
    n_first = int(rng.integers(0, 60))
    first_labs = rng.integers(0, n_labs, n_first)
    first_rows = sorted_rows[rng.integers(0, len(sorted_rows), n_first)]
    _, at = np.unique(first_labs * (p.n + 1) + first_rows, return_index=True)
    first = (first_labs[np.sort(at)], first_rows[np.sort(at)])
    args = (p, sorted_rows, bounds, part_spec, part_ties, means, st, first)
    ref_rng, new_rng = np.random.default_rng(seed + 100), np.random.default_rng(seed + 100)
    want = _reference(ref_rng, *args)
    got = draw_month(new_rng, *args)
    assert got is not None
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].dtype == got[1].dtype == np.int64
    assert ref_rng.random() == new_rng.random()  # the same stream consumed


def test_draw_month_without_rows_or_parts_draws_only_the_poissons():
    rng = np.random.default_rng(1)
    p, _, _ = _market(rng, 100, 4)
    means = [np.full(4, 3.0), np.full(4, 5.0)]
    a, b = np.random.default_rng(2), np.random.default_rng(2)
    empty = np.empty(0, dtype=np.int64)
    ties = [np.ones((4, 5))] * 2
    got = draw_month(a, p, empty, np.zeros(6, np.int64), [0, -1], ties, means, 1.0, (empty,) * 2)
    assert got is not None and len(got[0]) == 0
    for lam in means:
        b.poisson(lam)
    assert a.random() == b.random()


def test_draw_month_declines_non_finite_weights_before_drawing():
    rng = np.random.default_rng(3)
    p, sorted_rows, bounds = _market(rng, 500, 5)
    p.skill[sorted_rows[7]] = np.nan
    a, b = np.random.default_rng(4), np.random.default_rng(4)
    ties = [np.ones((5, 6))]
    empty = np.empty(0, dtype=np.int64)
    got = draw_month(a, p, sorted_rows, bounds, [-1], ties, [np.full(5, 9.0)], 1.0, (empty,) * 2)
    assert got is None
    assert a.random() == b.random()


def test_kernels_run_as_python():
    """``NUMBA_DISABLE_JIT=1`` runs the kernels' Python: same results as compiled."""
    rng = np.random.default_rng(5)
    p, sorted_rows, bounds = _market(rng, 400, 6)
    sorted_rows = sorted_rows.astype(np.int64)
    ties = np.stack([rng.random((6, 7)), np.eye(6, 7, 6)])
    spec = np.array([1, -1])
    args = (p.skill, sorted_rows, p.specialty, bounds.astype(np.int64), spec, ties)
    n = len(sorted_rows)

    def scratch():
        return (
            np.empty((3, n), np.int64),
            np.empty((3, n)),
        )

    setup = month_setup(*args, *scratch())
    py_setup = _python(month_setup)(*args, *scratch())
    for a, b in zip(setup[2:], py_setup[2:], strict=True):
        np.testing.assert_array_equal(a, b)
    space_rows, space_cum, part_space, space_bounds, group_start, group_weight, total, cdf, _ = (
        setup
    )
    for j in part_space:  # the used part of each space drawn from
        n_j = space_bounds[j, -1]
        np.testing.assert_array_equal(space_rows[j, :n_j], py_setup[0][j, :n_j])
        np.testing.assert_array_equal(space_cum[j, :n_j], py_setup[1][j, :n_j])
    k = np.where(total > 0, rng.integers(0, 300, total.shape), 0).astype(np.int64)
    u = rng.random(2 * int(k.sum()) + 5)  # uniforms past those used are not read
    first = (np.array([2, 3], dtype=np.int64), sorted_rows[:2].astype(np.int64))
    d_args = (space_rows, space_cum, part_space, space_bounds, group_start, group_weight, cdf, k, u)
    got = month_draws(*d_args, *first, p.n)
    py_got = _python(month_draws)(*d_args, *first, p.n)
    for a, b in zip(got, py_got, strict=True):
        np.testing.assert_array_equal(a, b)
    group = rng.integers(0, 10, 500)
    score = np.round(rng.normal(size=500), 1)
    kk = rng.integers(0, 20, 10).astype(np.float64)
    np.testing.assert_array_equal(
        _top_per_group(group, score, kk), _python(_top_per_group)(group, score, kk)
    )


def test_power_one_is_the_skill_itself():
    """``draw_month`` reads the skills directly when ``star_targeting == 1``."""
    rng = np.random.default_rng(6)
    skill = np.concatenate([rng.pareto(2.0, 1000) + 1, [0.0, -0.0, 1e-310, 1e300]])
    np.testing.assert_array_equal((skill**1.0).view(np.int64), skill.view(np.int64))


def _lexsort_top(group, score, k):
    order = np.lexsort((-score, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    want = np.zeros(len(group), dtype=bool)
    want[order] = rank < k[g]
    return want


@pytest.mark.parametrize("seed", range(10))
def test_top_per_group_edge_cases(seed):
    rng = np.random.default_rng(seed)
    n_groups = int(rng.integers(1, 80))
    n = int(rng.integers(0, 2000)) if seed else 0
    group = rng.integers(0, max(1, n_groups // 2), n)  # the upper groups stay empty
    score = rng.normal(size=n)
    if seed % 2:
        score = np.round(score, 0)  # ties within groups
        score[rng.random(n) < 0.05] = np.nan
        score[rng.random(n) < 0.05] = -0.0
        score[rng.random(n) < 0.05] = 0.0
        score[rng.random(n) < 0.02] = np.inf
    k = rng.integers(0, 8, n_groups)
    k[0] = 10_000
    np.testing.assert_array_equal(top_per_group(group, score, k, 10), _lexsort_top(group, score, k))


@pytest.mark.parametrize("top", [0, 1, 2047, 2048, 4095, 4096, 2**23 - 1, 2**24, 10**6, 2**40])
def test_radix_sort_is_np_sort(top):
    rng = np.random.default_rng(top % 97)
    for n in (0, 1, 5, 3000):
        keys = rng.integers(0, top + 1, n)
        got = radix_sort(keys)
        np.testing.assert_array_equal(got, np.sort(keys))
        assert got.dtype == np.int64
        assert got is not keys


@pytest.mark.parametrize("k_big", [15, 16, 17, 63, 64, 65, 100, 499, 500])
def test_top_per_group_both_paths(k_big):
    """Few kept (sorted buffer) and many kept (the k-th score by quickselect), ties
    and NaN."""
    rng = np.random.default_rng(k_big)
    group = rng.integers(0, 4, 2000)
    score = np.round(rng.normal(size=2000), 1)
    score[rng.random(2000) < 0.1] = np.nan
    k = np.array([k_big, 3, 0.5, k_big + 0.5])  # a fractional count keeps the ranks below it
    np.testing.assert_array_equal(top_per_group(group, score, k, 1), _lexsort_top(group, score, k))


@pytest.mark.parametrize("seed", range(4))
def test_eligible_is_the_numpy_mask(seed):
    from market.phases.search import _eligible

    rng = np.random.default_rng(seed)
    n_rows, n_labs, n = 500, 7, 3000
    employer = rng.integers(-2, n_labs, n_rows).astype(np.int32)
    skill = rng.pareto(2.0, n_rows)
    skill[:5] = np.nan
    held_until = rng.integers(0, 30, n_rows).astype(np.int32)
    bar = rng.random(n_labs) * 2
    bar[0] = np.nan
    labs, rows = rng.integers(0, n_labs, n), rng.integers(0, n_rows, n)
    emp = employer[rows]
    keep = (emp != labs) & (emp != -2) & (skill[rows] >= bar[labs]) & (held_until[rows] <= 15)
    for n_first in (0, 7, n):  # the first n_first pairs are spin-out pulls
        want = (labs[keep], rows[keep], (np.arange(n) < n_first)[keep])
        args = (labs[:n_first], rows[:n_first], labs[n_first:], rows[n_first:])
        for fn in (_eligible, _python(_eligible)):
            got = fn(*args, employer, skill, held_until, bar, 15, -2)
            for g, w in zip(got, want, strict=True):
                np.testing.assert_array_equal(g, w)
    empty = np.empty(0, dtype=np.int64)
    got = _eligible(empty, empty, empty, empty, employer, skill, held_until, bar, 15, -2)
    assert [len(g) for g in got] == [0, 0, 0]


@pytest.mark.parametrize("kwargs", [{}, {"vacancies_enabled": False}])
@pytest.mark.parametrize("nan_skill", [False, True])
def test_lab_draws_of_a_model_match_the_numpy_form(kwargs, nan_skill):
    """In a model's state: the kernel path (or, with a NaN skill, its numpy fallback)
    gives the pairs and random stream of ``first_pairs`` over ``_lab_draws_numpy``."""
    from market import TalentMarket
    from market.phases.search import _lab_draws, _lab_draws_numpy
    from market.phases.vacancies import post_vacancies

    model = TalentMarket(n_labs=6, n_engineers=1500, rng=3, **kwargs)
    for _ in range(3):
        model.step()
    st = model.state
    st.refresh()
    vac = post_vacancies(st)
    staff = np.flatnonzero(st.people.view("employer") >= 0)
    if nan_skill:
        st.people.skill[staff[5]] = np.nan
    first = (np.array([1, 2], dtype=np.int64), staff[:2].astype(np.int64))
    a, b = np.random.default_rng(11), np.random.default_rng(11)
    got = _lab_draws(st, a, vac, first)
    labs, rows, n_first = first_pairs(first, _lab_draws_numpy(st, b, vac), st.people.n)
    np.testing.assert_array_equal(got[0], labs[n_first:])
    np.testing.assert_array_equal(got[1], rows[n_first:])
    assert nan_skill or len(got[0]) > 10
    assert a.random() == b.random()


@pytest.mark.parametrize("top", [0, 1, 300, 30_000, 2**40])
def test_unique_inverse_is_np_unique(top):
    rng = np.random.default_rng(top % 97)
    for m in (0, 1, 7, 3_000):
        values = rng.integers(0, top + 1, m)
        want, want_inv = np.unique(values, return_inverse=True)
        got, got_inv = unique_inverse(values)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got_inv, want_inv)
        np.testing.assert_array_equal(got[got_inv], values)


def test_unique_inverse_refuses_negative_values():
    with pytest.raises(ValueError, match="non-negative"):
        unique_inverse(np.array([3, -1, 2]))
