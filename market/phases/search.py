"""Phase 8: which (lab, person) pairs meet this month (search frictions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.bidding import PolicyArrays, acceptance_pay, bid_ceiling
from market.codes import Employer
from market.phases.spinouts import Pulls
from market.phases.vacancies import Vacancies
from market.search import draw_candidates, group_order, specialty_groups
from market.state import MarketState
from market.valuation import marginal_value


@dataclass
class Candidates:
    """One row per (bidding lab, person) pair, in the order bids are made."""

    labs: np.ndarray
    rows: np.ndarray
    spin: np.ndarray
    """The pair is a spin-out pulling a former colleague."""

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
    if not cfg.offers_enabled:
        pair_labs, pair_rows = spin_labs, spin_rows
    else:
        pair_labs, pair_rows = _lab_draws(state, rng, vacancies)
        pair_labs = np.concatenate([spin_labs, pair_labs])
        pair_rows = np.concatenate([spin_rows, pair_rows])
    spin = np.zeros(len(pair_labs), dtype=bool)
    spin[: len(spin_labs)] = True
    # One bid per (lab, person), the first drawn (spin-out pulls first), order kept.
    _, first = np.unique(pair_labs * (p.n + 1) + pair_rows, return_index=True)
    first = np.sort(first)
    pair_labs, pair_rows, spin = pair_labs[first], pair_rows[first], spin[first]
    emp = p.employer[pair_rows]
    bar = np.array([state.skill_quantile(q) for q in labs.hiring_bar_quantile])
    keep = (emp != pair_labs) & (emp != Employer.GONE) & (p.skill[pair_rows] >= bar[pair_labs])
    keep &= p.held_until[pair_rows] <= state.step  # named people before their move
    pair_labs, pair_rows, spin = pair_labs[keep], pair_rows[keep], spin[keep]
    if vacancies is not None and cfg.one_offer_per_vacancy:
        best = screen(state, pair_labs, pair_rows, vacancies.counts)
        keep = spin | best
        pair_labs, pair_rows, spin = pair_labs[keep], pair_rows[keep], spin[keep]
    return Candidates(pair_labs, pair_rows, spin)


def screen(
    state: MarketState, labs: np.ndarray, rows: np.ndarray, openings: np.ndarray
) -> np.ndarray:
    """Which pairs a lab bids for: per (lab, specialty), the ``openings[s, lab]``
    candidates it gains most from.

    With ``screen_by_acceptance`` (default) the gain is the lab's surplus at the
    candidate's acceptance pay (:func:`market.bidding.acceptance_pay`): value, net of
    a paid non-compete's delay, minus the least the candidate would move for, and a
    candidate the lab cannot afford to move (ceiling below that pay) is not bid for, so
    a vacancy is not spent on someone who would stay anyway. Off (mechanisms v2): value
    minus current pay, everyone eligible. Order of the pairs kept.
    """
    p, cfg = state.people, state.cfg
    if len(rows) == 0:
        return np.zeros(0, dtype=bool)
    agg = state.lab_state
    value = marginal_value(agg, p, rows, labs, np.zeros(len(rows), bool), cfg, state.price)
    if cfg.screen_by_acceptance:
        pol = PolicyArrays.of(state.labs, cfg)
        need, delay = acceptance_pay(agg, p, rows, labs, pol, cfg)
        star = p.skill[rows] >= state.star_skill
        ceiling = bid_ceiling(value, labs, star, delay, pol, pol.budget_usd - agg.payroll)
        score = np.where(ceiling >= need, value * delay - need, -np.inf)
    else:
        score = value - p.comp_usd[rows]
    group = p.specialty[rows].astype(np.int64) * state.n_labs + labs
    order = np.lexsort((-score, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    best = np.zeros(len(rows), dtype=bool)
    best[order] = rank < openings.ravel()[g]
    return best & (score > -np.inf)


def _lab_draws(
    state: MarketState, rng: np.random.Generator, vacancies: Vacancies | None
) -> tuple[np.ndarray, np.ndarray]:
    """The labs' own candidate pairs (directed by vacancies, or per lab) and campus
    hiring from the pool.
    """
    agg, labs, cfg, p = state.lab_state, state.labs, state.cfg, state.people
    n_labs = state.n_labs
    sorted_rows, bounds = group_order(p, n_labs, state.lab_order())
    staff_100 = agg.headcount.sum(axis=0) / 100
    ties = state.ties[:n_labs]
    parts_labs, parts_rows = [], []
    if vacancies is None:
        hiring = (labs.budget_usd - agg.payroll) > 0
        per_month = cfg.candidates_per_lab + cfg.candidates_per_100_staff * staff_100
        n_draws = rng.poisson(per_month * labs.poaching_intensity * hiring)
        got = draw_candidates(rng, p, sorted_rows, bounds, ties, n_draws, cfg.star_targeting)
        parts_labs.append(got[0])
        parts_rows.append(got[1])
    else:
        hiring = vacancies.per_lab > 0
        mean = vacancies.contacts_per_vacancy * vacancies.counts * labs.poaching_intensity
        for s, lam in enumerate(mean):
            if not lam.any():
                continue
            rows_s, bounds_s = specialty_groups(p, sorted_rows, bounds, s)
            got = draw_candidates(
                rng, p, rows_s, bounds_s, ties, rng.poisson(lam), cfg.star_targeting
            )
            parts_labs.append(got[0])
            parts_rows.append(got[1])
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
        parts_labs.append(got[0])
        parts_rows.append(got[1])
    if not parts_labs:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(parts_labs), np.concatenate(parts_rows)
