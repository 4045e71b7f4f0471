"""Calibrate the free parameters to the training patterns (simulated method of moments).

Reads the declared inputs (``experiments/calibration/parameters.toml``,
``patterns.toml``, ``split.toml``), fits the parameters on common random numbers with a
Sobol warm start and Nelder-Mead, reports the sandwich uncertainty, the fit per
pattern, the robustness of the test verdicts, a scenario TOML with the fitted values
and figures. See docs/CALIBRATION.md.

Usage::

    python experiments/calibrate.py --quick             # smoke run, results/calibrate-quick
    python experiments/calibrate.py --seeds 8 --workers 2
    python experiments/calibrate.py                     # again: finished evaluations are
                                                        # reused (resumes after a kill)
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated

import typer

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from experiments.calibration import run as calibration
from experiments.calibration.fit import Budget
from experiments.sweeps import script
from experiments.sweeps.executors import make_executor
from market.errors import ScenarioError


@script.command
def main(
    harness: script.Harness,
    parameters: Annotated[Path, typer.Option(help="Free parameters (TOML).")] = (
        calibration.PARAMETERS_FILE
    ),
    patterns: Annotated[Path, typer.Option(help="Observed patterns (TOML).")] = (
        calibration.PATTERNS_FILE
    ),
    split: Annotated[Path, typer.Option(help="Train/test split (TOML).")] = calibration.SPLIT_FILE,
    seeds: Annotated[int, typer.Option(min=2, help="Common seeds per candidate.")] = 8,
    steps: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Months per run (default: the scenario's horizon, as the whole-run moments "
            "are measured in the validation; --quick: 24; 48 for the 2023 hold-out).",
        ),
    ] = None,
    n_engineers: Annotated[
        int | None, typer.Option(min=2, help="Rescale runs to this many people.")
    ] = None,
    starts: Annotated[int, typer.Option(min=1, help="Sobol warm-start points.")] = 16,
    maxfev: Annotated[int, typer.Option(min=1, help="Nelder-Mead evaluations.")] = 40,
    draws: Annotated[int, typer.Option(min=0, help="Robustness parameter draws.")] = 4,
    robustness: Annotated[bool, typer.Option(help="Check test verdicts' robustness.")] = True,
) -> None:
    """Fit the free parameters and write the calibration outputs."""
    settings = (
        dataclasses.replace(calibration.QUICK, steps=steps or calibration.QUICK.steps)
        if harness.quick
        else calibration.Settings(
            seeds=seeds,
            steps=steps,
            n_engineers=n_engineers,
            budget=Budget(starts=starts, maxfev=maxfev),
            robustness_draws=draws,
        )
    )
    if not robustness:
        settings = dataclasses.replace(settings, robustness=False)
    out = harness.out_dir("calibrate")
    try:
        inputs = calibration.load_inputs(parameters, patterns, split)
        executor = make_executor(harness.workers, harness.scheduler, harness.dask_local)
    except ScenarioError as exc:
        script.fail(str(exc))
        return
    with executor:
        result = calibration.calibrate(inputs, out, settings, executor)
    script.console.print(
        f"calibration of {inputs.space.base.name}: J = {result.fit.objective:.3g} after "
        f"{len(result.fit.trace)} evaluations ({result.computed} runs computed, "
        f"{result.reused} reused, {result.seconds:.0f} s)",
        highlight=False,
    )
    if harness.quick:
        script.console.print("SMOKE RUN (--quick): no conclusion is drawn.")
    for r in result.parameters.itertuples(index=False):
        script.console.print(f"  {r.parameter} = {r.estimate:.4g} (se {r.se:.3g})", highlight=False)
    for r in result.patterns[result.patterns["role"] == "train"].itertuples(index=False):
        script.console.print(
            f"  train {r.pattern}: observed {r.observed:.3g}, simulated {r.sim_mean:.3g} "
            f"({r.verdict})",
            highlight=False,
        )
    script.console.print(f"outputs in {out}", highlight=False)


if __name__ == "__main__":
    typer.run(main)
