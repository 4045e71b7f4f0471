"""``talent-market sweep DESIGN.toml``: run a design file (registered through the
``talent_market.commands`` entry-point group).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from experiments.sweeps.console import (
    BatchRuns,
    DaskLocal,
    Out,
    PrecedenceOption,
    Quick,
    Quiet,
    Scheduler,
    Workers,
    err_console,
    execute,
    fail,
)
from experiments.sweeps.design import load_design
from experiments.sweeps.indices import write_indices
from market.errors import ScenarioError


def sweep(
    design: Annotated[Path, typer.Argument(help="Design file (TOML), see docs/EXPERIMENTS.md.")],
    workers: Workers = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    out: Out = None,
    quick: Quick = False,
    batch_runs: BatchRuns = None,
    quiet: Quiet = False,
    precedence: PrecedenceOption = None,
) -> None:
    """Run a parameter sweep from a design file; rerun the same command to resume."""
    try:
        resolved = load_design(design, quick=quick, precedence=precedence)
    except ScenarioError as exc:
        fail(str(exc))
        return
    out_dir = out or Path("results") / "sweeps" / resolved.name
    outcome = execute(
        resolved,
        out_dir,
        workers=workers,
        scheduler=scheduler,
        dask_local=dask_local,
        batch_runs=batch_runs,
        quiet=quiet,
    )
    names = list(outcome.tables)
    if resolved.file.design.kind in ("sobol", "morris"):
        report = write_indices(resolved, outcome.wide, out_dir)
        names += [f"{report.kind}_indices", "seed_noise"]
        names += ["sobol_pairs"] if report.pairs is not None else []
        for warning in report.warnings:
            err_console.print(f"warning: {warning}", highlight=False)
    console = Console()
    console.print(
        f"{len(outcome.tables['runs'])} runs in {outcome.seconds:.1f} s; tables written to "
        f"[bold]{out_dir}[/]: {', '.join(names)} (.parquet, .csv) + metadata.json",
        highlight=False,
    )
    if quick:
        console.print("SMOKE RUN (--quick): a tiny variant of the design; draw no conclusions.")


def main() -> None:
    """Run ``sweep`` alone (``python -m experiments.cli DESIGN``)."""
    typer.run(sweep)


if __name__ == "__main__":
    main()
