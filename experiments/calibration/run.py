"""The whole calibration: load and check inputs, fit, measure every pattern, write.

Importable (tests call :func:`calibrate`); ``experiments/calibrate.py`` is its command
line. Outputs in ``out``: ``evals/`` (one resumable sweep store per evaluated
parameter vector), ``parameters.csv`` (estimates, standard errors, 95% intervals),
``patterns.csv`` (fit per pattern at the estimate), ``trace.csv``, ``robustness.csv``
and ``robustness_summary.csv``, ``fitted-scenario.toml``, ``fit.json`` (what
``experiments/validate.py`` reads) and the figures ``fit.html`` and ``trace.html``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from experiments.calibration import report
from experiments.calibration.evaluate import Evaluator
from experiments.calibration.fit import Budget, FitResult, fit
from experiments.calibration.objective import Objective
from experiments.calibration.parameters import DEFAULT_FILE as PARAMETERS_FILE
from experiments.calibration.parameters import ParameterSpace, load_parameters
from experiments.calibration.patterns import DEFAULT_FILE as PATTERNS_FILE
from experiments.calibration.patterns import PatternSpec, load_patterns
from experiments.calibration.robustness import robustness
from experiments.calibration.split import DEFAULT_FILE as SPLIT_FILE
from experiments.calibration.split import Split, load_split
from experiments.sweeps import figures
from experiments.sweeps.executors import Executor, SerialExecutor
from market.config import Scenario
from market.errors import ScenarioError
from market.io.atomic import atomic_write_text

__all__ = ["Calibration", "Inputs", "ScenarioError", "Settings", "calibrate", "load_inputs"]

ROOT_SEED = 20250102
"""Root of the common seeds of every candidate (differs from the validation's)."""


@dataclass(frozen=True)
class Settings:
    """Size of the calibration runs and of the search."""

    seeds: int = 8
    steps: int | None = None  # the scenario's own horizon: the moments are whole-run figures
    n_engineers: int | None = None
    root_seed: int = ROOT_SEED
    budget: Budget = field(default_factory=Budget)
    robustness_draws: int = 4
    robustness: bool = True


QUICK = Settings(
    seeds=2, steps=24, n_engineers=1000, budget=Budget(starts=4, maxfev=8), robustness_draws=2
)
"""A smoke run: tiny population, two seeds, a dozen evaluations."""


@dataclass
class Inputs:
    """The declared inputs, checked."""

    space: ParameterSpace
    patterns: dict[str, PatternSpec]
    split: Split
    patterns_file: Path


def load_inputs(
    parameters: Path = PARAMETERS_FILE,
    patterns: Path = PATTERNS_FILE,
    split: Path = SPLIT_FILE,
    base: Scenario | None = None,
) -> Inputs:
    """Read and check all three files (one-line ScenarioError on a mistake)."""
    pats = load_patterns(patterns)
    return Inputs(load_parameters(parameters, base), pats, load_split(pats, split), Path(patterns))


@dataclass
class Calibration:
    """What a calibration produced."""

    out: Path
    inputs: Inputs
    fit: FitResult
    parameters: pd.DataFrame
    patterns: pd.DataFrame
    robustness: pd.DataFrame | None
    computed: int
    reused: int
    seconds: float


def calibrate(
    inputs: Inputs, out: Path, settings: Settings, executor: Executor | None = None
) -> Calibration:
    """Fit the training patterns, then measure every pattern at the estimate."""
    started = time.perf_counter()
    evaluator = Evaluator(
        inputs.space,
        inputs.patterns,
        inputs.patterns_file,
        out,
        settings.seeds,
        settings.root_seed,
        settings.n_engineers,
        settings.steps,
        executor or SerialExecutor(),
    )
    objective = Objective.from_patterns(inputs.patterns, inputs.split.train)
    result = fit(evaluator, objective, settings.budget)
    params = result.table(inputs.space.low, inputs.space.high)
    table = report.pattern_table(evaluator.per_seed(result.values), inputs.patterns, inputs.split)
    robust = None
    if settings.robustness and inputs.split.test:
        long, robust = robustness(
            evaluator, result, inputs.patterns, inputs.split, settings.robustness_draws
        )
        _csv(long, out / "robustness.csv")
        _csv(robust, out / "robustness_summary.csv")
    _csv(params, out / "parameters.csv")
    _csv(table, out / "patterns.csv")
    _csv(result.trace, out / "trace.csv")
    scenario = report.fitted_scenario(
        inputs.space, result.values, f"{inputs.space.base.name}-calibrated"
    )
    report.write_scenario(scenario, out / "fitted-scenario.toml")
    figures.save_figure(report.fit_figure(table), out, "fit", png=False)
    figures.save_figure(report.trace_figure(result.trace), out, "trace", png=False)
    seconds = time.perf_counter() - started
    summary = {
        "base_scenario": inputs.space.base.name,
        "settings": {
            "seeds": settings.seeds,
            "steps": settings.steps,
            "n_engineers": settings.n_engineers,
            "root_seed": settings.root_seed,
            "starts": settings.budget.starts,
            "maxfev": settings.budget.maxfev,
        },
        "objective": result.objective,
        "evaluations": len(result.trace),
        "parameters": params.to_dict(orient="records"),
        "notes": result.notes,
        "train": list(inputs.split.train),
        "test": list(inputs.split.test),
        "check": list(inputs.split.check),
        "runs_computed": evaluator.computed,
        "runs_reused": evaluator.reused,
        "seconds": seconds,
    }
    atomic_write_text(out / "fit.json", json.dumps(summary, indent=2, default=_plain) + "\n")
    return Calibration(
        out, inputs, result, params, table, robust, evaluator.computed, evaluator.reused, seconds
    )


def _csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, df.to_csv(index=False))


def _plain(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
