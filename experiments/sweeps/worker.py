"""The unit of work sent to an executor: a batch of runs, returned as table rows.

Everything here is picklable (plain dataclasses, a pydantic Scenario, top-level
functions) so the same task runs in-process, in a process pool or on a Dask worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from experiments.sweeps.design import build_run_scenario, resolve_measure
from experiments.sweeps.metrics import compute_metrics
from experiments.sweeps.plan import RunSpec
from market.config import Scenario
from market.runner import run_scenario


@dataclass(frozen=True)
class BatchTask:
    """A batch of runs sharing one base scenario and one set of metrics."""

    batch_id: str
    base: Scenario
    n_engineers: int | None
    steps: int | None
    metrics: list[str]
    series: list[str]
    parameter_dtypes: dict[str, str]
    runs: list[RunSpec]
    precedence: str = "user"
    parameter_defaults: dict[str, object] = field(default_factory=dict)
    measure: str | None = None
    measure_options: dict[str, object] = field(default_factory=dict)


@dataclass
class BatchResult:
    """Per-run outcome rows (and per-step series rows) of one batch."""

    batch_id: str
    run_ids: list[str]
    runs: pd.DataFrame
    series: pd.DataFrame | None
    seconds: float
    seconds_per_run: list[float] = field(default_factory=list)


def execute_batch(task: BatchTask) -> BatchResult:
    """Run every run of ``task`` and tabulate its metrics (or its ``measure``)."""
    started = time.perf_counter()
    rows, series_frames, per_run = [], [], []
    labs = task.base.lab_names
    measure = resolve_measure(task.measure) if task.measure else None
    for spec in task.runs:
        t0 = time.perf_counter()
        scenario = build_run_scenario(
            task.base, spec.overrides, task.n_engineers, task.steps, task.precedence
        )
        row = {
            **spec.identity(),
            **{
                k: spec.overrides.get(k, task.parameter_defaults.get(k))
                for k in task.parameter_dtypes
            },
        }
        if measure is not None:
            row.update(measure(scenario, spec.seed(), **task.measure_options))
            rows.append(row)
            per_run.append(time.perf_counter() - t0)
            continue
        result = run_scenario(scenario, seed=spec.seed())
        row.update(compute_metrics(result.tables, labs, task.metrics))
        rows.append(row)
        if task.series:
            frame = result.tables["labs"][["step", "month", "lab", *task.series]].copy()
            frame.insert(0, "run_id", spec.run_id)
            series_frames.append(frame)
        per_run.append(time.perf_counter() - t0)
    runs = pd.DataFrame(rows).astype(task.parameter_dtypes)
    series = pd.concat(series_frames, ignore_index=True) if series_frames else None
    return BatchResult(
        task.batch_id,
        [s.run_id for s in task.runs],
        runs,
        series,
        time.perf_counter() - started,
        per_run,
    )
