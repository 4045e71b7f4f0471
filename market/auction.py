"""Sequential auctions with counter-offers (Postel-Vinay & Robin 2002), vectorised.

Each candidate has an incumbent (a lab, or the job pool with a reservation pay) and
one or more outside bidders. Every party's best offer is expressed in the candidate's
utility ``U = log(pay - switching cost per year) + amenities`` (:mod:`market.valuation`).
Bertrand competition then gives:

* the candidate ends with the party whose best offer is worth most to them;
* a winning poacher pays just enough to match the runner-up's best offer
  (the incumbent's counter or the second poacher), never more than its own maximum
  and never less than its pay-band floor, if it has one;
* an incumbent that wins raises pay to match the best outside offer, if that offer
  beats the current pay (a "countered-and-stayed" move).

Incumbent counter rules: ``none`` (no raise), ``match`` (raise up to the best
outside pay, not beyond), ``exceed`` (raise up to the incumbent's own maximum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.codes import COUNTER_RULES, Counter

NONE, MATCH, EXCEED = Counter.NONE, Counter.MATCH, Counter.EXCEED
__all__ = ["COUNTER_RULES", "Bids", "Incumbents", "Outcome", "best_utility", "resolve"]


@dataclass
class Bids:
    """One row per (outside lab, candidate) pair."""

    cand: np.ndarray  # candidate index (0..n_candidates-1)
    max_pay: np.ndarray  # bidder's highest annual pay (USD/year)
    amenity: np.ndarray  # candidate's non-pay utility at the bidder
    switch_cost: np.ndarray  # forfeited equity and non-compete cost, per year (USD)
    min_pay: np.ndarray | None = None  # the bidder's pay-band floor (USD/year), if any


@dataclass
class Incumbents:
    """One row per candidate: where they are now."""

    comp: np.ndarray  # current pay (or reservation pay in the pool)
    amenity: np.ndarray  # non-pay utility where they are
    limit: np.ndarray  # incumbent's own maximum pay (ignored for rule none)
    rule: np.ndarray  # NONE / MATCH / EXCEED
    can_counter: np.ndarray  # bool: employed by a lab that may counter


@dataclass
class Outcome:
    """Result per candidate."""

    winner: np.ndarray  # index into the bids of the winning poacher, or -1
    pay: np.ndarray  # new pay (moves and counters), else current pay
    countered: np.ndarray  # bool: stayed on a raised counter-offer


def best_utility(max_pay: np.ndarray, amenity: np.ndarray, switch_cost: np.ndarray):
    """A bidder's best offer in utility terms (-inf when it cannot cover the switch)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        net = max_pay - switch_cost
        return np.where(net > 0, np.log(np.where(net > 0, net, 1.0)) + amenity, -np.inf)


def resolve(bids: Bids, inc: Incumbents, threshold: float = 0.0) -> Outcome:
    """Bertrand outcome for every candidate (see module docstring).

    ``threshold`` is a utility margin a move must clear (the hassle of moving).
    """
    n = len(inc.comp)
    u_bid = best_utility(bids.max_pay, bids.amenity, bids.switch_cost) - threshold
    order = np.lexsort((-u_bid, bids.cand))
    cand_sorted = bids.cand[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = cand_sorted[1:] != cand_sorted[:-1]
    best = np.full(n, -1)
    best[cand_sorted[first]] = order[first]
    second_pos = np.flatnonzero(first) + 1
    has_second = second_pos < len(order)
    has_second[has_second] = cand_sorted[second_pos[has_second]] == cand_sorted[first][has_second]
    second = np.full(n, -1)
    second[cand_sorted[first][has_second]] = order[second_pos[has_second]]

    has_bid = best >= 0
    u1 = np.where(has_bid, u_bid[np.maximum(best, 0)], -np.inf)
    u2_bid = np.where(second >= 0, u_bid[np.maximum(second, 0)], -np.inf)
    best_pay = np.where(has_bid, bids.max_pay[np.maximum(best, 0)], 0.0)

    may = inc.can_counter & (inc.rule != NONE)
    w_inc = np.where(
        may & (inc.rule == MATCH),
        np.maximum(inc.comp, np.minimum(inc.limit, best_pay)),
        np.where(may & (inc.rule == EXCEED), np.maximum(inc.comp, inc.limit), inc.comp),
    )
    u_inc_best = np.log(w_inc) + inc.amenity
    u_inc_now = np.log(inc.comp) + inc.amenity

    move = has_bid & (u1 > u_inc_best)
    runner_up = np.maximum(u_inc_best, u2_bid)
    b = np.maximum(best, 0)
    with np.errstate(over="ignore"):
        pay_move = np.exp(runner_up - bids.amenity[b] + threshold) + bids.switch_cost[b]
        pay_counter = np.exp(u1 - inc.amenity)
    if bids.min_pay is not None:  # a lab does not pay a new hire below its band
        pay_move = np.maximum(pay_move, bids.min_pay[b])
    pay_move = np.minimum(pay_move, bids.max_pay[b])
    countered = ~move & has_bid & may & (u1 > u_inc_now)
    pay = np.where(move, pay_move, np.where(countered, np.minimum(pay_counter, w_inc), inc.comp))
    return Outcome(winner=np.where(move, best, -1), pay=pay, countered=countered)
