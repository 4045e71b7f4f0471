"""The ``talent-market`` command line.

``run`` lives here; other packages add sub-commands (``dashboard``, ``sweep``) through
the ``talent_market.commands`` entry-point group, so this package never imports them.
User mistakes print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import functools
import sys
import tomllib
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from typer.exceptions import TyperException

from market.errors import ScenarioError, print_error, shown
from market.io import builtin_scenarios, load_scenario, scenario_to_toml, write_run
from market.io.results import check_writable, default_output, output_lock
from market.runner import RunResult, run_scenario

DEFAULT_SCENARIO = "frontier-2025"
USAGE_ERROR = 2
INTERRUPTED = 130

app = typer.Typer(
    name="talent-market",
    help="Agent-based simulation of the AI talent market.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)


def fail(message: str) -> None:
    """Print one error line and exit with the usage-error code."""
    _error_line(message)
    raise typer.Exit(USAGE_ERROR)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``labs.Meta.policy.pay_multiplier=3`` -> (path, 3); values are TOML values,
    and anything that is not valid TOML is taken as a string.
    """
    if "=" not in text:
        raise ScenarioError("--set", f"expected PATH=VALUE, got {shown(text)}")
    path, raw = (part.strip() for part in text.split("=", 1))
    if not path or any(not part.strip() for part in path.split(".")):
        raise ScenarioError(
            "--set",
            f"expected PATH=VALUE with a dotted PATH such as market.sigma, got {shown(text)}",
        )
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return path, value


@app.command()
def run(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Built-in scenario name or TOML file.")
    ] = DEFAULT_SCENARIO,
    steps: Annotated[
        int | None,
        typer.Option(min=1, max=1200, help="Months to run (default: scenario's)."),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: results/<scenario>).")
    ] = None,
    engineers: Annotated[
        int | None,
        typer.Option(min=2, max=10_000_000, help="Rescale the scenario to this many people."),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a field: PATH=VALUE (repeatable), e.g. "
            "market.sigma=1.0 or labs.Meta.policy.pay_multiplier=3.",
        ),
    ] = None,
    formats: Annotated[
        str, typer.Option("--formats", help="Comma-separated: parquet,csv.")
    ] = "parquet,csv",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    precedence: Annotated[
        str,
        typer.Option(
            help="Scheduled events on a field you --set: user (dropped), relative "
            "(rescaled by your change) or events (still applied). Each is reported.",
        ),
    ] = "user",
) -> None:
    """Run a scenario, write its tables and print a per-lab summary.

    The output folder is checked and locked before the simulation starts, and the new
    run replaces the old one in a single step (see :func:`market.io.write_run`).
    """
    try:
        spec = load_scenario(scenario)
        if set_:
            spec = spec.with_overrides(
                dict(parse_assignment(s) for s in set_), precedence=precedence
            )
            for item in spec.event_overrides:
                err_console.print(
                    f"note: {item.message()}", markup=False, highlight=False, soft_wrap=True
                )
        if engineers is not None:
            try:
                spec = spec.scaled(engineers)
            except ScenarioError as exc:
                raise ScenarioError("--engineers", exc.message) from None
        if steps is not None:
            spec = spec.with_overrides({"steps": steps})
        fmts = [f.strip() for f in formats.split(",") if f.strip()]
        bad = [f for f in fmts if f not in ("parquet", "csv")]
        if bad or not fmts:
            raise ScenarioError("--formats", f"allowed: parquet, csv (got {shown(formats)})")
        out_dir = out or default_output(spec.name)
        check_writable(out_dir)
    except ScenarioError as exc:
        fail(str(exc))
        return
    try:
        with output_lock(out_dir) as target:
            result = _run_with_progress(spec, seed, quiet)
            write_run(result, target, fmts)
    except ScenarioError as exc:
        fail(str(exc))
        return
    except KeyboardInterrupt:
        _error_line(f"interrupted: {out_dir} was not changed")
        raise typer.Exit(INTERRUPTED) from None
    console = Console(width=None if sys.stdout.isatty() else 160)
    print_summary(result, console)
    console.print(
        Text.assemble(
            "tables written to ", (str(out_dir), "bold"), f" ({', '.join(fmts)} + metadata.json)"
        )
    )


def _run_with_progress(spec: Any, seed: int, quiet: bool) -> RunResult:
    if quiet:
        return run_scenario(spec, seed=seed)
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(f"{escape(spec.name)}: months", total=spec.steps)

        def advance(done: int, _total: int) -> None:
            bar.update(task, completed=done)

        return run_scenario(spec, seed=seed, progress=advance)


def seed_text(desc: dict[str, Any]) -> str:
    """``{'seed': 0}`` -> ``0``; a spawned SeedSequence -> ``entropy/spawn key``."""
    if "seed" in desc:
        return str(desc["seed"])
    return f"{desc.get('entropy')}/{desc.get('spawn_key')}"


def print_summary(result: RunResult, console: Console) -> None:
    """The per-lab end-of-run table."""
    summary: pd.DataFrame = result.tables["summary"]
    meta = result.metadata
    table = Table(
        title=Text(
            f"{meta['scenario']}: {meta['start_month']} to {meta['end_month']}, "
            f"seed {seed_text(meta['seed'])}"
        ),
        title_justify="left",
    )
    cols = [
        ("lab", "lab", "left"),
        ("headcount", "people", "right"),
        ("comp_median_usd", "median comp", "right"),
        ("gpus_per_researcher", "GPUs/researcher", "right"),
        ("hires", "hires", "right"),
        ("departures", "departures", "right"),
        ("net_flow", "net flow (poached in - out)", "right"),
        ("retention_24m", "2-yr retention", "right"),
        ("capability", "capability", "right"),
    ]
    for _, title, justify in cols:
        table.add_column(title, justify=justify)  # type: ignore[arg-type]
    for row in summary.itertuples(index=False):
        table.add_row(*(Text(_fmt(key, getattr(row, key))) for key, _, _ in cols))
    console.print(table)


def _fmt(key: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if key.endswith("_usd"):
        return f"${value / 1e3:,.0f}k" if value < 1e6 else f"${value / 1e6:,.2f}M"
    if key == "retention_24m":
        return f"{value:.0%}"
    if key == "net_flow":
        return f"{int(value):+d}"
    if isinstance(value, float | np.floating):
        return f"{value:,.1f}" if abs(float(value)) >= 10 else f"{value:,.2f}"
    return f"{value:,}"


@app.command()
def scenarios(
    name: Annotated[str | None, typer.Argument(help="Print this scenario as TOML.")] = None,
) -> None:
    """List the built-in scenarios, or print one as TOML."""
    if name is None:
        for n in builtin_scenarios():
            typer.echo(n)
        return
    try:
        typer.echo(scenario_to_toml(load_scenario(name)))
    except ScenarioError as exc:
        fail(str(exc))


@functools.cache
def _plugin_entry_points() -> tuple[EntryPoint, ...]:
    """The ``talent_market.commands`` entry points (read once: a scan costs ~10 ms)."""
    return tuple(entry_points(group="talent_market.commands"))


def _register_plugins(argv: list[str] | None = None) -> None:
    """Add sub-commands from other packages; only the one asked for is imported
    (``dash`` and ``dask`` are slow to import), all of them for ``--help``.
    """
    wanted = argv[0] if argv and not argv[0].startswith("-") else None  # None: all
    for ep in _plugin_entry_points():
        if ep.name in {c.name for c in app.registered_commands}:
            continue
        if wanted is not None and ep.name != wanted:
            continue
        try:
            command = ep.load()
        except ImportError as exc:  # e.g. an optional extra is missing: say so, go on
            err_console.print(
                f"[yellow]warning:[/] sub-command {ep.name!r} is unavailable: {exc}",
                highlight=False,
                soft_wrap=True,
            )
            continue
        app.command(name=ep.name)(command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: every user mistake is one line and exit code 2."""
    _register_plugins(sys.argv[1:] if argv is None else argv)
    try:
        code = app(args=argv, standalone_mode=False)
    except TyperException as exc:  # bad option values, unknown options or commands
        if exc.format_message():  # empty when help was shown for a bare command
            _error_line(exc.format_message())
        sys.exit(exc.exit_code)
    except ScenarioError as exc:  # raised by a plugin command
        _error_line(str(exc))
        sys.exit(USAGE_ERROR)
    except (typer.Abort, KeyboardInterrupt):  # Ctrl-C
        _error_line("interrupted")
        sys.exit(INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


def _error_line(message: str) -> None:
    print_error(message, err_console)
