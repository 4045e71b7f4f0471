"""Sequential auctions with counter-offers (Postel-Vinay & Robin 2002).

The expectations are written from the theory: with equal amenities and no switching
costs, the worker ends at the employer that values them most and is paid what the
runner-up would pay at most (its valuation); an incumbent that keeps the worker raises
pay to the outside offer.
"""

from __future__ import annotations

import numpy as np
import pytest

import market
from market.auction import BERTRAND, EXCEED, MATCH, NONE, Bids, Incumbents, OptionValue, resolve
from market.people import RESEARCH
from market.phases import age_and_vest
from market.production import ces


def one_bid(
    max_pay, inc_comp, inc_limit, rule, amen_bid=0.0, amen_inc=0.0, switch=0.0, ov=BERTRAND
):
    bids = Bids(
        cand=np.array([0]),
        max_pay=np.array([max_pay]),
        amenity=np.array([amen_bid]),
        switch_cost=np.array([switch]),
    )
    inc = Incumbents(
        comp=np.array([inc_comp]),
        amenity=np.array([amen_inc]),
        limit=np.array([inc_limit]),
        rule=np.array([rule]),
        can_counter=np.array([True]),
    )
    return resolve(bids, inc, option_value=ov)


def test_higher_valuing_poacher_wins_and_pays_the_incumbents_maximum():
    out = one_bid(max_pay=900.0, inc_comp=100.0, inc_limit=600.0, rule=EXCEED)
    assert out.winner[0] == 0
    assert out.pay[0] == pytest.approx(600.0)
    assert not out.countered[0]


def test_incumbent_that_values_more_counters_up_to_the_outside_offer():
    out = one_bid(max_pay=600.0, inc_comp=100.0, inc_limit=900.0, rule=EXCEED)
    assert out.winner[0] == -1
    assert out.countered[0]
    assert out.pay[0] == pytest.approx(600.0)


def test_no_counter_rule_loses_to_any_better_offer_at_the_lowest_winning_pay():
    out = one_bid(max_pay=600.0, inc_comp=100.0, inc_limit=900.0, rule=NONE)
    assert out.winner[0] == 0
    assert out.pay[0] == pytest.approx(100.0)  # just matches staying


def test_match_rule_never_pays_above_the_outside_pay():
    out = one_bid(max_pay=600.0, inc_comp=100.0, inc_limit=900.0, rule=MATCH)
    assert out.countered[0] and out.pay[0] <= 600.0 + 1e-9
    # With a better amenity at the incumbent, matching the pay is enough to keep them.
    out = one_bid(max_pay=600.0, inc_comp=100.0, inc_limit=900.0, rule=MATCH, amen_inc=0.1)
    assert out.winner[0] == -1


def test_amenities_and_switching_costs_move_the_outcome():
    # A better place to work wins even at a lower maximum pay ...
    out = one_bid(max_pay=500.0, inc_comp=100.0, inc_limit=600.0, rule=EXCEED, amen_bid=0.3)
    assert out.winner[0] == 0
    # ... and forfeited equity (per year) must be covered on top.
    out = one_bid(max_pay=900.0, inc_comp=100.0, inc_limit=600.0, rule=EXCEED, switch=400.0)
    assert out.winner[0] == -1
    assert out.countered[0]


def test_second_poacher_is_the_runner_up_when_it_beats_the_incumbent():
    bids = Bids(
        cand=np.array([0, 0]),
        max_pay=np.array([500.0, 900.0]),
        amenity=np.zeros(2),
        switch_cost=np.zeros(2),
    )
    inc = Incumbents(
        comp=np.array([100.0]),
        amenity=np.zeros(1),
        limit=np.array([300.0]),
        rule=np.array([EXCEED]),
        can_counter=np.array([True]),
    )
    out = resolve(bids, inc)
    assert out.winner[0] == 1
    assert out.pay[0] == pytest.approx(500.0)


def test_no_offer_worth_taking_leaves_everything_unchanged():
    out = one_bid(max_pay=80.0, inc_comp=100.0, inc_limit=900.0, rule=EXCEED)
    assert out.winner[0] == -1 and not out.countered[0]
    assert out.pay[0] == 100.0


# -- the same theory through the whole model: two labs, one researcher ------------------


def lab_valuation(gpus: float, skill: float, sc: market.Scenario) -> float:
    """A lab with no other staff values a researcher at price * Y(C, s) (Y(C, 0) = 0)."""
    m = sc.market
    return m.value_per_output_usd * float(
        ces(gpus / m.compute_ref_h100e, skill / m.talent_ref, m.sigma, m.compute_share)
    )


def researcher(model: market.TalentMarket) -> int:
    (row,) = np.flatnonzero(model.people.view("specialty") == RESEARCH)
    return int(row)


def test_model_moves_worker_to_the_gpu_rich_lab_at_the_runner_ups_valuation(two_labs):
    sc = two_labs()
    model = market.TalentMarket(scenario=sc, rng=3)
    row = researcher(model)
    skill = float(model.people.skill[row])
    value_a = lab_valuation(400_000.0, skill, sc)  # compute grows 0%/yr in this scenario
    value_b = lab_valuation(50_000.0, skill, sc)
    assert value_a > value_b
    model.step()
    assert model.labs[int(model.people.employer[row])].name == "A"
    pay = float(model.people.comp_usd[row])
    assert pay >= value_b * (1 - 1e-9)  # at least B's top offer
    assert pay == pytest.approx(value_b, rel=1e-9)  # and no more (Bertrand)
    moves = market.tables.moves_table(model)
    assert list(moves["reason"]) == ["poached"]


def test_model_keeps_worker_at_the_gpu_rich_lab_on_a_counter_offer(two_labs):
    sc = two_labs()
    data = sc.model_dump()
    data["labs"][0]["headcount"] = {"research": 1}
    data["labs"][1]["headcount"] = {"research": 0}
    sc = market.build_scenario(data)
    model = market.TalentMarket(scenario=sc, rng=5)
    row = researcher(model)
    skill = float(model.people.skill[row])
    value_b = lab_valuation(50_000.0, skill, sc)
    model.step()
    assert model.labs[int(model.people.employer[row])].name == "A"
    assert float(model.people.comp_usd[row]) == pytest.approx(value_b, rel=1e-9)
    moves = market.tables.moves_table(model)
    assert list(moves["reason"]) == ["countered"]
    assert moves["from_lab"].iloc[0] == moves["to_lab"].iloc[0] == "A"


def test_model_without_counter_offers_loses_the_worker_to_the_better_offer(two_labs):
    sc = two_labs(counter_offers_enabled=False)
    data = sc.model_dump()
    data["labs"][0]["headcount"] = {"research": 1}
    data["labs"][1]["headcount"] = {"research": 0}
    data["labs"][1]["gpus_h100e"] = 800_000.0  # now B is richer and the worker is at A
    model = market.TalentMarket(scenario=market.build_scenario(data), rng=5)
    row = researcher(model)
    old_pay = float(model.people.comp_usd[row])
    model.step()
    assert model.labs[int(model.people.employer[row])].name == "B"
    # Without a counter the poacher only has to beat staying put.
    assert float(model.people.comp_usd[row]) == pytest.approx(old_pay, rel=1e-9)


def test_pay_band_floor_raises_a_winners_pay_but_never_above_its_maximum():
    def outcome(min_pay):
        bids = Bids(
            cand=np.array([0]),
            max_pay=np.array([900.0]),
            amenity=np.zeros(1),
            switch_cost=np.zeros(1),
            min_pay=np.array([min_pay]),
        )
        inc = Incumbents(
            comp=np.array([100.0]),
            amenity=np.zeros(1),
            limit=np.array([300.0]),
            rule=np.array([EXCEED]),
            can_counter=np.array([True]),
        )
        return resolve(bids, inc)

    assert outcome(0.0).pay[0] == pytest.approx(300.0)  # the runner-up's maximum
    assert outcome(500.0).pay[0] == pytest.approx(500.0)  # the band lifts it
    assert outcome(2000.0).pay[0] == pytest.approx(900.0)  # but not beyond the bid


@pytest.mark.parametrize("once", [True, False])
def test_model_buys_forfeited_equity_out_once_not_in_the_pay(two_labs, once, monkeypatch):
    data = two_labs(sign_on_once=once).model_dump()
    for lab in data["labs"]:
        lab["policy"]["equity_share"] = 0.5
    sc = market.build_scenario(data)
    model = market.TalentMarket(scenario=sc, rng=3)
    row = researcher(model)
    value_b = lab_valuation(50_000.0, float(model.people.skill[row]), sc)
    forfeited = []

    def spy(state):  # the equity at stake when the auction runs (after this month's vesting)
        age_and_vest(state)
        forfeited.append(float(state.people.unvested_usd[row]))

    monkeypatch.setattr(market.model, "age_and_vest", spy)
    model.step()
    assert model.labs[int(model.people.employer[row])].name == "A"
    pay = float(model.people.comp_usd[row])
    (s,) = forfeited
    assert s > 0
    if once:  # pay is B's valuation; the buyout is booked once on A's budget
        assert pay == pytest.approx(value_b, rel=1e-9)
        assert model.state.labs.sign_on_spent_usd[0] == pytest.approx(s)
    else:  # v1: S/H a year on top of the pay, for good
        assert pay == pytest.approx(value_b + s / sc.market.switch_cost_horizon_years, rel=1e-9)
        assert model.state.labs.sign_on_spent_usd[0] == 0.0
    assert float(model.people.unvested_usd[row]) == pytest.approx(0.5 * pay * 48 / 12)


# -- option value (Postel-Vinay & Robin 2002): kappa = lambda F / (rho + delta) ---------


def one_bid_kappa(kappa, max_pay, inc_comp, inc_limit, tail=np.inf):
    return one_bid(max_pay, inc_comp, inc_limit, EXCEED, ov=OptionValue(kappa, tail))


def test_option_value_weight_is_offer_rate_over_discount_plus_separation():
    assert OptionValue.of(0.10, 0.05, 0.15, np.inf).kappa == pytest.approx(0.5)
    assert OptionValue.of(0.0, 0.05, 0.15, np.inf).kappa == 0.0


def test_mover_gives_up_kappa_per_unit_of_the_winners_lead_over_the_runner_up():
    # u = log(600) - 0.5 (log 900 - log 600): 600 sqrt(2/3) = 489.898
    out = one_bid_kappa(0.5, max_pay=900.0, inc_comp=100.0, inc_limit=600.0)
    assert out.winner[0] == 0
    assert out.pay[0] == pytest.approx(489.898, abs=1e-3)
    # kappa = 0 is plain Bertrand: the runner-up's maximum.
    assert one_bid_kappa(0.0, 900.0, 100.0, 600.0).pay[0] == pytest.approx(600.0)


def test_an_exponential_offer_tail_bounds_the_option_value():
    # D = kappa s (1 - exp(-gap / s)), gap = log(900/600), s = 0.25:
    # exp(-gap / s) = (2/3)^4 = 16/81, D = 0.5 x 0.25 x 65/81.
    out = one_bid_kappa(0.5, max_pay=900.0, inc_comp=100.0, inc_limit=600.0, tail=0.25)
    assert out.pay[0] == pytest.approx(600.0 * np.exp(-0.125 * 65 / 81))
    # However large the lead, the discount tends to kappa s and never exceeds it.
    far = one_bid_kappa(0.5, max_pay=1e9, inc_comp=100.0, inc_limit=600.0, tail=0.25)
    assert far.pay[0] < out.pay[0]
    assert far.pay[0] == pytest.approx(600.0 * np.exp(-0.125), rel=1e-12)


def test_stayer_is_raised_to_less_than_the_outside_offer_by_the_same_rule():
    out = one_bid_kappa(0.5, max_pay=600.0, inc_comp=100.0, inc_limit=900.0)
    assert out.winner[0] == -1 and out.countered[0]
    assert out.pay[0] == pytest.approx(489.898, abs=1e-3)
    # An offer whose discounted value is below the current pay brings no raise.
    out = one_bid_kappa(0.5, max_pay=600.0, inc_comp=550.0, inc_limit=900.0)
    assert out.winner[0] == -1 and not out.countered[0]
    assert out.pay[0] == 550.0


def test_worker_takes_a_pay_cut_to_join_a_lab_that_values_them_far_more():
    # From 100 at a lab whose limit is 120 to a lab able to pay 1000, kappa = 0.5:
    # 120 (120 / 1000)^0.5 = 41.57, below the current 100.
    out = one_bid_kappa(0.5, max_pay=1000.0, inc_comp=100.0, inc_limit=120.0)
    assert out.winner[0] == 0
    assert out.pay[0] == pytest.approx(120.0 * (0.12**0.5))
    assert out.pay[0] < 100.0


def test_model_prices_the_option_value_into_the_movers_pay(two_labs):
    # kappa = 0.02 / (0.05 + 0.05) = 0.2; s = 0.5.
    sc = two_labs(
        option_value_enabled=True,
        outside_offer_rate=0.02,
        discount_rate=0.05,
        ladder_exit_rate=0.05,
        offer_tail_scale=0.5,
    )
    model = market.TalentMarket(scenario=sc, rng=3)
    row = researcher(model)
    skill = float(model.people.skill[row])
    value_a = lab_valuation(400_000.0, skill, sc)
    value_b = lab_valuation(50_000.0, skill, sc)
    model.step()
    assert model.labs[int(model.people.employer[row])].name == "A"
    expected = value_b * np.exp(-0.2 * 0.5 * (1 - (value_b / value_a) ** 2))
    assert float(model.people.comp_usd[row]) == pytest.approx(expected, rel=1e-9)
