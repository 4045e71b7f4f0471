"""Shared fixtures: small scenarios built in code so core tests never depend on the
calibrated scenario's numbers."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import market


def two_lab_scenario(**market_overrides: Any) -> market.Scenario:
    """Lab A (GPU-rich) and lab B (GPU-poor), one researcher at B, every mechanism off
    except offers and counter-offers, no amenities or switching costs."""
    lab_common = {
        "budget_usd": 1e12,
        "budget_growth_per_year": 0.0,
        "comp_median_usd": 1_000.0,
        "mission": 0.5,
        "policy": {
            "pay_multiplier": 1.0,
            "pay_cap_usd": 1e9,
            "counter_offer": "exceed",
            "equity_share": 0.0,
            "noncompete_months": 0,
        },
    }
    data = {
        "name": "two-labs",
        "steps": 12,
        "labs": [
            {**lab_common, "name": "A", "gpus_h100e": 400_000.0, "headcount": {"research": 0}},
            {**lab_common, "name": "B", "gpus_h100e": 50_000.0, "headcount": {"research": 1}},
        ],
        "population": {
            "graduates_per_year": 0.0,
            "pref_compute": 0.0,
            "pref_mission": 0.0,
            "pref_colleagues": 0.0,
            "pref_dispersion": 0.0,
        },
        "market": {
            "sigma": 0.5,
            "compute_ref_h100e": 100_000.0,
            "talent_ref": 1.0,
            "infra_enabled": False,
            "utilisation_max": 1.0,
            "value_per_output_usd": 1e6,
            "candidates_per_lab": 50,
            "vacancies_enabled": False,  # the pair meets through candidates_per_lab
            "move_threshold": 0.0,
            "attrition_enabled": False,
            "graduates_enabled": False,
            "layoffs_enabled": False,
            "spinouts_enabled": False,
            "capability_delta": 0.0,
            "option_value_enabled": False,  # plain Bertrand wages
            **market_overrides,
        },
    }
    return market.build_scenario(data)


@pytest.fixture
def two_labs():
    """Factory for :func:`two_lab_scenario` (market fields as keyword overrides)."""
    return two_lab_scenario


@pytest.fixture
def small_scenario() -> market.Scenario:
    """A generic 6-lab market of 600 people, 24 months."""
    return market.generic_scenario(n_labs=6, n_engineers=600).with_overrides({"steps": 24})


def every_rule_and_an_empty_lab(agg):
    """``agg`` (a :class:`market.valuation.LabState`) with allocation rules 0, 1, 2 in
    turn and lab 1 without researchers, research sums, talent, product staff or GPUs."""
    n_labs = agg.n_labs
    empty = np.arange(n_labs) == 1
    heads = agg.headcount.copy()
    heads[0, empty] = 0.0
    zero = np.zeros(n_labs)
    return dataclasses.replace(
        agg,
        allocation=np.arange(n_labs) % 3,
        headcount=heads,
        research_s1=np.where(empty, zero, agg.research_s1),
        research_s2=np.where(empty, zero, agg.research_s2),
        talent=np.where(empty, zero, agg.talent),
        product=np.where(empty, zero, agg.product),
        gpus=np.where(empty, zero, agg.gpus),
    )


@pytest.fixture
def with_every_rule_and_an_empty_lab():
    """:func:`every_rule_and_an_empty_lab`, as a fixture."""
    return every_rule_and_an_empty_lab


def load_benchmark_script(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module (the benchmarks are scripts, not a package)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def benchmark_script():
    """:func:`load_benchmark_script`, for tests of the benchmark scripts."""
    return load_benchmark_script
