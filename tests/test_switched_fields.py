"""A change to a field whose mechanism is switched off is refused, never silently lost."""

from __future__ import annotations

import typing

import pandas as pd
import pytest

import market
from market import ScenarioError
from market.config import (
    SWITCHED_FIELDS,
    MarketConfig,
    Policy,
    PopulationConfig,
    build_scenario,
)
from market.tables import build_tables

GENERIC = market.generic_scenario(4, 300)


def test_every_entry_names_a_field_and_a_boolean_switch():
    models = {"market": MarketConfig, "population": PopulationConfig, "labs": Policy}
    for path, (switch, value) in SWITCHED_FIELDS.items():
        section, name = path.split(".")[0], path.split(".")[-1]
        assert name in models[section].model_fields, path
        assert MarketConfig.model_fields[switch].annotation is bool, switch
        assert isinstance(value, bool)


def test_a_change_under_an_off_switch_is_refused_naming_the_switch():
    with pytest.raises(ScenarioError) as err:
        GENERIC.with_overrides({"market.option_value_enabled": False, "market.discount_rate": 0.2})
    assert err.value.field == "market.discount_rate"
    assert "market.option_value_enabled = false" in str(err.value)
    assert "set market.option_value_enabled = true too" in str(err.value)
    # v1's search fields are read only with vacancies off
    with pytest.raises(ScenarioError) as err:
        GENERIC.with_overrides({"market.candidates_per_lab": 30})
    assert "market.vacancies_enabled = true" in str(err.value)


def test_a_lab_policy_under_an_off_switch_is_refused_for_one_lab_or_all():
    off = GENERIC.with_overrides({"market.counter_offers_enabled": False})
    for path in ("labs.Lab1.policy.counter_offer", "labs.*.policy.counter_offer"):
        with pytest.raises(ScenarioError) as err:
            off.with_overrides({path: "exceed"})
        assert err.value.field == path
        assert "market.counter_offers_enabled = false" in str(err.value)
    assert GENERIC.with_overrides({"labs.Lab1.policy.counter_offer": "exceed"})


def test_the_same_change_with_its_switch_on_is_accepted():
    v1_search = {"market.vacancies_enabled": False, "market.candidates_per_lab": 30}
    sc = GENERIC.with_overrides(v1_search)
    assert sc.market.candidates_per_lab == 30
    sc = GENERIC.with_overrides({"market.discount_rate": 0.2})  # option value on by default
    assert sc.market.discount_rate == 0.2


def test_a_market_event_that_turns_the_switch_on_keeps_the_change():
    data = GENERIC.with_overrides({"market.option_value_enabled": False}).model_dump()
    data["events"] = [{"at": 6, "field": "option_value_enabled", "value": True}]
    sc = build_scenario(data).with_overrides({"market.discount_rate": 0.2})
    assert sc.market.discount_rate == 0.2


def _tables(sc: market.Scenario) -> dict:
    model = market.TalentMarket(scenario=sc, rng=7)
    for _ in range(sc.steps):
        model.step()
    return build_tables(model)


def _changed(value: typing.Any) -> typing.Any:
    if isinstance(value, bool):
        return not value
    if value in ("match", "exceed", "none"):
        return "exceed" if value != "exceed" else "match"
    if isinstance(value, str):
        return "value_per_dollar" if value != "value_per_dollar" else "rounds"
    if isinstance(value, int):
        return value + 1
    return value * 0.5 if value else 0.5


@pytest.mark.parametrize("path", sorted(SWITCHED_FIELDS))
def test_a_switched_off_field_changes_nothing(path):
    """The table's claim, checked by running: with the switch the other way, a changed
    value gives the same tables as the default, bit for bit (12 months, 300 people)."""
    switch, needed = SWITCHED_FIELDS[path]
    data = GENERIC.model_dump()
    data["steps"] = 12
    data["market"][switch] = not needed
    before = _tables(build_scenario(data))
    name = path.split(".")[-1]
    if path.startswith("labs.*.policy."):
        for lab in data["labs"]:
            lab["policy"][name] = _changed(lab["policy"][name])
    else:
        section = path.split(".")[0]
        data[section][name] = _changed(data[section][name])
    after = _tables(build_scenario(data))
    assert set(before) == set(after)
    for key, table in before.items():
        pd.testing.assert_frame_equal(table, after[key], check_exact=True, obj=f"{path}: {key}")
