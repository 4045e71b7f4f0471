"""What each party offers before the auction resolves: outside bids, incumbents'
counter limits and pay-band floors (from lab policies), the mover's one-off costs and
their sign-on buyout, and budget rationing after it.

A binding non-compete counts once, through one channel chosen by the former employer's
``garden_leave_paid``: paid leave delays the hire, so the poacher's ceiling falls by the
months' share of the horizon; unpaid leave costs the mover the months' pay (times
``noncompete_cost_share``), a one-off cost like forfeited equity.

Pure functions of the month's lab aggregates and the people's columns; the model
gathers the inputs and settles the outcome (docs/ODD.md, 7.5 and 7.7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.auction import Bids, Incumbents
from market.config import MarketConfig
from market.jit import kernel
from market.labs import LabTable
from market.people import People
from market.selection import unique_inverse
from market.valuation import (
    LabState,
    amenity,
    amenity_here_and_there,
    marginal_value,
)


@dataclass
class PolicyArrays:
    """Lab policies as per-lab arrays (index = lab index)."""

    pay_multiplier: np.ndarray
    star_pay_multiplier: np.ndarray
    pay_cap_usd: np.ndarray
    noncompete_months: np.ndarray  # binding months: policy x market enforcement
    garden_leave_paid: np.ndarray  # bool: the former employer pays the leave
    counter_rule: np.ndarray  # market.codes.Counter
    retention_frac: np.ndarray
    equity_share: np.ndarray
    vesting_months: np.ndarray
    pay_band_floor: np.ndarray
    budget_usd: np.ndarray  # this year's budget left after one-off sign-ons

    @classmethod
    def of(cls, labs: LabTable, cfg: MarketConfig) -> PolicyArrays:
        """The policy columns of the lab table, non-competes scaled by enforcement, the
        budget net of the sign-ons already booked this budget year.
        """
        return cls(
            pay_multiplier=labs.pay_multiplier,
            star_pay_multiplier=labs.star_pay_multiplier,
            pay_cap_usd=labs.pay_cap_usd,
            noncompete_months=labs.noncompete_months * cfg.noncompete_enforcement,
            garden_leave_paid=labs.garden_leave_paid > 0,
            counter_rule=labs.counter_rule,
            retention_frac=labs.retention_bonus_frac,
            equity_share=labs.equity_share,
            vesting_months=labs.vesting_months,
            pay_band_floor=labs.pay_band_floor,
            budget_usd=labs.budget_usd - labs.sign_on_spent_usd,
        )

    def willingness(self, labs: np.ndarray, is_star: np.ndarray) -> np.ndarray:
        """Multiplier on valuation: pay multiplier, times the star multiplier for stars."""
        return self.pay_multiplier[labs] * np.where(is_star, self.star_pay_multiplier[labs], 1.0)


@dataclass
class PairValues:
    """What screening already computed per (lab, person) pair on this month's lab state
    (search and clearing run with no refresh in between), for :func:`make_offers` to
    reuse: the bidder's valuation, the mover's amenity at the bidder and, with screening
    by acceptance pay, the non-compete factor, the one-off cost and the amenity here.
    """

    value: np.ndarray
    there: np.ndarray | None = None
    delay: np.ndarray | None = None
    one_off: np.ndarray | None = None
    here: np.ndarray | None = None

    def take(self, keep: np.ndarray) -> PairValues:
        """The values of the pairs ``keep`` (a mask or indices)."""

        def sub(v: np.ndarray | None) -> np.ndarray | None:
            return None if v is None else v[keep]

        return PairValues(
            self.value[keep], sub(self.there), sub(self.delay), sub(self.one_off), sub(self.here)
        )


@dataclass
class Offers:
    """Everything the auction and the settlement need for one month."""

    cands: np.ndarray  # people with at least one outside bid (sorted rows)
    inc_lab: np.ndarray  # their current lab, or a negative code (pool)
    bids: Bids
    incumbents: Incumbents
    bid_value: np.ndarray  # bidder's valuation, per bid
    inc_value: np.ndarray  # incumbent's valuation, per candidate
    headroom: np.ndarray  # budget minus payroll, per lab


def make_offers(
    state: LabState,
    people: People,
    labs: np.ndarray,
    rows: np.ndarray,
    pol: PolicyArrays,
    cfg: MarketConfig,
    price: float,
    star_skill: float,
    comp_skill_elasticity: float,
    *,
    pre: PairValues | None = None,
) -> Offers:
    """Outside bids for the (lab, person) pairs and each candidate's incumbent offer.

    ``pre``: the pairs' values from screening on the same lab state (the same numbers
    this function would compute, so the offers do not depend on it).
    """
    gamma = cfg.allocation_gamma
    cands, cand_idx = unique_inverse(np.asarray(rows, dtype=np.int64))
    inc_lab = people.employer[cands].astype(np.int64)
    headroom = pol.budget_usd - state.payroll

    not_inc = np.zeros(len(rows), dtype=bool)
    if pre is None:
        pre = PairValues(marginal_value(state, people, rows, labs, not_inc, cfg, price))
    value = pre.value
    if pre.delay is None or pre.one_off is None:
        delay, one_off = noncompete_and_forfeit(people, rows, inc_lab[cand_idx], pol, cfg)
    else:
        delay, one_off = pre.delay, pre.one_off
    there = pre.there
    if there is None:
        there = amenity(state, people, rows, labs, not_inc, gamma)
    here = None
    if pre.here is not None:
        here = np.empty(len(cands))
        here[cand_idx] = pre.here  # every pair of a candidate holds the same value
    max_pay = bid_ceiling(value, labs, people.skill[rows] >= star_skill, delay, pol, headroom)
    bids = Bids(
        cand=cand_idx,
        max_pay=max_pay,
        amenity=there,
        switch_cost=one_off / cfg.switch_cost_horizon_years,
        min_pay=pay_band(state, labs, people.skill[rows], pol, comp_skill_elasticity),
        sign_on=one_off if cfg.sign_on_once else None,
    )

    incumbents, inc_value = incumbent_offers(
        state, people, cands, inc_lab, pol, cfg, price, star_skill, headroom, here=here
    )
    return Offers(cands, inc_lab, bids, incumbents, value, inc_value, headroom)


def bid_ceiling(
    value: np.ndarray,
    labs: np.ndarray,
    is_star: np.ndarray,
    delay: np.ndarray,
    pol: PolicyArrays,
    headroom: np.ndarray,
) -> np.ndarray:
    """A bidder's highest annual equivalent per bid: its valuation times its willingness
    (pay and star multipliers) and the non-compete delay factor, capped by its pay cap
    and its budget headroom.
    """
    return np.minimum.reduce(
        [
            value * pol.willingness(labs, is_star) * delay,
            pol.pay_cap_usd[labs],
            np.maximum(headroom[labs], 0.0),
        ]
    )


def acceptance_pay(
    state: LabState,
    people: People,
    rows: np.ndarray,
    labs: np.ndarray,
    pol: PolicyArrays,
    cfg: MarketConfig,
    *,
    out: PairValues | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per (lab, person) pair: the lowest annual equivalent (pay + sign-on / H) the
    person accepts from ``labs[k]`` when their employer does not counter, and the
    pair's non-compete delay factor.

    The acceptance condition of the sequential auction (:mod:`market.auction`):
    ``log(W - S / H) + amenity_bidder - threshold > log(pay) + amenity_here``, so
    ``W = pay x exp(amenity_here - amenity_bidder + threshold) + S / H``, with ``S``
    the mover's one-off costs (forfeited equity, unpaid leave); in the job pool the
    pay is the reservation pay and there is no amenity. ``out``: filled with the
    amenities, delay and one-off costs computed on the way (for :func:`make_offers`).
    """
    gamma = cfg.allocation_gamma
    rows = np.asarray(rows, dtype=np.int64)
    employed, safe, comp, delay, one_off = _mover_columns(
        rows,
        people.employer,
        people.comp_usd,
        people.unvested_usd,
        *_noncompete_terms(pol, cfg),
    )
    here, there = amenity_here_and_there(state, people, rows, safe, labs, gamma)
    with np.errstate(over="ignore"):
        gap = np.exp(_gap_exponent(employed, here, there, cfg.move_threshold))
    need = _need(comp, gap, one_off, cfg.switch_cost_horizon_years)
    if out is not None:
        out.there, out.delay, out.one_off, out.here = there, delay, one_off, here
    return need, delay


@kernel
def _mover_columns(
    rows: np.ndarray,
    employer: np.ndarray,
    comp_usd: np.ndarray,
    unvested_usd: np.ndarray,
    noncompete_months: np.ndarray,
    garden_leave_paid: np.ndarray,
    horizon_months: float,
    cost_share: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`acceptance_pay` reads of the mover per pair, in one pass over
    ``rows``: ``employed = employer[rows] >= 0``, the employer or 0 (``safe``),
    ``comp_usd[rows]``, then :func:`noncompete_and_forfeit`'s delay and one-off cost.
    """
    n = rows.shape[0]
    employed = np.empty(n, dtype=np.bool_)
    safe = np.empty(n, dtype=np.int64)
    inc_lab = np.empty(n, dtype=np.int64)
    comp = np.empty(n)
    for i in range(n):
        r = rows[i]
        inc = employer[r]
        inc_lab[i] = inc
        employed[i] = inc >= 0
        safe[i] = inc if inc >= 0 else 0
        comp[i] = comp_usd[r]
    delay, one_off = _noncompete_pairs(
        rows,
        inc_lab,
        comp_usd,
        unvested_usd,
        noncompete_months,
        garden_leave_paid,
        horizon_months,
        cost_share,
    )
    return employed, safe, comp, delay, one_off


@kernel
def _gap_exponent(
    employed: np.ndarray, here: np.ndarray, there: np.ndarray, threshold: float
) -> np.ndarray:
    """``np.where(employed, here, 0.0) - there + threshold``."""
    out = np.empty(here.shape[0])
    for i in range(here.shape[0]):
        out[i] = ((here[i] if employed[i] else 0.0) - there[i]) + threshold
    return out


@kernel
def _need(comp: np.ndarray, gap: np.ndarray, one_off: np.ndarray, horizon: float) -> np.ndarray:
    """``comp * gap + one_off / horizon``."""
    out = np.empty(comp.shape[0])
    for i in range(comp.shape[0]):
        out[i] = comp[i] * gap[i] + one_off[i] / horizon
    return out


def noncompete_and_forfeit(
    people: People, rows: np.ndarray, inc_lab: np.ndarray, pol: PolicyArrays, cfg: MarketConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Per bid: the factor on the poacher's ceiling and the mover's one-off cost (USD).

    A binding non-compete of ``n`` months (the former employer's months times the
    market's enforcement) counts once: paid garden leave delays the hire, factor
    ``max(0, 1 - n / (12 H))``; unpaid leave costs the mover ``n / 12 x pay x
    noncompete_cost_share``. The one-off cost also holds the forfeited unvested equity.
    """
    return _noncompete_pairs(
        np.asarray(rows, dtype=np.int64),
        np.asarray(inc_lab, dtype=np.int64),
        people.comp_usd,
        people.unvested_usd,
        *_noncompete_terms(pol, cfg),
    )


def _noncompete_terms(
    pol: PolicyArrays, cfg: MarketConfig
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The arguments of :func:`_noncompete_pairs` that come from the policies and the
    market.
    """
    return (
        np.asarray(pol.noncompete_months, dtype=np.float64),
        np.asarray(pol.garden_leave_paid, dtype=np.bool_),
        12 * cfg.switch_cost_horizon_years,
        cfg.noncompete_cost_share,
    )


@kernel
def _noncompete_pairs(
    rows: np.ndarray,
    inc_lab: np.ndarray,
    comp_usd: np.ndarray,
    unvested_usd: np.ndarray,
    noncompete_months: np.ndarray,
    garden_leave_paid: np.ndarray,
    horizon_months: float,
    cost_share: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`noncompete_and_forfeit` of every bid (person ``rows[i]``, employer
    ``inc_lab[i]``, negative in the pool): ``months = noncompete_months[inc]`` (0 in
    the pool), ``paid = garden_leave_paid[inc]``; ``delay = np.maximum(0.0, 1 - (months
    if paid else 0.0) / horizon_months)`` (NaN kept) and ``one_off = unvested_usd[row]
    + (0.0 if paid else months) / 12 * comp_usd[row] * cost_share``.
    """
    n = rows.shape[0]
    delay = np.empty(n)
    one_off = np.empty(n)
    for i in range(n):
        r, inc = rows[i], inc_lab[i]
        months, paid = 0.0, False
        if inc >= 0:
            months, paid = noncompete_months[inc], garden_leave_paid[inc]
        x = 1 - (months if paid else 0.0) / horizon_months
        delay[i] = 0.0 if x < 0.0 else x
        one_off[i] = unvested_usd[r] + (0.0 if paid else months) / 12 * comp_usd[r] * cost_share
    return delay, one_off


def incumbent_offers(
    state: LabState,
    people: People,
    cands: np.ndarray,
    inc_lab: np.ndarray,
    pol: PolicyArrays,
    cfg: MarketConfig,
    price: float,
    star_skill: float,
    headroom: np.ndarray,
    *,
    here: np.ndarray | None = None,
) -> tuple[Incumbents, np.ndarray]:
    """How far each candidate's incumbent may counter (its own valuation, cap and
    budget), and that valuation. Candidates in the pool have no incumbent to counter.
    ``here``: each candidate's amenity at their employer, if already computed.
    """
    employed = inc_lab >= 0
    safe_inc = np.where(employed, inc_lab, 0)
    is_inc = np.ones(len(cands), dtype=bool)
    inc_value = marginal_value(state, people, cands, safe_inc, is_inc, cfg, price)
    inc_comp = people.comp_usd[cands]
    limit = np.minimum.reduce(
        [
            inc_value * pol.willingness(safe_inc, people.skill[cands] >= star_skill),
            pol.pay_cap_usd[safe_inc],
            inc_comp + np.maximum(headroom[safe_inc], 0.0),
        ]
    )
    if here is None:
        here = amenity(state, people, cands, safe_inc, is_inc, cfg.allocation_gamma)
    incumbents = Incumbents(
        comp=inc_comp,
        amenity=np.where(employed, here, 0.0),
        limit=limit,
        rule=pol.counter_rule[safe_inc],
        can_counter=employed & cfg.counter_offers_enabled,
    )
    return incumbents, inc_value


def pay_band(
    state: LabState,
    labs: np.ndarray,
    skill: np.ndarray,
    pol: PolicyArrays,
    comp_skill_elasticity: float,
) -> np.ndarray | None:
    """Lowest pay each lab offers a new hire of ``skill``: ``pay_band_floor`` x the
    lab's pay scale, mean pay x (skill / mean skill)^comp_skill_elasticity; None when no
    lab has a band.
    """
    if not pol.pay_band_floor.any():
        return None
    staff = np.maximum(state.headcount.sum(axis=0), 1)
    mean_pay = state.payroll / (1 + pol.retention_frac) / staff
    mean_skill = state.skill_mean[labs]
    scale = np.where(mean_skill > 0, skill / np.maximum(mean_skill, 1e-12), 1.0)
    return pol.pay_band_floor[labs] * mean_pay[labs] * scale**comp_skill_elasticity
