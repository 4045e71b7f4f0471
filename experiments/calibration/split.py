"""The train/test split, fixed before fitting (``split.toml``).

``train`` patterns enter the objective; ``test`` patterns are validation and never
enter it; ``check`` patterns (input checks, rows that echo an input) are reported but
count as neither. A pattern may be in one list only, every listed id must exist, and a
pattern of a held-out kind (lab-specific retention, lab-to-lab flow ratios) may never
be a training pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from experiments.calibration._toml import HERE, read_toml, validated
from experiments.calibration.patterns import HELD_OUT_KINDS, PatternSpec
from market.errors import ScenarioError

DEFAULT_FILE = HERE / "split.toml"
ROLES = ("train", "test", "check")


class SplitFile(BaseModel):
    """The whole ``split.toml``."""

    model_config = ConfigDict(extra="forbid")

    train: list[str] = Field(min_length=1)
    """Pattern ids that enter the objective."""
    test: list[str] = Field(default_factory=list)
    """Pattern ids that are validation."""
    check: list[str] = Field(default_factory=list)
    """Pattern ids reported as input checks (neither calibration nor validation)."""
    reason: str = ""
    """Why the split is what it is (shown in the report)."""


@dataclass(frozen=True)
class Split:
    """A checked split over a set of patterns."""

    train: tuple[str, ...]
    test: tuple[str, ...]
    check: tuple[str, ...]
    reason: str = ""

    def role(self, pattern_id: str) -> str:
        """train, test, check, or unused."""
        for name in ROLES:
            if pattern_id in getattr(self, name):
                return name
        return "unused"


def load_split(patterns: dict[str, PatternSpec], path: str | Path = DEFAULT_FILE) -> Split:
    """Read ``split.toml`` and check it against ``patterns``."""
    spec = validated(SplitFile, read_toml(path, "split"), "split")
    return check_split(spec, patterns)


def check_split(spec: SplitFile, patterns: dict[str, PatternSpec]) -> Split:
    """One-line errors for unknown ids, ids in two lists, held-out kinds in train."""
    seen: dict[str, str] = {}
    for role in ROLES:
        for pid in getattr(spec, role):
            if pid not in patterns:
                raise ScenarioError(f"split.{role}", f"unknown pattern {pid!r}")
            if pid in seen:
                raise ScenarioError(
                    f"split.{role}", f"pattern {pid!r} is in both {seen[pid]} and {role}"
                )
            seen[pid] = role
    for pid in spec.train:
        kind = patterns[pid].kind
        if kind in HELD_OUT_KINDS:
            raise ScenarioError(
                "split.train",
                f"pattern {pid!r} is of held-out kind {kind!r}: it may only be a test pattern",
            )
    return Split(tuple(spec.train), tuple(spec.test), tuple(spec.check), spec.reason)
