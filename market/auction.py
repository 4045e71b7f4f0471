"""Sequential auctions with counter-offers (Postel-Vinay & Robin 2002), vectorised.

Each candidate has an incumbent (a lab, or the job pool with a reservation pay) and
one or more outside bidders. Every party's best offer is expressed in the candidate's
utility ``U = log(annual pay) + amenities`` (:mod:`market.valuation`); a poacher's offer
also has to make up the mover's one-off costs ``S`` (forfeited unvested equity, unpaid
garden leave), which count once, spread over a horizon ``H`` for comparing offers:
``U = log(p + (G - S) / H) + amenity`` for annual pay ``p`` and a one-off sign-on ``G``.
A bidder's highest offer is an annual equivalent ``W >= p + G / H``. Bertrand
competition then gives:

* the candidate ends with the party whose best offer is worth most to them;
* a winning poacher buys the one-off costs out once (``G = S``, when ``Bids.sign_on``
  is given) and pays the annual wage that matches the runner-up's best offer (the
  incumbent's counter or the second poacher), never more than its own maximum; a
  pay-band floor lifts that wage, but never above what the maximum allows;
* an incumbent that wins raises pay just enough to match the best outside offer, if that
  offer beats the current pay (a "countered-and-stayed" move).

Option value (Postel-Vinay & Robin 2002, their wage equation to first order): a worker
who ends with a party able to go to ``u_max`` in utility, after a runner-up able to go
to ``u_r``, is paid the utility ``u_r - D`` with ``D = (lambda / (rho + delta)) x
integral of F(x) from u_r to u_max``, ``F`` the share of outside offers worth more than
``x``: the higher maximum is a stake in future offers, which will be matched up to it,
so the worker accepts less now. With an exponential offer tail above the runner-up,
``F(x) = F(u_r) exp(-(x - u_r) / s)``, ``D = kappa s (1 - exp(-(u_max - u_r) / s))``
(:class:`OptionValue`); as ``s`` grows it tends to ``kappa (u_max - u_r)``. ``kappa = 0``
gives the plain Bertrand wages above.

Incumbent counter rules: ``none`` (no raise); ``match`` (raise until the worker's
utility equals the best outside offer's, up to the incumbent's own limit; with
``match_utility=False``, v1: raise up to the outside *pay*); ``exceed`` (bid up to the
incumbent's own limit). Under utility matching ``match`` and ``exceed`` give the same
Bertrand outcome: both are willing to go to the limit and pay only what keeps the worker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.codes import COUNTER_RULES, Counter
from market.jit import kernel
from market.selection import ranks_before

NONE, MATCH, EXCEED = Counter.NONE, Counter.MATCH, Counter.EXCEED
__all__ = [
    "BERTRAND",
    "COUNTER_RULES",
    "Bids",
    "Incumbents",
    "OptionValue",
    "Outcome",
    "best_utility",
    "resolve",
]


@dataclass
class Bids:
    """One row per (outside lab, candidate) pair."""

    cand: np.ndarray  # candidate index (0..n_candidates-1)
    max_pay: np.ndarray  # bidder's highest annual equivalent, pay + sign-on / H (USD/year)
    amenity: np.ndarray  # candidate's non-pay utility at the bidder
    switch_cost: np.ndarray  # mover's one-off costs S spread over the horizon, S / H (USD/year)
    min_pay: np.ndarray | None = None  # the bidder's pay-band floor (USD/year), if any
    sign_on: np.ndarray | None = None  # one-off buyout G = S (USD); None = in the pay (v1)


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
    pay: np.ndarray  # new annual pay (moves and counters), else current pay
    countered: np.ndarray  # bool: stayed on a raised counter-offer
    sign_on: np.ndarray  # one-off sign-on a winning poacher pays (USD), else 0
    floor_binds: np.ndarray  # bool: a move's pay was lifted by the bidder's pay band


def best_utility(max_pay: np.ndarray, amenity: np.ndarray, switch_cost: np.ndarray):
    """A bidder's best offer in utility terms (-inf when it cannot cover the switch)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        net = max_pay - switch_cost
        return np.where(net > 0, np.log(np.where(net > 0, net, 1.0)) + amenity, -np.inf)


@dataclass(frozen=True)
class OptionValue:
    """The option value of future offers in the auction's wages: ``kappa = lambda F /
    (rho + delta)`` and the scale ``s`` of the exponential offer tail (infinite: a
    constant tail). ``kappa = 0`` is plain Bertrand.
    """

    kappa: float = 0.0
    tail_scale: float = np.inf

    @classmethod
    def of(
        cls, offer_rate: float, discount_rate: float, separation_rate: float, tail_scale: float
    ) -> OptionValue:
        """From ``lambda F`` (outside offers per year that beat an incumbent's best),
        ``rho`` and ``delta`` (the annual rate at which a job's rent ends for good).
        """
        return cls(offer_rate / (discount_rate + separation_rate), tail_scale)

    def discount(self, gap: np.ndarray) -> np.ndarray:
        """Utility given up now for a maximum ``gap`` above the runner-up's:
        ``kappa s (1 - exp(-gap / s))`` (``kappa gap`` for a constant tail).
        """
        if np.isinf(self.tail_scale):
            return self.kappa * gap
        return self.kappa * self.tail_scale * -np.expm1(-gap / self.tail_scale)


BERTRAND = OptionValue()
"""No option value: plain Bertrand wages."""


def _best_two(cand: np.ndarray, u: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate, the bid index with the highest and second-highest ``u`` (-1: none),
    earlier bids first among equal ``u``, NaN last: the first two of each candidate in
    ``np.lexsort((-u, cand))`` order (:func:`_best_two_pass`).
    """
    return _best_two_pass(np.asarray(cand, dtype=np.int64), np.asarray(u, dtype=np.float64), int(n))


@kernel
def _best_two_pass(cand: np.ndarray, u: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_best_two` in one pass over the bids in index order: a bid takes first
    place only if it ranks strictly ahead of the holder (so ties keep the earlier bid),
    and the displaced first becomes second.
    """
    best = np.full(n, -1, dtype=np.int64)
    second = np.full(n, -1, dtype=np.int64)
    for i in range(cand.shape[0]):
        c = cand[i]
        if c < 0 or c >= n:  # numba does not check bounds
            raise IndexError("candidate index out of range")
        b = best[c]
        if b < 0:
            best[c] = i
        elif ranks_before(u[i], u[b]):
            second[c] = b
            best[c] = i
        elif second[c] < 0 or ranks_before(u[i], u[second[c]]):
            second[c] = i
    return best, second


def resolve(
    bids: Bids,
    inc: Incumbents,
    threshold: float = 0.0,
    match_utility: bool = True,
    option_value: OptionValue = BERTRAND,
) -> Outcome:
    """Bertrand outcome for every candidate (see module docstring).

    ``threshold`` is a utility margin a move must clear (the hassle of moving);
    ``match_utility`` selects how the ``match`` rule counters (utility, or v1 pay);
    ``option_value`` prices future offers into the wages (default :data:`BERTRAND`).
    """
    n = len(inc.comp)
    if len(bids.cand) == 0:
        nothing = np.zeros(n, dtype=bool)
        return Outcome(np.full(n, -1), inc.comp.copy(), nothing, np.zeros(n), nothing.copy())
    u_bid = best_utility(bids.max_pay, bids.amenity, bids.switch_cost) - threshold
    best, second = _best_two(bids.cand, u_bid, n)
    has_bid = best >= 0
    b = np.maximum(best, 0)
    u1 = np.where(has_bid, u_bid[b], -np.inf)
    u2_bid = np.where(second >= 0, u_bid[np.maximum(second, 0)], -np.inf)

    may = inc.can_counter & (inc.rule != NONE)
    u_inc_now = np.log(inc.comp) + inc.amenity
    with np.errstate(over="ignore"):
        need = np.exp(u1 - inc.amenity)  # pay at the incumbent worth the best outside offer
    top = np.maximum(inc.comp, inc.limit)
    if match_utility:
        w_inc = np.where(may, top, inc.comp)
    else:  # v1: match pays up to the outside pay, exceed up to the limit
        best_pay = np.where(has_bid, bids.max_pay[b], 0.0)
        w_match = np.maximum(inc.comp, np.minimum(inc.limit, best_pay))
        w_inc = np.where(may & (inc.rule == MATCH), w_match, np.where(may, top, inc.comp))
    u_inc_limit = np.log(w_inc) + inc.amenity
    # An incumbent that can afford the matching pay ties the best offer exactly (no
    # rounding through log/exp), and ties stay.
    u_inc_best = np.where(may & (w_inc >= need), np.maximum(u1, u_inc_now), u_inc_limit)
    priced = option_value.kappa > 0

    move = has_bid & (u1 > u_inc_best)
    runner_up = np.maximum(u_inc_best, u2_bid)
    if priced:  # the winner's higher maximum is a stake in future offers
        with np.errstate(invalid="ignore"):
            gap = np.where(move, u1 - runner_up, 0.0)
        runner_up = runner_up - option_value.discount(gap)
    sign_on = bids.sign_on
    once = sign_on is not None
    room = bids.max_pay[b] - (bids.switch_cost[b] if once else 0.0)  # highest annual pay
    with np.errstate(over="ignore"):
        pay_move = np.exp(runner_up - bids.amenity[b] + threshold)
    if not once:  # v1: the annualised buyout is part of the new pay
        pay_move = pay_move + bids.switch_cost[b]
    floor_binds = np.zeros(n, dtype=bool)
    if bids.min_pay is not None:  # a lab does not pay a new hire below its band ...
        # The band bounds the offer's annual equivalent (pay + sign-on / H), never
        # above the bidder's maximum; what the sign-on covers need not be in the pay.
        offer_floor = np.minimum(bids.min_pay[b], bids.max_pay[b])
        floor = offer_floor - (bids.switch_cost[b] if once else 0.0)
        floor_binds = move & (floor > pay_move)
        pay_move = np.maximum(pay_move, floor)
    pay_move = np.minimum(pay_move, room)
    u_counter, need_counter = u1, need  # a stayer gets the best outside offer's utility ...
    if priced:  # ... less the option value of the incumbent's lead over it
        with np.errstate(invalid="ignore"):
            lead = np.where(np.isfinite(u1), np.maximum(u_inc_limit - u1, 0.0), 0.0)
        u_counter = u1 - option_value.discount(lead)
        with np.errstate(over="ignore"):
            need_counter = np.exp(u_counter - inc.amenity)
    countered = ~move & has_bid & may & (u_counter > u_inc_now)
    pay_counter = np.maximum(inc.comp, np.minimum(need_counter, w_inc))
    pay = np.where(move, pay_move, np.where(countered, pay_counter, inc.comp))
    return Outcome(
        winner=np.where(move, best, -1),
        pay=pay,
        countered=countered,
        sign_on=np.zeros(n) if sign_on is None else np.where(move, sign_on[b], 0.0),
        floor_binds=floor_binds,
    )
