"""Phase 8: which (lab, person) pairs meet this month (search frictions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.bidding import PairValues, PolicyArrays, acceptance_pay, bid_ceiling
from market.codes import Employer
from market.phases.spinouts import Pulls
from market.phases.vacancies import N_SPECIALTIES, Vacancies
from market.search import draw_candidates, group_order, specialty_split
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
    spin_labs, spin_rows = pulls
    parts = [] if not cfg.offers_enabled else _lab_draws(state, rng, vacancies)
    # One bid per (lab, person), the first drawn (spin-out pulls first), order kept.
    pair_labs, pair_rows, n_spin = first_pairs((spin_labs, spin_rows), parts, p.n)
    spin = np.zeros(len(pair_labs), dtype=bool)
    spin[:n_spin] = True
    emp = p.employer[pair_rows]
    bar = np.array([state.skill_quantile(q) for q in labs.hiring_bar_quantile])
    keep = (emp != pair_labs) & (emp != Employer.GONE) & (p.skill[pair_rows] >= bar[pair_labs])
    keep &= p.held_until[pair_rows] <= state.step  # named people before their move
    pair_labs, pair_rows, spin = pair_labs[keep], pair_rows[keep], spin[keep]
    values = None
    if vacancies is not None and cfg.one_offer_per_vacancy and len(pair_rows):
        values = PairValues(np.empty(0))
        best = screen(state, pair_labs, pair_rows, vacancies.counts, values=values)
        keep = spin | best
        pair_labs, pair_rows, spin = pair_labs[keep], pair_rows[keep], spin[keep]
        values = values.take(keep)
    return Candidates(pair_labs, pair_rows, spin, values)


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
    if cfg.screen_by_acceptance:
        pol = PolicyArrays.of(state.labs, cfg)
        need, delay = acceptance_pay(agg, p, rows, labs, pol, cfg, out=values)
        star = p.skill[rows] >= state.star_skill
        ceiling = bid_ceiling(value, labs, star, delay, pol, pol.budget_usd - agg.payroll)
        score = np.where(ceiling >= need, value * delay - need, -np.inf)
    else:
        score = value - p.comp_usd[rows]
    group = p.specialty[rows].astype(np.int64) * state.n_labs + labs
    # Pairs scored -inf (or NaN) are never bid for; they rank after every other pair of
    # their group, so the ranks of the rest do not depend on them.
    bid = np.flatnonzero(score > -np.inf)
    best = np.zeros(len(rows), dtype=bool)
    best[bid] = top_per_group(group[bid], score[bid], openings.ravel(), state.n_labs)
    return best


def top_per_group(group: np.ndarray, score: np.ndarray, k: np.ndarray, n_labs: int) -> np.ndarray:
    """Whether each element is among the ``k[g]`` first of its group ``g`` by score
    (descending), earlier elements first among equal scores.

    Only the elements that can be among them (:func:`_contenders`) are sorted.
    """
    idx = _contenders(group, score, k)
    grp = group[idx]
    order = group_then_score_order(grp, score[idx], n_labs)
    g = grp[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    best = np.zeros(len(score), dtype=bool)
    best[idx[order]] = rank < k[g]
    return best


def _contenders(group: np.ndarray, score: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Positions (ascending) of a superset of each group's ``k[g]`` best elements.

    A group of ``n > k`` elements is cut, in position order, into ``k`` runs; each run
    holds an element at least as good as its maximum, so the group's ``k``-th best
    score is at least the least of the ``k`` run maxima, and elements below that
    cannot be among the best. Everything is kept if a score is NaN.
    """
    n = len(score)
    if n == 0 or np.isnan(score).any():
        return np.arange(n)
    key = group.astype(np.int16) if len(k) < np.iinfo(np.int16).max else group
    by_group = np.argsort(key, kind="stable")
    g = group[by_group]
    counts = np.bincount(group, minlength=len(k))
    pos = np.arange(n) - (np.cumsum(counts) - counts)[g]
    kg, ng = k[g], counts[g]
    cut = ng > kg
    if not cut.any():
        return np.flatnonzero(k[group] > 0)
    # runs of the cut groups, in position order: run ids increase along by_group
    on = by_group[cut]
    run = np.flatnonzero(cut)
    run_id = g[cut] * (n + 1) + pos[cut] * kg[cut] // ng[cut]
    run_start = np.flatnonzero(np.r_[True, run_id[1:] != run_id[:-1]])
    run_max = np.maximum.reduceat(score[on], run_start)
    run_group = g[run[run_start]]
    group_start = np.flatnonzero(np.r_[True, run_group[1:] != run_group[:-1]])
    floor = np.full(len(k), -np.inf)
    floor[run_group[group_start]] = np.minimum.reduceat(run_max, group_start)
    return np.flatnonzero((k[group] > 0) & (score >= floor[group]))


def group_then_score_order(group: np.ndarray, score: np.ndarray, n_labs: int) -> np.ndarray:
    """``np.lexsort((-score, group))``: by group, then score descending, then position.

    A stable sort by group (a radix sort on 16-bit keys) after numpy's fast unstable
    sort by score; that order is the stable one unless two equal scores share a group
    (or a score is NaN), and then the sort by score is redone stably.
    """
    neg = -score
    g16 = group.astype(np.int16) if N_SPECIALTIES * n_labs < np.iinfo(np.int16).max else group
    by_score = np.argsort(neg)
    order = by_score[np.argsort(g16[by_score], kind="stable")]
    ranked, g = neg[order], group[order]
    if np.isnan(ranked).any() or np.any((ranked[1:] == ranked[:-1]) & (g[1:] == g[:-1])):
        by_score = np.argsort(neg, kind="stable")
        order = by_score[np.argsort(g16[by_score], kind="stable")]
    return order


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


def _lab_draws(
    state: MarketState, rng: np.random.Generator, vacancies: Vacancies | None
) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """The labs' own candidate pairs (directed by vacancies, or per lab) and campus
    hiring from the pool: one part per draw, as :func:`first_pairs` reads them.
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
