"""Flows tab: who moved where, as a Sankey (fixed node order), a from/to matrix and a
browsable, filterable table of the moves; filters for specialty, time window, entries
and exits, and the outside pools (shown, merged into one node, or hidden).
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import Dash, Input, Output, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

import market
from dashboards import figures, ids
from dashboards.components import (
    GRID_CLASS,
    READ_ONLY_COLS,
    d3_format,
    error_box,
    graph,
    header_min_width,
    records,
)
from dashboards.runs import check_int
from dashboards.services import Services
from market.codes import SPECIALTIES

POOL_LABELS = {"aggregate": "merge into one node", "hide": "hide", "show": "show each"}
MOVES_LIMIT = 5000
"""Rows of the moves table sent to the browser (newest first)."""


def _filters() -> html.Div:
    specialty = html.Div(
        [
            html.Label("Specialty", htmlFor=ids.SPECIALTIES),
            dcc.Checklist(
                id=ids.SPECIALTIES, options=list(SPECIALTIES), value=list(SPECIALTIES), inline=True
            ),
        ],
        className="field",
    )
    pools = html.Div(
        [
            html.Label("Outside pools (academia, big tech & fintech)", htmlFor=ids.POOLS),
            dcc.RadioItems(
                id=ids.POOLS,
                value="aggregate",
                inline=True,
                options=[{"label": v, "value": k} for k, v in POOL_LABELS.items()],
            ),
        ],
        className="field",
    )
    entry = dcc.Checklist(
        id=ids.ENTRY_EXIT,
        options=[{"label": "include graduates, rehires and exits", "value": "entry_exit"}],
        value=[],
    )
    window = html.Div(
        [
            html.Label("Time window", htmlFor=ids.WINDOW),
            dcc.RangeSlider(
                id=ids.WINDOW,
                min=1,
                max=12,
                step=1,
                value=[1, 12],
                allowCross=False,
                updatemode="mouseup",
            ),
        ],
        className="field grow window",
    )
    return html.Div(
        [specialty, pools, html.Div(entry, className="field"), window], className="row filters"
    )


MOVE_COLUMNS = (
    ("month", "Month", ""),
    ("person_id", "Person", "d"),
    ("name", "Name", ""),
    ("from_lab", "From", ""),
    ("to_lab", "To", ""),
    ("specialty", "Specialty", ""),
    ("skill", "Skill", ".2f"),
    ("old_comp_usd", "Old pay (USD/yr)", "$.3~s"),
    ("new_comp_usd", "New pay (USD/yr)", "$.3~s"),
    ("comp_change_usd", "Pay change (USD/yr)", "+$.3~s"),
    ("reason", "Reason", ""),
)
"""Columns of the moves grid: field, header, d3 format (pay as $400k / $1.2M, so that it
fits a narrow column; the exported tables keep dollars)."""
WIDE_COLUMNS = {"name": 175, "from_lab": 160, "to_lab": 160, "specialty": 120, "reason": 120}
"""Minimum widths (px) of the columns whose text is long (named people, labs, reasons):
frontier-2025's longest name, Alexander Kolesnikov, fits; every column is wide enough for
its header's longest word."""
MIN_COLUMN_WIDTH = 125
"""Minimum width (px) of the other columns: their floating filter box still takes a
month such as 2025-12 (the column's filter button and padding take ~75 px)."""


def moves_column_defs() -> list[dict[str, Any]]:
    """Sortable, filterable columns of the moves grid."""
    cols = []
    for field, header, fmt in MOVE_COLUMNS:
        col: dict[str, Any] = {
            "field": field,
            "headerName": header,
            "filter": True,
            "floatingFilter": True,
        }
        col["minWidth"] = header_min_width(header, WIDE_COLUMNS.get(field, MIN_COLUMN_WIDTH))
        if fmt:
            col.update(
                valueFormatter=d3_format(fmt), type="rightAligned", filter="agNumberColumnFilter"
            )
        cols.append(col)
    return cols


def layout() -> dcc.Tab:
    """The flows tab."""
    moves = dag.AgGrid(
        id=ids.MOVES_GRID,
        columnDefs=moves_column_defs(),
        rowData=[],
        defaultColDef=READ_ONLY_COLS,
        dashGridOptions={"pagination": True, "paginationPageSize": 20},
        columnSize="responsiveSizeToFit",
        style={"height": "420px"},
        className=GRID_CLASS,
    )
    return dcc.Tab(
        label="Talent flows",
        value=ids.TAB_FLOWS,
        children=[
            _filters(),
            html.Div(id=ids.FLOW_CAPTION, className="caption"),
            html.Div(
                [
                    graph(ids.SANKEY, "Run the model to see talent flows"),
                    graph(ids.HEATMAP, "Flow matrix appears after a run"),
                ],
                className="two-col flows",
            ),
            html.H3("Moves"),
            html.Div(id=ids.MOVES_CAPTION, className="caption"),
            moves,
        ],
    )


def check_window(value: Any, steps: int) -> tuple[int, int]:
    """The slider's ``[start, end]`` months, checked against the run."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise market.ScenarioError("time window", f"expected two months within 1–{steps}")
    lo = check_int(value[0], 1, steps, "time window start")
    hi = check_int(value[1], 1, steps, "time window end")
    if lo > hi:
        raise market.ScenarioError("time window", "start must not be after end")
    return lo, hi


def check_choice(value: Any, allowed: tuple[str, ...] | list[str], where: str) -> list[str]:
    """A checklist's value: a list of allowed entries."""
    if value is None:
        return []
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise market.ScenarioError(where, f"must be a subset of {', '.join(allowed)}")
    return value


def check_pools(value: Any) -> str:
    """The pools radio: one of :data:`figures.POOL_MODES`."""
    if value not in figures.POOL_MODES:
        raise market.ScenarioError("pools", f"must be one of {', '.join(figures.POOL_MODES)}")
    return str(value)


def window_marks(meta: dict[str, Any], steps: int) -> dict[int, str]:
    """Slider marks: the start month, then each January (fewer on long runs)."""
    y0, m0 = (int(x) for x in str(meta["start_month"]).split("-"))
    marks: dict[int, str] = {1: str(meta["start_month"])}
    every = 1 if steps <= 48 else 2 if steps <= 96 else 5
    for step in range(2, steps + 1):
        year, month = divmod(y0 * 12 + (m0 - 1) + (step - 1), 12)
        if month == 0 and year % every == 0:
            marks[step] = str(year)
    return marks


def month_of(meta: dict[str, Any], step: int) -> str:
    """Calendar month ``YYYY-MM`` of a step of a stored run."""
    y0, m0 = (int(x) for x in str(meta["start_month"]).split("-"))
    months = y0 * 12 + (m0 - 1) + (step - 1)
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def flow_views(services: Services, data: Any, filters: tuple, full_window: bool) -> tuple:
    """Sankey, matrix, caption, moves rows and moves caption of the first seed."""
    specialties, window, entry_exit, pools = filters
    run_ids, meta, labs = services.run_facts(data)
    steps = int(meta["steps"])
    lo, hi = (1, steps) if full_window else check_window(window, steps)
    chosen = check_choice(specialties, SPECIALTIES, "specialty")
    with_entry = bool(check_choice(entry_exit, ["entry_exit"], "entry/exit toggle"))
    mode = check_pools(pools)
    moves = figures.filter_moves(
        services.store.table(run_ids[0], "moves"), chosen, (lo, hi), with_entry
    )
    shown = figures.pool_view(
        moves, figures.pool_labs(services.store.table(run_ids[0], "summary")), mode
    )
    span = f"{month_of(meta, lo)} to {month_of(meta, hi)}"
    what = " + ".join(chosen) if chosen else "no specialty selected"
    seed = f"; seed {data.get('seeds', ['?'])[0]}" if len(run_ids) > 1 else ""
    caption = f"{len(shown):,} moves shown ({what}; {span}; pools: {POOL_LABELS[mode]}{seed})."
    rows = figures.moves_rows(shown, MOVES_LIMIT)
    more = f" (newest {MOVES_LIMIT:,} of {len(shown):,})" if len(shown) > MOVES_LIMIT else ""
    return (
        figures.sankey_figure(shown, labs, title=f"Talent flows, {span}"),
        figures.flow_matrix_figure(shown, labs),
        caption,
        records(rows),
        f"{len(rows):,} moves{more}; filter a column from its header, sort by clicking it.",
    )


def register(app: Dash, services: Services) -> None:
    """The flows tab's callbacks."""

    @app.callback(
        Output(ids.WINDOW, "max"),
        Output(ids.WINDOW, "value"),
        Output(ids.WINDOW, "marks"),
        Input(ids.RUN_STORE, "data"),
    )
    def set_window(data: Any) -> tuple[Any, Any, Any]:
        try:
            _, meta, _ = services.run_facts(data)
        except market.ScenarioError:
            raise PreventUpdate from None
        steps = int(meta["steps"])
        return steps, [1, steps], window_marks(meta, steps)

    @app.callback(
        Output(ids.SANKEY, "figure"),
        Output(ids.HEATMAP, "figure"),
        Output(ids.FLOW_CAPTION, "children"),
        Output(ids.MOVES_GRID, "rowData"),
        Output(ids.MOVES_CAPTION, "children"),
        Input(ids.RUN_STORE, "data"),
        Input(ids.SPECIALTIES, "value"),
        Input(ids.WINDOW, "value"),
        Input(ids.ENTRY_EXIT, "value"),
        Input(ids.POOLS, "value"),
    )
    def show_flows(data: Any, *filters: Any) -> tuple[Any, ...]:
        if data is None:
            raise PreventUpdate
        try:
            return flow_views(services, data, filters, ctx.triggered_id == ids.RUN_STORE)
        except market.ScenarioError as exc:
            return no_update, no_update, error_box(exc), no_update, no_update
