"""The page: controls on top (scenario, horizon, market-wide and per-lab policies, run),
results below in tabs (flows, time series, summary, compare), export buttons.

Component ids come from :mod:`dashboards.ids`; labels, units and ranges from
:mod:`dashboards.fields`. Values are filled in by callbacks from the chosen scenario.
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboards import ids
from dashboards.fields import GLOBAL_FIELDS, LAB_FIELDS, FieldSpec, number_text
from dashboards.figures import empty_figure
from dashboards.runs import Limits
from market.codes import SPECIALTIES

GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"scale": 2}}


def _label(text: str, unit: str, range_: str, help_: str, for_id: str) -> html.Label:
    return html.Label(
        [
            html.Span(text, className="label-text"),
            html.Span(f" {unit}" if unit else "", className="unit"),
            html.Span(f" [{range_}]", className="range"),
        ],
        htmlFor=for_id,
        title=help_,
    )


def _number_input(
    component_id: str,
    text: str,
    unit: str,
    lo: float | None,
    hi: float | None,
    step: float | None,
    help_: str,
    range_: str,
    value: float | None = None,
) -> html.Div:
    return html.Div(
        [
            _label(text, unit, range_, help_, component_id),
            dcc.Input(
                id=component_id,
                type="number",
                value=value,
                min=lo,
                max=hi,
                step=step if step is not None else "any",
                className="number-input",
            ),
        ],
        className="field",
    )


def _global_input(spec: FieldSpec, component_id: str) -> html.Div:
    lo, hi, _, _ = spec.bounds
    return _number_input(
        component_id, spec.label, f"({spec.unit})", lo, hi, spec.step, spec.help, spec.range_text
    )


def lab_column_defs() -> list[dict[str, Any]]:
    """AG Grid columns of the per-lab policy grid: one per :data:`LAB_FIELDS` entry,
    header with unit and range, tooltip with the model's docstring, edited cells marked.
    """
    cols: list[dict[str, Any]] = [
        {
            "field": "lab",
            "headerName": "Lab",
            "editable": False,
            "pinned": "left",
            "minWidth": 180,
            "cellClass": "lab-cell",
        },
    ]
    for spec in LAB_FIELDS:
        col: dict[str, Any] = {
            "field": spec.key,
            "headerName": spec.header,
            "headerTooltip": f"{spec.help} Allowed: {spec.range_text}.",
            "editable": True,
            "minWidth": 120,
            "cellClassRules": {"cell-edited": f"params.value !== params.data.orig_{spec.key}"},
        }
        if spec.choices:
            col["cellEditor"] = "agSelectCellEditor"
            col["cellEditorParams"] = {"values": list(spec.choices)}
        else:
            col["cellEditor"] = "agNumberCellEditor"
            col["cellEditorParams"] = {"showStepperButtons": False}
            col["type"] = "rightAligned"
            fmt = "$,.0f" if spec.key.endswith("_usd") else ",.6~r"
            col["valueFormatter"] = {"function": f"d3.format('{fmt}')(params.value)"}
        cols.append(col)
    return cols


def _fmt(fmt: str) -> dict[str, str]:
    return {"function": f"params.value == null ? '–' : d3.format('{fmt}')(params.value)"}


SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("lab", "Lab", ""),
    ("headcount", "People", ",d"),
    ("research", "Researchers", ",d"),
    ("talent_share", "Talent share", ".1%"),
    ("hires", "Hires", ",d"),
    ("departures", "Departures", ",d"),
    ("net_flow", "Net flow", "+,d"),
    ("retention_24m", "2-yr retention", ".0%"),
    ("comp_median_usd", "Median comp (USD/yr)", "$,.0f"),
    ("gpus_per_researcher", "GPUs / researcher", ",.0f"),
    ("capability", "Capability", ",.2f"),
    ("capability_rank", "Capability rank", "d"),
)
"""Columns of the per-lab summary grid: field, header, d3 format."""


def summary_column_defs() -> list[dict[str, Any]]:
    """Read-only AG Grid columns of the per-lab summary (net flow coloured by sign)."""
    cols: list[dict[str, Any]] = []
    for field, header, fmt in SUMMARY_COLUMNS:
        col: dict[str, Any] = {"field": field, "headerName": header}
        if fmt:
            col["valueFormatter"] = _fmt(fmt)
            col["type"] = "rightAligned"
        if field == "lab":
            col["pinned"] = "left"
            col["minWidth"] = 160
        if field == "net_flow":
            col["cellClassRules"] = {
                "delta-up": "params.value > 0",
                "delta-down": "params.value < 0",
            }
        cols.append(col)
    return cols


COMPARE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("headcount", "People", ",d"),
    ("net_flow", "Net flow", "+,d"),
    ("comp_median_usd", "Median comp (USD/yr)", "$,.0f"),
    ("capability", "Capability", ",.3f"),
    ("talent_share", "Talent share", ".1%"),
    ("retention_24m", "2-yr retention", ".0%"),
)
"""Metric groups of the compare grid: metric, header, d3 format."""


def compare_column_defs() -> list[dict[str, Any]]:
    """Grouped columns baseline / current / change per metric; changes coloured."""
    cols: list[dict[str, Any]] = [
        {"field": "lab", "headerName": "Lab", "pinned": "left", "minWidth": 160}
    ]
    for metric, header, fmt in COMPARE_COLUMNS:
        delta_fmt = fmt if fmt.startswith("+") else "+" + fmt.lstrip("$")
        if fmt.startswith("$"):
            delta_fmt = "+$,.0f"
        children = [
            {
                "field": f"{metric}_baseline",
                "headerName": "baseline",
                "valueFormatter": _fmt(fmt),
                "type": "rightAligned",
                "minWidth": 95,
            },
            {
                "field": f"{metric}_current",
                "headerName": "current",
                "valueFormatter": _fmt(fmt),
                "type": "rightAligned",
                "minWidth": 95,
            },
            {
                "field": f"{metric}_delta",
                "headerName": "change",
                "valueFormatter": _fmt(delta_fmt),
                "type": "rightAligned",
                "minWidth": 95,
                "cellClassRules": {
                    "delta-up": "params.value > 0",
                    "delta-down": "params.value < 0",
                },
            },
        ]
        cols.append({"headerName": header, "children": children})
    return cols


def _card(title: str, *children: Any, class_name: str = "") -> html.Section:
    return html.Section([html.H2(title), *children], className=f"card {class_name}".strip())


def _controls(builtins: list[str], default: str | None, limits: Limits) -> html.Div:
    glob = {
        "noncompete_enforcement": ids.NONCOMPETE,
        "sigma": ids.SIGMA,
        "graduates_per_year": ids.GRADUATES,
    }
    scenario_col = html.Div(
        [
            html.H3("Scenario"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Built-in scenario", htmlFor=ids.SCENARIO),
                            dcc.Dropdown(
                                id=ids.SCENARIO,
                                options=[{"label": n, "value": n} for n in builtins],
                                value=default,
                                clearable=False,
                                placeholder="uploaded file in use",
                            ),
                        ],
                        className="field grow",
                    ),
                    dcc.Upload(
                        id=ids.UPLOAD,
                        children=html.Div(["or ", html.A("upload a TOML scenario")]),
                        accept=".toml,text/plain",
                        max_size=limits.max_upload_bytes,
                        className="upload",
                    ),
                ],
                className="row",
            ),
            html.Div(id=ids.SCENARIO_MESSAGE, className="message"),
            html.Div(id=ids.SCENARIO_INFO, className="info"),
        ],
        className="col",
    )
    horizon_col = html.Div(
        [
            html.H3("Horizon and seed"),
            html.Div(
                [
                    _number_input(
                        ids.STEPS,
                        "Horizon",
                        "(months)",
                        1,
                        limits.max_steps,
                        1,
                        "Months to simulate from the scenario's start month.",
                        f"1–{limits.max_steps}",
                    ),
                    _number_input(
                        ids.SEED,
                        "Seed",
                        "",
                        0,
                        limits.max_seed,
                        1,
                        "Random seed; the same seed and policies give the same tables.",
                        f"0–{limits.max_seed:,}",
                        value=1,
                    ),
                    _number_input(
                        ids.PEOPLE,
                        "People",
                        "(simulated)",
                        2,
                        limits.max_people,
                        1,
                        "Rescale the scenario to this many people: headcounts, budgets, GPU "
                        "stocks and graduate inflow scale together, per-head ratios stay.",
                        f"≤ {number_text(limits.max_people)}",
                    ),
                ],
                className="row",
            ),
        ],
        className="col",
    )
    market_col = html.Div(
        [
            html.H3("Market-wide policy"),
            html.Div([_global_input(s, glob[s.key]) for s in GLOBAL_FIELDS], className="row"),
        ],
        className="col",
    )
    scenario_card = _card(
        "Scenario and run",
        html.Div([scenario_col, horizon_col, market_col], className="three-col"),
        html.Div(
            [
                html.Button("Run", id=ids.RUN, className="primary", n_clicks=0),
                html.Button("Cancel", id=ids.CANCEL, disabled=True, n_clicks=0),
                html.Progress(id=ids.PROGRESS, value="0", max="1", className="progress"),
                html.Span(id=ids.PROGRESS_LABEL, className="progress-label"),
                html.Span(id=ids.RUNNING_NOTE, className="running-note"),
                html.Span(
                    f"Runs are capped at {number_text(limits.max_person_months)} "
                    f"person-months (people × months, graduates included), "
                    f"{limits.max_steps} months and {number_text(limits.max_people)} people.",
                    className="hint",
                ),
            ],
            className="row run-row",
        ),
        html.Div(id=ids.RUN_MESSAGE, className="message"),
        class_name="scenario-card",
    )
    labs_card = _card(
        "Per-lab policies",
        html.Div(
            "Click a cell to edit; edited cells are highlighted. Values are in the "
            "scenario's own units, before rescaling to 'People'. Hover a header for its "
            "meaning.",
            className="hint",
        ),
        dag.AgGrid(
            id=ids.LAB_GRID,
            columnDefs=lab_column_defs(),
            rowData=[],
            defaultColDef={
                "resizable": True,
                "sortable": False,
                "wrapHeaderText": True,
                "autoHeaderHeight": True,
                "suppressMovable": True,
            },
            dashGridOptions={
                "singleClickEdit": True,
                "stopEditingWhenCellsLoseFocus": True,
                "tooltipShowDelay": 200,
                "domLayout": "autoHeight",
            },
            getRowId="params.data.lab",
            columnSize="responsiveSizeToFit",
            className="ag-theme-quartz",
        ),
        html.Div(
            html.Button("Reset per-lab policies", id=ids.RESET_LABS, n_clicks=0),
            className="row",
        ),
        class_name="labs-card",
    )
    return html.Div([scenario_card, labs_card], className="controls")


def _flows_tab() -> dcc.Tab:
    return dcc.Tab(
        label="Talent flows",
        value=ids.TAB_FLOWS,
        children=[
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Specialty", htmlFor=ids.SPECIALTIES),
                            dcc.Checklist(
                                id=ids.SPECIALTIES,
                                options=[{"label": s, "value": s} for s in SPECIALTIES],
                                value=list(SPECIALTIES),
                                inline=True,
                            ),
                        ],
                        className="field",
                    ),
                    html.Div(
                        dcc.Checklist(
                            id=ids.ENTRY_EXIT,
                            options=[
                                {
                                    "label": "include graduates, rehires and exits",
                                    "value": "entry_exit",
                                }
                            ],
                            value=[],
                        ),
                        className="field",
                    ),
                    html.Div(
                        [
                            html.Label("Time window (months)", htmlFor=ids.WINDOW),
                            dcc.RangeSlider(
                                id=ids.WINDOW,
                                min=1,
                                max=12,
                                step=1,
                                value=[1, 12],
                                allowCross=False,
                            ),
                        ],
                        className="field grow window",
                    ),
                ],
                className="row filters",
            ),
            html.Div(id=ids.FLOW_CAPTION, className="caption"),
            html.Div(
                [
                    dcc.Graph(
                        id=ids.SANKEY,
                        figure=empty_figure("Run the model to see talent flows"),
                        config=GRAPH_CONFIG,
                        className="graph sankey",
                    ),
                    dcc.Graph(
                        id=ids.HEATMAP,
                        figure=empty_figure("Flow matrix appears after a run"),
                        config=GRAPH_CONFIG,
                        className="graph heatmap",
                    ),
                ],
                className="stack",
            ),
        ],
    )


def _compare_tab() -> dcc.Tab:
    return dcc.Tab(
        label="Compare",
        value=ids.TAB_COMPARE,
        children=[
            html.Div(id=ids.BASELINE_INFO, className="info"),
            html.Div(id=ids.PARAM_DIFF, className="param-diff"),
            dcc.Graph(
                id=ids.COMPARE_GRAPH,
                figure=empty_figure("Pin a baseline, change a policy and run again to compare"),
                config=GRAPH_CONFIG,
            ),
            dag.AgGrid(
                id=ids.COMPARE_GRID,
                columnDefs=compare_column_defs(),
                rowData=[],
                defaultColDef={
                    "resizable": True,
                    "sortable": True,
                    "wrapHeaderText": True,
                    "autoHeaderHeight": True,
                },
                dashGridOptions={"domLayout": "autoHeight"},
                columnSize="autoSize",
                className="ag-theme-quartz",
            ),
            html.Div(
                [
                    dcc.Graph(
                        id=ids.SANKEY_BASELINE,
                        figure=empty_figure("Baseline flows"),
                        config=GRAPH_CONFIG,
                        className="graph",
                    ),
                    dcc.Graph(
                        id=ids.SANKEY_CURRENT,
                        figure=empty_figure("Current flows"),
                        config=GRAPH_CONFIG,
                        className="graph",
                    ),
                ],
                className="two-col",
            ),
        ],
    )


def build_layout(builtins: list[str], default: str | None, limits: Limits) -> html.Div:
    """The whole page."""
    results = html.Section(
        [
            html.Div(
                [
                    html.Div(id=ids.RUN_INFO, className="run-info", children="No run yet."),
                    html.Div(
                        [
                            html.Button("Pin as baseline", id=ids.PIN, disabled=True, n_clicks=0),
                            html.Button(
                                "Clear baseline", id=ids.CLEAR_BASELINE, disabled=True, n_clicks=0
                            ),
                            html.Span("Export:", className="export-label"),
                            html.Button(
                                "Tables (CSV zip)", id=ids.EXPORT_CSV, disabled=True, n_clicks=0
                            ),
                            html.Button(
                                "Tables (Parquet zip)",
                                id=ids.EXPORT_PARQUET,
                                disabled=True,
                                n_clicks=0,
                            ),
                            html.Button(
                                "Scenario (TOML)", id=ids.EXPORT_TOML, disabled=True, n_clicks=0
                            ),
                        ],
                        className="row buttons",
                    ),
                ],
                className="results-head",
            ),
            html.Div(id=ids.EXPORT_MESSAGE, className="message"),
            dcc.Tabs(
                id=ids.RESULT_TABS,
                value=ids.TAB_FLOWS,
                children=[
                    _flows_tab(),
                    dcc.Tab(
                        label="Time series",
                        value=ids.TAB_SERIES,
                        children=dcc.Graph(
                            id=ids.TIMESERIES,
                            figure=empty_figure("Per-lab time series appear after a run"),
                            config=GRAPH_CONFIG,
                        ),
                    ),
                    dcc.Tab(
                        label="Summary",
                        value=ids.TAB_SUMMARY,
                        children=dag.AgGrid(
                            id=ids.SUMMARY_GRID,
                            columnDefs=summary_column_defs(),
                            rowData=[],
                            defaultColDef={
                                "resizable": True,
                                "sortable": True,
                                "wrapHeaderText": True,
                                "autoHeaderHeight": True,
                            },
                            dashGridOptions={"domLayout": "autoHeight"},
                            columnSize="responsiveSizeToFit",
                            className="ag-theme-quartz",
                        ),
                    ),
                    _compare_tab(),
                ],
            ),
        ],
        className="card results",
    )
    return html.Div(
        [
            html.Header(
                [
                    html.H1("talent-market"),
                    html.P(
                        "Tweak salary and compute policies, run the agent-based model of "
                        "the AI talent market, watch who moves where.",
                        className="subtitle",
                    ),
                ]
            ),
            _controls(builtins, default, limits),
            results,
            dcc.Store(id=ids.SCENARIO_STORE, storage_type="memory"),
            dcc.Store(id=ids.RUN_REQUEST, storage_type="memory"),
            dcc.Store(id=ids.RUN_STORE, storage_type="memory"),
            dcc.Store(id=ids.BASELINE_STORE, storage_type="memory"),
            dcc.Download(id=ids.DOWNLOAD),
        ],
        className="page",
    )
