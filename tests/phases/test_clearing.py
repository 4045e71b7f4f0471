import numpy as np
import pytest

from market.codes import MOVE_REASONS
from market.model import calibrated_price
from market.phases.clearing import clear
from market.phases.search import Candidates


def gpu_rich_and_poor(make_state, **policy):
    people = [{"employer": 1, "skill": 4.0, "comp_usd": 200_000.0}]
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


def test_a_lab_without_headroom_cannot_commit(make_state):
    st = gpu_rich_and_poor(make_state)
    st.labs.budget_usd[0] = st.lab_state.payroll[0] + 1.0  # $1 of headroom
    clear(st, Candidates(np.array([0]), np.array([0]), np.array([False])))
    assert st.people.employer[0] == 1


def test_spin_out_pull_is_booked_as_spin_out(make_state):
    st = gpu_rich_and_poor(make_state)
    clear(st, Candidates(np.array([0]), np.array([0]), np.array([True])))
    assert [MOVE_REASONS[r] for r in st.ledger.move_records()["reason"]] == ["spin_out"]
