import numpy as np
import pytest

from market.codes import MOVE_REASONS
from market.config import LabConfig
from market.phases.clearing import clear
from market.phases.search import Candidates
from market.pricing import calibrated_price


def gpu_rich_and_poor(make_state, **policy):
    people = [{"employer": 1, "skill": 4.0, "comp_usd": 200_000.0, "unvested_usd": 100_000.0}]
    people += [{"employer": 0, "skill": 2.0} for _ in range(5)]
    people += [{"employer": 1, "skill": 2.0} for _ in range(5)]
    st = make_state(
        [
            {"name": "Rich", "gpus_h100e": 1e6, "budget_usd": 1e10, "policy": policy},
            {"name": "Poor", "gpus_h100e": 1e3, "budget_usd": 1e10},
        ],
        people,
        market={"move_threshold": 0.0, "infra_enabled": False},
    )
    st.price = calibrated_price(st)  # valuations 1.5x payroll in total, as the model sets
    return st


def test_the_gpu_rich_lab_poaches_and_books_the_move(make_state):
    st = gpu_rich_and_poor(make_state)
    clear(st, Candidates(np.array([0]), np.array([0]), np.array([False])))
    assert st.people.employer[0] == 0
    moves = st.ledger.move_records()
    assert [MOVE_REASONS[r] for r in moves["reason"]] == ["poached"]
    assert moves["new_comp_usd"][0] > 200_000.0  # paid at least what the incumbent offers
    assert st.hires[0] == 1 and st.departures[1] == 1
    assert st.people.unvested_usd[0] == pytest.approx(
        st.labs.equity_share[0] * moves["new_comp_usd"][0] * st.labs.vesting_months[0] / 12
    )
    # the forfeited equity is bought out once, on the buyer's budget for the year
    assert st.labs.sign_on_spent_usd.tolist() == pytest.approx([100_000.0, 0.0])


def three_labs(make_state, **market):
    """The rich lab and the poor lab both bid for the star, who works at a third lab.
    Plain Bertrand wages (no option value), so the winner's pay is the runner-up's
    maximum and a budget just above it is binding only with the sign-on."""
    st = gpu_rich_and_poor(make_state)
    st.cfg = st.cfg.model_copy(update={"option_value_enabled": False} | market)
    st.labs.add(LabConfig(name="Third", headcount={}, gpus_h100e=1.0, budget_usd=1e10))
    st.people.employer[0] = 2
    st.people.touch()
    st.refresh()
    return st


def both_bid(st):
    clear(st, Candidates(np.array([0, 1]), np.array([0, 0]), np.array([False, False])))


def test_a_lapsed_hire_takes_the_next_offer_that_fits(make_state):
    probe = three_labs(make_state)
    both_bid(probe)
    assert probe.people.employer[0] == 0  # with money enough the rich lab wins
    pay = probe.ledger.move_records()["new_comp_usd"][0]
    for fallback, expected in ((True, 1), (False, 2)):
        st = three_labs(make_state, lapsed_fallback=fallback)
        # Headroom for the pay but not for the pay plus the 100k sign-on: the rich lab's
        # commitment lapses; the poor lab's offer is the next best that fits.
        st.labs.budget_usd[0] = st.lab_state.payroll[0] + pay + 50_000.0
        both_bid(st)
        assert st.people.employer[0] == expected
