"""Drivers tab: what moves the outcomes, per lab and month: budget, payroll, compute
utilisation, layoffs and hires by reason (mean over seeds with a band).
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html
from dash.exceptions import PreventUpdate

import market
from dashboards import figures, ids, stats
from dashboards.components import graph
from dashboards.services import Services


def layout() -> dcc.Tab:
    """The drivers tab."""
    return dcc.Tab(
        label="Drivers",
        value=ids.TAB_DRIVERS,
        children=[
            html.Div(
                "Why headcounts move: a lab whose payroll reaches its budget lays people "
                "off; hires come from other labs, new graduates or the pool of laid-off "
                "people. See the Info tab for each series' definition.",
                className="hint",
            ),
            graph(ids.DRIVERS, "Budgets, payroll, layoffs and hires appear after a run"),
        ],
    )


def register(app: Dash, services: Services) -> None:
    """The drivers tab's callback."""

    @app.callback(Output(ids.DRIVERS, "figure"), Input(ids.RUN_STORE, "data"))
    def show_drivers(data: Any) -> Any:
        try:
            run_ids, _, labs = services.run_facts(data)
        except market.ScenarioError:
            raise PreventUpdate from None
        frames = [
            stats.driver_frame(services.store.table(r, "labs"), services.store.table(r, "moves"))
            for r in run_ids
        ]
        return figures.drivers_figure(frames, labs)
