"""Observed patterns (moments) with sources and tolerances (``patterns.toml``).

A pattern names a metric function (:mod:`experiments.calibration.metrics`), an observed
value, a tolerance (the scale of a one-unit miss in the objective, and the half-width
of the acceptance band unless ``low``/``high`` give the band), a source URL with a quote,
and a ``kind``. Kinds in :data:`HELD_OUT_KINDS` (lab-specific retention of hires,
lab-to-lab flow ratios) may never be training patterns (see
:mod:`experiments.calibration.split`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.calibration._toml import HERE, read_toml, validated
from market.errors import ScenarioError

DEFAULT_FILE = HERE / "patterns.toml"

PatternKind = Literal[
    "general",
    "lab_specific_retention",
    "lab_flow_ratio",
    "lab_headcount",
    "lab_hiring_mix",
    "lab_pay",
    "team_moves",
    "input_check",
    "input_echo",
]
HELD_OUT_KINDS: tuple[str, ...] = ("lab_specific_retention", "lab_flow_ratio")
"""Kinds that are judged against public figures and never fitted."""
Unit = Literal["share", "ratio", "count", "usd", "years", "rho"]


class PatternSpec(BaseModel):
    """One observed pattern."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Short identifier used by ``split.toml``."""
    description: str = Field(min_length=1)
    """What is measured, over which labs and period."""
    metric: str = Field(min_length=1)
    """Name of the metric function in :mod:`experiments.calibration.metrics`."""
    observed: float
    """The public figure (point value, in the metric's unit)."""
    tolerance: float = Field(gt=0)
    """Scale of a one-unit miss (the objective weight is 1 / tolerance^2)."""
    low: float | None = None
    """Low end of the acceptance band (default observed - tolerance)."""
    high: float | None = None
    """High end of the acceptance band (default observed + tolerance)."""
    unit: Unit = "ratio"
    """How values are printed."""
    kind: PatternKind
    """general, lab_specific_retention, lab_flow_ratio, lab_headcount, ..."""
    source_url: str = ""
    """Where the figure comes from (required)."""
    quote: str = ""
    """The sentence of the source that gives the figure (required)."""
    observed_text: str = ""
    """The figure as the source states it (default: the observed value)."""
    period: str = ""
    """Months the model metric covers, e.g. ``2025`` (for the reader)."""
    note: str = ""
    """How the model quantity maps onto the figure; why it may miss."""

    @model_validator(mode="after")
    def _sourced_and_banded(self) -> Self:
        if not self.source_url.strip() or not self.quote.strip():
            raise ValueError(f"{self.id}: a pattern needs a source_url and a quote")
        if not self.band[0] < self.band[1]:
            raise ValueError(f"{self.id}: empty band (low must be < high)")
        return self

    @property
    def band(self) -> tuple[float, float]:
        """The acceptance band."""
        low = self.observed - self.tolerance if self.low is None else self.low
        high = self.observed + self.tolerance if self.high is None else self.high
        return low, high


class PatternsFile(BaseModel):
    """The whole ``patterns.toml``."""

    model_config = ConfigDict(extra="forbid")

    patterns: list[PatternSpec] = Field(min_length=1)


def load_patterns(path: str | Path = DEFAULT_FILE) -> dict[str, PatternSpec]:
    """Patterns by id, in file order; unknown metrics and duplicate ids are errors."""
    from experiments.calibration.metrics import METRICS

    spec = validated(PatternsFile, read_toml(path, "patterns"), "patterns")
    out: dict[str, PatternSpec] = {}
    for i, pat in enumerate(spec.patterns):
        if pat.id in out:
            raise ScenarioError(f"patterns[{i}].id", f"{pat.id!r} is listed twice")
        if pat.metric.partition(":")[0] not in METRICS:
            raise ScenarioError(
                f"patterns[{i}].metric",
                f"unknown metric {pat.metric!r} (known: {', '.join(sorted(METRICS))})",
            )
        out[pat.id] = pat
    return out
