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
    """Candidate pairs ``(lab, row)`` for every lab, duplicates removed.

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
    groups, u_person, lab_of = _draw_sources(rng, w, total, k, active)
    target = cum_start[groups] + u_person * group_weight[groups]
    idx = np.searchsorted(cum, target, side="right")
    idx = np.clip(idx, bounds[groups], bounds[groups + 1] - 1)
    labs_arr = lab_of.astype(np.int64)
    rows_arr = sorted_rows[idx].astype(np.int64)
    key = np.unique(labs_arr * (people.n + 1) + rows_arr)
    return key // (people.n + 1), key % (people.n + 1)


def _draw_sources(
    rng: np.random.Generator,
    w: np.ndarray,
    total: np.ndarray,
    k: np.ndarray,
    active: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source group of each draw, the uniform that picks the person in it, and the
    drawing lab: exactly what, lab by lab, ``rng.choice(L + 1, size=k, p=w / total)``
    (k uniforms against the cdf of p) and then ``rng.random(k)`` would draw, in one
    call on the same stream.
    """
    u = rng.random(2 * int(k.sum()))
    counts = k[active]
    lab_of = np.repeat(active, counts)
    first = np.repeat(np.cumsum(2 * counts) - 2 * counts, counts)
    within = np.arange(len(lab_of)) - np.repeat(np.cumsum(counts) - counts, counts)
    u_source = u[first + within]
    u_person = u[first + k[lab_of] + within]
    cdf = (w[active] / total[active, None]).cumsum(axis=1)
    cdf /= cdf[:, -1:]
    row_of = np.repeat(np.arange(active.size), counts)
    groups = (cdf[row_of] <= u_source[:, None]).sum(axis=1)  # searchsorted, side="right"
    return groups, u_person, lab_of


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
