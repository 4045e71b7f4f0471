"""Summary tab: per-lab end-of-run metrics (mean over seeds, spin-outs merged), each
column defined in its header tooltip.
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import Dash, Input, Output, dcc, html
from dash.exceptions import PreventUpdate

import market
from dashboards import ids, stats
from dashboards.components import (
    GRID_CLASS,
    READ_ONLY_COLS,
    d3_format,
    header_min_width,
    records,
)
from dashboards.services import Services
from dashboards.views.info import METRICS

SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("lab", "Lab", ""),
    ("headcount", "People", ",.0f"),
    ("research", "Researchers", ",.0f"),
    ("talent_share", "Talent share", ".1%"),
    ("hires", "Hires", ",.0f"),
    ("departures", "Departures", ",.0f"),
    ("net_flow", "Net flow", "+,.0f"),
    ("retention_24m", "2-yr retention", ".0%"),
    ("comp_median_usd", "Median comp (USD/yr)", "$,.0f"),
    ("gpus_per_researcher", "GPUs / researcher", ",.0f"),
    ("capability", "Capability", ",.2f"),
    ("capability_rank", "Capability rank", ",.1~f"),
)
"""Columns of the per-lab summary grid: field, header, d3 format."""

MIN_WIDTHS = {"comp_median_usd": 120, "gpus_per_researcher": 105}
"""Pixels a column keeps when the grid is fitted to the page: the widest values
(``$12,345,678``, ``153,503``) shown whole, not cut to ``$2,6…``; other number columns
keep :data:`MIN_NUMBER_WIDTH`; every column is wide enough for its header's longest word
(a page too narrow for them scrolls sideways)."""
MIN_NUMBER_WIDTH = 80


def summary_column_defs() -> list[dict[str, Any]]:
    """Read-only AG Grid columns of the per-lab summary (net flow coloured by sign)."""
    cols: list[dict[str, Any]] = []
    for field, header, fmt in SUMMARY_COLUMNS:
        col: dict[str, Any] = {
            "field": field,
            "headerName": header,
            "headerTooltip": METRICS.get(field, ""),
        }
        if fmt:
            col.update(valueFormatter=d3_format(fmt), type="rightAligned")
            col["minWidth"] = header_min_width(header, MIN_WIDTHS.get(field, MIN_NUMBER_WIDTH))
        if field == "lab":
            col.update(pinned="left", minWidth=160)
        if field == "net_flow":
            col["cellClassRules"] = {
                "delta-up": "params.value > 0",
                "delta-down": "params.value < 0",
            }
        cols.append(col)
    return cols


def mean_summary(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-lab summary averaged over seeds (spin-outs merged in each seed first)."""
    merged = pd.concat([stats.grouped(t, []) for t in tables], ignore_index=True)
    order = list(dict.fromkeys(merged["lab"]))
    out = merged.groupby("lab", sort=False).mean(numeric_only=True).reindex(order)
    return out.reset_index()


def layout() -> dcc.Tab:
    """The summary tab."""
    return dcc.Tab(
        label="Summary",
        value=ids.TAB_SUMMARY,
        children=[
            html.Div(id=ids.SUMMARY_CAPTION, className="caption"),
            dag.AgGrid(
                id=ids.SUMMARY_GRID,
                columnDefs=summary_column_defs(),
                rowData=[],
                defaultColDef=READ_ONLY_COLS,
                dashGridOptions={"domLayout": "autoHeight", "tooltipShowDelay": 200},
                columnSize="responsiveSizeToFit",
                className=GRID_CLASS,
            ),
        ],
    )


def register(app: Dash, services: Services) -> None:
    """The summary tab's callback."""

    @app.callback(
        Output(ids.SUMMARY_GRID, "rowData"),
        Output(ids.SUMMARY_CAPTION, "children"),
        Input(ids.RUN_STORE, "data"),
    )
    def show_summary(data: Any) -> tuple[Any, Any]:
        try:
            run_ids, meta, _ = services.run_facts(data)
        except market.ScenarioError:
            raise PreventUpdate from None
        table = mean_summary(services.tables(run_ids, "summary"))
        what = f"mean over {len(run_ids)} seeds" if len(run_ids) > 1 else "one seed"
        return records(table), f"End of run ({meta.get('end_month')}), {what}; spin-outs merged."
