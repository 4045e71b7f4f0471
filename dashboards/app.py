"""The app factory: ``create_app()`` builds the Dash app with its own result store,
job gate and background-callback manager; importing this module loads nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import dash

from dashboards.runs import Limits, RunStore, default_cache_dir
from dashboards.security import LOOPBACK_HOSTS

DEFAULT_SCENARIO = "frontier-2025"


@dataclass(frozen=True)
class Settings:
    """How one dashboard server runs.

    Attributes:
        cache_dir: folder for the background-job cache, the job slots and the finished
            runs; None makes a fresh temporary folder per process (never inside the
            repository).
        limits: caps on run size, seeds, uploads and concurrent jobs.
        default_scenario: built-in scenario selected on page load (first built-in if
            this one does not exist).
        allowed_hosts: Host header names the server answers (others get 400, against
            DNS rebinding); None answers any (``--host 0.0.0.0``).

    """

    cache_dir: Path | None = None
    limits: Limits = field(default_factory=Limits)
    default_scenario: str = DEFAULT_SCENARIO
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS


def create_app(settings: Settings | None = None) -> dash.Dash:
    """A ready-to-serve dashboard (``app.run()`` or ``app.server`` for WSGI).

    Background callbacks run through a ``DiskcacheManager`` whose cache lives in
    ``settings.cache_dir / "jobs"``; finished runs live in ``settings.cache_dir / "runs"``,
    the per-server job slots in ``settings.cache_dir / "slots"``.
    """
    import diskcache
    from dash import DiskcacheManager

    import market
    from dashboards import security
    from dashboards.jobs import JobGate
    from dashboards.layout import build_layout
    from dashboards.services import Services
    from dashboards.style import CSS, GRID_FUNCTIONS
    from dashboards.views import REGISTERS, info

    settings = settings or Settings()
    limits = settings.limits
    root = Path(settings.cache_dir) if settings.cache_dir else default_cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    manager = DiskcacheManager(diskcache.Cache(str(root / "jobs")))
    store = RunStore(root / "runs", keep=limits.keep_runs)
    gate = JobGate(root / "slots", limits.max_jobs, limits.max_queued, limits.queue_timeout_s)
    app = dash.Dash(
        __name__,
        title="talent-market dashboard",
        background_callback_manager=manager,
        assets_folder=str(root / "no-assets"),
        serve_locally=True,
    )
    head = f"<style>{CSS}</style><script>{GRID_FUNCTIONS}</script>"
    app.index_string = app.index_string.replace("{%css%}", "{%css%}" + head)
    builtins = market.builtin_scenarios()
    default = settings.default_scenario if settings.default_scenario in builtins else None
    app.layout = build_layout(builtins, default or (builtins[0] if builtins else None), limits)
    services = Services(store, limits, gate)
    for register in REGISTERS:
        register(app, services)
    info.register(app)
    security.install(app.server, settings.allowed_hosts)
    app.server.config["MAX_CONTENT_LENGTH"] = 4 * limits.max_upload_bytes + 4_000_000
    app.server.config["TALENT_MARKET_CACHE_DIR"] = str(root)
    return app
