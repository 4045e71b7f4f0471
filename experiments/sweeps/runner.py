"""Run a resolved design: skip stored runs, batch the rest, store, tabulate.

The first missing run is timed in this process (and stored like any batch); the rest
are cut into batches of at least ``MIN_BATCH_SECONDS`` of work, small enough that every
worker gets several. Batching never changes results, only how often the store is
written.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from experiments.sweeps.design import ResolvedDesign
from experiments.sweeps.executors import Executor, SerialExecutor
from experiments.sweeps.plan import RunSpec, build_plan
from experiments.sweeps.store import Store
from experiments.sweeps.tables import (
    aggregate,
    event_overrides_table,
    outcomes_table,
    runs_table,
    series_table,
    write_tables,
)
from experiments.sweeps.worker import BatchResult, BatchTask, execute_batch
from market.runner import RunResult, run_scenario

MIN_BATCH_SECONDS = 0.5
MAX_BATCH_SECONDS = 60.0
BATCHES_PER_WORKER = 4

ProgressFn = Callable[[int, int], None]
"""Called as ``progress(runs_done, runs_total)``."""


@dataclass
class SweepOutcome:
    """What a sweep produced and what this invocation did."""

    out_dir: Path
    design: ResolvedDesign
    tables: dict[str, pd.DataFrame]
    """The written tables: runs, outcomes, aggregate, event_overrides (and series)."""
    wide: pd.DataFrame
    """Outcomes with one row per run and a ``metric.lab`` column each (for analysis)."""
    executed: list[str] = field(default_factory=list)
    """Run ids computed by this call (not loaded from the store)."""
    reused: int = 0
    """Runs found already stored."""
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def batch_size(seconds_per_run: float, remaining: int, workers: int) -> int:
    """Runs per task: at least MIN_BATCH_SECONDS of work, at most MAX_BATCH_SECONDS,
    and otherwise small enough for BATCHES_PER_WORKER tasks per worker.
    """
    per_run = max(seconds_per_run, 1e-3)
    balance = math.ceil(remaining / (BATCHES_PER_WORKER * max(workers, 1)))
    upper = max(1, min(balance, math.floor(MAX_BATCH_SECONDS / per_run)))
    return max(1, math.ceil(MIN_BATCH_SECONDS / per_run), upper) if remaining else 0


def make_batches(runs: list[RunSpec], size: int) -> list[list[RunSpec]]:
    """Consecutive chunks of ``size`` runs."""
    return [runs[i : i + size] for i in range(0, len(runs), max(size, 1))]


def batch_id(runs: list[RunSpec]) -> str:
    """A name that depends only on the runs in the batch."""
    digest = hashlib.sha1("|".join(r.run_id for r in runs).encode()).hexdigest()[:10]
    return f"{runs[0].run_id}_{len(runs)}_{digest}"


def run_sweep(
    design: ResolvedDesign,
    out: str | Path,
    executor: Executor | None = None,
    *,
    batch_runs: int | None = None,
    progress: ProgressFn | None = None,
) -> SweepOutcome:
    """Run every missing run of ``design`` into the store at ``out``; write the tables.

    Args:
        design: a resolved design (:func:`experiments.sweeps.load_design`).
        out: output folder; rerunning with the same design resumes.
        executor: where runs execute (default: serial in this process).
        batch_runs: fixed runs per task instead of the timed estimate.
        progress: optional callback after each stored batch.

    """
    started = time.perf_counter()
    out = Path(out)
    store = Store(out, design)
    warnings = store.load()
    plan = build_plan(design)
    missing = store.missing(plan)
    reused = len(plan) - len(missing)
    executed: list[str] = []
    executor = executor or SerialExecutor()
    if progress is not None:
        progress(reused, len(plan))

    def stored(result: BatchResult) -> None:
        store.add(result, plan)
        executed.extend(result.run_ids)
        if progress is not None:
            progress(reused + len(executed), len(plan))

    if missing:
        if batch_runs is None:
            pilot = execute_batch(_task(design, missing[:1]))
            stored(pilot)
            missing = missing[1:]
            size = batch_size(pilot.seconds, len(missing), executor.workers)
        else:
            size = batch_runs
        tasks = [_task(design, chunk) for chunk in make_batches(missing, size)]
        for result in executor.map_unordered(execute_batch, iter_tasks(tasks)):
            stored(result)
    wide = store.read("runs")
    if wide is None or len(wide) != len(plan):
        raise RuntimeError(f"store at {out} holds {0 if wide is None else len(wide)} runs")
    runs = runs_table(wide, design)
    outcomes = outcomes_table(wide, design)
    tables = {
        "runs": runs,
        "outcomes": outcomes,
        "aggregate": aggregate(outcomes, design),
        "event_overrides": event_overrides_table(design),
    }
    series = store.read("series")
    if series is not None:
        tables["series"] = series_table(series, runs, design)
    extra = {"executor": executor.describe(), "n_runs": len(plan)}
    files = write_tables(out, tables, design, extra)
    return SweepOutcome(
        out,
        design,
        tables,
        wide,
        executed,
        reused,
        time.perf_counter() - started,
        files,
        warnings,
    )


def iter_tasks(tasks: list[BatchTask]) -> Iterator[BatchTask]:
    """Tasks in order (a generator, so executors submit lazily if they can)."""
    yield from tasks


def _task(design: ResolvedDesign, runs: list[RunSpec]) -> BatchTask:
    return BatchTask(
        batch_id=batch_id(runs),
        base=design.base,
        n_engineers=design.file.n_engineers,
        steps=design.file.steps,
        metrics=design.metrics,
        series=design.file.series,
        parameter_dtypes=design.parameter_dtypes,
        runs=runs,
        precedence=design.file.precedence,
        parameter_defaults=dict(design.defaults),
        measure=design.file.measure,
        measure_options=dict(design.file.measure_options),
    )


def reproduce_run(design: ResolvedDesign, run_id: str) -> RunResult:
    """Rerun one run of ``design`` alone, from its stored seed strings."""
    for spec in build_plan(design):
        if spec.run_id == run_id:
            return run_scenario(design.scenario_for(spec.overrides), seed=spec.seed())
    raise KeyError(f"no run {run_id!r} in design {design.name!r}")
