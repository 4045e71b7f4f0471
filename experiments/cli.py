"""``talent-market sweep DESIGN.toml``: run a design file (registered through the
``talent_market.commands`` entry-point group).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

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
from experiments.sweeps.plan import build_plan
from experiments.sweeps.store import Store
from market.errors import ScenarioError
from market.io.results import RESULTS_ROOT, check_writable, default_output

Repair = Annotated[
    bool,
    typer.Option(
        "--repair",
        help="Rebuild a damaged manifest from the shard files (dropping orphans), then resume.",
    ),
]


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
    repair: Repair = False,
) -> None:
    """Run a parameter sweep from a design file; rerun the same command to resume."""
    try:
        resolved = load_design(design, quick=quick, precedence=precedence)
        out_dir = out or default_output(resolved.name, RESULTS_ROOT / "sweeps")
        check_writable(out_dir, whole_folder=False)
        if repair:
            for note in Store(out_dir, resolved).repair(build_plan(resolved)):
                err_console.print(f"repair: {note}", markup=False, highlight=False, soft_wrap=True)
    except ScenarioError as exc:
        fail(str(exc))
        return
    except OSError as exc:
        fail(f"--out: cannot write {out or 'the output folder'}: {exc.strerror or exc}")
        return
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
        Text.assemble(
            f"{len(outcome.tables['runs'])} runs in {outcome.seconds:.1f} s; tables written to ",
            (str(out_dir), "bold"),
            f": {', '.join(names)} (.parquet, .csv) + metadata.json",
        )
    )
    if quick:
        console.print("SMOKE RUN (--quick): a tiny variant of the design; draw no conclusions.")


def main() -> None:
    """Run ``sweep`` alone (``python -m experiments.cli DESIGN``)."""
    typer.run(sweep)


if __name__ == "__main__":
    main()
