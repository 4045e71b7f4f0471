"""What every experiment script does around its own question: quick variant, output
folder, executor, progress, saving extra tables and the printed answer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console

from experiments.sweeps.console import execute, fail

__all__ = ["answer", "ci", "fail", "pd", "prepare", "run", "save_table"]
from experiments.sweeps.design import DesignFile, ResolvedDesign, quick_variant, resolve_design
from experiments.sweeps.runner import SweepOutcome
from market.errors import ScenarioError
from market.io.atomic import atomic_write_bytes, atomic_write_text
from market.io.results import default_output, table_to_csv_bytes, table_to_parquet_bytes

console = Console(soft_wrap=True)


def prepare(spec: DesignFile, quick: bool, out: Path | None) -> tuple[ResolvedDesign, Path]:
    """Resolve the script's design (or its quick variant) and choose the output folder."""
    if quick:
        spec = quick_variant(spec)
    try:
        design = resolve_design(spec)
    except ScenarioError as exc:
        fail(str(exc))
        raise
    return design, out or default_output(spec.name or "sweep")


def run(
    spec: DesignFile,
    *,
    quick: bool,
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
) -> SweepOutcome:
    """Prepare and execute a script's sweep with a progress bar."""
    design, out_dir = prepare(spec, quick, out)
    return execute(design, out_dir, workers=workers, scheduler=scheduler, dask_local=dask_local)


def save_table(outcome: SweepOutcome, name: str, df: pd.DataFrame) -> None:
    """Write an extra result table as Parquet and CSV beside the sweep tables."""
    meta = {"design": outcome.design.describe(), "table": name}
    atomic_write_bytes(outcome.out_dir / f"{name}.parquet", table_to_parquet_bytes(df, meta))
    atomic_write_bytes(outcome.out_dir / f"{name}.csv", table_to_csv_bytes(df))


def answer(outcome: SweepOutcome, lines: list[str]) -> None:
    """Print the short answer and keep it in ``answer.txt``."""
    atomic_write_text(outcome.out_dir / "answer.txt", "\n".join(lines) + "\n")
    console.print()
    for line in lines:
        console.print(line, highlight=False)
    console.print(f"\ntables and figures in [bold]{outcome.out_dir}[/]")


def ci(low: float, high: float, fmt: str = ".0f") -> str:
    """``[a, b]`` for a 95% interval (``n/a`` with a single replication)."""
    if pd.isna(low) or pd.isna(high):
        return "[n/a: one replication]"
    return f"[{low:{fmt}}, {high:{fmt}}]"
