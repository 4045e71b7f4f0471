import numpy as np
import pytest

from market.codes import Specialty
from market.phases.spinouts import spin_out


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
