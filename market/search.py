"""Search frictions: which candidates each lab gets to look at this month.

With vacancies (:mod:`market.phases.vacancies`) a lab draws ``Poisson(q x V[s, lab] x
poaching_intensity)`` candidates of each specialty ``s`` (:func:`specialty_groups`);
without, ``Poisson(candidates_per_lab * poaching_intensity)`` of any. Each is drawn
in two stages (Guerrero & Axtell 2013 labour-flow networks):
first the source (another lab or the job pool) with probability proportional to
``tie[lab, source] * sum_i skill_i^kappa`` over the source's people, then a person
within the source with probability proportional to ``skill^kappa``. Ties start at 1
(``tie_bias`` for configured ties) and grow with every move between two labs.
"""

from __future__ import annotations

import threading

import numpy as np

from market.jit import kernel
from market.people import GONE, POOL, People
from market.selection import bit_length, radix_sort, unique_sorted


def group_order(
    people: People, n_labs: int, by_lab: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of everyone in the market sorted by group (labs 0..L-1, pool = L),
    and the group boundaries (``L + 2`` offsets).

    ``by_lab``, the people at labs already sorted by lab with their ``L + 1`` bounds
    (:meth:`market.state.MarketState.lab_order`), saves the sort: the pool follows.
    """
    emp = people.view("employer")
    if by_lab is not None:
        lab_rows, lab_bounds = by_lab
        pool = np.flatnonzero(emp == POOL)
        return np.concatenate([lab_rows, pool]), np.append(lab_bounds, lab_bounds[-1] + pool.size)
    rows = np.flatnonzero(emp != GONE)
    grp = emp[rows]
    grp = np.where(grp == POOL, n_labs, grp)
    # A stable sort is a unique permutation; on 16-bit keys numpy uses a radix sort,
    # ~7x faster than the merge sort it uses on int32 (the hot path of search/record).
    key = grp.astype(np.int16) if n_labs < np.iinfo(np.int16).max else grp
    order = np.argsort(key, kind="stable")
    counts = np.bincount(grp, minlength=n_labs + 1)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return rows[order], bounds


def draw_candidates(
    rng: np.random.Generator,
    people: People,
    sorted_rows: np.ndarray,
    bounds: np.ndarray,
    ties: np.ndarray,
    n_draws: np.ndarray,
    star_targeting: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(lab, row)`` for every lab, duplicates removed, sorted by lab
    then row.

    Args:
        ties: (L, L + 1) tie strengths, last column the pool.
        n_draws: candidates to draw per lab.

    """
    n_labs = len(n_draws)
    if sorted_rows.size == 0 or n_draws.sum() == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    weight = people.skill[sorted_rows] ** star_targeting
    cum = np.cumsum(weight)
    cum0 = np.concatenate([[0.0], cum])
    cum_start = cum0[bounds[:-1]]
    group_weight = cum0[bounds[1:]] - cum_start
    # Source weights per lab (its own group excluded); labs that draw nothing, or see
    # nobody, consume no random numbers.
    w = ties[:n_labs, : n_labs + 1] * group_weight
    w[np.arange(n_labs), np.arange(n_labs)] = 0.0
    total = w.sum(axis=1)
    k = np.where(total > 0, n_draws, 0).astype(np.int64)
    active = np.flatnonzero(k)
    if active.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    groups, u_person = _draw_sources(rng, w, total, k, active)
    target = cum_start[groups] + u_person * group_weight[groups]
    idx = search_right(cum, target)
    idx = np.clip(idx, bounds[groups], bounds[groups + 1] - 1)
    # Unique (lab, row) keys, sorted; the lab as its rank among the drawing labs.
    width = people.n + 1
    rank = np.repeat(np.arange(active.size), k[active])
    key = unique_sorted(rank * width + sorted_rows[idx], active.size * width)
    return active[key // width].astype(np.int64), key % width


def _draw_sources(
    rng: np.random.Generator,
    w: np.ndarray,
    total: np.ndarray,
    k: np.ndarray,
    active: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Source group of each draw and the uniform that picks the person in it, lab by
    lab (the ``active`` labs, ``k`` draws each): exactly what, lab by lab,
    ``rng.choice(L + 1, size=k, p=w / total)`` (k uniforms against the cdf of p) and
    then ``rng.random(k)`` would draw, in one call on the same stream.
    """
    u = rng.random(2 * int(k.sum()))
    counts = k[active]
    n = int(counts.sum())
    cdf = (w[active] / total[active, None]).cumsum(axis=1)
    cdf /= cdf[:, -1:]
    if not np.all(cdf[:, 1:] >= cdf[:, :-1]):  # not a cdf (NaN): count as choice does
        row_of = np.repeat(np.arange(active.size), counts)
        first = np.repeat(np.cumsum(2 * counts) - 2 * counts, counts)
        within = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
        groups = (cdf[row_of] <= u[first + within, None]).sum(axis=1)
        return groups, u[first + np.repeat(counts, counts) + within]
    groups = np.empty(n, dtype=np.intp)
    u_person = np.empty(n)
    at = 0
    for i, m in enumerate(counts.tolist()):
        # The count of cdf entries <= u, as numpy.random's choice does: cdf does not
        # decrease, so that is searchsorted side="right".
        groups[at : at + m] = cdf[i].searchsorted(u[2 * at : 2 * at + m], side="right")
        u_person[at : at + m] = u[2 * at + m : 2 * (at + m)]
        at += m
    return groups, u_person


SEARCH_BUCKETS_PER_ROW = 2
"""Buckets per element of the bucketed search (:func:`search_right`)."""
SEARCH_MAX_SCANS = 8
"""Steps of the in-bucket scan before the rest falls back to ``np.searchsorted``."""
SEARCH_ROWS_PER_TARGET = 64
"""Above this many elements a target, :func:`search_buckets` makes no buckets: one
pass over every element of a large space costs more than bisecting the few draws
within their groups. A 100k market draws ~1,500 of 60,000 researchers a month (~40
rows a draw): there the pass (~1 ns an element, and it brings the weights into cache)
is about as fast as bisections with cold caches (~150 ns a draw)."""
SEARCH_MIN_TARGETS = 32
"""Fewer targets than this are bisected within their groups (no buckets)."""


def search_right(cum: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``np.searchsorted(cum, target, side="right")`` for a non-decreasing ``cum``
    (a cumulative sum of non-negative weights), bit for bit.

    With many targets a binary search is slow (unpredictable branches), so the values
    go into equal-width buckets by ``f(x) = clip(floor(x * scale))``, which does not
    decrease in ``x``: every element in a lower bucket than a target is ``<=`` it,
    every element in a higher bucket is above it, and only the elements in the
    target's own bucket (about one) are compared.
    """
    n = len(cum)
    if len(target) < 1024 or 4 * len(target) < n:
        return cum.searchsorted(target, side="right")
    top = cum[-1]
    if not (
        np.isfinite(top)
        and top > 0
        and cum[0] >= 0
        and np.isfinite(target).all()
        and np.all(cum[1:] >= cum[:-1])
    ):
        return cum.searchsorted(target, side="right")
    n_buckets = SEARCH_BUCKETS_PER_ROW * n
    scale = n_buckets / top
    bucket_cum = np.minimum(cum * scale, n_buckets - 1).astype(np.intp)
    start = np.concatenate([[0], np.cumsum(np.bincount(bucket_cum, minlength=n_buckets))])
    bucket = np.clip(target * scale, 0, n_buckets - 1).astype(np.intp)
    idx, end = start[bucket], start[bucket + 1]
    live = np.flatnonzero(idx < end)
    for _ in range(SEARCH_MAX_SCANS):
        if live.size == 0:
            return idx
        live = live[cum[idx[live]] <= target[live]]
        idx[live] += 1
        live = live[idx[live] < end[live]]
    if live.size:
        idx[live] = cum.searchsorted(target[live], side="right")
    return idx


def specialty_groups(
    people: People, sorted_rows: np.ndarray, bounds: np.ndarray, specialty: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of :func:`group_order` restricted to one specialty, still sorted by
    group, and their group boundaries.
    """
    n_groups = len(bounds) - 1
    keep = people.specialty[sorted_rows] == specialty
    group = np.repeat(np.arange(n_groups), np.diff(bounds))
    counts = np.bincount(group[keep], minlength=n_groups)
    return sorted_rows[keep], np.concatenate([[0], np.cumsum(counts)])


def specialty_split(
    people: People, sorted_rows: np.ndarray, bounds: np.ndarray, n_specialties: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`specialty_groups` for every specialty: one gather of the specialties and
    one count of every (specialty, group) pair, then one mask per specialty.
    """
    n_groups = len(bounds) - 1
    spec = people.specialty[sorted_rows]
    key = np.multiply(spec, n_groups, dtype=np.intp)
    key += np.repeat(np.arange(n_groups), np.diff(bounds))
    counts = np.bincount(key, minlength=n_specialties * n_groups).reshape(n_specialties, -1)
    return [
        (sorted_rows[spec == s], np.concatenate([[0], np.cumsum(counts[s])]))
        for s in range(n_specialties)
    ]


# --- Compiled kernels: the draws of a month in two calls -------------------------------

_SCRATCH = threading.local()


def _scratch(n_spaces: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Scratch arrays for :func:`month_setup`, kept between months (per thread): on this
    kind of VM the first touch of freshly allocated pages costs ~1.4 us a page, more
    than the kernel's own work on a market of 100k people.
    """
    buf = getattr(_SCRATCH, "buf", None)
    if buf is None or buf[0].shape[0] < n_spaces or buf[0].shape[1] < n:
        rows, cap = max(n_spaces, 4), n + n // 4 + 1024
        buf = (np.empty((rows, cap), dtype=np.int64), np.empty((rows, cap), dtype=np.float64))
        _SCRATCH.buf = buf
    return buf


def _uniforms(n: int = 0, keep: np.ndarray | None = None) -> np.ndarray:
    """A buffer for a month's uniforms, kept between months (per thread, as
    :func:`_scratch`): at least ``n`` long, starting with ``keep``.
    """
    buf = getattr(_SCRATCH, "uniforms", None)
    if buf is None or len(buf) < n:
        grown = np.empty(max(n + n // 4, 4096))
        if keep is not None:
            grown[: len(keep)] = keep
        buf = _SCRATCH.uniforms = grown
    return buf


def draw_month(
    rng: np.random.Generator,
    people: People,
    sorted_rows: np.ndarray,
    bounds: np.ndarray,
    part_spec: list[int],
    part_ties: list[np.ndarray],
    means: list[np.ndarray],
    star_targeting: float,
    first: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray] | None:
    """All candidate draws of a month, part by part, without the pairs of ``first``:
    the same random numbers and pairs as, for each part ``i``, ``draw_candidates(rng,
    people, rows_i, bounds_i, part_ties[i], rng.poisson(means[i]), star_targeting)``
    (``rows_i, bounds_i`` the rows of specialty ``part_spec[i]`` by
    :func:`specialty_groups`, or all rows for ``-1``), then
    :func:`market.phases.search.first_pairs` with ``first`` (distinct pairs) and every
    part but the last ones of a specialty (which may repeat earlier pairs), minus
    ``first``. None, before any random number, if a weight is negative or not finite
    (then the numpy form must be used).
    """
    empty = np.empty(0, dtype=np.int64)
    if not part_spec or sorted_rows.size == 0:
        for lam in means:  # nothing to draw from: only the Poisson draws are made
            rng.poisson(lam)
        return empty, empty
    sorted_rows = np.asarray(sorted_rows, dtype=np.int64)
    if star_targeting == 1.0:  # numpy's x ** 1.0 is +x: the skills themselves
        values = people.skill
    else:  # the weights of draw_candidates, each at its row
        values = np.empty(len(people.skill))
        values[sorted_rows] = people.skill[sorted_rows] ** star_targeting
    setup = month_setup(
        values,
        sorted_rows,
        people.specialty,
        np.asarray(bounds, dtype=np.int64),
        np.array(part_spec, dtype=np.int64),
        np.stack(part_ties).astype(np.float64, copy=False),
        *_scratch(max(part_spec) + 2, len(sorted_rows)),
    )
    space_rows, space_cum, part_space, space_bounds, group_start, group_weight, total, cdf, ok = (
        setup
    )
    if not ok:
        return None
    k = np.zeros((len(means), total.shape[1]), dtype=np.int64)
    u, n_u = _uniforms(), 0
    for i, lam in enumerate(means):
        n_draws = _part_draws(k[i], rng.poisson(lam), total[i])
        if n_draws:  # rng.random(2 * n_draws), written after the uniforms before
            if len(u) < n_u + 2 * n_draws:
                u = _uniforms(n_u + 2 * n_draws, u[:n_u])
            rng.random(out=u[n_u : n_u + 2 * n_draws])
            n_u += 2 * n_draws
    out_labs, out_rows, ok = month_draws(
        space_rows,
        space_cum,
        part_space,
        space_bounds,
        group_start,
        group_weight,
        cdf,
        k,
        u,
        np.asarray(first[0], dtype=np.int64),
        np.asarray(first[1], dtype=np.int64),
        people.n,
    )
    if not ok:
        raise IndexError("a source draw fell outside the groups (cdf not normalised)")
    return out_labs, out_rows


@kernel
def _part_draws(k: np.ndarray, drawn: np.ndarray, total: np.ndarray) -> int:
    """``k[:] = np.where(total > 0, drawn, 0)`` (labs that see nobody draw nothing) and
    ``int(k.sum())``.
    """
    n = 0
    for lab in range(k.shape[0]):
        k[lab] = drawn[lab] if total[lab] > 0 else 0
        n += k[lab]
    return n


#
# ``month_setup`` computes, for every part of a month's search (a specialty's draws, the
# campus draws, or the undirected draws), what :func:`draw_candidates` computes before it
# draws random numbers: the cumulative weights within the part, the group weights, each
# lab's source total and source cdf. The caller then makes the same ``rng`` calls as
# before (a Poisson, then ``2 x k`` uniforms per part) and ``month_draws`` turns the
# uniforms into the distinct new pairs of every part, as ``draw_candidates`` then
# :func:`market.phases.search.first_pairs` would.


@kernel
def pairwise_sum(a: np.ndarray, lo: int, n: int) -> float:
    """``np.add.reduce(a[lo : lo + n])`` for float64 ``a``, bit for bit: numpy's
    pairwise summation (a sequential sum below 8 elements, 8 interleaved partial sums
    up to 128, halves above), added to the reduction's identity ``0.0``.
    """
    return 0.0 + _pairwise(a, lo, n)


@kernel
def _pairwise(a: np.ndarray, lo: int, n: int) -> float:
    """Numpy's ``pairwise_sum`` (``loops_utils.h``) of ``a[lo : lo + n]``: blocks of at
    most 128 by :func:`_pairwise_block`, larger runs split in two halves (the first a
    multiple of 8 long) and summed left + right; the recursion is unrolled into a stack
    (numba's on-disk cache cannot hold recursive kernels).
    """
    if n <= 128:
        return _pairwise_block(a, lo, n)
    run_lo = np.empty(256, dtype=np.int64)
    run_n = np.empty(256, dtype=np.int64)
    split = np.zeros(256, dtype=np.bool_)
    sums = np.empty(256, dtype=np.float64)
    top, n_sums = 0, 0
    run_lo[0], run_n[0] = lo, n
    while top >= 0:
        at, m = run_lo[top], run_n[top]
        if m <= 128:
            sums[n_sums] = _pairwise_block(a, at, m)
            n_sums += 1
            top -= 1
        elif split[top]:  # both halves summed: left, then right on the stack
            sums[n_sums - 2] = sums[n_sums - 2] + sums[n_sums - 1]
            n_sums -= 1
            split[top] = False
            top -= 1
        else:
            split[top] = True
            m2 = m // 2
            m2 -= m2 % 8
            run_lo[top + 1], run_n[top + 1] = at + m2, m - m2  # right, summed second
            run_lo[top + 2], run_n[top + 2] = at, m2  # left, summed first
            split[top + 1] = False
            split[top + 2] = False
            top += 2
    return sums[0]


@kernel
def _pairwise_block(a: np.ndarray, lo: int, n: int) -> float:
    """Numpy's ``pairwise_sum`` of at most 128 elements ``a[lo : lo + n]``."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@kernel
def search_buckets(cum: np.ndarray, n_targets: int) -> tuple[int, float, np.ndarray]:
    """Buckets for the search within :func:`month_draws`: with at least
    ``SEARCH_MIN_TARGETS`` targets, at most ``SEARCH_ROWS_PER_TARGET`` elements a
    target and a finite positive last element, ``(n_buckets, scale, start)``: bucket
    ``b = min(int(x * scale), n_buckets - 1)`` (non-decreasing in ``x``) holds the
    elements ``start[b] : start[b + 1]`` of the non-decreasing ``cum``, so every
    element before a target's bucket is ``<=`` it and every one after it above it;
    else ``(0, 0.0, empty)``. ``SEARCH_BUCKETS_PER_ROW`` buckets an element, at most 4
    a target (with fewer draws a bucket holds several elements, searched by bisection,
    instead of a bisection over a whole group).
    """
    n = cum.shape[0]
    if (
        n == 0
        or n_targets < SEARCH_MIN_TARGETS
        or SEARCH_ROWS_PER_TARGET * n_targets < n
        or not (0.0 < cum[n - 1] < np.inf)
    ):
        return 0, 0.0, np.zeros(1, dtype=np.int64)
    n_buckets = min(SEARCH_BUCKETS_PER_ROW * n, 4 * n_targets)
    scale = n_buckets / cum[n - 1]
    start = np.zeros(n_buckets + 1, dtype=np.int64)
    for i in range(n):
        start[min(int(cum[i] * scale), n_buckets - 1) + 1] += 1
    for b in range(n_buckets):
        start[b + 1] += start[b]
    return n_buckets, scale, start


@kernel
def _count_not_above(cum: np.ndarray, lo: int, n: int, target: float) -> int:
    """``lo + np.searchsorted(cum[lo : lo + n], target, side="right")`` for a sorted
    run without NaN (a NaN target counts as above everything, as in numpy), by a
    branch-free binary search: the elements before ``base`` are ``<= target``, those
    from ``base + n`` on above it.
    """
    base = lo
    if n == 0:
        return base
    while n > 1:
        half = n >> 1
        if not (target < cum[base + half]):
            base += half
        n -= half
    if not (target < cum[base]):
        base += 1
    return base


@kernel
def month_setup(
    values: np.ndarray,
    sorted_rows: np.ndarray,
    specialty: np.ndarray,
    bounds: np.ndarray,
    part_spec: np.ndarray,
    part_ties: np.ndarray,
    space_rows: np.ndarray,
    space_cum: np.ndarray,
) -> tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    bool,
]:
    """What :func:`draw_candidates` computes before its random numbers, for every part:
    one pass over the rows puts each in its specialty's space, then one pass a space
    adds up its weights.

    Args:
        values: the weight of row ``r`` is ``values[r]`` (its ``skill **
            star_targeting``).
        sorted_rows: the rows of :func:`group_order`, with ``bounds`` their ``G + 1``
            group bounds (``G = L + 1``, pool last).
        specialty: every row's specialty.
        part_spec: per part, the specialty its rows have (:func:`specialty_groups`), or
            ``-1`` for all rows.
        part_ties: (P, L, G) tie strengths of each part.
        space_rows, space_cum: scratch space (:func:`_scratch`), at least
            ``max(part_spec) + 2`` rows of ``len(sorted_rows)``; overwritten.

    Returns ``(space_rows, space_cum, part_space, space_bounds, group_start,
    group_weight, total, cdf, ok)``. A space is a set of rows, in group order: space 0
    all rows, space ``1 + s`` specialty ``s``; ``space_rows[j, :n_j]`` are its rows,
    ``space_cum[j, :n_j]`` ``np.cumsum`` of their weights, ``space_bounds[j]`` its
    ``G + 1`` group bounds; part ``p`` draws from space ``part_space[p]``. Per part,
    the cumulative weight before each group (``cum0[b[:-1]]``, ``cum0`` the running sum
    after a ``0.0``), the group weights (``cum0[b[1:]] - cum0[b[:-1]]``), each lab's
    source total (``w.sum(axis=1)``, pairwise) and source cdf (``(w / total).cumsum()``
    over its last entry, where ``total > 0``). ``ok`` is False if a weight of a space
    drawn from is negative, infinite or NaN: then ``np.searchsorted`` on the cumulative
    weights is not a plain ordered search and the caller must use
    :func:`draw_candidates`.
    """
    n_parts, n_labs, n_groups = part_ties.shape
    n_spaces = 1
    for p in range(n_parts):
        n_spaces = max(n_spaces, part_spec[p] + 2)
    part_space = np.empty(n_parts, dtype=np.int64)
    needed = np.zeros(n_spaces, dtype=np.bool_)
    for p in range(n_parts):
        part_space[p] = part_spec[p] + 1
        needed[part_space[p]] = True
    space_bounds = np.zeros((n_spaces, n_groups + 1), dtype=np.int64)
    # the rows of each specialty space, in group order (space 0 is sorted_rows)
    n_spec = n_spaces - 1
    fill = np.zeros(n_spaces, dtype=np.int64)
    for g in range(n_groups):
        for i in range(bounds[g], bounds[g + 1]):
            row = sorted_rows[i]
            j = specialty[row] + 1
            if 1 <= j <= n_spec and needed[j]:
                o = fill[j]
                space_rows[j, o] = row
                fill[j] = o + 1
        for j in range(1, n_spaces):
            space_bounds[j, g + 1] = fill[j]
    if needed[0]:
        space_bounds[0] = bounds
        space_rows[0, : sorted_rows.shape[0]] = sorted_rows
    # each space's cumulative weights, in its order: sequential, as np.cumsum's
    ok = True
    for j in range(n_spaces):
        if not needed[j]:
            continue
        rows, cum = space_rows[j], space_cum[j]
        acc = 0.0
        for o in range(space_bounds[j, n_groups]):
            w = values[rows[o]]
            if not (0.0 <= w < np.inf):
                ok = False
            acc = w if o == 0 else acc + w
            cum[o] = acc
    group_start = np.zeros((n_parts, n_groups), dtype=np.float64)
    group_weight = np.zeros((n_parts, n_groups), dtype=np.float64)
    total = np.zeros((n_parts, n_labs), dtype=np.float64)
    cdf = np.zeros((n_parts, n_labs, n_groups), dtype=np.float64)
    w_lab = np.empty(n_groups, dtype=np.float64)
    for p in range(n_parts):
        j = part_space[p]
        for g in range(n_groups):
            lo, hi = space_bounds[j, g], space_bounds[j, g + 1]
            cum_lo = 0.0 if lo == 0 else space_cum[j, lo - 1]
            cum_hi = 0.0 if hi == 0 else space_cum[j, hi - 1]
            group_start[p, g] = cum_lo
            group_weight[p, g] = cum_hi - cum_lo
        for lab in range(n_labs):
            for g in range(n_groups):
                w_lab[g] = part_ties[p, lab, g] * group_weight[p, g]
            w_lab[lab] = 0.0
            t = pairwise_sum(w_lab, 0, n_groups)
            total[p, lab] = t
            if t > 0:
                c = 0.0
                for g in range(n_groups):
                    c = w_lab[g] / t if g == 0 else c + w_lab[g] / t
                    cdf[p, lab, g] = c
                last = cdf[p, lab, n_groups - 1]
                for g in range(n_groups):
                    cdf[p, lab, g] /= last
    return (
        space_rows,
        space_cum,
        part_space,
        space_bounds,
        group_start,
        group_weight,
        total,
        cdf,
        ok,
    )


SOURCE_TABLE_SIZE = 64
"""Slots of :func:`_source_table` (a power of two: ``u * size`` is exact)."""
SOURCE_TABLE_MIN_DRAWS = 16
"""A lab with fewer draws of a part counts its cdf entries ``<= u`` one by one."""


@kernel
def _source_table(cdf: np.ndarray, table: np.ndarray) -> bool:
    """If ``cdf`` does not decrease (and holds no NaN), ``table[b]`` the count of its
    entries ``<= b / len(table)`` and True, else False. For a uniform ``u`` in
    ``[0, 1)`` and ``b = int(u * len(table))`` (exact: ``b / len(table) <= u``), the
    count of entries ``<= u`` is then ``table[b]`` plus the entries from there on that
    are ``<= u``: usually none or one to compare instead of every entry.
    """
    n = cdf.shape[0]
    for c in range(1, n):
        if not (cdf[c] >= cdf[c - 1]):
            return False
    size = table.shape[0]
    c = 0
    for b in range(size):
        x = b / size
        while c < n and cdf[c] <= x:
            c += 1
        table[b] = c
    return True


@kernel
def month_draws(
    space_rows: np.ndarray,
    space_cum: np.ndarray,
    part_space: np.ndarray,
    space_bounds: np.ndarray,
    group_start: np.ndarray,
    group_weight: np.ndarray,
    cdf: np.ndarray,
    k: np.ndarray,
    u: np.ndarray,
    first_labs: np.ndarray,
    first_rows: np.ndarray,
    n_rows: int,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """The distinct new pairs ``(lab, row)`` of every part of a month, part by part,
    each sorted by lab then row (the spaces of :func:`month_setup`): what
    :func:`draw_candidates` draws from the ``2 x k[p].sum()`` uniforms of part ``p``
    in ``u``, after those of the parts before (``k[p, lab]`` draws per lab, laid out
    lab by lab as there), then :func:`market.phases.search.first_pairs` keeps, given
    the ``first`` pairs (spin-out pulls) and parts whose rows are disjoint except the
    last ones, which may repeat any earlier pair (campus draws).

    A draw's source group is the count of cdf entries ``<= u`` (``searchsorted``
    ``side="right"`` on a cdf, as ``Generator.choice`` does; from
    :func:`_source_table` for a lab with many draws), its row the first
    cumulative weight above ``group_start + u * group_weight`` within the group
    (``searchsorted`` ``side="right"`` then ``clip`` to the group), found in turn
    through the part's buckets (:func:`search_buckets`) or, without, by bisection
    within the group. Every pair, keyed ``(lab, row, part)`` (bit fields) with the
    ``first`` pairs as part ``-1``, is then radix-sorted: a pair is new where it
    differs from the one before; part ``p``'s new pairs are written after room for
    the draws of the parts before it, then moved down. ``ok`` is False if a source
    index fell outside the groups (the numpy form would raise).
    """
    n_parts, n_labs, n_groups = cdf.shape
    part_bits, row_bits = bit_length(n_parts), bit_length(n_rows)
    n_first = first_labs.shape[0]
    n_draws = 0
    for p in range(n_parts):
        for lab in range(n_labs):
            n_draws += k[p, lab]
    # 1. every draw's source group, target and row; keys (lab, row, part + 1), the
    # first pairs part 0
    keys = np.empty(n_first + n_draws, dtype=np.int64)
    for j in range(n_first):
        keys[j] = ((first_labs[j] << row_bits) | first_rows[j]) << part_bits
    ok = True
    i = n_first
    base = 0
    table = np.empty(SOURCE_TABLE_SIZE, dtype=np.int64)
    for p in range(n_parts):
        j = part_space[p]
        cum, bounds, rows, size = space_cum[j], space_bounds[j], space_rows[j], space_bounds[j, -1]
        n_buckets, scale, bucket_start = search_buckets(cum[:size], k[p].sum())
        for lab in range(n_labs):
            m = k[p, lab]
            row_cdf = cdf[p, lab]
            sorted_cdf = m >= SOURCE_TABLE_MIN_DRAWS and _source_table(row_cdf, table)
            for d in range(m):
                u_group, u_person = u[base + d], u[base + m + d]
                if sorted_cdf:
                    g = table[int(u_group * SOURCE_TABLE_SIZE)]
                    while g < n_groups and row_cdf[g] <= u_group:
                        g += 1
                else:
                    g = 0
                    for c in range(n_groups):
                        if row_cdf[c] <= u_group:
                            g += 1
                if g >= n_groups:
                    ok = False
                    g = n_groups - 1
                lo, hi = bounds[g], bounds[g + 1]
                t = group_start[p, g] + u_person * group_weight[p, g]
                if n_buckets and 0.0 <= t < np.inf:
                    b = int(t * scale)
                    if b > n_buckets - 1:
                        b = n_buckets - 1
                    idx = _count_not_above(
                        cum, bucket_start[b], bucket_start[b + 1] - bucket_start[b], t
                    )
                else:  # within the group: the same after the clip (cum is sorted)
                    idx = _count_not_above(cum, lo, hi - lo, t)
                idx = min(max(idx, lo), hi - 1)
                if idx < 0:
                    idx += size
                keys[i] = (((lab << row_bits) | rows[idx]) << part_bits) | (p + 1)
                i += 1
            base += 2 * m
    # 2. sorted by (lab, row, part): the first of each pair, if not a first pair, is
    # new; part p's new pairs go after room for the draws of the parts before it,
    # then move down
    keys = radix_sort(keys)
    room = np.zeros(n_parts + 2, dtype=np.int64)
    for p in range(n_parts):
        room[p + 2] = room[p + 1] + k[p].sum()
    fill = room.copy()
    out_labs = np.empty(n_draws, dtype=np.int64)
    out_rows = np.empty(n_draws, dtype=np.int64)
    part_mask, row_mask = (1 << part_bits) - 1, (1 << row_bits) - 1
    last = -1
    for j in range(keys.shape[0]):
        pair = keys[j] >> part_bits
        if pair != last:
            last = pair
            part = keys[j] & part_mask
            if part:
                out_labs[fill[part]] = pair >> row_bits
                out_rows[fill[part]] = pair & row_mask
                fill[part] += 1
    n_new = 0
    for p in range(1, n_parts + 1):
        for o in range(room[p], fill[p]):
            out_labs[n_new] = out_labs[o]
            out_rows[n_new] = out_rows[o]
            n_new += 1
    return out_labs[:n_new], out_rows[:n_new], ok
