"""Run a scenario to completion and collect its tables: the one entry point that the
CLI, the dashboard and the experiments share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from market.config import Scenario
from market.model import TalentMarket
from market.provenance import describe_seed, git_commit, package_versions, utc_now
from market.tables import build_tables

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(steps_done, steps_total)`` after every step."""


@dataclass
class RunResult:
    """Tables and provenance of one finished run."""

    scenario: Scenario
    seed: int | np.random.SeedSequence
    tables: dict[str, pd.DataFrame]
    metadata: dict[str, Any] = field(default_factory=dict)
    model: TalentMarket | None = None


def run_scenario(
    scenario: Scenario,
    *,
    seed: int | np.random.SeedSequence = 0,
    steps: int | None = None,
    progress: ProgressCallback | None = None,
    keep_model: bool = False,
) -> RunResult:
    """Build a :class:`TalentMarket` from ``scenario``, run ``steps`` months, tabulate.

    Args:
        scenario: a validated scenario.
        seed: an integer or a ``numpy.random.SeedSequence`` (replications spawn these).
        steps: months to run; defaults to ``scenario.steps``.
        progress: optional callback after each step.
        keep_model: keep the finished model on the result (for inspection, tests).

    """
    if steps is not None and steps != scenario.steps:
        scenario = scenario.with_overrides({"steps": steps})
    started = utc_now()
    model = TalentMarket(scenario=scenario, rng=seed)
    total = scenario.steps
    for done in range(1, total + 1):
        model.step()
        if progress is not None:
            progress(done, total)
    tables = build_tables(model)
    meta = {
        "scenario": scenario.name,
        "parameters": scenario.model_dump(mode="json"),
        "seed": describe_seed(seed),
        "event_overrides": [item.to_dict() for item in scenario.event_overrides],
        "steps": total,
        "start_month": scenario.start,
        "end_month": scenario.step_to_month(total),
        "n_engineers_initial": scenario.n_engineers,
        "versions": package_versions(),
        "git_commit": git_commit(),
        "started_utc": started,
        "finished_utc": utc_now(),
    }
    return RunResult(scenario, seed, tables, meta, model if keep_model else None)
