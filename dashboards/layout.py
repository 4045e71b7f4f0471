"""The page frame: controls in a side panel on the left (scenario, run, policies,
events), results on the right (run bar and tabs), so that a run's results are in view
at 1600x1000 without scrolling. Each part's layout lives with its callbacks in
:mod:`dashboards.views`.
"""

from __future__ import annotations

from dash import dcc, html

from dashboards import ids
from dashboards.runs import Limits
from dashboards.views import (
    compare,
    drivers,
    events,
    export,
    flows,
    info,
    policies,
    run,
    scenario,
    series,
    summary,
)


def build_layout(builtins: list[str], default: str | None, limits: Limits) -> html.Div:
    """The whole page."""
    side = html.Aside(
        [
            html.Header(
                [
                    html.H1("talent-market"),
                    html.P(
                        "Tweak pay and compute policies and scheduled events, run the "
                        "agent-based model of the AI talent market, see who moves where.",
                        className="subtitle",
                    ),
                ]
            ),
            scenario.layout(builtins, default, limits),
            run.layout(limits),
            policies.layout(),
            events.layout(),
        ],
        className="side",
    )
    tabs = dcc.Tabs(
        id=ids.RESULT_TABS,
        value=ids.TAB_FLOWS,
        persistence=True,
        persistence_type="session",
        children=[
            flows.layout(),
            series.layout(),
            drivers.layout(),
            summary.layout(),
            compare.layout(),
            info.layout(),
        ],
    )
    main = html.Main([export.layout(), tabs], className="main")
    return html.Div([side, main], className="page")
