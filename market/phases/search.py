"""Phase 8: which (lab, person) pairs meet this month (search frictions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.bidding import PairValues, PolicyArrays, acceptance_pay
from market.codes import Employer
from market.jit import kernel
from market.phases.spinouts import Pulls
from market.phases.vacancies import N_SPECIALTIES, Vacancies
from market.search import (
    draw_candidates,
    draw_month,
    group_order,
    specialty_split,
)
from market.selection import counting_sort, quickselect, ranks_before
from market.state import MarketState
from market.valuation import marginal_value


@dataclass
class Candidates:
    """One row per (bidding lab, person) pair, in the order bids are made."""

    labs: np.ndarray
    rows: np.ndarray
    spin: np.ndarray
    """The pair is a spin-out pulling a former colleague."""
    values: PairValues | None = None
    """The pairs' values from screening, on the lab state clearing uses."""

    def __len__(self) -> int:
        return len(self.rows)


def search(
    state: MarketState,
    rng: np.random.Generator,
    pulls: Pulls,
    vacancies: Vacancies | None = None,
) -> Candidates:
    """Spin-out pulls first, then the labs' draws (:func:`market.search.draw_candidates`).

    * with ``vacancies``, ``Poisson(q x V[s, lab] x poaching_intensity)`` candidates of
      each specialty ``s`` (``q`` contacts per vacancy, the same for every lab), from
      other labs and the job pool (laid-off people, graduates) alike;
    * without, each lab with budget headroom draws ``Poisson((candidates_per_lab +
      candidates_per_100_staff * staff / 100) * poaching_intensity)`` of any specialty.

    Labs hiring (vacancies, or headroom without them) add ``Poisson(
    graduate_intake_per_100_staff * staff / 100)`` draws from the job pool. One pair per
    (lab, person), the first drawn; pairs with the person's own employer, people gone
    this month and people below the lab's hiring bar dropped.
    """
    labs, cfg, p = state.labs, state.cfg, state.people
    # One bid per (lab, person), the first drawn (spin-out pulls first), order kept.
    spin_labs, spin_rows = first_pairs(pulls, [], p.n)[:2]
    if cfg.offers_enabled:
        pair_labs, pair_rows = _lab_draws(state, rng, vacancies, (spin_labs, spin_rows))
    else:
        pair_labs, pair_rows = spin_labs[:0], spin_rows[:0]
    bar = np.array([state.skill_quantile(q) for q in labs.hiring_bar_quantile], dtype=float)
    pair_labs, pair_rows, spin = _eligible(
        np.asarray(spin_labs, dtype=np.int64),
        np.asarray(spin_rows, dtype=np.int64),
        np.asarray(pair_labs, dtype=np.int64),
        np.asarray(pair_rows, dtype=np.int64),
        p.employer,
        p.skill,
        p.held_until,
        bar,
        int(state.step),
        int(Employer.GONE),
    )
    values = None
    if vacancies is not None and cfg.one_offer_per_vacancy and len(pair_rows):
        values = PairValues(np.empty(0))
        best = screen(state, pair_labs, pair_rows, vacancies.counts, values=values)
        keep = np.flatnonzero(spin | best)
        pair_labs, pair_rows, spin = pair_labs[keep], pair_rows[keep], spin[keep]
        values = values.take(keep)
    return Candidates(pair_labs, pair_rows, spin, values)


@kernel
def _eligible(
    first_labs: np.ndarray,
    first_rows: np.ndarray,
    labs: np.ndarray,
    rows: np.ndarray,
    employer: np.ndarray,
    skill: np.ndarray,
    held_until: np.ndarray,
    bar: np.ndarray,
    step: int,
    gone: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs ``first`` then ``(labs, rows)`` that may be bid for, in order, and
    which of them come from ``first``, in one pass: with ``all_labs, all_rows`` the two
    concatenated, ``keep = (employer[all_rows] != all_labs) & (employer[all_rows] !=
    gone) & (skill[all_rows] >= bar[all_labs]) & (held_until[all_rows] <= step)`` (not
    the person's own lab, still in the market, above the lab's hiring bar, and no named
    person before their move), ``all_labs[keep], all_rows[keep]`` and ``(arange(n) <
    len(first_labs))[keep]``.
    """
    n_first = first_labs.shape[0]
    n = n_first + labs.shape[0]
    out_labs = np.empty(n, dtype=np.int64)
    out_rows = np.empty(n, dtype=np.int64)
    spin = np.empty(n, dtype=np.bool_)
    m = 0
    for i in range(n):
        lab, r = (
            (first_labs[i], first_rows[i])
            if i < n_first
            else (labs[i - n_first], rows[i - n_first])
        )
        e = employer[r]
        if e != lab and e != gone and skill[r] >= bar[lab] and held_until[r] <= step:
            out_labs[m], out_rows[m], spin[m] = lab, r, i < n_first
            m += 1
    return out_labs[:m], out_rows[:m], spin[:m]


def screen(
    state: MarketState,
    labs: np.ndarray,
    rows: np.ndarray,
    openings: np.ndarray,
    *,
    values: PairValues | None = None,
) -> np.ndarray:
    """Which pairs a lab bids for: per (lab, specialty), the ``openings[s, lab]``
    candidates it gains most from.

    With ``screen_by_acceptance`` (default) the gain is the lab's surplus at the
    candidate's acceptance pay (:func:`market.bidding.acceptance_pay`): value, net of
    a paid non-compete's delay, minus the least the candidate would move for, and a
    candidate the lab cannot afford to move (ceiling below that pay) is not bid for, so
    a vacancy is not spent on someone who would stay anyway. Off (mechanisms v2): value
    minus current pay, everyone eligible. Order of the pairs kept. ``values``: filled
    with the pairs' values (for :func:`market.bidding.make_offers`).
    """
    p, cfg = state.people, state.cfg
    if len(rows) == 0:
        return np.zeros(0, dtype=bool)
    agg = state.lab_state
    value = marginal_value(agg, p, rows, labs, np.zeros(len(rows), bool), cfg, state.price)
    if values is not None:
        values.value = value
    # Pairs scored -inf (or NaN) are never bid for; they rank after every other pair of
    # their group, so the ranks of the rest do not depend on them: they go to an extra
    # group that keeps none.
    k = openings.ravel()
    if cfg.screen_by_acceptance:
        pol = PolicyArrays.of(state.labs, cfg)
        need, delay = acceptance_pay(agg, p, rows, labs, pol, cfg, out=values)
        score, group = _acceptance_score(
            value,
            need,
            delay,
            np.asarray(labs, dtype=np.int64),
            np.asarray(rows, dtype=np.int64),
            p.skill,
            state.star_skill,
            pol.pay_multiplier,
            pol.star_pay_multiplier,
            pol.pay_cap_usd,
            pol.budget_usd - agg.payroll,
            p.specialty,
            state.n_labs,
            len(k),
        )
    else:
        score = value - p.comp_usd[rows]
        group = _bid_groups(score, labs, rows, p.specialty, state.n_labs, len(k))
    return _top_per_group(group, score, np.append(k, 0.0).astype(np.float64))


@kernel
def _acceptance_score(
    value: np.ndarray,
    need: np.ndarray,
    delay: np.ndarray,
    labs: np.ndarray,
    rows: np.ndarray,
    skill: np.ndarray,
    star_skill: float,
    pay_multiplier: np.ndarray,
    star_pay_multiplier: np.ndarray,
    pay_cap_usd: np.ndarray,
    headroom: np.ndarray,
    specialty: np.ndarray,
    n_labs: int,
    none: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The screening score by acceptance pay: ``np.where(ceiling >= need, value * delay -
    need, -np.inf)``, ``ceiling`` :func:`market.bidding.bid_ceiling` with ``star =
    skill[rows] >= star_skill`` (its minima and maximum NaN if an argument is, as
    numpy's; the sign of a zero ceiling may differ, which the comparison does not see);
    and the pairs' groups, ``_bid_groups(score, labs, rows, specialty, n_labs, none)``.
    """
    score = np.empty(value.shape[0])
    group = np.empty(value.shape[0], dtype=np.int64)
    for i in range(value.shape[0]):
        lab = labs[i]
        will = pay_multiplier[lab] * (
            star_pay_multiplier[lab] if skill[rows[i]] >= star_skill else 1.0
        )
        room = headroom[lab]
        if not (room != room or room >= 0.0):
            room = 0.0
        ceiling = _nan_min(_nan_min(value[i] * will * delay[i], pay_cap_usd[lab]), room)
        score[i] = value[i] * delay[i] - need[i] if ceiling >= need[i] else -np.inf
        group[i] = _bid_group(score[i], lab, specialty[rows[i]], n_labs, none)
    return score, group


@kernel
def _nan_min(a: float, b: float) -> float:
    """``np.minimum(a, b)``: NaN if either is NaN."""
    return a if (a != a or a <= b) else b


@kernel
def _bid_groups(
    score: np.ndarray,
    labs: np.ndarray,
    rows: np.ndarray,
    specialty: np.ndarray,
    n_labs: int,
    none: int,
) -> np.ndarray:
    """Each pair's (specialty, lab) group ``specialty[rows] * n_labs + labs``, or
    ``none`` where the score is not above ``-inf`` (``-inf`` or NaN).
    """
    group = np.empty(score.shape[0], dtype=np.int64)
    for i in range(score.shape[0]):
        group[i] = _bid_group(score[i], labs[i], specialty[rows[i]], n_labs, none)
    return group


@kernel
def _bid_group(score: float, lab: int, specialty: int, n_labs: int, none: int) -> int:
    """One pair's group in :func:`_bid_groups`."""
    return specialty * n_labs + lab if score > -np.inf else none


def top_per_group(group: np.ndarray, score: np.ndarray, k: np.ndarray, n_labs: int) -> np.ndarray:
    """Whether each element is among the ``k[g]`` first of its group ``g`` by score
    (descending), earlier elements first among equal scores, NaN last: the rank within
    the group in ``np.lexsort((-score, group))`` order below ``k[g]``
    (:func:`_top_per_group`). ``n_labs`` is unused (kept for the callers).
    """
    return _top_per_group(
        np.asarray(group, dtype=np.int64),
        np.asarray(score, dtype=np.float64),
        np.asarray(k, dtype=np.float64),
    )


@kernel
def _top_per_group(group: np.ndarray, score: np.ndarray, k: np.ndarray) -> np.ndarray:
    """:func:`top_per_group`: the elements counting-sorted by group (stably); of every
    group with more elements than it keeps, the first ``k[g]`` by score (descending,
    NaN last, stably) by :func:`_top_k`, or for large ``k[g]`` by :func:`_mark_top_k`.
    """
    n, n_groups = group.shape[0], k.shape[0]
    order, start = counting_sort(np.arange(n), group, n_groups, False)
    best = np.zeros(n, dtype=np.bool_)
    tmp = np.empty(n, dtype=np.int64)
    values = np.empty(n)
    for g in range(n_groups):
        lo, hi = start[g], start[g + 1]
        if k[g] <= 0 or hi == lo:
            continue
        if hi - lo <= k[g]:
            best[order[lo:hi]] = True
        elif k[g] <= TOP_K_INSERTION:
            n_best = _top_k(order[lo:hi], tmp, score, int(np.ceil(k[g])))
            best[tmp[:n_best]] = True
        else:
            _mark_top_k(order[lo:hi], values, score, int(np.ceil(k[g])), best)
    return best


TOP_K_INSERTION = 16
"""Up to this many kept per group, :func:`_top_k` keeps them in a sorted buffer;
above, :func:`_mark_top_k` finds the ``k``-th score by a quickselect."""


@kernel
def _top_k(idx: np.ndarray, buf: np.ndarray, score: np.ndarray, k: int) -> int:
    """The first ``k`` of ``idx`` (positions, ascending) by ``score`` descending, NaN
    last, earlier first among equals, into ``buf[:k]`` in that order; returns how many.
    An element enters the sorted buffer only ahead of its last when it is full.
    """
    n_best = 0
    for i in idx:
        x = score[i]
        if n_best == k:
            if not ranks_before(x, score[buf[k - 1]]):
                continue
            n_best -= 1
        at = n_best
        while at > 0 and ranks_before(x, score[buf[at - 1]]):
            buf[at] = buf[at - 1]
            at -= 1
        buf[at] = i
        n_best += 1
    return n_best


@kernel
def _mark_top_k(
    idx: np.ndarray, values: np.ndarray, score: np.ndarray, k: int, best: np.ndarray
) -> None:
    """Mark in ``best`` the first ``k`` of ``idx`` (positions, ascending) by ``score``
    descending, NaN last, earlier first among equals, as a stable sort would rank them:
    every score above the ``k``-th largest (by :func:`market.selection.quickselect` on
    the scores that are numbers), then the earliest equal to it; with ``k`` numbers or
    fewer, all of them and the earliest NaN.
    """
    m = 0
    for i in idx:
        if not np.isnan(score[i]):
            values[m] = score[i]
            m += 1
    if m <= k:
        left = k - m
        for i in idx:
            if not np.isnan(score[i]):
                best[i] = True
            elif left > 0:
                best[i] = True
                left -= 1
        return
    quickselect(values, 0, m - 1, m - k)
    kth = values[m - k]
    left = k
    for i in idx:
        if score[i] > kth:
            left -= 1
    for i in idx:
        if score[i] > kth:
            best[i] = True
        elif score[i] == kth and left > 0:
            best[i] = True
            left -= 1


def first_pairs(
    first: tuple[np.ndarray, np.ndarray],
    parts: list[tuple[np.ndarray, np.ndarray, bool]],
    n_rows: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The pairs ``(lab, row)`` of ``first`` then of each part, in that order, each
    pair only where it occurs first, and how many come from ``first``.

    A part is ``(labs, rows, overlaps)``: distinct pairs sorted by lab then row
    (:func:`market.search.draw_candidates`), and whether it may share pairs with the
    parts before it (the specialties' draws cannot: nobody has two specialties). So a
    pair is looked up, by binary search, only in the sorted parts it may repeat.
    """
    width = n_rows + 1
    labs, rows = first
    if len(labs):
        _, at = np.unique(labs * width + rows, return_index=True)
        at.sort()
        labs, rows = labs[at], rows[at]
    if not parts:
        return labs, rows, len(labs)
    first_keys = np.sort(labs * width + rows)
    out_labs, out_rows = [labs], [rows]
    earlier: list[np.ndarray] = []
    for part_labs, part_rows, overlaps in parts:
        key = part_labs * width + part_rows
        new = ~_is_in_sorted(key, first_keys)
        if overlaps:
            for before in earlier:
                new &= ~_is_in_sorted(key, before)
        earlier.append(key)
        out_labs.append(part_labs[new])
        out_rows.append(part_rows[new])
    return np.concatenate(out_labs), np.concatenate(out_rows), len(labs)


def _is_in_sorted(key: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which of ``key`` occur in the ascending array ``sorted_keys``."""
    if sorted_keys.size == 0 or key.size == 0:
        return np.zeros(key.size, dtype=bool)
    at = np.minimum(sorted_keys.searchsorted(key), sorted_keys.size - 1)
    return sorted_keys[at] == key


def _lab_draws_numpy(
    state: MarketState, rng: np.random.Generator, vacancies: Vacancies | None
) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """The labs' own candidate pairs (directed by vacancies, or per lab) and campus
    hiring from the pool: one part per draw, as :func:`first_pairs` reads them. The
    numpy form of :func:`_lab_draws` (its reference, and its fallback for weights that
    are not finite and non-negative).
    """
    agg, labs, cfg, p = state.lab_state, state.labs, state.cfg, state.people
    n_labs = state.n_labs
    sorted_rows, bounds = group_order(p, n_labs, state.lab_order())
    staff_100 = agg.headcount.sum(axis=0) / 100
    ties = state.ties[:n_labs]
    parts: list[tuple[np.ndarray, np.ndarray, bool]] = []
    if vacancies is None:
        hiring = (labs.budget_usd - agg.payroll) > 0
        per_month = cfg.candidates_per_lab + cfg.candidates_per_100_staff * staff_100
        n_draws = rng.poisson(per_month * labs.poaching_intensity * hiring)
        got = draw_candidates(rng, p, sorted_rows, bounds, ties, n_draws, cfg.star_targeting)
        parts.append((*got, False))
    else:
        hiring = vacancies.per_lab > 0
        mean = vacancies.contacts_per_vacancy * vacancies.counts * labs.poaching_intensity
        split = specialty_split(p, sorted_rows, bounds, N_SPECIALTIES) if mean.any() else []
        for s, lam in enumerate(mean):
            if not lam.any():
                continue
            rows_s, bounds_s = split[s]
            got = draw_candidates(
                rng, p, rows_s, bounds_s, ties, rng.poisson(lam), cfg.star_targeting
            )
            parts.append((*got, False))  # people of one specialty: new pairs
    intake = labs.graduate_intake_per_100_staff
    if intake.any():  # campus hiring: extra draws from the job pool only
        pool_only = np.zeros((n_labs, n_labs + 1))
        pool_only[:, n_labs] = 1.0
        got = draw_candidates(
            rng,
            p,
            sorted_rows,
            bounds,
            pool_only,
            rng.poisson(intake * staff_100 * hiring),
            cfg.star_targeting,
        )
        parts.append((*got, True))  # pool people the labs' own draws may have met
    return parts


def _lab_draws(
    state: MarketState,
    rng: np.random.Generator,
    vacancies: Vacancies | None,
    first: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The labs' own candidate pairs (directed by vacancies, or per lab) and campus
    hiring from the pool, without the pairs of ``first`` (distinct spin-out pulls):
    ``first_pairs(first, _lab_draws_numpy(...))`` after ``first``, with the same random
    numbers (:func:`market.search.draw_month`).
    """
    agg, labs, cfg, p = state.lab_state, state.labs, state.cfg, state.people
    n_labs = state.n_labs
    sorted_rows, bounds = group_order(p, n_labs, state.lab_order())
    staff_100 = agg.headcount.sum(axis=0) / 100
    ties = np.ascontiguousarray(state.ties[:n_labs, : n_labs + 1], dtype=np.float64)
    # Each part: its specialty (-1: all rows), its ties and the mean of its Poisson.
    part_spec: list[int] = []
    part_ties: list[np.ndarray] = []
    means: list[np.ndarray] = []
    if vacancies is None:
        hiring = (labs.budget_usd - agg.payroll) > 0
        per_month = cfg.candidates_per_lab + cfg.candidates_per_100_staff * staff_100
        part_spec.append(-1)
        part_ties.append(ties)
        means.append(per_month * labs.poaching_intensity * hiring)
    else:
        hiring = vacancies.per_lab > 0
        mean = vacancies.contacts_per_vacancy * vacancies.counts * labs.poaching_intensity
        for s, lam in enumerate(mean):
            if lam.any():
                part_spec.append(s)
                part_ties.append(ties)
                means.append(lam)
    intake = labs.graduate_intake_per_100_staff
    if intake.any():  # campus hiring: extra draws from the job pool only
        pool_only = np.zeros((n_labs, n_labs + 1))
        pool_only[:, n_labs] = 1.0
        part_spec.append(-1)
        part_ties.append(pool_only)
        means.append(intake * staff_100 * hiring)
    got = draw_month(
        rng, p, sorted_rows, bounds, part_spec, part_ties, means, cfg.star_targeting, first
    )
    if got is None:  # weights not finite and non-negative: the numpy form
        parts = _lab_draws_numpy(state, rng, vacancies)
        got_labs, got_rows, n_first = first_pairs(first, parts, p.n)
        return got_labs[n_first:], got_rows[n_first:]
    return got
