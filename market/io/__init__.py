"""File formats: scenario TOML in, result tables (Parquet, CSV, JSON metadata) out.

The model core never imports this package; front ends do.
"""

from market.io.atomic import atomic_write_bytes, atomic_write_text
from market.io.results import write_run
from market.io.scenario_toml import (
    builtin_scenarios,
    load_scenario,
    load_scenario_text,
    scenario_to_toml,
)

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "builtin_scenarios",
    "load_scenario",
    "load_scenario_text",
    "scenario_to_toml",
    "write_run",
]
