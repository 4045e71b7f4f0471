"""experiments/infra_leaders.py: the counterfactual, the pairing and the money figure."""

from __future__ import annotations

import pandas as pd
import pytest

import market
from experiments import infra_leaders as il
from market.io import load_scenario


@pytest.fixture(scope="module")
def led() -> market.Scenario:
    base = load_scenario("frontier-2025")
    return base.with_overrides({"market.infra_leadership_enabled": True}).truncated(9)


def test_without_hires_keeps_the_four_at_home_until_the_same_month(led):
    none = il.without_hires(led)
    assert il.hire_events(none) == []
    hire = led.events[il.hire_events(led)[0]]
    stays = [e for e in none.events if e.note == "stays"]
    home = {p.name: p.lab for p in led.people}
    assert sorted(n for e in stays for n in e.names) == sorted(hire.names)
    assert all(e.to_lab == home[e.names[0]] and e.at == hire.at for e in stays)
    assert il.hired_pay(led) == 3e6 + 3e6 + 1.5e6 + 1.5e6


def test_variants_are_identical_until_the_move_and_differ_after(led):
    small = led.scaled(1500)
    with_hires = market.run_scenario(small, seed=5).tables["moves"]
    without = market.run_scenario(il.without_hires(small), seed=5).tables["moves"]
    month = il.hire_step(small)
    before = [m[m["step"] < month].reset_index(drop=True) for m in (with_hires, without)]
    pd.testing.assert_frame_equal(*before)
    named = with_hires[with_hires["reason"] == "named_move"]
    assert set(named.loc[named["to_lab"] == "OpenAI", "name"]) == {
        "David Lau",
        "Uday Ruddarraju",
        "Mike Dalton",
        "Angela Fan",
    }
    assert (without.loc[without["reason"] == "named_move", "to_lab"] != "OpenAI").all()


def test_gpu_equivalent_by_hand():
    summary = pd.DataFrame(
        [
            {"point": 0, "lab": "OpenAI", "metric": "utilisation", "none_mean": 0.5},
            {
                "point": 0,
                "lab": "OpenAI",
                "metric": "eff_compute",
                "diff_mean": 10.0,
                "diff_lo": 1.0,
                "diff_hi": 19.0,
            },
        ]
    )
    money = il.gpu_equivalent(summary, 4e6, 30, 40_000.0).iloc[0]
    assert money["gpus_bought"] == pytest.approx(4e6 * 2.5 / 40_000)  # 250 GPUs
    assert money["eff_compute_of_gpus"] == pytest.approx(125.0)
    assert money["eff_compute_gain_of_hires"] == 10.0


def test_sensitivity_adds_the_leadership_parameters_only_when_asked():
    from experiments import sensitivity

    plain = [p.path for p in sensitivity.design(8).design.parameters]
    led = [p.path for p in sensitivity.design(8, leadership=True).design.parameters]
    extra = [path for path, _, _ in sensitivity.LEADERSHIP_PARAMETERS]
    assert plain == [path for path, _, _ in sensitivity.PARAMETERS]
    assert led == plain + extra
    for path in extra:  # every leadership parameter is a MarketConfig field
        assert path.removeprefix("market.") in market.MarketConfig.model_fields
