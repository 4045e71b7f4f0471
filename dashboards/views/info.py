"""Info tab: what the model is, what each metric means, where the full description
(the ODD protocol, ``docs/ODD.md``) is; the server serves that file at ``/docs/ODD.md``.
"""

from __future__ import annotations

from pathlib import Path

import flask
from dash import Dash, dcc, html

import market
from dashboards import ids

ODD_URL = "/docs/ODD.md"

METRICS: dict[str, str] = {
    "headcount": "People employed by the lab at the end of the month.",
    "research": "Researchers among them (specialty research).",
    "talent_share": "The lab's share of all research skill employed in the market.",
    "hires": "People the lab hired over the run (from other labs, graduates, the pool).",
    "departures": "People who left the lab over the run (to other labs, layoffs, exits).",
    "net_flow": "Poached in minus poached out: moves between labs only.",
    "retention_24m": "Of the people hired in months 1..T-24, the share still there 24 "
    "months later (blank when nobody was hired early enough).",
    "comp_median_usd": "Median yearly pay (salary, bonus, vesting equity) of the staff, USD.",
    "comp_p90_usd": "90th percentile of yearly pay, USD.",
    "gpus_per_researcher": "GPU stock (H100 equivalents) per researcher.",
    "capability": "Capability index: accumulated research output (compute and talent "
    "combined with elasticity σ).",
    "capability_rank": "Rank by capability at the end (1 = highest).",
    "budget_usd": "Yearly budget the lab can spend on pay, USD (grows at its growth rate).",
    "payroll_usd": "Yearly pay of the current staff, USD; above the budget, people are laid off.",
    "utilisation": "Share of the lab's compute its researchers can use.",
    "layoffs": "People laid off in the month (into the job pool).",
    "hires_between_labs": "People hired from other labs in the month (poached, spin-outs).",
    "hires_graduates": "New graduates hired in the month.",
}
"""Definition of each metric shown in the tabs (also the summary grid's tooltips)."""


def odd_path() -> Path:
    """Where ``docs/ODD.md`` is in a source checkout (next to the ``market`` package)."""
    return Path(market.__file__).resolve().parents[1] / "docs" / "ODD.md"


def layout() -> dcc.Tab:
    """The Info tab."""
    rows = [html.Tr([html.Td(html.Code(k)), html.Td(v)]) for k, v in METRICS.items()]
    return dcc.Tab(
        label="Info",
        value=ids.TAB_INFO,
        children=html.Div(
            [
                html.H3("What this model is"),
                html.P(
                    "An agent-based model of the market for AI researchers and engineers. "
                    "Each month labs value people from their compute, budget and mission, "
                    "bid for them, counter offers, hire graduates and lay off when payroll "
                    "exceeds budget; people move when an offer beats their pay and ties. "
                    "Scheduled events change labs' GPUs, budgets and policies on dates "
                    "taken from public sources. Each mechanism can be switched on or off "
                    "for a run under Mechanisms in the side panel (hover a switch for what "
                    "it does); the run's metadata and exported scenario record the switches."
                ),
                html.P(
                    "Every result is one random draw: run several seeds and compare paired "
                    "differences before reading anything into a change."
                ),
                html.P(
                    [
                        "Full description (ODD protocol): ",
                        html.A("docs/ODD.md", href=ODD_URL, target="_blank"),
                    ]
                ),
                html.H3("Metrics"),
                html.Table(html.Tbody(rows), className="metrics"),
            ],
            className="info-tab",
        ),
    )


def register(app: Dash) -> None:
    """Serve ``docs/ODD.md`` (as plain text) when the source checkout has it."""

    @app.server.route(ODD_URL)
    def odd() -> flask.Response:
        path = odd_path()
        if not path.is_file():
            return flask.Response("docs/ODD.md is not installed with this copy\n", 404)
        text = path.read_text(encoding="utf-8")
        return flask.Response(text, 200, mimetype="text/plain; charset=utf-8")
