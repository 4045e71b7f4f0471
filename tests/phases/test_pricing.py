"""The value of output (market.pricing): the budget rule, hand-computed."""

import numpy as np
import pytest

from market.phases.compute import grow
from market.phases.events import set_field
from market.pricing import reprice, start_price, value_at_unit_price
from market.valuation import marginal_value

RESEARCHERS = [{"employer": 0, "skill": 1.0 + i % 3} for i in range(6)]
RESEARCHERS += [{"employer": 1, "skill": 1.0 + i % 2} for i in range(4)]


def two_labs(make_state, **market):
    labs = [
        {"name": "A", "gpus_h100e": 8000.0, "budget_usd": 4e6},
        {"name": "B", "gpus_h100e": 1000.0, "budget_usd": 1e6},
    ]
    st = make_state(labs, RESEARCHERS, market={"value_markup": 1.5, **market})
    start_price(st)
    return st


def total_valuation(st) -> float:
    return st.price * value_at_unit_price(st)


def per_person_values(st) -> np.ndarray:
    rows = np.arange(len(RESEARCHERS))
    every = np.ones(len(rows), bool)
    return marginal_value(
        st.lab_state, st.people, rows, st.people.employer[rows], every, st.cfg, st.price
    )


def test_start_price_makes_total_valuation_the_markup_times_payroll(make_state):
    st = two_labs(make_state)
    payroll = 300_000.0 * len(RESEARCHERS)
    assert total_valuation(st) == pytest.approx(1.5 * payroll)
    assert st.payroll_per_budget == pytest.approx(payroll / 5e6)


def test_price_follows_budgets_and_keeps_relative_values(make_state):
    st = two_labs(make_state)
    before = per_person_values(st)
    # Budgets double: the price doubles, every valuation doubles.
    st.labs.budget_usd *= 2
    reprice(st)
    assert total_valuation(st) == pytest.approx(1.5 * st.payroll_per_budget * 10e6)
    assert per_person_values(st) == pytest.approx(2 * before)
    # Compute quadruples at A (budgets unchanged): total valuation stays put, so the
    # price falls, but A's people gain on B's (compute raises A's marginal products).
    ratio_before = before[:6].mean() / before[6:].mean()
    st.labs.gpus_h100e[0] *= 4
    st.refresh()
    reprice(st)
    assert total_valuation(st) == pytest.approx(1.5 * st.payroll_per_budget * 10e6)
    after = per_person_values(st)
    assert after[:6].mean() / after[6:].mean() > ratio_before


def test_fixed_price_and_rule_off_keep_the_price(make_state):
    st = two_labs(make_state, value_per_output_usd=123.0)
    assert st.price == 123.0
    st.labs.budget_usd *= 3
    reprice(st)
    assert st.price == 123.0
    st = two_labs(make_state, price_follows_budgets=False)
    start = st.price
    st.labs.budget_usd *= 3
    reprice(st)  # a budget year: the v2 rule keeps the start's price
    assert st.price == start


def test_yearly_budget_growth_resets_the_price(make_state):
    st = two_labs(make_state, budget_growth_monthly=False)
    st.labs.budget_growth_per_year[:] = 0.5
    st.labs.capability_year_ago[:] = st.labs.capability
    p0 = st.price
    st.step = 13  # the start of the second year
    grow(st)
    assert st.labs.budget_usd.sum() == pytest.approx(1.5 * 5e6)
    assert st.price == pytest.approx(1.5 * p0)  # same people, same values at price 1


def test_a_value_event_takes_effect_at_once(make_state):
    st = two_labs(make_state)
    set_field(st, None, "value_markup", 3.0)
    assert total_valuation(st) == pytest.approx(3.0 * st.payroll_per_budget * 5e6)
    st = two_labs(make_state, price_follows_budgets=False)
    st.people.comp_usd[: len(RESEARCHERS)] *= 2  # pay doubled since the start
    st.people.touch()
    st.refresh()
    set_field(st, None, "value_markup", 2.0)  # rule off: recalibrated to today's payroll
    assert total_valuation(st) == pytest.approx(2.0 * 600_000.0 * len(RESEARCHERS))
    set_field(st, None, "value_per_output_usd", 7.0)
    assert st.price == 7.0


def test_the_review_prices_this_month_s_budgets(make_state):
    st = two_labs(make_state)  # budgets grow monthly
    st.labs.budget_growth_per_year[:] = 0.5
    st.labs.capability_year_ago[:] = st.labs.capability
    p0 = st.price
    st.step = 13  # the review: no feedback (equal growth), one month's growth, a new price
    grow(st)
    assert st.labs.budget_usd.sum() == pytest.approx(1.5 ** (1 / 12) * 5e6)
    assert st.price == pytest.approx(1.5 ** (1 / 12) * p0)
