"""Runs of a sweep: design points times replications, each with a spawned seed.

Seeds come from one root ``numpy.random.SeedSequence(root_seed)``. With common random
numbers (the default) replicate ``r`` of every point uses child ``r`` of the root, so
points are compared on the same random draws; otherwise run ``(p, r)`` uses child
``p * R + r``. The entropy and the spawn key are stored as strings, so any run can be
rebuilt alone with :meth:`RunSpec.seed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from market.provenance import describe_seed, seed_from_description

if TYPE_CHECKING:
    from experiments.sweeps.design import ResolvedDesign, Scalar


@dataclass(frozen=True)
class RunSpec:
    """One run: its id, design point, replicate, overrides and seed."""

    run_id: str
    point: int
    replicate: int
    overrides: dict[str, Scalar]
    seed_entropy: str
    seed_spawn_key: str

    def seed(self) -> np.random.SeedSequence:
        """The run's SeedSequence, rebuilt from the stored strings."""
        seed = seed_from_description(
            {"entropy": self.seed_entropy, "spawn_key": self.seed_spawn_key}
        )
        assert isinstance(seed, np.random.SeedSequence)
        return seed

    def identity(self) -> dict[str, Any]:
        """The columns that identify the run in every table."""
        return {
            "run_id": self.run_id,
            "point": self.point,
            "replicate": self.replicate,
            "seed_entropy": self.seed_entropy,
            "seed_spawn_key": self.seed_spawn_key,
        }


def run_id(point: int, replicate: int) -> str:
    """Stable, sortable id of run ``(point, replicate)``."""
    return f"p{point:05d}-r{replicate:04d}"


def build_plan(design: ResolvedDesign) -> list[RunSpec]:
    """Every run of ``design`` in (point, replicate) order."""
    reps = design.file.replications
    root = np.random.SeedSequence(design.file.root_seed)
    n_children = reps if design.file.common_random_numbers else reps * len(design.points)
    children = root.spawn(n_children)
    runs = []
    for p, point in enumerate(design.points):
        for r in range(reps):
            child = children[r if design.file.common_random_numbers else p * reps + r]
            described = describe_seed(child)
            runs.append(
                RunSpec(
                    run_id=run_id(p, r),
                    point=p,
                    replicate=r,
                    overrides=dict(point),
                    seed_entropy=described["entropy"],
                    seed_spawn_key=described["spawn_key"],
                )
            )
    return runs
