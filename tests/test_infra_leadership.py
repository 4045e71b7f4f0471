"""Infrastructure leadership (docs/ODD.md 7.2): leaders set how much of the infra team's
utilisation gain a fleet gets and how fast new GPUs come online.

Expected values are worked out by hand from the definitions:
f = l / (l + n_half (G / G_ref)^gamma), u = u_min + (u_max - u_min) z/(z+h) (q0 + (1-q0) f),
k = k_min + (k_max - k_min) f; a leader counts min(s, s_L) on the team.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from market.codes import Specialty
from market.config import MarketConfig
from market.leadership import leadership_sums
from market.phases.compute import grow
from market.phases.events import set_fleet
from market.production import (
    bring_up_share,
    leadership_factor,
    led_utilisation,
    online_within_year,
    utilisation,
)
from market.valuation import marginal_value


def _phase_state_builder():
    """``build_state`` of tests/phases/conftest.py (a hand-built market state)."""
    path = Path(__file__).parent / "phases" / "conftest.py"
    spec = importlib.util.spec_from_file_location("phase_state_builder", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_state


@pytest.fixture(scope="module")
def make_state():
    return _phase_state_builder()


INFRA = int(Specialty.INFRASTRUCTURE)
LEAD = {
    "infra_leadership_enabled": True,
    "infra_leader_skill": 10.0,
    "infra_leader_half_saturation": 4.0,
    "infra_leader_scale_exponent": 0.5,
    "infra_leaderless_share": 0.3,
    "compute_ref_h100e": 1000.0,
    "infra_half_saturation": 1.0,
    "infra_scale_exponent": 1.0,
    "utilisation_min": 0.1,
    "utilisation_max": 0.9,
}


def led(team, leaders, gpus, **kw):
    p = {**LEAD, **kw}
    return led_utilisation(
        np.atleast_1d(np.asarray(team, dtype=float)),
        np.atleast_1d(np.asarray(leaders, dtype=float)),
        np.atleast_1d(np.asarray(gpus, dtype=float)),
        p["utilisation_min"],
        p["utilisation_max"],
        p["infra_half_saturation"],
        p["infra_scale_exponent"],
        p["infra_leaderless_share"],
        p["infra_leader_half_saturation"],
        p["infra_leader_scale_exponent"],
        p["compute_ref_h100e"],
    )


def test_utilisation_by_hand():
    # G = 1,000 = G_ref: team 1 per 1,000 GPUs -> z/(z+h) = 0.5; need = 4 leader units.
    assert led(1.0, 0.0, 1000.0)[0] == pytest.approx(0.1 + 0.8 * 0.5 * 0.3)  # 0.22
    assert led(1.0, 4.0, 1000.0)[0] == pytest.approx(0.1 + 0.8 * 0.5 * (0.3 + 0.7 * 0.5))
    # G = 4,000: need = 4 * 2 = 8, so 8 leader units give half the effect.
    assert leadership_factor(np.array([8.0]), np.array([4000.0]), 4.0, 0.5, 1000.0)[
        0
    ] == pytest.approx(0.5)


def test_bring_up_share_by_hand_and_colossus_pace():
    k = bring_up_share(np.array([0.0, 4.0, 1e9]), np.full(3, 1000.0), 1 / 18, 0.6, 4.0, 0.5, 1e3)
    assert k == pytest.approx([1 / 18, 1 / 18 + (0.6 - 1 / 18) * 0.5, 0.6])
    # Saturated leadership: 1 - 0.4^4 = 97% of a backlog online within 4 months
    # (Colossus: 100k GPUs in 122 days); without leaders 1 - (17/18)^4 = 20%.
    assert 1 - (1 - k[2]) ** 4 > 0.9 > 0.25 > 1 - (1 - k[0]) ** 4


def test_online_within_year_is_the_mean_of_the_monthly_path():
    # k = 0.5: online after m months 1 - 0.5^m; mean over m = 1..12.
    expected = 100 * np.mean([1 - 0.5**m for m in range(1, 13)])
    assert online_within_year(np.array([100.0]), np.array([0.5]))[0] == pytest.approx(expected)
    assert online_within_year(np.array([100.0]), np.array([0.0]))[0] == 0.0


def test_leader_counts_once_on_the_team_not_as_forty_engineers(make_state):
    st = make_state(
        [{"name": "A"}, {"name": "B"}],
        [
            {"specialty": INFRA, "skill": 40.0, "employer": 0},
            {"specialty": INFRA, "skill": 2.0, "employer": 0},
            {"specialty": INFRA, "skill": 1.0, "employer": 1},
        ],
        market=LEAD,
    )
    units, team = leadership_sums(st.people, 2, st.cfg)
    assert units.tolist() == [4.0, 0.0]  # 40 / 10
    assert team.tolist() == [12.0, 1.0]  # min(40, 10) + 2


def test_switch_off_restores_the_plain_sum_utilisation(make_state):
    people = [{"specialty": INFRA, "skill": s, "employer": 0} for s in (40.0, 2.0)]
    st = make_state(
        [{"name": "A"}, {"name": "B"}], people, market={**LEAD, "infra_leadership_enabled": False}
    )
    expected = utilisation(np.array([42.0]), np.array([1000.0]), 0.1, 0.9, 1.0, 1.0)[0]
    assert st.lab_state.util[0] == pytest.approx(expected)
    grow(st)
    assert st.labs.gpus_backlog.tolist() == [0.0, 0.0]


def test_a_fleet_without_leaders_brings_gpus_online_slower_and_uses_them_less(make_state):
    team = [{"specialty": INFRA, "skill": 5.0, "employer": j} for j in (0, 1) for _ in range(40)]
    leaders = [{"specialty": INFRA, "skill": 20.0, "employer": 1} for _ in range(4)]
    st = make_state(
        [{"name": "NoLeaders", "gpus_h100e": 1e5}, {"name": "Led", "gpus_h100e": 1e5}],
        team + leaders,
        market={**LEAD, "compute_ref_h100e": 1e5},
    )
    agg = st.lab_state
    assert agg.util[0] < agg.util[1]
    assert agg.bring_up[0] == pytest.approx(1 / 18)
    assert agg.bring_up[1] > 3 * agg.bring_up[0]
    for j in (0, 1):  # both buy 100k more GPUs
        set_fleet(st, j, 2e5)
    for month in range(1, 5):
        st.step = month + 1
        grow(st)
    online = st.labs.gpus_h100e
    # Four months at k = 1/18: (17/18)^4 of the backlog still waits.
    assert st.labs.gpus_backlog[0] == pytest.approx(1e5 * (17 / 18) ** 4)
    assert online[1] > online[0]
    eff = online * st.refresh().util
    assert eff[1] > 1.3 * eff[0]


def test_one_leader_adds_more_effective_compute_at_a_big_fleet():
    """Same team per GPU; one leader (1 unit) at 10k vs 200k GPUs, G_ref = 100k.

    f(1) = 1 / (1 + 4 (G/1e5)^0.5): 0.442 at 10k, 0.150 at 200k; the gain in effective
    compute G u is G (u_max - u_min) z/(z+h) (1 - q0) f: 4.4k vs 30k GPU-units x const.
    """
    gains = []
    for gpus in (1e4, 2e5):
        team = gpus / 1000  # one skill unit per 1,000 GPUs: z/(z+h) = 0.5 at both
        kw = {"compute_ref_h100e": 1e5}
        gain = gpus * (led(team, 1.0, gpus, **kw) - led(team, 0.0, gpus, **kw))[0]
        f = 1 / (1 + 4 * (gpus / 1e5) ** 0.5)
        assert gain == pytest.approx(gpus * 0.8 * 0.5 * 0.7 * f)
        gains.append(gain)
    assert gains[1] > 5 * gains[0]


def test_a_lab_ramping_compute_values_a_leader_more(make_state):
    team = [{"specialty": INFRA, "skill": 3.0, "employer": 0} for _ in range(60)]
    outsider = {"specialty": INFRA, "skill": 30.0, "employer": 1}
    researchers = [{"skill": 2.0, "employer": 0} for _ in range(200)]
    market = {**LEAD, "compute_ref_h100e": 1e5}
    st = make_state(
        [{"name": "A", "gpus_h100e": 1e5}, {"name": "B"}],
        [*team, outsider, *researchers],
        market=market,
    )
    rows, labs, inc = np.array([60]), np.array([0]), np.array([False])
    steady = marginal_value(st.lab_state, st.people, rows, labs, inc, st.cfg, 1.0)[0]
    set_fleet(st, 0, 3e5)  # 200k GPUs bought, not yet online
    ramping = marginal_value(st.refresh(), st.people, rows, labs, inc, st.cfg, 1.0)[0]
    assert steady > 0
    assert ramping > 1.5 * steady
    # A non-leader's value does not depend on the leadership channel's bring-up.
    st.people.skill[60] = 3.0
    st.people.touch()
    plain = marginal_value(st.refresh(), st.people, rows, labs, inc, st.cfg, 1.0)[0]
    assert plain < ramping / 5


def test_fleet_events_fill_the_backlog_and_cut_it_first(make_state):
    st = make_state([{"name": "A", "gpus_h100e": 100.0}, {"name": "B"}], [], market=LEAD)
    assert set_fleet(st, 0, 250.0) == 100.0
    assert (st.labs.gpus_h100e[0], st.labs.gpus_backlog[0]) == (100.0, 150.0)
    assert set_fleet(st, 0, 80.0) == 250.0  # cut 170: all 150 of backlog, then 20 online
    assert (st.labs.gpus_h100e[0], st.labs.gpus_backlog[0]) == (80.0, 0.0)


def test_leadership_parameters_are_validated():
    with pytest.raises(ValueError, match="bring_up_min_per_month"):
        MarketConfig(bring_up_min_per_month=0.7, bring_up_max_per_month=0.5)
    with pytest.raises(ValueError):
        MarketConfig(infra_leaderless_share=1.5)
