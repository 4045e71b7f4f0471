"""talent-market: an agent-based model of the AI talent market (Mesa 3.5).

Quick start::

    import market
    result = market.run_scenario(market.load_scenario("frontier-2025"), seed=1)
    result.tables["summary"]

or, Mesa-style, ``market.TalentMarket(n_engineers=1000, rng=1)`` and ``step()``.
"""

from market.agents import Engineer, Lab
from market.codes import MOVE_REASONS
from market.config import (
    Event,
    LabConfig,
    MarketConfig,
    Policy,
    PopulationConfig,
    Scenario,
    build_scenario,
    generic_scenario,
)
from market.errors import ScenarioError
from market.io.scenario_toml import (
    builtin_scenarios,
    load_scenario,
    load_scenario_text,
    scenario_to_toml,
)
from market.model import TalentMarket
from market.runner import RunResult, run_scenario
from market.tables import TABLE_NAMES

__all__ = [
    "MOVE_REASONS",
    "TABLE_NAMES",
    "Engineer",
    "Event",
    "Lab",
    "LabConfig",
    "MarketConfig",
    "Policy",
    "PopulationConfig",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "TalentMarket",
    "build_scenario",
    "builtin_scenarios",
    "generic_scenario",
    "load_scenario",
    "load_scenario_text",
    "run_scenario",
    "scenario_to_toml",
]
