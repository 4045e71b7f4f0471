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
    Quick,
    Quiet,
    Scheduler,
    Workers,
    execute,
    fail,
)
from experiments.sweeps.design import load_design
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
) -> None:
    """Run a parameter sweep from a design file; rerun the same command to resume."""
    try:
        resolved = load_design(design, quick=quick)
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
    console = Console()
    console.print(
        f"{len(outcome.tables['runs'])} runs in {outcome.seconds:.1f} s; tables written to "
        f"[bold]{out_dir}[/]: runs, aggregate"
        + (", series" if "series" in outcome.tables else "")
        + " (.parquet, .csv) + metadata.json"
    )


def main() -> None:
    """Run ``sweep`` alone (``python -m experiments.cli DESIGN``)."""
    typer.run(sweep)


if __name__ == "__main__":
    main()
