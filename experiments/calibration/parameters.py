"""Free parameters of the calibration: scenario paths with bounds (``parameters.toml``).

Each parameter is a dotted scenario path (as in ``Scenario.with_overrides``) with a
lower and upper bound; the optimiser works on the unit cube ``[0, 1]^d`` mapped
linearly onto the bounds, so every parameter has the same scale. Paths and bounds are
checked against the base scenario before anything runs: an unknown path or an empty
range (``low >= high``) is a one-line :class:`ScenarioError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.calibration._toml import HERE, read_toml, validated
from experiments.sweeps.design import check_path
from market.config import Scenario
from market.errors import ScenarioError
from market.io import load_scenario

DEFAULT_FILE = HERE / "parameters.toml"


class FreeParameter(BaseModel):
    """One fitted scenario field and its search range."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1)
    """Dotted scenario path, e.g. ``market.move_threshold``."""
    low: float
    """Lower bound of the search range."""
    high: float
    """Upper bound (must exceed ``low``)."""
    description: str = ""
    """What the parameter is and which figure pins it down."""

    @model_validator(mode="after")
    def _range(self) -> Self:
        if not self.low < self.high:
            raise ValueError(
                f"{self.path}: empty bounds (low {self.low:g} must be < high {self.high:g})"
            )
        return self


class ParametersFile(BaseModel):
    """The whole ``parameters.toml``."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = "frontier-2025"
    """Base scenario: a built-in name or a TOML path (relative to the file)."""
    parameters: list[FreeParameter] = Field(min_length=1)
    """The free parameters, in the order of the parameter vector."""


@dataclass(frozen=True)
class ParameterSpace:
    """The free parameters checked against their base scenario."""

    base: Scenario
    parameters: tuple[FreeParameter, ...]
    integer: tuple[bool, ...]

    @property
    def names(self) -> list[str]:
        """Scenario paths, in vector order."""
        return [p.path for p in self.parameters]

    @property
    def low(self) -> np.ndarray:
        """Lower bounds."""
        return np.array([p.low for p in self.parameters])

    @property
    def high(self) -> np.ndarray:
        """Upper bounds."""
        return np.array([p.high for p in self.parameters])

    @property
    def dim(self) -> int:
        """Number of free parameters."""
        return len(self.parameters)

    def to_values(self, unit: np.ndarray) -> np.ndarray:
        """Unit-cube coordinates to parameter values (clipped into the bounds)."""
        u = np.clip(np.asarray(unit, dtype=float), 0.0, 1.0)
        return self.low + u * (self.high - self.low)

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Parameter values to unit-cube coordinates."""
        return (np.asarray(values, dtype=float) - self.low) / (self.high - self.low)

    def overrides(self, values: np.ndarray) -> dict[str, float | int]:
        """Scenario overrides for a parameter vector (integer fields rounded)."""
        out: dict[str, float | int] = {}
        for p, v, is_int in zip(self.parameters, values, self.integer, strict=True):
            out[p.path] = round(float(v)) if is_int else float(v)
        return out

    def base_values(self) -> np.ndarray:
        """The base scenario's value of every parameter."""
        return np.array(
            [float(check_path(self.base, p.path, None, "parameters")) for p in self.parameters]
        )


def load_parameters(
    path: str | Path = DEFAULT_FILE, base: Scenario | None = None
) -> ParameterSpace:
    """Read and check ``parameters.toml`` (``base``: use this scenario instead of the
    file's ``scenario``).
    """
    path = Path(path)
    spec = validated(ParametersFile, read_toml(path, "parameters"), "parameters")
    if base is None:
        candidate = path.parent / spec.scenario
        base = load_scenario(str(candidate) if candidate.is_file() else spec.scenario)
    return check_space(spec, base)


def check_space(spec: ParametersFile, base: Scenario) -> ParameterSpace:
    """Every path must name a scalar field accepting both bounds."""
    seen: set[str] = set()
    integer = []
    for i, p in enumerate(spec.parameters):
        where = f"parameters[{i}].path"
        if p.path in seen:
            raise ScenarioError(where, f"{p.path} is listed twice")
        seen.add(p.path)
        current = check_path(base, p.path, None, where) if _exists(base, p.path, where) else None
        is_int = isinstance(current, int) and not isinstance(current, bool)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise ScenarioError(where, f"{p.path} is not a numeric field")
        for bound in (p.low, p.high):
            check_path(base, p.path, round(bound) if is_int else bound, f"parameters[{i}]")
        integer.append(is_int)
    return ParameterSpace(base, tuple(spec.parameters), tuple(integer))


def _exists(base: Scenario, path: str, where: str) -> bool:
    try:
        check_path(base, path, None, where)
    except (KeyError, IndexError, ValueError):
        raise ScenarioError(where, f"unknown parameter {path!r} (not a scenario field)") from None
    return True
