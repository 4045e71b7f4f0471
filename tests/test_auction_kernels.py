"""The compiled clearing glue against the numpy forms it replaced, bit for bit: the
auction's :func:`market.auction.resolve` on random markets (ties, several bids per
candidate, NaN and infinite offers, every option) and empty input; budget rationing on
random commitments; rationing, the fallback round and the settlement inside model runs
(each call checked against the numpy form on the same inputs, every option).
"""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter

import numpy as np
import pytest

import market
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
from market.codes import Reason
from market.moves import move
from market.phases import clearing

# -- numpy reference forms (the code before the kernels) ----------------------------


def within_budget(
    lab: np.ndarray, cost: np.ndarray, priority: np.ndarray, headroom: np.ndarray
) -> np.ndarray:
    """``bidding.within_budget`` before the kernel (``clearing._within_budget``): accept
    commitments per lab in order of ``priority`` while their costs fit."""
    ok = np.zeros(len(lab), dtype=bool)
    if len(lab) == 0:
        return ok
    order = np.lexsort((-priority, lab))
    lab_sorted, cost_sorted = lab[order], cost[order]
    cum = np.cumsum(cost_sorted)
    start = np.concatenate([[0], np.flatnonzero(lab_sorted[1:] != lab_sorted[:-1]) + 1])
    group_start_cum = np.repeat(
        np.concatenate([[0.0], cum])[start], np.diff(np.append(start, len(order)))
    )
    ok[order] = (cum - group_start_cum) <= headroom[lab_sorted] + 1e-6
    return ok


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


# -- clearing: numpy reference forms --------------------------------------------------


def numpy_ration(out, offers, pol, bid_lab, room):
    """``clearing.ration`` before the kernels."""
    movers = np.flatnonzero(out.winner >= 0)
    counters = np.flatnonzero(out.countered)
    win = out.winner[movers]
    inc_comp = offers.incumbents.comp
    lab_of = np.concatenate([bid_lab[win], offers.inc_lab[counters]])
    cost = np.concatenate([out.pay[movers], out.pay[counters] - inc_comp[counters]]) * (
        1 + pol.retention_frac[lab_of]
    )
    cost[: len(movers)] += out.sign_on[movers]
    surplus = np.concatenate(
        [offers.bid_value[win] - out.pay[movers], offers.inc_value[counters] - out.pay[counters]]
    )
    ok = within_budget(lab_of, cost, surplus, room)
    # float even when nothing is accepted (numpy's bincount of no rows is int64)
    used = np.bincount(lab_of[ok], weights=cost[ok], minlength=len(room)).astype(float)
    return movers[ok[: len(movers)]], counters[ok[len(movers) :]], used


def numpy_fall_back(out, offers, pol, cands, lapse, cfg, option_value=BERTRAND):
    """``clearing.fall_back`` before the kernels."""
    movers, counters, left = lapse
    accepted = np.zeros(len(out.pay), dtype=bool)
    accepted[movers] = accepted[counters] = True
    lapsed = ((out.winner >= 0) | out.countered) & ~accepted
    if not lapsed.any():
        return out, movers, counters
    bids, inc = offers.bids, offers.incumbents
    idx = np.flatnonzero(lapsed[bids.cand])
    lab = cands.labs[idx]
    one_off = np.zeros(len(idx)) if bids.sign_on is None else bids.sign_on[idx]
    afford = (left[lab] - one_off) / (1 + pol.retention_frac[lab]) + np.where(
        one_off > 0, bids.switch_cost[idx], 0.0
    )
    sub = Bids(
        cand=bids.cand[idx],
        max_pay=np.minimum(bids.max_pay[idx], np.maximum(afford, 0.0)),
        amenity=bids.amenity[idx],
        switch_cost=bids.switch_cost[idx],
        min_pay=None if bids.min_pay is None else bids.min_pay[idx],
        sign_on=None if bids.sign_on is None else bids.sign_on[idx],
    )
    employed = offers.inc_lab >= 0
    safe_inc = np.where(employed, offers.inc_lab, 0)
    inc_left = np.where(employed, left[safe_inc] / (1 + pol.retention_frac[safe_inc]), 0.0)
    inc2 = dataclasses.replace(inc, limit=np.minimum(inc.limit, inc.comp + inc_left))
    second = numpy_resolve(sub, inc2, cfg.move_threshold, cfg.counter_match_utility, option_value)
    winner = np.full(len(second.winner), -1)
    won = second.winner >= 0
    winner[won] = idx[second.winner[won]]
    second = dataclasses.replace(second, winner=np.where(lapsed, winner, -1))
    second.countered &= lapsed
    movers2, counters2, _ = numpy_ration(second, offers, pol, cands.labs, left)
    merged = Outcome(
        *(
            np.where(lapsed, getattr(second, f), getattr(out, f))
            for f in ("winner", "pay", "countered", "sign_on", "floor_binds")
        )
    )
    return (
        merged,
        np.sort(np.concatenate([movers, movers2])),
        np.sort(np.concatenate([counters, counters2])),
    )


def numpy_settle_counters(state, offers, out, pol, counters):
    """``clearing.settle_counters`` before the kernels."""
    if counters.size == 0:
        return
    p = state.people
    rows = offers.cands[counters]
    k = offers.inc_lab[counters]
    old = offers.incumbents.comp[counters]
    new = out.pay[counters]
    state.ledger.add_moves(
        state.step, rows, k, k, p.specialty[rows], p.skill[rows], old, new, Reason.COUNTERED
    )
    p.comp_usd[rows] = new
    p.touch(rows)
    p.unvested_usd[rows] += pol.equity_share[k] * (new - old) * pol.vesting_months[k] / 12


def numpy_settle_moves(state, offers, out, cands, movers):
    """``clearing.settle_moves`` before the kernels: one move per reason."""
    if movers.size == 0:
        return
    p = state.people
    win = out.winner[movers]
    rows = offers.cands[movers]
    to = cands.labs[win]
    np.add.at(state.labs.sign_on_spent_usd, to, out.sign_on[movers])
    from_pool = offers.inc_lab[movers] < 0
    never_hired = p.hired_step[rows] < 0
    hire = np.where(
        from_pool, np.where(never_hired, Reason.GRADUATE_HIRE, Reason.REHIRE), Reason.POACHED
    )
    reason = np.where(cands.spin[win], Reason.SPIN_OUT, hire)
    order = np.lexsort((to, reason))
    rows, to, reason, pay = rows[order], to[order], reason[order], out.pay[movers][order]
    for code in clearing.HIRE_ORDER:
        sel = reason == code
        if sel.any():
            move(state, rows[sel], to[sel], pay[sel], code)


# -- clearing: tests ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_within_budget_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    k, n_labs = [0, 1, 9, 300, 2000][seed], [1, 2, 3, 7, 20][seed]
    lab = rng.integers(0, n_labs, k)
    cost = rng.choice([0.0, 1e5, 2.5e5, 1e6, 3e6], k) * rng.choice([1.0, 1.1], k)
    priority = rng.choice([-1e5, 0.0, 1e5, 2e5, np.nan, np.inf, -np.inf], k)  # ties
    headroom = rng.choice([-1.0, 0.0, 5e5, 3e6, 1e7], n_labs)
    got = clearing._within_budget(lab, cost, priority, headroom)
    np.testing.assert_array_equal(got, within_budget(lab, cost, priority, headroom))


VARIANTS = {
    "frontier": {"scenario": "frontier-2025", "n_engineers": 3000},
    "spinouts": {"n_labs": 10, "n_engineers": 3000, "spinout_rate_per_year": 0.3},
    "v1": {
        "n_engineers": 2000,
        "sign_on_once": False,
        "counter_match_utility": False,
        "option_value_enabled": False,
    },
}


def assert_same_state(got, want) -> None:
    """People columns, lab sign-ons, this month's counters, ties and the ledger."""
    for f in dataclasses.fields(got.people):
        assert_same_bits(getattr(got.people, f.name), getattr(want.people, f.name))
    assert_same_bits(got.labs.sign_on_spent_usd, want.labs.sign_on_spent_usd)
    for name in ("hires", "departures", "ties"):
        assert_same_bits(getattr(got, name), getattr(want, name))
    assert got.ledger.moves_this_step == want.ledger.moves_this_step
    got_moves, want_moves = got.ledger.move_records(), want.ledger.move_records()
    for name, col in want_moves.items():
        assert got_moves[name].dtype == col.dtype
        assert_same_bits(got_moves[name], col)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_clearing_matches_numpy_in_a_run(variant, monkeypatch):
    real = {
        name: getattr(clearing, name)
        for name in ("ration", "fall_back", "settle_counters", "settle_moves")
    }
    calls: Counter[str] = Counter()

    def ration(*args):
        got = real["ration"](*args)
        for g, w in zip(got, numpy_ration(*args), strict=True):
            assert_same_bits(g, w)
        calls["ration"] += 1
        return got

    def fall_back(*args):
        got = real["fall_back"](*args)
        want = numpy_fall_back(*args)
        assert_same_outcome(got[0], want[0])
        assert_same_bits(got[1], want[1])
        assert_same_bits(got[2], want[2])
        calls["fall_back"] += got[0] is not args[0]  # a second round ran
        return got

    def settling(name, reference):
        def settle(state, *args):
            want = copy.deepcopy(state)
            reference(want, *args)
            real[name](state, *args)
            assert_same_state(state, want)
            calls[name] += 1

        return settle

    monkeypatch.setattr(clearing, "ration", ration)
    monkeypatch.setattr(clearing, "fall_back", fall_back)
    monkeypatch.setattr(
        clearing, "settle_counters", settling("settle_counters", numpy_settle_counters)
    )
    monkeypatch.setattr(clearing, "settle_moves", settling("settle_moves", numpy_settle_moves))
    model = market.TalentMarket(**VARIANTS[variant], rng=3)
    for _ in range(18):
        model.step()
    assert calls["ration"] > 18 and calls["fall_back"] > 0
    assert calls["settle_counters"] == calls["settle_moves"] == 18


@pytest.mark.parametrize("seed", range(6))
def test_best_two_bids_are_the_first_two_of_the_lexsort_order(seed):
    from market.auction import _best_two

    rng = np.random.default_rng(seed)
    n, m = 40, 300
    cand = rng.integers(0, n - 5, m)  # the last five candidates have no bid
    u = rng.choice([-np.inf, np.nan, -0.0, 0.0, 1.5, 2.0, np.inf], m)  # ties everywhere
    some = rng.random(m) < 0.5
    u[some] = rng.normal(size=some.sum())
    best, second = _best_two(cand, u, n)
    ref_best, ref_second = numpy_best_two(cand, u, n)
    np.testing.assert_array_equal(best, ref_best)
    np.testing.assert_array_equal(second, ref_second)
    assert (best[n - 5 :] == -1).all() and (second[n - 5 :] == -1).all()


def test_best_two_of_no_bids_is_none():
    from market.auction import _best_two

    best, second = _best_two(np.empty(0, np.int64), np.empty(0), 3)
    assert best.tolist() == [-1, -1, -1] and second.tolist() == [-1, -1, -1]
