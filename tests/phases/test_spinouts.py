import numpy as np
import pytest

from market.codes import Specialty
from market.phases.spinouts import _stars, best_first, spin_out


def test_star_founds_a_lab_and_targets_the_best_research_and_infra_colleagues(make_state):
    people = [
        {"skill": 50.0},  # the star founder
        {"skill": 9.0},
        {"skill": 8.0, "specialty": int(Specialty.INFRASTRUCTURE)},
        {"skill": 20.0, "specialty": int(Specialty.PRODUCT)},  # product: not pulled
        {"skill": 2.0},
    ]
    market = {
        "spinout_rate_per_year": 1.0,
        "spinout_pull": 2,
        "spinout_funding_usd": 1e9,
        "spinout_gpu_share": 0.4,
        "spinout_gpu_cost_usd": 40_000.0,
        "spinout_budget_share": 0.2,
        "spinout_capability_share": 0.5,
        "spinout_team_size": 0,  # the pull bids alone (no founding team)
    }
    st = make_state([{"name": "A", "capability": 2.0}, {"name": "B"}], people, market=market)
    st.star_skill = 40.0
    labs, rows = spin_out(st, np.random.default_rng(0))
    assert len(st.labs) == 3
    new = 2
    assert st.labs.names[new] == "Spin-out 1 (A)" and st.labs.kinds[new] == "startup"
    assert st.labs.gpus_h100e[new] == pytest.approx(0.4 * 1e9 / 40_000)
    assert st.labs.budget_usd[new] == pytest.approx(0.2e9)
    assert st.labs.capability[new] == pytest.approx(1.0)
    assert st.people.employer[0] == new
    assert labs.tolist() == [new, new] and rows.tolist() == [1, 2]
    assert st.ties[new, 0] == st.cfg.tie_bias * st.cfg.spinout_tie_multiplier


def test_no_spin_out_when_switched_off_or_no_room(make_state):
    st = make_state(
        [{"name": "A"}, {"name": "B"}],
        [{"skill": 50.0}],
        market={"spinout_rate_per_year": 1.0, "max_labs": 2},
    )
    st.star_skill = 1.0
    labs, _ = spin_out(st, np.random.default_rng(0))
    assert len(labs) == 0 and len(st.labs) == 2


def test_founding_team_moves_together_with_pay_within_the_funding_scaled_cap(make_state):
    from market.codes import Employer, Reason
    from market.phases.spinouts import team_pay_cap

    infra = int(Specialty.INFRASTRUCTURE)
    people = [
        {"skill": 50.0, "comp_usd": 1e6},  # the founder
        {"skill": 9.0, "comp_usd": 300_000.0},
        {"skill": 8.0, "comp_usd": 3e6},  # paid above the cap: not asked
        {"skill": 7.0, "comp_usd": 300_000.0, "specialty": infra},
        {"skill": 6.0, "comp_usd": 400_000.0, "specialty": infra},
        {"skill": 1.0, "comp_usd": 300_000.0, "specialty": infra},  # not on the team
        {"skill": 30.0, "specialty": int(Specialty.PRODUCT)},  # product: not on the team
    ]
    market = {
        "spinout_rate_per_year": 1.0,
        "spinout_funding_usd": 1e8,
        "spinout_budget_share": 0.2,  # budget 20M
        "spinout_team_size": 4,
        "spinout_team_infra_share": 0.5,  # two infrastructure, two research
        "spinout_team_pay_share": 0.5,  # cap 0.5 x 20M / (4 + 1) = 2M
        "spinout_pull": 0,
    }
    st = make_state([{"name": "A"}, {"name": "B"}], people, market=market)
    st.star_skill = 40.0
    spin_out(st, np.random.default_rng(0))
    new = 2
    assert team_pay_cap(20e6, 4, st.cfg) == pytest.approx(2e6)
    assert st.labs.pay_cap_usd[new] == pytest.approx(2e6)
    emp = st.people.employer[:7]
    # the team is the best two infra people and the best researcher paid within the
    # 2M cap; all three join at their pay (preferences are neutral); the one paid 3M,
    # the least skilled infra person and product stay
    assert emp.tolist() == [new, new, 0, new, new, 0, 0]
    assert (st.people.comp_usd[[1, 3, 4]] == [300_000.0, 300_000.0, 400_000.0]).all()
    assert (st.people.comp_usd[:7][emp == new] <= 2e6).all()
    moves = st.ledger.move_records()
    assert (moves["reason"] == Reason.SPIN_OUT).sum() == 4  # founder + 3 of the team
    assert Employer.POOL not in moves["to_lab"].tolist()
    from market.phases.spinouts import founding_team

    assert founding_team(st, 0, cap=2e6).tolist() == [5]  # only the one left within the cap


def test_team_pay_cap_is_bounded(make_state):
    from market.config import MarketConfig
    from market.phases.spinouts import team_pay_cap

    cfg = MarketConfig(spinout_pay_cap_min_usd=1e6, spinout_pay_cap_max_usd=2e7)
    assert team_pay_cap(1e6, 9, cfg) == pytest.approx(1e6)  # 0.5 x 1M / 10 -> floor
    assert team_pay_cap(1e10, 9, cfg) == pytest.approx(2e7)  # ceiling
    assert team_pay_cap(2e8, 9, cfg) == pytest.approx(1e7)  # 0.5 x 200M / 10


def test_stars_are_the_researchers_at_labs_at_or_above_the_bar():
    rng = np.random.default_rng(3)
    n = 5_000
    employer = rng.integers(-2, 6, n).astype(np.int32)  # pool and gone codes included
    specialty = rng.integers(0, 3, n).astype(np.int8)
    skill = np.round(rng.normal(1.0, 0.5, n), 1)  # ties at the bar
    skill[::97] = np.nan
    for bar in (1.0, -np.inf, np.inf):
        expected = np.flatnonzero(
            (employer >= 0) & (specialty == Specialty.RESEARCH) & (skill >= bar)
        )
        np.testing.assert_array_equal(_stars(employer, specialty, skill, bar), expected)
    assert _stars(employer[:0], specialty[:0], skill[:0], 1.0).size == 0


@pytest.mark.parametrize("seed", range(8))
def test_best_first_is_the_head_of_a_stable_descending_argsort(seed):
    """Few and many rows, k of 0, 1, some, all and more than there are; ties at the
    k-th value, NaN (also as the k-th value), -0.0 against 0.0, ascending input."""
    rng = np.random.default_rng(seed)
    n = int(rng.choice([0, 1, 7, 300, 5_000]))
    values = np.round(rng.normal(1.0, 0.5, n + 20), 1)  # ties
    values[rng.integers(0, n + 20, 4)] = np.nan
    values[rng.integers(0, n + 20, 3)] = -0.0
    values[rng.integers(0, n + 20, 3)] = 0.0
    if seed == 5:
        values = np.arange(n + 20, dtype=float)
    if seed == 6:
        values[rng.random(n + 20) < 0.9] = np.nan  # the k-th highest is NaN
    rows = rng.permutation(n + 20)[:n]
    if seed % 2:
        rows = np.sort(rows)
    for k in (0, 1, 3, 10, 40, n - 1, n, n + 5):
        want = rows[np.argsort(-values[rows], kind="stable")][: max(k, 0)]
        np.testing.assert_array_equal(best_first(rows, values, max(k, 0)), want)
