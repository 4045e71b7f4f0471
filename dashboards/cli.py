"""``talent-market dashboard``: serve the dashboard (registered through the
``talent_market.commands`` entry point, so :mod:`market` never imports this package).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from market.cli import fail
from market.errors import ScenarioError


def dashboard(
    host: Annotated[
        str, typer.Option("--host", help="Interface to listen on (0.0.0.0 for all).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port, 1-65535.")] = 8050,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            help="Folder for background jobs and finished runs (default: a new temp folder).",
        ),
    ] = None,
) -> None:
    """Serve the Dash dashboard: tweak policies, run, watch talent flows, export tables."""
    try:
        if not 1 <= port <= 65535:
            raise ScenarioError("--port", f"must be 1-65535 (got {port})")
        if not host.strip():
            raise ScenarioError("--host", "must not be empty")
        if cache_dir is not None and cache_dir.exists() and not cache_dir.is_dir():
            raise ScenarioError("--cache-dir", f"{cache_dir} exists and is not a folder")
    except ScenarioError as exc:
        fail(str(exc))
        return
    from dashboards.app import Settings, create_app

    app = create_app(Settings(cache_dir=cache_dir))
    typer.echo(f"talent-market dashboard on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    try:
        app.run(host=host, port=port, debug=False)
    except OSError as exc:  # port in use, address not available
        fail(f"--host/--port: cannot listen on {host}:{port}: {exc}")
