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


def test_budgets_follow_relative_capability_growth_once_a_year(make_state):
    st = make_state(
        [
            {"name": "A", "budget_usd": 100.0, "budget_growth_per_year": 0.1},
            {"name": "B", "budget_usd": 300.0, "budget_growth_per_year": 0.0},
        ],
        [],
        market={"budget_feedback": 1.0},
    )
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
