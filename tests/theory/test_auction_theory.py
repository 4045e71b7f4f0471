"""The sequential auction against the theory (Postel-Vinay & Robin 2002; Cahuc,
Postel-Vinay & Robin 2006), every expected number computed by hand.

Utility of annual pay ``p`` at a party with amenity ``a`` is ``log p + a``; a mover's
one-off costs ``S`` count once, spread over the horizon ``H``; the best poacher wins when
its best offer is worth more than the incumbent's best, and pays what makes the worker
indifferent to the runner-up's best offer.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from market.auction import EXCEED, MATCH, NONE, Bids, Incumbents, resolve


def auction(
    bid_max,
    inc_comp=100.0,
    inc_limit=300.0,
    rule=EXCEED,
    amen_bid=None,
    amen_inc=0.0,
    switch=None,
    sign_on=None,
    floor=None,
    **kwargs,
):
    """One candidate, one bid per entry of ``bid_max``."""
    k = len(bid_max)
    bids = Bids(
        cand=np.zeros(k, dtype=np.int64),
        max_pay=np.array(bid_max, dtype=float),
        amenity=np.zeros(k) if amen_bid is None else np.array(amen_bid, dtype=float),
        switch_cost=np.zeros(k) if switch is None else np.array(switch, dtype=float),
        min_pay=None if floor is None else np.array(floor, dtype=float),
        sign_on=None if sign_on is None else np.array(sign_on, dtype=float),
    )
    inc = Incumbents(
        comp=np.array([inc_comp]),
        amenity=np.array([amen_inc]),
        limit=np.array([inc_limit]),
        rule=np.array([rule]),
        can_counter=np.array([True]),
    )
    return resolve(bids, inc, **kwargs)


# -- two labs, equal amenities, no switching costs: Bertrand exactly -------------------


@pytest.mark.parametrize("rule", [MATCH, EXCEED])
def test_the_higher_valuing_poacher_pays_the_incumbents_valuation(rule):
    out = auction([900.0], inc_limit=600.0, rule=rule)
    assert out.winner[0] == 0 and not out.countered[0]
    assert out.pay[0] == pytest.approx(600.0, rel=1e-12)


@pytest.mark.parametrize("rule", [MATCH, EXCEED])
def test_the_higher_valuing_incumbent_keeps_the_worker_at_the_poachers_valuation(rule):
    out = auction([600.0], inc_limit=900.0, rule=rule)
    assert out.winner[0] == -1 and out.countered[0]
    assert out.pay[0] == pytest.approx(600.0, rel=1e-12)


def test_several_bidders_the_winner_pays_the_second_highest_valuation():
    # Valuations 500, 900, 700 outside; the incumbent's limit 300 is below all of them.
    out = auction([500.0, 900.0, 700.0], inc_limit=300.0)
    assert out.winner[0] == 1
    assert out.pay[0] == pytest.approx(700.0, rel=1e-12)


def test_a_tie_stays_with_the_incumbent():
    out = auction([600.0], inc_limit=600.0, rule=MATCH)
    assert out.winner[0] == -1 and out.countered[0]
    assert out.pay[0] == pytest.approx(600.0, rel=1e-12)


def test_without_a_counter_the_poacher_only_beats_staying_put():
    out = auction([600.0], inc_limit=900.0, rule=NONE)
    assert out.winner[0] == 0
    assert out.pay[0] == pytest.approx(100.0, rel=1e-12)


def test_the_move_threshold_is_a_hassle_the_poacher_must_make_up():
    # theta = 0.1: the poacher must pay e^0.1 times the runner-up's pay.
    out = auction([900.0], inc_limit=600.0, threshold=0.1)
    assert out.pay[0] == pytest.approx(600.0 * math.exp(0.1), rel=1e-12)
    # ... and a poacher with less than that margin loses: log 650 - 0.1 < log 600.
    out = auction([650.0], inc_limit=600.0, threshold=0.1)
    assert out.winner[0] == -1
    assert out.pay[0] == pytest.approx(650.0 * math.exp(-0.1), rel=1e-12)


# -- counters match utility, amenities included ---------------------------------------


def test_incumbent_valuing_more_keeps_the_worker_despite_a_lower_amenity():
    # Outside: 600 with amenity 0.2, worth log 600 + 0.2. The incumbent (no amenity,
    # limit 900) matches that utility: pay 600 e^0.2 = 732.8 < 900, worker indifferent.
    out = auction([600.0], inc_limit=900.0, rule=MATCH, amen_bid=[0.2])
    assert out.winner[0] == -1 and out.countered[0]
    assert out.pay[0] == pytest.approx(600.0 * math.exp(0.2), rel=1e-12)
    assert math.log(out.pay[0]) == pytest.approx(math.log(600.0) + 0.2, rel=1e-12)


def test_pay_matching_v1_loses_the_worker_it_values_more():
    # v1: match the outside pay (600) only; log 600 < log 600 + 0.2, so the worker leaves
    # at the pay worth the incumbent's 600: 600 e^-0.2.
    out = auction([600.0], inc_limit=900.0, rule=MATCH, amen_bid=[0.2], match_utility=False)
    assert out.winner[0] == 0
    assert out.pay[0] == pytest.approx(600.0 * math.exp(-0.2), rel=1e-12)


def test_an_incumbent_whose_limit_falls_short_loses_and_sets_the_price():
    # Matching needs 732.8 but the limit is 700: the poacher wins, paying the pay worth
    # 700 at the incumbent: 700 e^-0.2 at its own amenity 0.2.
    out = auction([600.0], inc_limit=700.0, rule=MATCH, amen_bid=[0.2])
    assert out.winner[0] == 0
    assert out.pay[0] == pytest.approx(700.0 * math.exp(-0.2), rel=1e-12)


def test_counters_match_the_switching_costs_too():
    # Outside max 900 with S/H = 300 to make up: worth log 600 at best; the incumbent
    # matches 600 (not 900).
    out = auction([900.0], inc_limit=1000.0, rule=MATCH, switch=[300.0], sign_on=[600.0])
    assert out.countered[0]
    assert out.pay[0] == pytest.approx(600.0, rel=1e-12)


# -- the sign-on buys forfeited equity out once ---------------------------------------


def test_sign_on_is_paid_once_and_the_new_pay_is_the_bertrand_wage():
    # S = 200 forfeited, H = 2: S/H = 100 a year. Best offer worth log(900 - 100) >
    # log 600, so the poacher wins; it pays S once and the annual pay that matches 600.
    out = auction([900.0], inc_limit=600.0, switch=[100.0], sign_on=[200.0])
    assert out.winner[0] == 0
    assert out.pay[0] == pytest.approx(600.0, rel=1e-12)
    assert out.sign_on[0] == pytest.approx(200.0)
    # v1 (no sign-on): the 100 a year is added to the annual pay for good.
    v1 = auction([900.0], inc_limit=600.0, switch=[100.0])
    assert v1.pay[0] == pytest.approx(700.0, rel=1e-12)
    assert v1.sign_on[0] == 0.0


def test_no_sign_on_when_the_incumbent_keeps_the_worker():
    out = auction([900.0], inc_limit=1000.0, switch=[300.0], sign_on=[600.0])
    assert out.winner[0] == -1
    assert out.sign_on[0] == 0.0


def test_pay_band_floor_bounds_the_offer_but_never_beyond_the_bidders_maximum():
    # Bertrand wage 600 and a sign-on worth S/H = 100 a year; the band bounds the offer's
    # annual equivalent p + S/H, at most the bidder's maximum 900: p >= min(band, 900) - 100.
    kw = {"inc_limit": 600.0, "switch": [100.0], "sign_on": [200.0]}
    below = auction([900.0], floor=[650.0], **kw)  # p >= 550: the auction wage stands
    assert below.pay[0] == pytest.approx(600.0) and not below.floor_binds[0]
    lifts = auction([900.0], floor=[800.0], **kw)  # p >= 700
    assert lifts.pay[0] == pytest.approx(700.0) and lifts.floor_binds[0]
    capped = auction([900.0], floor=[2000.0], **kw)  # p >= 900 - 100
    assert capped.pay[0] == pytest.approx(800.0) and capped.floor_binds[0]
    assert capped.pay[0] + capped.sign_on[0] / 2 == pytest.approx(900.0)  # = the maximum


def test_bertrand_among_bidders_counts_their_amenities():
    # 900 with no amenity vs 700 with amenity 0.3: log 700 + 0.3 > log 900, so the second
    # wins and pays the pay worth log 900 at its amenity: 900 e^-0.3 = 666.7 (< 700).
    out = auction([900.0, 700.0], inc_limit=300.0, amen_bid=[0.0, 0.3])
    assert out.winner[0] == 1
    assert out.pay[0] == pytest.approx(900.0 * math.exp(-0.3), rel=1e-12)
