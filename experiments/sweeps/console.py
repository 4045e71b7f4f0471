"""Command-line plumbing shared by ``talent-market sweep`` and the experiment scripts:
the common options, a progress bar, and turning user mistakes into one line + exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from experiments.sweeps.design import ResolvedDesign
from experiments.sweeps.executors import make_executor
from experiments.sweeps.runner import SweepOutcome, run_sweep
from experiments.sweeps.store import Store
from market.errors import ScenarioError, print_error

USAGE_ERROR = 2
INTERRUPTED = 130

err_console = Console(stderr=True, soft_wrap=True)

Quick = Annotated[bool, typer.Option("--quick", help="Tiny design for a smoke run.")]
Out = Annotated[Path | None, typer.Option("--out", help="Output folder.")]
Workers = Annotated[
    int | None,
    typer.Option("--workers", help="Local worker processes (default: all cores; 1 = serial)."),
]
Scheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="Address of a running Dask scheduler, tcp://host:8786."),
]
DaskLocal = Annotated[
    int | None,
    typer.Option("--dask-local", help="Start a Dask LocalCluster with N workers.", min=1),
]
BatchRuns = Annotated[
    int | None,
    typer.Option("--batch-runs", help="Runs per task (default: timed, >= 0.5 s of work).", min=1),
]
PrecedenceOption = Annotated[
    str | None,
    typer.Option(
        "--precedence",
        help="Scheduled events on a changed field: user (dropped; default), relative "
        "(rescaled) or events (still applied). Every affected event is reported.",
    ),
]
ScenarioName = Annotated[
    str, typer.Option("--scenario", help="Base scenario: built-in name or TOML file.")
]
Seeds = Annotated[int, typer.Option("--seeds", min=2, help="Replications (seeds) per variant.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
Until = Annotated[str, typer.Option(help="Last month counted, YYYY-MM (the run stops there).")]


def fail(message: str) -> None:
    """One error line on stderr (user text is never read as markup), then exit with
    the usage-error code.
    """
    print_error(message, err_console)
    raise typer.Exit(USAGE_ERROR)


MAX_OVERRIDE_LINES = 8


def override_lines(design: ResolvedDesign) -> list[str]:
    """What the precedence rule does to scheduled events, one line per affected event
    (counted over design points), for stderr.
    """
    rows = design.overridden_events()
    if not rows:
        return []
    verbs = {"dropped": "dropped", "rescaled": "rescaled", "applies": "still applied"}
    counts: dict[tuple[int, str, str, str, str], int] = {}
    for row in rows:
        key = (row["event"], row["at"], row["path"], repr(row["event_value"]), row["outcome"])
        counts[key] = counts.get(key, 0) + 1
    n_points = len({row["point"] for row in rows})
    lines = [
        f"precedence {design.file.precedence!r}: {n_points} of {len(design.points)} design "
        f"points change a field that scheduled events set ({len(rows)} event overrides, "
        "listed in the event_overrides table)"
    ]
    items = sorted(counts.items())
    for (event, at, path, value, outcome), n in items[:MAX_OVERRIDE_LINES]:
        lines.append(f"  events[{event}] ({at}, {path} = {value}) {verbs[outcome]} at {n} points")
    if len(items) > MAX_OVERRIDE_LINES:
        lines.append(f"  ... and {len(items) - MAX_OVERRIDE_LINES} more events")
    return lines


def execute(
    design: ResolvedDesign,
    out: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    batch_runs: int | None = None,
    quiet: bool = False,
) -> SweepOutcome:
    """Check the output folder, start the executor, run with a progress bar.

    User mistakes exit with code 2 before anything is written; Ctrl-C exits with 130
    and leaves a store that the same command resumes.
    """
    try:
        Store(out, design).check_compatible()
        executor = make_executor(workers, scheduler, dask_local)
    except ScenarioError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits
    with executor:
        err_console.print(
            f"{design.name}: {design.n_runs} runs ({len(design.points)} points x "
            f"{design.file.replications} replications) on {executor.describe()} -> {out}",
            highlight=False,
            markup=False,
        )
        for line in override_lines(design):
            err_console.print(line, highlight=False)
        try:
            with _progress(quiet) as bar:
                task = bar.add_task("runs", total=design.n_runs)

                def advance(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                outcome = run_sweep(design, out, executor, batch_runs=batch_runs, progress=advance)
        except KeyboardInterrupt:
            err_console.print(
                f"interrupted: finished runs are stored in {out}; rerun the same command to resume",
                highlight=False,
                markup=False,
            )
            raise typer.Exit(INTERRUPTED) from None
    for warning in outcome.warnings:
        err_console.print(f"warning: {warning}", highlight=False, markup=False)
    if outcome.reused:
        err_console.print(
            f"resumed: {outcome.reused} runs reused, {len(outcome.executed)} run now",
            highlight=False,
        )
    return outcome


def _progress(quiet: bool) -> Progress:
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=err_console, disable=quiet)
