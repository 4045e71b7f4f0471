"""The compiled clearing glue against the numpy forms it replaced, bit for bit: the
auction's :func:`market.auction.resolve` on random markets (ties, several bids per
candidate, NaN and infinite offers, every option) and empty input.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.auction import (
    BERTRAND,
    EXCEED,
    MATCH,
    NONE,
    Bids,
    Incumbents,
    OptionValue,
    Outcome,
    resolve,
)

# -- numpy reference forms (the code before the kernels) ----------------------------


def numpy_best_utility(max_pay, amenity, switch_cost):
    """``auction.best_utility`` before the kernels."""
    with np.errstate(divide="ignore", invalid="ignore"):
        net = max_pay - switch_cost
        return np.where(net > 0, np.log(np.where(net > 0, net, 1.0)) + amenity, -np.inf)


def numpy_discount(ov, gap):
    """``OptionValue.discount`` before the kernels."""
    if np.isinf(ov.tail_scale):
        return ov.kappa * gap
    return ov.kappa * ov.tail_scale * -np.expm1(-gap / ov.tail_scale)


def numpy_best_two(cand, u, n):
    """The first two bids of each candidate in ``np.lexsort((-u, cand))`` order."""
    order = np.lexsort((-u, cand))
    best, second = np.full(n, -1), np.full(n, -1)
    for i in order:
        c = cand[i]
        if best[c] < 0:
            best[c] = i
        elif second[c] < 0:
            second[c] = i
    return best, second


def numpy_resolve(bids, inc, threshold=0.0, match_utility=True, option_value=BERTRAND):
    """``auction.resolve`` before the kernels."""
    n = len(inc.comp)
    if len(bids.cand) == 0:
        nothing = np.zeros(n, dtype=bool)
        return Outcome(np.full(n, -1), inc.comp.copy(), nothing, np.zeros(n), nothing.copy())
    u_bid = numpy_best_utility(bids.max_pay, bids.amenity, bids.switch_cost) - threshold
    best, second = numpy_best_two(bids.cand, u_bid, n)
    has_bid = best >= 0
    b = np.maximum(best, 0)
    u1 = np.where(has_bid, u_bid[b], -np.inf)
    u2_bid = np.where(second >= 0, u_bid[np.maximum(second, 0)], -np.inf)

    may = inc.can_counter & (inc.rule != NONE)
    with np.errstate(divide="ignore", invalid="ignore"):
        u_inc_now = np.log(inc.comp) + inc.amenity
    with np.errstate(over="ignore"):
        need = np.exp(u1 - inc.amenity)
    top = np.maximum(inc.comp, inc.limit)
    if match_utility:
        w_inc = np.where(may, top, inc.comp)
    else:
        best_pay = np.where(has_bid, bids.max_pay[b], 0.0)
        w_match = np.maximum(inc.comp, np.minimum(inc.limit, best_pay))
        w_inc = np.where(may & (inc.rule == MATCH), w_match, np.where(may, top, inc.comp))
    with np.errstate(divide="ignore", invalid="ignore"):
        u_inc_limit = np.log(w_inc) + inc.amenity
    u_inc_best = np.where(may & (w_inc >= need), np.maximum(u1, u_inc_now), u_inc_limit)
    priced = option_value.kappa > 0

    move = has_bid & (u1 > u_inc_best)
    runner_up = np.maximum(u_inc_best, u2_bid)
    if priced:
        with np.errstate(invalid="ignore"):
            gap = np.where(move, u1 - runner_up, 0.0)
        runner_up = runner_up - numpy_discount(option_value, gap)
    sign_on = bids.sign_on
    once = sign_on is not None
    room = bids.max_pay[b] - (bids.switch_cost[b] if once else 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        pay_move = np.exp(runner_up - bids.amenity[b] + threshold)
    if not once:
        pay_move = pay_move + bids.switch_cost[b]
    floor_binds = np.zeros(n, dtype=bool)
    if bids.min_pay is not None:
        offer_floor = np.minimum(bids.min_pay[b], bids.max_pay[b])
        floor = offer_floor - (bids.switch_cost[b] if once else 0.0)
        floor_binds = move & (floor > pay_move)
        pay_move = np.maximum(pay_move, floor)
    pay_move = np.minimum(pay_move, room)
    u_counter, need_counter = u1, need
    if priced:
        with np.errstate(invalid="ignore"):
            lead = np.where(np.isfinite(u1), np.maximum(u_inc_limit - u1, 0.0), 0.0)
        u_counter = u1 - numpy_discount(option_value, lead)
        with np.errstate(over="ignore", invalid="ignore"):
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


# -- helpers ------------------------------------------------------------------------


def assert_same_bits(a: np.ndarray, b: np.ndarray) -> None:
    """Equal values and dtypes, floats bit for bit (any NaN equals any NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype.kind == b.dtype.kind
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        np.testing.assert_array_equal(nan, np.isnan(b))
        np.testing.assert_array_equal(a[~nan].view(np.int64), b[~nan].view(np.int64))
    else:
        np.testing.assert_array_equal(a, b)


def assert_same_outcome(got: Outcome, want: Outcome) -> None:
    for name in ("winner", "pay", "countered", "sign_on", "floor_binds"):
        assert_same_bits(getattr(got, name), getattr(want, name))


def random_market(seed: int, n: int, n_bids: int, odd: bool):
    """``n`` candidates, ``n_bids`` bids; pay on a coarse grid (so utilities tie), some
    bids below the switch cost; with ``odd``, NaN and infinite values too.
    """
    rng = np.random.default_rng(seed)
    comp = rng.choice([1e5, 2e5, 4e5], n)
    max_pay = rng.choice([5e4, 1e5, 2e5, 4e5, 8e5], n_bids)
    switch = rng.choice([0.0, 0.0, 5e4, 1e6], n_bids)
    limit = comp * rng.choice([0.5, 1.0, 2.0, 4.0], n)
    amen_bid, amen_inc = rng.choice([0.0, 0.1], n_bids), rng.choice([0.0, 0.1], n)
    min_pay = rng.choice([0.0, 1e5, 3e5, 1e6], n_bids)
    if odd and n_bids:
        for a, size in ((max_pay, n_bids), (limit, n), (min_pay, n_bids)):
            a[rng.integers(0, size, max(size // 8, 1))] = np.nan
            a[rng.integers(0, size, max(size // 8, 1))] = np.inf
        amen_bid[rng.integers(0, n_bids, max(n_bids // 8, 1))] = -np.inf
    bids = Bids(
        cand=rng.integers(0, max(n, 1), n_bids),
        max_pay=max_pay,
        amenity=amen_bid,
        switch_cost=switch,
        min_pay=min_pay,
        sign_on=switch * 4.0,
    )
    inc = Incumbents(
        comp=comp,
        amenity=amen_inc,
        limit=limit,
        rule=rng.choice([int(NONE), int(MATCH), int(EXCEED)], n),
        can_counter=rng.random(n) < 0.8,
    )
    return bids, inc


OPTIONS = [BERTRAND, OptionValue(0.3, 0.25), OptionValue(0.3, np.inf)]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("odd", [False, True])
@pytest.mark.parametrize("ov", OPTIONS, ids=["bertrand", "tail", "flat"])
@pytest.mark.parametrize("match_utility", [True, False])
@pytest.mark.parametrize("band, once", [(False, False), (True, True), (True, False)])
def test_resolve_matches_numpy(seed, odd, ov, match_utility, band, once):
    n = [1, 7, 60, 300, 41, 2][seed]
    bids, inc = random_market(seed, n, [1, 3, 200, 900, 41, 0][seed], odd)
    if not band:
        bids.min_pay = None
    if not once:
        bids.sign_on = None
    threshold = [0.0, 0.02][seed % 2]
    with np.errstate(all="ignore"):
        got = resolve(bids, inc, threshold, match_utility, ov)
        want = numpy_resolve(bids, inc, threshold, match_utility, ov)
    assert_same_outcome(got, want)


def test_resolve_of_no_candidates():
    bids, inc = random_market(0, 0, 0, False)
    out = resolve(bids, inc, 0.02, True, OPTIONS[1])
    assert all(len(getattr(out, f)) == 0 for f in ("winner", "pay", "countered"))
