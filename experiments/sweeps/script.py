"""The one harness every experiment script runs on.

Every script takes the same options (:data:`experiments.sweeps.console.Quick`, ``Out``,
``Workers``, ``Scheduler``, ``DaskLocal``, ``PrecedenceOption``), runs one or more
sweeps through :func:`run`, and writes the same outputs into its ``--out`` folder: the
sweep tables (Parquet + CSV + metadata.json), its own result tables
(:func:`save_table`), figures (:func:`experiments.sweeps.figures.save_figure`) and the
printed answer (:func:`answer`, kept in ``answer.txt``).

``--quick`` is a smoke run (a tiny variant of the design): the tables and figures are
written so the pipeline is exercised end to end, but :func:`answer` prints no
conclusion, since two seeds and a thousand people cannot support one.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console

from experiments.sweeps.console import (
    DaskLocal,
    Out,
    PrecedenceOption,
    Quick,
    Scheduler,
    Workers,
    err_console,
    execute,
    fail,
    override_lines,
)
from experiments.sweeps.design import (
    DesignFile,
    ResolvedDesign,
    design_from_dict,
    quick_variant,
    resolve_design,
)
from experiments.sweeps.runner import SweepOutcome
from experiments.sweeps.tables import write_extra_table
from market.config import Scenario
from market.errors import ScenarioError
from market.io.atomic import atomic_write_text
from market.io.results import default_output

__all__ = [
    "Harness",
    "answer",
    "ci",
    "command",
    "fail",
    "pd",
    "prepare",
    "run",
    "save_table",
    "smoke_label",
    "warn",
]

console = Console(soft_wrap=True)


def prepare(
    spec: DesignFile,
    quick: bool,
    out: Path | None,
    precedence: str | None = None,
    base: Scenario | None = None,
) -> tuple[ResolvedDesign, Path]:
    """Resolve the script's design (or its quick variant) and choose the output folder.

    A user mistake (bad option value, bad field) exits 2 with one line.
    """
    if precedence is not None:
        spec = spec.model_copy(update={"precedence": precedence})
    if quick:
        spec = quick_variant(spec)
    try:
        spec = design_from_dict(spec.model_dump())  # checks the options set above
        design = resolve_design(spec, base=base)
    except ScenarioError as exc:
        fail(str(exc))
        raise
    design.quick = quick
    return design, out or default_output(spec.name or "sweep")


def run(
    spec: DesignFile,
    *,
    quick: bool,
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    precedence: str | None = None,
    base: Scenario | None = None,
) -> SweepOutcome:
    """Prepare and execute a script's sweep with a progress bar (``base``: a scenario
    built in Python instead of ``spec.scenario``).
    """
    design, out_dir = prepare(spec, quick, out, precedence, base)
    return execute(design, out_dir, workers=workers, scheduler=scheduler, dask_local=dask_local)


@dataclasses.dataclass(frozen=True)
class Harness:
    """The options every experiment script shares, and running a sweep with them."""

    quick: bool = False
    out: Path | None = None
    workers: int | None = None
    scheduler: str | None = None
    dask_local: int | None = None
    precedence: str | None = None

    def run(
        self, spec: DesignFile, *, out: Path | None = None, base: Scenario | None = None
    ) -> SweepOutcome:
        """Run ``spec`` (into ``out`` instead of ``--out`` if given) with these options."""
        return run(
            spec,
            quick=self.quick,
            out=out or self.out,
            workers=self.workers,
            scheduler=self.scheduler,
            dask_local=self.dask_local,
            precedence=self.precedence,
            base=base,
        )

    def out_dir(self, name: str) -> Path:
        """``--out``, or ``results/<name>`` (``results/<name>-quick`` for a smoke run)."""
        return self.out or Path("results") / (f"{name}-quick" if self.quick else name)


COMMON_OPTIONS: dict[str, tuple[Any, Any]] = {
    "quick": (Quick, False),
    "out": (Out, None),
    "workers": (Workers, None),
    "scheduler": (Scheduler, None),
    "dask_local": (DaskLocal, None),
    "precedence": (PrecedenceOption, None),
}
"""Name -> (typer annotation, default) of the shared options."""


def command(fn: Callable[..., None]) -> Callable[..., None]:
    """Give a script's ``main(harness: Harness, **own_options)`` the shared options.

    The returned function has the shared options (``--quick``, ``--out``,
    ``--workers``, ``--scheduler``, ``--dask-local``, ``--precedence``) followed by
    the script's own in its signature, so ``typer.run`` shows them all in ``--help``.
    """
    hints = typing.get_type_hints(fn, include_extras=True)
    own = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in inspect.signature(fn).parameters.values()
        if p.name != "harness"
    ]
    common = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
        for name, (a, d) in COMMON_OPTIONS.items()
    ]
    own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> None:
        shared = {name: kwargs.pop(name, default) for name, (_, default) in COMMON_OPTIONS.items()}
        fn(Harness(**shared), **kwargs)

    wrapper.__signature__ = inspect.Signature([*common, *own])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in (*common, *own)}
    return wrapper


def save_table(outcome: SweepOutcome, name: str, df: pd.DataFrame) -> None:
    """Write an extra result table as Parquet and CSV beside the sweep tables."""
    write_extra_table(outcome.out_dir, name, df, outcome.design)


def smoke_label(design: ResolvedDesign) -> list[str]:
    """What a ``--quick`` run prints instead of an answer."""
    f = design.file
    return [
        f"SMOKE RUN (--quick): {design.n_runs} runs, {f.replications} seeds per point, "
        f"{f.n_engineers} people, {f.steps} months.",
        "No conclusion is drawn from a smoke run; the tables and figures only show that the "
        "pipeline works. Run without --quick for an answer.",
    ]


def answer(outcome: SweepOutcome, lines: list[str]) -> None:
    """Print the short answer and keep it in ``answer.txt`` (a smoke label instead for
    ``--quick``).
    """
    if outcome.design.quick:
        lines = smoke_label(outcome.design)
    overrides = override_lines(outcome.design)  # already on stderr; kept in the file
    kept = [*lines, "", *overrides] if overrides else lines
    atomic_write_text(outcome.out_dir / "answer.txt", "\n".join(kept) + "\n")
    console.print()
    for line in lines:
        console.print(line, highlight=False)
    console.print(f"\ntables and figures in [bold]{outcome.out_dir}[/]")


def warn(message: str) -> None:
    """A warning line on stderr (printed for smoke runs too)."""
    err_console.print(f"warning: {message}", highlight=False)


def ci(low: float, high: float, fmt: str = ".0f") -> str:
    """``[a, b]`` for a 95% interval (``n/a`` with a single replication)."""
    if pd.isna(low) or pd.isna(high):
        return "[n/a: one replication]"
    return f"[{low:{fmt}}, {high:{fmt}}]"
