"""Scenario validation: clear messages naming the field and the allowed range."""

from __future__ import annotations

import pytest

import market
from market import ScenarioError


def test_error_names_field_and_range():
    sc = market.generic_scenario(4, 200)
    with pytest.raises(ScenarioError) as err:
        sc.with_overrides({"labs.Lab1.policy.pay_multiplier": 50})
    assert str(err.value) == "labs.Lab1.policy.pay_multiplier: must be >= 0.1 and <= 10 (got 50)"
    assert err.value.field == "labs.Lab1.policy.pay_multiplier"
    with pytest.raises(ScenarioError, match=r"labs.Lab2.budget_usd: must be >= 0 and <= 1e\+12"):
        sc.with_overrides({"labs.Lab2.budget_usd": -1})
    with pytest.raises(ScenarioError, match=r"market\.sigma: must be >= 0 and <= 3"):
        sc.with_overrides({"market.sigma": -0.1})
    with pytest.raises(ScenarioError, match=r"market\.nonsense: unknown field"):
        sc.with_overrides({"market.nonsense": 1})


def test_wildcard_override_sets_every_lab():
    sc = market.generic_scenario(4, 200).with_overrides({"labs.*.policy.noncompete_months": 9})
    assert {lab.policy.noncompete_months for lab in sc.labs} == {9}


def test_cross_field_rules():
    data = market.generic_scenario(3, 100).model_dump()
    data["labs"][0]["policy"]["vesting_cliff_months"] = 60
    data["labs"][0]["policy"]["vesting_months"] = 12
    with pytest.raises(ScenarioError, match=r"vesting_cliff_months .* must be <= vesting_months"):
        market.build_scenario(data)
    data = market.generic_scenario(3, 100).model_dump()
    data["labs"][1]["name"] = data["labs"][0]["name"]
    with pytest.raises(ScenarioError, match="appears twice"):
        market.build_scenario(data)
    data = market.generic_scenario(3, 100).model_dump()
    data["labs"][0]["ties"] = ["Atlantis"]
    with pytest.raises(ScenarioError, match="unknown lab 'Atlantis'"):
        market.build_scenario(data)


@pytest.mark.parametrize(
    "event, message",
    [
        (
            {"at": "2031-01", "lab": "Lab1", "field": "pay_multiplier", "value": 2},
            "outside the run",
        ),
        ({"at": 0, "lab": "Lab1", "field": "pay_multiplier", "value": 2}, "outside the run"),
        ({"at": "2025-13", "lab": "Lab1", "field": "pay_multiplier", "value": 2}, "YYYY-MM"),
        ({"at": 3, "lab": "Nope", "field": "pay_multiplier", "value": 2}, "unknown lab 'Nope'"),
        ({"at": 3, "lab": "Lab1", "field": "salary", "value": 2}, "unknown lab field 'salary'"),
        ({"at": 3, "lab": "Lab1", "field": "pay_multiplier", "value": 99}, "pay_multiplier"),
        ({"at": 3, "field": "sigma", "value": 7}, "sigma"),
        ({"at": 3, "field": "bogus", "value": 7}, "unknown market field 'bogus'"),
    ],
)
def test_bad_events_are_rejected(event, message):
    data = market.generic_scenario(3, 100).model_dump()
    data["steps"] = 24
    data["events"] = [event]
    with pytest.raises(ScenarioError, match=message):
        market.build_scenario(data)


def test_months_and_steps_convert_both_ways():
    sc = market.generic_scenario(3, 100)
    assert sc.month_to_step("2025-01") == 1
    assert sc.month_to_step("2026-03") == 15
    assert sc.step_to_month(15) == "2026-03"
    assert sc.step_to_month(0) == "2024-12"


def test_scaled_keeps_per_head_ratios():
    sc = market.generic_scenario(5, 1000)
    small = sc.scaled(250)
    assert abs(small.n_engineers - 250) <= len(sc.labs)
    for big, little in zip(sc.labs, small.labs, strict=True):
        ratio_big = big.gpus_h100e / big.headcount.total
        ratio_small = little.gpus_h100e / little.headcount.total
        assert ratio_small == pytest.approx(ratio_big, rel=0.05)
    with pytest.raises(ScenarioError, match="n_engineers"):
        sc.scaled(2)


def test_model_keyword_parameters(small_scenario):
    model = market.TalentMarket(n_labs=5, n_engineers=300, sigma=1.5, rng=1)
    assert model.config.market.sigma == 1.5
    assert len(model.labs) == 5
    with pytest.raises(ScenarioError, match="colour: unknown model parameter"):
        market.TalentMarket(n_engineers=100, colour="red")
    with pytest.raises(ScenarioError, match="must be >= 0"):
        market.TalentMarket(n_engineers=100, graduates_per_year=-3)


def test_toml_round_trip(tmp_path):
    sc = market.generic_scenario(4, 300).with_overrides({"market.sigma": 1.7})
    path = tmp_path / "s.toml"
    path.write_text(market.scenario_to_toml(sc))
    assert market.load_scenario(path) == sc


def test_shorter_runs_drop_unreachable_events_but_bad_events_still_fail():
    data = market.generic_scenario(3, 100).model_dump()
    data["steps"] = 24
    data["events"] = [
        {"at": 3, "lab": "Lab1", "field": "pay_multiplier", "value": 2},
        {"at": "2026-06", "lab": "Lab1", "field": "pay_multiplier", "value": 3},
    ]
    sc = market.build_scenario(data)
    assert len(sc.truncated(12).events) == 1
    assert sc.with_overrides({"steps": 12}).events == sc.truncated(12).events
    assert len(sc.with_overrides({"steps": 36}).events) == 2  # longer runs keep them all
    with pytest.raises(ScenarioError, match="steps: must be >= 1"):
        sc.truncated(0)
    data["events"][1]["at"] = "2027-06"  # outside the scenario's own 24 months
    with pytest.raises(ScenarioError, match=r"events\[1\]\.at: .* outside the run"):
        market.build_scenario(data)


@pytest.mark.parametrize("name", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"])
def test_names_that_a_spreadsheet_would_run_as_formulas_are_refused(name):
    """Lab and person names go into every exported CSV; a cell starting with =, +, -,
    @, a tab or a carriage return is a formula in Excel or LibreOffice."""
    data = market.generic_scenario(3, 100).model_dump()
    data["labs"][0]["name"] = name
    with pytest.raises(ScenarioError, match=r"\.name: must not start with =, \+, -, @"):
        market.build_scenario(data)
    data = market.load_scenario("frontier-2025").model_dump()
    data["people"][0]["name"] = name
    with pytest.raises(ScenarioError, match=r"people.*\.name: must not start with ="):
        market.build_scenario(data)


def test_names_with_formula_characters_inside_are_kept():
    data = market.generic_scenario(3, 100).model_dump()
    data["labs"][0]["name"] = "Lab A+B = C"
    for lab in data["labs"]:
        lab["ties"] = [t for t in lab["ties"] if t != "Lab1"]
    assert market.build_scenario(data).labs[0].name == "Lab A+B = C"
