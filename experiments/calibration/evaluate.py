"""Simulated moments of one parameter vector, on common random numbers, cached.

An evaluation runs the base scenario with the parameter vector's overrides for
``seeds`` replications whose seeds are children ``0..seeds-1`` of
``SeedSequence(root_seed)``: the same seeds for every candidate (common random
numbers), so differences between candidates are not seed noise. Each evaluation is a
one-point sweep (:mod:`experiments.sweeps`) stored under ``<out>/evals/<key>``, where
the key hashes the base scenario, size, seeds, overrides and the measured patterns: a
killed calibration rerun with the same inputs replays the same candidates, finds their
stores and recomputes nothing that finished (a half-finished evaluation resumes seed by
seed).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import market
from experiments.calibration.metrics import evaluate, run_data
from experiments.calibration.parameters import ParameterSpace
from experiments.calibration.patterns import PatternSpec, load_patterns
from experiments.sweeps.design import DesignFile, resolve_design
from experiments.sweeps.executors import Executor, SerialExecutor
from experiments.sweeps.runner import run_sweep

DECIMALS = 10
"""Parameter values are rounded to this many decimals in the cache key."""


def measure(scenario: market.Scenario, seed: np.random.SeedSequence, patterns: str) -> dict:
    """The sweep ``measure``: every pattern's simulated value in one run (by id)."""
    specs = load_patterns(patterns)
    run = run_data(scenario, seed)
    return {pid: evaluate(spec.metric, run) for pid, spec in specs.items()}


@dataclass
class Evaluator:
    """Cached, seed-paired evaluations of parameter vectors."""

    space: ParameterSpace
    patterns: dict[str, PatternSpec]
    patterns_file: Path
    out: Path
    seeds: int
    root_seed: int
    n_engineers: int | None = None
    steps: int | None = None
    executor: Executor = field(default_factory=SerialExecutor)
    computed: int = 0
    """Runs computed by this process (not found in a store)."""
    reused: int = 0
    """Runs found already stored."""
    _memo: dict[str, pd.DataFrame] = field(default_factory=dict)

    def key(self, overrides: dict[str, Any]) -> str:
        """Cache key of an evaluation (parameter vector + seeds + everything else)."""
        payload = {
            "base": self.space.base.model_dump(mode="json"),
            "n_engineers": self.n_engineers,
            "steps": self.steps,
            "seeds": self.seeds,
            "root_seed": self.root_seed,
            "overrides": {
                k: round(v, DECIMALS) if isinstance(v, float) else v
                for k, v in sorted(overrides.items())
            },
            "patterns": sorted((pid, p.metric) for pid, p in self.patterns.items()),
            "patterns_file": str(self.patterns_file),
        }
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:20]

    def per_seed(self, values: np.ndarray, extra: dict[str, Any] | None = None) -> pd.DataFrame:
        """Per-seed pattern values (one row per seed, one column per pattern id)."""
        overrides: dict[str, Any] = {**self.space.overrides(values), **(extra or {})}
        key = self.key(overrides)
        if key in self._memo:
            return self._memo[key]
        spec = DesignFile.model_validate(
            {
                "name": f"calibration-eval-{key[:8]}",
                "scenario": self.space.base.name,
                "n_engineers": self.n_engineers,
                "steps": self.steps,
                "replications": self.seeds,
                "root_seed": self.root_seed,
                "measure": "experiments.calibration.evaluate:measure",
                "measure_options": {"patterns": str(self.patterns_file.resolve())},
                "design": {"kind": "list", "points": [_plain(overrides)]},
            }
        )
        design = resolve_design(spec, base=self.space.base)
        outcome = run_sweep(design, self.out / "evals" / key, self.executor)
        self.computed += len(outcome.executed)
        self.reused += outcome.reused
        table = outcome.wide.sort_values("replicate")
        frame = pd.DataFrame(
            {pid: table[pid].to_numpy(dtype=float) for pid in self.patterns if pid in table}
        )
        self._memo[key] = frame
        return frame


def _plain(overrides: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in overrides.items()}
