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
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Extra Host header name to answer (repeatable); by default only loopback "
            "names and --host are answered, against DNS rebinding.",
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            help="Folder for background jobs and finished runs (default: a new temp folder).",
        ),
    ] = None,
) -> None:
    """Serve the Dash dashboard: tweak policies and events, run seeds, watch talent flows,
    export tables. Listens on 127.0.0.1 and answers only loopback Host names unless
    --host / --allow-host say otherwise.
    """
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
    from dashboards.security import allowed_hosts

    hosts = allowed_hosts(host, allow_host or ())
    if hosts is None:
        typer.echo(
            f"warning: --host {host} answers any Host name (no DNS-rebinding check); "
            "name the ones to answer with --allow-host",
            err=True,
        )
    app = create_app(Settings(cache_dir=cache_dir, allowed_hosts=hosts))
    typer.echo(f"talent-market dashboard on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    try:
        app.run(host=host, port=port, debug=False)
    except OSError as exc:  # port in use, address not available
        fail(f"--host/--port: cannot listen on {host}:{port}: {exc}")
