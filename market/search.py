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

import numpy as np

from market.people import GONE, POOL, People


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


def unique_sorted(keys: np.ndarray, size: int) -> np.ndarray:
    """``np.unique(keys)`` for non-negative integer keys below ``size``: a bitmap when
    the keys are dense, else one sort (numpy's ``unique`` hashes first, which is
    slower here).
    """
    if keys.size == 0:
        return keys.astype(np.int64)
    if size <= 64 * keys.size:
        mark = np.zeros(size, dtype=bool)
        mark[keys] = True
        return np.flatnonzero(mark)
    out = np.sort(keys)
    return out[np.concatenate([[True], out[1:] != out[:-1]])]


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
