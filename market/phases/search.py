"""Phase 8: which (lab, person) pairs meet this month (search frictions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.codes import Employer
from market.phases.spinouts import Pulls
from market.search import draw_candidates, group_order
from market.state import MarketState


@dataclass
class Candidates:
    """One row per (bidding lab, person) pair, in the order bids are made."""

    labs: np.ndarray
    rows: np.ndarray
    spin: np.ndarray
    """The pair is a spin-out pulling a former colleague."""

    def __len__(self) -> int:
        return len(self.rows)


def search(state: MarketState, rng: np.random.Generator, pulls: Pulls) -> Candidates:
    """Spin-out pulls first, then each lab with budget headroom draws
    ``Poisson((candidates_per_lab + candidates_per_100_staff * staff / 100) *
    poaching_intensity)`` candidates (:func:`market.search.draw_candidates`) plus
    ``Poisson(graduate_intake_per_100_staff * staff / 100)`` from the job pool.

    One pair per (lab, person), the first drawn; pairs with the person's own
    employer, people gone this month and people below the lab's hiring bar dropped.
    """
    agg, labs, cfg, p = state.lab_state, state.labs, state.cfg, state.people
    n_labs = state.n_labs
    spin_labs, spin_rows = pulls
    if not cfg.offers_enabled:
        pair_labs, pair_rows = spin_labs, spin_rows
    else:
        sorted_rows, bounds = group_order(p, n_labs, state.lab_order())
        hiring = (labs.budget_usd - agg.payroll) > 0
        staff_100 = agg.headcount.sum(axis=0) / 100
        per_month = cfg.candidates_per_lab + cfg.candidates_per_100_staff * staff_100
        n_draws = rng.poisson(per_month * labs.poaching_intensity * hiring)
        pair_labs, pair_rows = draw_candidates(
            rng, p, sorted_rows, bounds, state.ties[:n_labs], n_draws, cfg.star_targeting
        )
        intake = labs.graduate_intake_per_100_staff
        if intake.any():  # campus hiring: extra draws from the job pool only
            pool_only = np.zeros((n_labs, n_labs + 1))
            pool_only[:, n_labs] = 1.0
            grad_labs, grad_rows = draw_candidates(
                rng,
                p,
                sorted_rows,
                bounds,
                pool_only,
                rng.poisson(intake * staff_100 * hiring),
                cfg.star_targeting,
            )
            pair_labs = np.concatenate([pair_labs, grad_labs])
            pair_rows = np.concatenate([pair_rows, grad_rows])
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
    return Candidates(pair_labs[keep], pair_rows[keep], spin[keep])
