"""The bar above the result tabs: what the current run is, pin/clear a baseline, and
export the first seed's tables (CSV or Parquet zip) or its exact scenario (TOML).
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

import market
from dashboards import ids
from dashboards.components import error_box
from dashboards.runs import export_basename, scenario_export, seed_of, tables_zip
from dashboards.services import Services

BUTTONS = (ids.PIN, ids.EXPORT_CSV, ids.EXPORT_PARQUET, ids.EXPORT_TOML)


def layout() -> html.Div:
    """Run description, baseline buttons and export buttons."""

    def button(text: str, component_id: str) -> html.Button:
        return html.Button(text, id=component_id, disabled=True, n_clicks=0)

    return html.Div(
        [
            html.Div(
                [
                    html.Div(id=ids.RUN_INFO, className="run-info", children="No run yet."),
                    html.Div(
                        [
                            button("Pin as baseline", ids.PIN),
                            button("Clear baseline", ids.CLEAR_BASELINE),
                            html.Span("Export:", className="export-label"),
                            button("Tables (CSV zip)", ids.EXPORT_CSV),
                            button("Tables (Parquet zip)", ids.EXPORT_PARQUET),
                            button("Scenario (TOML)", ids.EXPORT_TOML),
                        ],
                        className="row buttons",
                    ),
                ],
                className="results-head",
            ),
            html.Div(id=ids.EXPORT_MESSAGE, className="message"),
            dcc.Store(id=ids.BASELINE_STORE, storage_type="session"),
            dcc.Download(id=ids.DOWNLOAD),
        ]
    )


def register(app: Dash, services: Services) -> None:
    """Enable the buttons once a run exists (also after a reload), and export."""

    @app.callback(
        *(Output(b, "disabled") for b in BUTTONS),
        Output(ids.RUN_INFO, "children", allow_duplicate=True),
        Input(ids.RUN_STORE, "data"),
        State(ids.RUN_INFO, "children"),
        prevent_initial_call="initial_duplicate",
    )
    def enable(data: Any, info: Any) -> tuple[Any, ...]:
        try:
            run_ids, _, _ = services.run_facts(data)
        except market.ScenarioError:
            return (*([True] * len(BUTTONS)), no_update)
        restored = info == "No run yet." and isinstance(data.get("label"), str)
        attrs: dict[str, Any] = {"data-run": run_ids[0]}
        label = html.Span(["Run: ", html.B(data["label"][:300])], **attrs)
        return (*([False] * len(BUTTONS)), label if restored else no_update)

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Output(ids.EXPORT_MESSAGE, "children"),
        Input(ids.EXPORT_CSV, "n_clicks"),
        Input(ids.EXPORT_PARQUET, "n_clicks"),
        Input(ids.EXPORT_TOML, "n_clicks"),
        State(ids.RUN_STORE, "data"),
        prevent_initial_call=True,
    )
    def export(_csv: Any, _parquet: Any, _toml: Any, data: Any) -> tuple[Any, Any]:
        try:
            run_ids, meta, _ = services.run_facts(data)
            run_id, store, stem = run_ids[0], services.store, export_basename(meta)
            if ctx.triggered_id == ids.EXPORT_TOML:
                text = scenario_export(store.scenario_toml(run_id), seed_of(meta))
                return dcc.send_string(text, f"{stem}.toml"), ""
            fmt = "csv" if ctx.triggered_id == ids.EXPORT_CSV else "parquet"
            payload = tables_zip(store.tables(run_id), meta, fmt, store.scenario_toml(run_id))
        except market.ScenarioError as exc:
            return no_update, error_box(exc)
        return dcc.send_bytes(payload, f"{stem}_{fmt}.zip"), ""
