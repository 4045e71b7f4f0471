"""The app factory: ``create_app()`` builds the Dash app with its own result store and
background-callback manager; importing this module loads nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import dash

from dashboards.runs import Limits, RunStore, default_cache_dir

DEFAULT_SCENARIO = "frontier-2025"


@dataclass(frozen=True)
class Settings:
    """How one dashboard server runs.

    Attributes:
        cache_dir: folder for the background-job cache and the finished runs; None
            makes a fresh temporary folder per process (never inside the repository).
        limits: caps on run size and uploads.
        default_scenario: built-in scenario selected on page load (first built-in if
            this one does not exist).

    """

    cache_dir: Path | None = None
    limits: Limits = field(default_factory=Limits)
    default_scenario: str = DEFAULT_SCENARIO


def create_app(settings: Settings | None = None) -> dash.Dash:
    """A ready-to-serve dashboard (``app.run()`` or ``app.server`` for WSGI).

    Background callbacks run through a ``DiskcacheManager`` whose cache lives in
    ``settings.cache_dir / "jobs"``; finished runs live in ``settings.cache_dir / "runs"``.
    """
    import diskcache
    from dash import DiskcacheManager

    import market
    from dashboards.callbacks import register_callbacks
    from dashboards.layout import build_layout
    from dashboards.style import CSS

    settings = settings or Settings()
    root = Path(settings.cache_dir) if settings.cache_dir else default_cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    manager = DiskcacheManager(diskcache.Cache(str(root / "jobs")))
    store = RunStore(root / "runs", keep=settings.limits.keep_runs)

    app = dash.Dash(
        __name__,
        title="talent-market dashboard",
        background_callback_manager=manager,
        assets_folder=str(root / "no-assets"),
        serve_locally=True,
    )
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>")
    builtins = market.builtin_scenarios()
    default = settings.default_scenario if settings.default_scenario in builtins else None
    default = default or (builtins[0] if builtins else None)
    app.layout = build_layout(builtins, default, settings.limits)
    register_callbacks(app, store, settings.limits)
    app.server.config["TALENT_MARKET_CACHE_DIR"] = str(root)
    return app
