"""Designs, replications, executors, a resumable store and tables for parameter sweeps.

Typical use::

    from experiments.sweeps import load_design, run_sweep, SerialExecutor

    design = load_design("experiments/designs/example.toml")
    outcome = run_sweep(design, "results/example", executor=SerialExecutor())
    outcome.tables["aggregate"]
"""

from experiments.sweeps.design import (
    DesignFile,
    DesignSpec,
    ParameterSpec,
    ResolvedDesign,
    design_from_dict,
    load_design,
    resolve_design,
)
from experiments.sweeps.executors import (
    DaskExecutor,
    Executor,
    ProcessPoolExecutor,
    SerialExecutor,
    make_executor,
)
from experiments.sweeps.metrics import METRICS, compute_metrics
from experiments.sweeps.plan import RunSpec, build_plan
from experiments.sweeps.runner import SweepOutcome, reproduce_run, run_sweep

__all__ = [
    "METRICS",
    "DaskExecutor",
    "DesignFile",
    "DesignSpec",
    "Executor",
    "ParameterSpec",
    "ProcessPoolExecutor",
    "ResolvedDesign",
    "RunSpec",
    "SerialExecutor",
    "SweepOutcome",
    "build_plan",
    "compute_metrics",
    "design_from_dict",
    "load_design",
    "make_executor",
    "reproduce_run",
    "resolve_design",
    "run_sweep",
]
