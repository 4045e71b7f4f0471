"""Contracts: sign-on buyout once, vesting with a cliff, refresh grants, merit raises,
the non-compete counted once, lapsed commitments falling back. Expected numbers are
computed by hand from the definitions in docs/ODD.md (7.5, 7.7, 7.8).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from market.auction import EXCEED, Bids, Incumbents, resolve
from market.bidding import Offers, PolicyArrays, noncompete_and_forfeit
from market.codes import MOVE_REASONS
from market.phases.clearing import clear, fall_back, ration
from market.phases.record import record
from market.phases.search import Candidates
from market.phases.vesting import age_and_vest
from market.pricing import calibrated_price

_spec = importlib.util.spec_from_file_location(
    "phase_state_builder", Path(__file__).parents[1] / "phases" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_builder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_builder)
build_state = _builder.build_state


# -- lapsed commitments fall back ------------------------------------------------------


def hand_offers(max_pay, bid_lab, inc_limit, inc_lab=2, comp=100.0):
    """One candidate at lab ``inc_lab``, bids from ``bid_lab`` (valuations = max pay)."""
    k = len(max_pay)
    bids = Bids(
        cand=np.zeros(k, dtype=np.int64),
        max_pay=np.array(max_pay, dtype=float),
        amenity=np.zeros(k),
        switch_cost=np.zeros(k),
        sign_on=np.zeros(k),
    )
    inc = Incumbents(
        comp=np.array([comp]),
        amenity=np.zeros(1),
        limit=np.array([inc_limit]),
        rule=np.array([EXCEED]),
        can_counter=np.array([True]),
    )
    offers = Offers(
        cands=np.array([0]),
        inc_lab=np.array([inc_lab]),
        bids=bids,
        incumbents=inc,
        bid_value=np.array(max_pay, dtype=float),
        inc_value=np.array([inc_limit]),
        headroom=np.zeros(3),
    )
    cands = Candidates(np.array(bid_lab), np.zeros(k, dtype=np.int64), np.zeros(k, dtype=bool))
    return offers, cands


def settle_two_rounds(offers, cands, room):
    pol = SimpleNamespace(retention_frac=np.zeros(3))
    cfg = SimpleNamespace(move_threshold=0.0, counter_match_utility=True)
    out = resolve(offers.bids, offers.incumbents)
    movers, counters, used = ration(out, offers, pol, cands.labs, room)
    return out, fall_back(out, offers, pol, cands, (movers, counters, room - used), cfg)


def test_a_lapsed_hire_falls_back_to_the_runner_up_bidder():
    # Lab 0 values the worker at 900, lab 1 at 700, the incumbent (lab 2) at 300.
    # Round one: lab 0 wins at 700 but has only 250 of headroom, so it lapses. Round
    # two, offers capped by what is left: lab 0 can bid 250, lab 1 700, the incumbent
    # 300: lab 1 wins and pays the runner-up's 300.
    offers, cands = hand_offers([900.0, 700.0], [0, 1], inc_limit=300.0)
    first, (out, movers, counters) = settle_two_rounds(
        offers, cands, room=np.array([250.0, 1e6, 1e6])
    )
    assert first.winner[0] == 0 and first.pay[0] == pytest.approx(700.0)
    assert list(movers) == [0] and counters.size == 0
    assert out.winner[0] == 1
    assert out.pay[0] == pytest.approx(300.0)


def test_a_lapsed_hire_falls_back_to_the_incumbents_counter():
    # One bidder valuing 900 with 500 of headroom: round one it wins at the incumbent's
    # limit 600 and lapses. Round two it can offer 500, which the incumbent (limit 600)
    # matches: the worker stays on a counter of 500.
    offers, cands = hand_offers([900.0], [0], inc_limit=600.0)
    first, (out, movers, counters) = settle_two_rounds(
        offers, cands, room=np.array([500.0, 0.0, 1e6])
    )
    assert first.winner[0] == 0 and first.pay[0] == pytest.approx(600.0)
    assert movers.size == 0 and list(counters) == [0]
    assert out.countered[0] and out.pay[0] == pytest.approx(500.0)


def test_the_fallback_prices_against_what_each_party_can_still_afford():
    offers, cands = hand_offers([900.0], [0], inc_limit=600.0)
    _, (out, movers, counters) = settle_two_rounds(offers, cands, room=np.array([500.0, 0.0, 0.0]))
    # Round two: lab 0 offers 500 against an incumbent that can afford no raise (100):
    # lab 0 wins at 100 + nothing more than staying, which now fits.
    assert list(movers) == [0] and out.pay[0] == pytest.approx(100.0)
    offers, cands = hand_offers([900.0], [0], inc_limit=600.0)
    _, (out, movers, counters) = settle_two_rounds(offers, cands, room=np.zeros(3))
    assert movers.size == 0 and counters.size == 0 and out.pay[0] == 100.0


def test_a_lapsed_counter_lets_the_worker_take_the_outside_offer():
    # The incumbent values the worker at 900 > 600 outside, but has only 50 of room for
    # the raise of 500: the counter lapses. Round two: the incumbent can offer at most
    # 100 + 50 = 150, so the poacher wins and pays 150.
    offers, cands = hand_offers([600.0], [0], inc_limit=900.0)
    first, (out, movers, counters) = settle_two_rounds(
        offers, cands, room=np.array([1e6, 0.0, 50.0])
    )
    assert first.countered[0]
    assert list(movers) == [0] and counters.size == 0
    assert out.winner[0] == 0 and out.pay[0] == pytest.approx(150.0)


# -- the sign-on is paid once -----------------------------------------------------------


def rich_and_poor(make_state=build_state, unvested=300_000.0, **market):
    people = [{"employer": 1, "skill": 4.0, "comp_usd": 200_000.0, "unvested_usd": unvested}]
    people += [{"employer": 0, "skill": 2.0} for _ in range(5)]
    people += [{"employer": 1, "skill": 2.0} for _ in range(5)]
    st = make_state(
        [
            {"name": "Rich", "gpus_h100e": 1e6, "budget_usd": 1e10},
            {"name": "Poor", "gpus_h100e": 1e3, "budget_usd": 1e10},
        ],
        people,
        market={"move_threshold": 0.0, "infra_enabled": False, **market},
        step=2,
    )
    st.price = calibrated_price(st)
    return st


def poach(st):
    clear(st, Candidates(np.array([0]), np.array([0]), np.array([False])))
    return st.ledger.move_records()


def test_sign_on_is_booked_once_and_not_added_to_pay():
    once, v1 = rich_and_poor(), rich_and_poor(sign_on_once=False)
    budget_before = PolicyArrays.of(once.labs, once.cfg).budget_usd[0]
    m_once, m_v1 = poach(once), poach(v1)
    assert [MOVE_REASONS[r] for r in m_once["reason"]] == ["poached"]
    # Same runner-up, same utility: v1's pay carries S/H = 300k / 2 on top, for good.
    h = once.cfg.switch_cost_horizon_years
    assert m_v1["new_comp_usd"][0] - m_once["new_comp_usd"][0] == pytest.approx(300_000.0 / h)
    # The buyer's budget for the year drops by S exactly once; v1 books nothing.
    assert once.labs.sign_on_spent_usd[0] == pytest.approx(300_000.0)
    assert v1.labs.sign_on_spent_usd[0] == 0.0
    after = PolicyArrays.of(once.labs, once.cfg).budget_usd[0]
    assert budget_before - after == pytest.approx(300_000.0)
    # The mover's new grant is on the annual pay only, not on the sign-on.
    grant = once.labs.equity_share[0] * m_once["new_comp_usd"][0] * 48 / 12
    assert once.people.unvested_usd[0] == pytest.approx(grant)


def no_bids():
    return Candidates(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool))


def clear_until(st, last_step):
    """Clear empty months after the poach (step 2) up to ``last_step``; the book each month."""
    book = []
    for step in range(3, last_step + 1):
        st.step = step
        clear(st, no_bids())
        book.append(float(st.labs.sign_on_spent_usd[0]))
    return book


def test_a_sign_on_counts_against_the_budget_for_twelve_months():
    st = rich_and_poor()  # poached in month 2 (February): 300k of sign-on
    poach(st)
    book = clear_until(st, 14)
    assert book[:-1] == pytest.approx([300_000.0] * 11)  # March to January
    assert book[-1] == 0.0  # the next February: twelve months later


def test_calendar_sign_on_book_starts_afresh_each_budget_year():
    st = rich_and_poor(sign_on_rolling=False)
    poach(st)
    book = clear_until(st, 13)
    assert book[:-1] == pytest.approx([300_000.0] * 10)  # to December
    assert book[-1] == 0.0  # January: a new budget year


# -- vesting: cliff, schedule, refresh grants ----------------------------------------


def one_person_state(tenure, unvested, comp=120_000.0):
    policy = {
        "vesting_months": 48,
        "vesting_cliff_months": 12,
        "refresh_grant_share": 0.0,
        "merit_raise_pass_through": 0.0,
    }
    return build_state(
        [{"name": "A", "policy": policy}],
        [{"comp_usd": comp, "unvested_usd": unvested, "tenure_months": tenure}],
    )


def months_of_vesting(st, n):
    seen = []
    for _ in range(n):
        age_and_vest(st)
        seen.append(float(st.people.unvested_usd[0]))
    return seen


def test_nothing_vests_before_the_cliff_then_the_cliff_share_then_monthly():
    # A new hire's grant of 48,000 over 48 months with a 12-month cliff (no refreshes,
    # no retention grants): 48,000 for months 1-11, 36,000 at month 12, then 1,000 a
    # month, zero at month 48. Nothing accrues on top during the cliff.
    st = one_person_state(tenure=0, unvested=48_000.0)
    seen = months_of_vesting(st, 48)
    assert seen[:11] == [48_000.0] * 11
    assert seen[11] == pytest.approx(36_000.0)
    assert seen[12] == pytest.approx(35_000.0)
    assert seen[23] == pytest.approx(24_000.0)
    assert seen[47] == pytest.approx(0.0, abs=1e-6)


def test_a_refresh_grant_arrives_at_each_work_anniversary():
    # A hire grant at 120,000 of pay with equity 10%: 0.1 x 120,000 x 4 = 48,000. At month
    # 12 the cliff share vests (12,000) and a refresh of 25% of a hire grant (12,000)
    # arrives: 48,000 - 12,000 + 12,000.
    policy = {"equity_share": 0.1, "refresh_grant_share": 0.25, "merit_raise_pass_through": 0}
    st = build_state(
        [{"name": "A", "policy": policy}],
        [{"comp_usd": 120_000.0, "unvested_usd": 48_000.0, "tenure_months": 11}],
    )
    age_and_vest(st)
    assert st.people.unvested_usd[0] == pytest.approx(48_000.0)
    # Past the schedule the balance vests at 2/48 a month (month 61: no anniversary).
    st.people.tenure_months[0] = 60
    age_and_vest(st)
    assert st.people.unvested_usd[0] == pytest.approx(48_000.0 * (1 - 2 / 48))


def test_a_new_hire_grant_is_four_years_of_the_equity_share():
    # OpenAI-like: equity 65% of pay, a 4-year grant = 2.6x annual pay.
    st = rich_and_poor()
    st.labs.set_field(0, "equity_share", 0.65)
    moves = poach(st)
    assert st.people.unvested_usd[0] == pytest.approx(2.6 * moves["new_comp_usd"][0])


# -- merit raises follow the lab's output per head -------------------------------------


def test_merit_raise_at_the_anniversary_follows_output_per_head_within_its_cap():
    policy = {"merit_raise_pass_through": 0.5, "merit_raise_max": 0.1, "refresh_grant_share": 0}
    st = build_state(
        [{"name": "A", "policy": policy, "budget_usd": 1e9}],
        [
            {"comp_usd": 100_000.0, "tenure_months": 11},  # anniversary next month
            {"comp_usd": 100_000.0, "tenure_months": 5},
        ],
    )
    st.labs.research_output[:] = 10.0
    record(st)  # the ledger row a year before (step 1)
    st.step = 13
    st.labs.research_output[:] = 11.0  # +10% per head: raise 0.5 x 10% = 5%
    age_and_vest(st)
    assert st.people.comp_usd[0] == pytest.approx(105_000.0)
    assert st.people.comp_usd[1] == 100_000.0
    st.labs.research_output[:] = 20.0  # +100%: 50%, capped at 10%
    st.people.tenure_months[0] = 23
    age_and_vest(st)
    assert st.people.comp_usd[0] == pytest.approx(105_000.0 * 1.1)


def test_merit_raises_stop_at_the_pay_cap():
    policy = {"merit_raise_pass_through": 1.0, "merit_raise_max": 0.5, "pay_cap_usd": 104_000.0}
    st = build_state(
        [{"name": "A", "policy": {**policy, "refresh_grant_share": 0}, "budget_usd": 1e9}],
        [{"comp_usd": 100_000.0, "tenure_months": 11}],
    )
    st.labs.research_output[:] = 10.0
    record(st)
    st.step = 13
    st.labs.research_output[:] = 20.0  # a 50% raise is due; the cap allows 4%
    age_and_vest(st)
    assert st.people.comp_usd[0] == pytest.approx(104_000.0)


def test_merit_raises_fit_the_budget_headroom():
    policy = {"merit_raise_pass_through": 1.0, "merit_raise_max": 0.1, "refresh_grant_share": 0}
    st = build_state(
        [{"name": "A", "policy": policy, "budget_usd": 102_000.0}],
        [{"comp_usd": 100_000.0, "tenure_months": 11}],
    )
    st.labs.research_output[:] = 10.0
    record(st)
    st.step = 13
    st.labs.research_output[:] = 20.0  # a 10% raise is due, only 2,000 of headroom
    age_and_vest(st)
    assert st.people.comp_usd[0] == pytest.approx(102_000.0)


# -- the non-compete is counted once ---------------------------------------------------


@pytest.mark.parametrize("paid", [False, True])
def test_a_noncompete_changes_exactly_one_channel(paid):
    st = build_state(
        [
            {"name": "A", "policy": {"noncompete_months": 12, "garden_leave_paid": paid}},
            {"name": "B"},
        ],
        [{"employer": 0, "comp_usd": 200_000.0, "unvested_usd": 50_000.0}],
        market={"switch_cost_horizon_years": 2.0, "noncompete_cost_share": 0.5},
    )
    pol = PolicyArrays.of(st.labs, st.cfg)
    rows, inc = np.array([0]), np.array([0])
    delay, one_off = noncompete_and_forfeit(st.people, rows, inc, pol, st.cfg)
    if paid:  # the poacher waits 12 of the 24 months of the horizon; the mover loses nothing
        assert delay[0] == pytest.approx(0.5)
        assert one_off[0] == pytest.approx(50_000.0)
    else:  # the mover loses 12 months x 200k x 0.5; the poacher's ceiling is untouched
        assert delay[0] == 1.0
        assert one_off[0] == pytest.approx(50_000.0 + 100_000.0)
    # Enforcement 0 (a ban): neither channel.
    st.cfg = st.cfg.model_copy(update={"noncompete_enforcement": 0.0})
    pol = PolicyArrays.of(st.labs, st.cfg)
    delay, one_off = noncompete_and_forfeit(st.people, rows, inc, pol, st.cfg)
    assert delay[0] == 1.0 and one_off[0] == pytest.approx(50_000.0)
