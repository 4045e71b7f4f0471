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
from market.jit import kernel, np_maximum, np_minimum
from market.selection import ranks_before

NONE, MATCH, EXCEED = Counter.NONE, Counter.MATCH, Counter.EXCEED
_NONE, _MATCH = int(NONE), int(MATCH)  # compile-time constants in the kernels
__all__ = [
    "BERTRAND",
    "COUNTER_RULES",
    "Bids",
    "Incumbents",
    "OptionValue",
    "Outcome",
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

    Five kernels around numpy's ``log``, ``exp`` and ``expm1``, each with the float
    operations of the numpy form (``tests/test_auction_kernels.py``) in its order.
    """
    n = len(inc.comp)
    if len(bids.cand) == 0:
        nothing = np.zeros(n, dtype=bool)
        return Outcome(np.full(n, -1), inc.comp.copy(), nothing, np.zeros(n), nothing.copy())
    kappa, scale = float(option_value.kappa), float(option_value.tail_scale)
    tail = bool(kappa > 0 and not np.isinf(scale))  # discounts by an exponential tail
    net_log = np.log(_net_or_one(bids.max_pay, bids.switch_cost))
    best, may, u1, u2, w_inc, inc_log_args, need_args = _best_offers(
        np.asarray(bids.cand, dtype=np.int64),
        net_log,
        bids.max_pay,
        bids.switch_cost,
        bids.amenity,
        float(threshold),
        n,
        inc.comp,
        inc.amenity,
        inc.limit,
        inc.rule,
        inc.can_counter,
        match_utility,
    )
    inc_logs = np.log(inc_log_args)  # of the pay now, then of the incumbent's best
    with np.errstate(over="ignore"):
        need = np.exp(need_args)  # pay at the incumbent worth the best outside offer
    move, runner_up, u_now, stakes = _contest(
        inc_logs, need, best, may, u1, u2, w_inc, inc.amenity, kappa, scale, tail
    )
    if tail:
        stakes = np.expm1(stakes)
    u_counter, wage_args = _wage_args(
        runner_up,
        u1,
        stakes,
        move,
        best,
        bids.amenity,
        inc.amenity,
        float(threshold),
        kappa,
        scale,
        tail,
    )
    with np.errstate(over="ignore"):
        wages = np.exp(wage_args)  # a mover's pay, then a stayer's matching pay
    once, floored = bids.sign_on is not None, bids.min_pay is not None
    min_pay = bids.max_pay if bids.min_pay is None else bids.min_pay  # unread if not floored
    sign_on = bids.max_pay if bids.sign_on is None else bids.sign_on  # unread if not once
    return Outcome(
        *_outcome(
            wages,
            u_counter,
            u_now,
            move,
            best,
            may,
            w_inc,
            inc.comp,
            bids.max_pay,
            bids.switch_cost,
            min_pay,
            floored,
            sign_on,
            once,
        )
    )


@kernel
def _net_or_one(max_pay: np.ndarray, switch_cost: np.ndarray) -> np.ndarray:
    """``net = max_pay - switch_cost`` where positive, else 1 (the argument of the bids'
    log): ``np.where(net > 0, net, 1.0)``.
    """
    out = np.empty(max_pay.shape[0])
    for i in range(max_pay.shape[0]):
        net = max_pay[i] - switch_cost[i]
        out[i] = net if net > 0 else 1.0
    return out


@kernel
def _best_offers(
    cand: np.ndarray,
    net_log: np.ndarray,
    max_pay: np.ndarray,
    switch_cost: np.ndarray,
    amenity: np.ndarray,
    threshold: float,
    n: int,
    comp: np.ndarray,
    inc_amenity: np.ndarray,
    limit: np.ndarray,
    rule: np.ndarray,
    can_counter: np.ndarray,
    match_utility: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each bid's utility ``where(net > 0, log(net) + amenity, -inf) - threshold``, each
    candidate's best bid (:func:`_best_two_pass`, -1: none), whether the incumbent may
    counter, the best and second-best bid's utility (-inf: none), the incumbent's
    highest pay ``w_inc``, the arguments of the incumbent's logs (``comp``, then
    ``w_inc``) and of the matching pay's exp (``u1 - inc_amenity``).
    """
    u_bid = np.empty(cand.shape[0])
    for i in range(cand.shape[0]):
        net = max_pay[i] - switch_cost[i]
        u_bid[i] = (net_log[i] + amenity[i] if net > 0 else -np.inf) - threshold
    best, second = _best_two_pass(cand, u_bid, n)
    may = np.empty(n, dtype=np.bool_)
    u1, u2, w_inc, need_args = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    inc_log_args = np.empty(2 * n)
    for c in range(n):
        b, s = best[c], second[c]
        u1[c] = u_bid[b] if b >= 0 else -np.inf
        u2[c] = u_bid[s] if s >= 0 else -np.inf
        may[c] = can_counter[c] and rule[c] != _NONE
        top = np_maximum(comp[c], limit[c])
        w = top if may[c] else comp[c]
        if not match_utility and may[c] and rule[c] == _MATCH:  # v1: up to the outside pay
            w = np_maximum(comp[c], np_minimum(limit[c], max_pay[b] if b >= 0 else 0.0))
        w_inc[c] = w
        inc_log_args[c] = comp[c]
        inc_log_args[n + c] = w
        need_args[c] = u1[c] - inc_amenity[c]
    return best, may, u1, u2, w_inc, inc_log_args, need_args


@kernel
def _contest(
    inc_logs: np.ndarray,
    need: np.ndarray,
    best: np.ndarray,
    may: np.ndarray,
    u1: np.ndarray,
    u2: np.ndarray,
    w_inc: np.ndarray,
    inc_amenity: np.ndarray,
    kappa: float,
    scale: float,
    tail: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Who moves (``u1`` beats the incumbent's best utility: the best outside offer's
    or the current one where it can afford ``need``, else its limit's), the runner-up's
    utility ``max(u_inc_best, u2)``, the utility now, and the option value's stakes:
    the winner's lead ``gap`` (0 for a stayer), then the incumbent's lead over the best
    offer (0 if that is not finite), as ``-stake / scale`` with an exponential ``tail``
    (the argument of its ``expm1``).
    """
    n = u1.shape[0]
    move = np.empty(n, dtype=np.bool_)
    runner_up, u_now = np.empty(n), np.empty(n)
    stakes = np.zeros(2 * n)
    for c in range(n):
        u_now[c] = inc_logs[c] + inc_amenity[c]
        u_limit = inc_logs[n + c] + inc_amenity[c]
        # An incumbent that can afford the matching pay ties the best offer exactly (no
        # rounding through log/exp), and ties stay.
        u_best = np_maximum(u1[c], u_now[c]) if may[c] and w_inc[c] >= need[c] else u_limit
        move[c] = best[c] >= 0 and u1[c] > u_best
        runner_up[c] = np_maximum(u_best, u2[c])
        if kappa > 0:
            gap = u1[c] - runner_up[c] if move[c] else 0.0
            lead = np_maximum(u_limit - u1[c], 0.0) if np.isfinite(u1[c]) else 0.0
            stakes[c], stakes[n + c] = (-gap / scale, -lead / scale) if tail else (gap, lead)
    return move, runner_up, u_now, stakes


@kernel
def _wage_args(
    runner_up: np.ndarray,
    u1: np.ndarray,
    stakes: np.ndarray,
    move: np.ndarray,
    best: np.ndarray,
    amenity: np.ndarray,
    inc_amenity: np.ndarray,
    threshold: float,
    kappa: float,
    scale: float,
    tail: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """A stayer's counter utility ``u1 - discount(lead)`` and the arguments of the
    wages' exp: a mover's ``runner_up - discount(gap) - amenity + threshold``, then a
    stayer's ``u_counter - inc_amenity``. ``discount`` is ``kappa s (-expm1(-x / s))``
    (``stakes`` holds the expm1) or ``kappa x`` (``stakes`` holds x); none if
    ``kappa`` is 0.
    """
    n = u1.shape[0]
    u_counter, args = np.empty(n), np.empty(2 * n)
    for c in range(n):
        r, u = runner_up[c], u1[c]
        if kappa > 0:
            if tail:
                r = r - kappa * scale * -stakes[c]
                u = u - kappa * scale * -stakes[n + c]
            else:
                r = r - kappa * stakes[c]
                u = u - kappa * stakes[n + c]
        u_counter[c] = u
        args[c] = r - amenity[max(best[c], 0)] + threshold
        args[n + c] = u - inc_amenity[c]
    return u_counter, args


@kernel
def _outcome(
    wages: np.ndarray,
    u_counter: np.ndarray,
    u_now: np.ndarray,
    move: np.ndarray,
    best: np.ndarray,
    may: np.ndarray,
    w_inc: np.ndarray,
    comp: np.ndarray,
    max_pay: np.ndarray,
    switch_cost: np.ndarray,
    min_pay: np.ndarray,
    floored: bool,
    sign_on: np.ndarray,
    once: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:class:`Outcome`'s columns: a mover's pay (plus the annualised buyout if not
    ``once``; lifted to the pay band ``min(min_pay, max_pay)`` if ``floored``, less the
    buyout if ``once``; at most the bid's ``max_pay``, less the buyout if ``once``), a
    stayer's counter ``max(comp, min(matching pay, w_inc))`` if it beats staying as is,
    the sign-on ``sign_on`` of a mover's bid if ``once``, where the band binds.
    """
    n = u_now.shape[0]
    winner = np.full(n, -1, dtype=np.int64)
    pay, paid_once = np.empty(n), np.zeros(n)
    countered, floor_binds = np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
    for c in range(n):
        b = max(best[c], 0)
        buyout = switch_cost[b] if once else 0.0
        pay_move = wages[c] if once else wages[c] + switch_cost[b]
        if floored:
            floor = np_minimum(min_pay[b], max_pay[b]) - buyout
            floor_binds[c] = move[c] and floor > pay_move
            pay_move = np_maximum(pay_move, floor)
        pay_move = np_minimum(pay_move, max_pay[b] - buyout)
        countered[c] = not move[c] and best[c] >= 0 and may[c] and u_counter[c] > u_now[c]
        if move[c]:
            winner[c] = best[c]
            pay[c] = pay_move
            paid_once[c] = sign_on[b] if once else 0.0
        elif countered[c]:
            pay[c] = np_maximum(comp[c], np_minimum(wages[n + c], w_inc[c]))
        else:
            pay[c] = comp[c]
    return winner, pay, countered, paid_once, floor_binds
