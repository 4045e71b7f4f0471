"""Small designs for sweep tests: a few hundred people, a year, a handful of runs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from experiments.sweeps.design import ResolvedDesign, design_from_dict, resolve_design

TINY: dict[str, Any] = {
    "name": "tiny",
    "scenario": "frontier-2025",
    "n_engineers": 400,
    "steps": 12,
    "replications": 2,
    "root_seed": 7,
    "metrics": ["researchers", "talent_share", "research_hhi", "spin_outs"],
    "series": ["research"],
    "design": {
        "kind": "factorial",
        "parameters": [
            {"path": "labs.Meta.policy.pay_multiplier", "values": [1.0, 3.0]},
            {"path": "market.sigma", "values": [0.5, 1.5]},
        ],
    },
}


def tiny_dict(**changes: Any) -> dict[str, Any]:
    """A deep copy of the tiny design with top-level keys replaced."""
    data = copy.deepcopy(TINY)
    data.update(changes)
    return data


def tiny_design(**changes: Any) -> ResolvedDesign:
    """The tiny design, resolved."""
    return resolve_design(design_from_dict(tiny_dict(**changes)))


def write_design(path: Path, data: dict[str, Any]) -> Path:
    """Write a design dict as TOML."""
    path.write_bytes(tomli_w.dumps(data).encode())
    return path


@pytest.fixture
def tiny() -> ResolvedDesign:
    return tiny_design()


@pytest.fixture
def design_dict():
    """Factory: the tiny design dict with top-level keys replaced."""
    return tiny_dict


@pytest.fixture(scope="session")
def make_design():
    """Factory: the tiny design (with changes), resolved."""
    return tiny_design


@pytest.fixture
def design_file():
    """Factory: write a design dict to a TOML path."""
    return write_design
