import itertools

import pytest

from market.phases.compute import grow


def test_gpus_compound_monthly_to_the_annual_rate(make_state):
    st = make_state(
        [
            {"name": "A", "gpus_h100e": 1000.0, "gpu_growth_per_year": 1.0},
            {"name": "B", "gpus_h100e": 10.0},
        ],
        [],
    )
    for step in range(1, 13):
        st.step = step
        grow(st)
    assert st.labs.gpus_h100e[0] == pytest.approx(2000.0, rel=1e-12)
    assert st.labs.gpus_h100e[1] == 10.0


def two_labs(make_state, monthly: bool):
    return make_state(
        [
            {"name": "A", "budget_usd": 100.0, "budget_growth_per_year": 0.1},
            {"name": "B", "budget_usd": 300.0, "budget_growth_per_year": 0.0},
        ],
        [],
        market={"budget_feedback": 1.0, "budget_growth_monthly": monthly},
    )


def test_annual_budgets_follow_relative_capability_growth_once_a_year(make_state):
    st = two_labs(make_state, monthly=False)
    st.labs.capability[:] = [2.0, 1.0]  # A doubled its capability, B stood still
    st.step = 12
    grow(st)
    assert st.labs.budget_usd.tolist() == [100.0, 300.0]  # not a new year yet
    st.step = 13
    grow(st)
    mean = (2.0 * 100 + 1.0 * 300) / 400  # budget-weighted mean growth = 1.25
    assert st.labs.budget_usd[0] == pytest.approx(100 * 1.1 * 2.0 / mean)
    assert st.labs.budget_usd[1] == pytest.approx(300 * 1.0 * 1.0 / mean)
    assert st.labs.capability_year_ago.tolist() == [2.0, 1.0]


def test_monthly_budgets_compound_to_the_reviewed_annual_growth(make_state):
    st = two_labs(make_state, monthly=True)
    budgets = []
    for step in range(1, 13):  # the first year: growth without feedback, month by month
        st.step = step
        grow(st)
        budgets.append(st.labs.budget_usd[0])
    assert all(b > a for a, b in itertools.pairwise(budgets))
    assert budgets[0] == pytest.approx(100 * 1.1 ** (1 / 12), rel=1e-12)
    assert budgets[-1] == pytest.approx(110.0, rel=1e-12)
    assert st.labs.budget_usd[1] == 300.0
    st.labs.capability[:] = [2.0, 1.0]  # A doubled its capability, B stood still
    mean = (2.0 * 110 + 1.0 * 300) / 410  # budget-weighted mean growth at the review
    for step in range(13, 25):
        st.step = step
        grow(st)
    assert st.labs.budget_review_factor.tolist() == pytest.approx([2.0 / mean, 1.0 / mean])
    assert st.labs.budget_usd[0] == pytest.approx(110 * 1.1 * 2.0 / mean, rel=1e-12)
    assert st.labs.budget_usd[1] == pytest.approx(300 * 1.0 / mean, rel=1e-12)


def test_a_change_of_budget_growth_applies_from_the_next_month(make_state):
    st = two_labs(make_state, monthly=True)
    st.step = 1
    grow(st)
    st.labs.budget_growth_per_year[1] = 0.5  # an event in month 2, mid-year
    st.step = 2
    grow(st)
    assert st.labs.budget_usd[1] == pytest.approx(300 * 1.5 ** (1 / 12), rel=1e-12)
