"""Time-series tab: per-lab monthly outcomes, the mean over seeds with a band."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc
from dash.exceptions import PreventUpdate

import market
from dashboards import figures, ids
from dashboards.components import graph
from dashboards.services import Services


def layout() -> dcc.Tab:
    """The time-series tab."""
    return dcc.Tab(
        label="Time series",
        value=ids.TAB_SERIES,
        children=graph(ids.TIMESERIES, "Per-lab time series appear after a run"),
    )


def register(app: Dash, services: Services) -> None:
    """The time-series tab's callback."""

    @app.callback(Output(ids.TIMESERIES, "figure"), Input(ids.RUN_STORE, "data"))
    def show_series(data: Any) -> Any:
        try:
            run_ids, _, labs = services.run_facts(data)
        except market.ScenarioError:
            raise PreventUpdate from None
        return figures.timeseries_figure(services.tables(run_ids, "labs"), labs)
