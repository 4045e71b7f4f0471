"""Policy panel: market-wide controls, the mechanism switches and the per-lab policy
grid.

Grid cells keep what was typed ("abc" stays "abc", marked invalid, and the refusal
quotes it); cells that a scheduled event sets are flagged by :mod:`.events`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import dash_ag_grid as dag
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

import market
from dashboards import ids
from dashboards.components import GRID_CLASS, number_input
from dashboards.fields import GLOBAL_FIELDS, LAB_FIELDS, MECHANISM_FIELDS, FieldSpec
from dashboards.runs import base_scenario, lab_rows, mechanism_values, switches_from_checklist
from dashboards.services import Services

GLOBAL_IDS = {
    "noncompete_enforcement": ids.NONCOMPETE,
    "sigma": ids.SIGMA,
    "graduates_per_year": ids.GRADUATES,
}
"""Component id of each market-wide control, by field key."""

KEEP_TYPED = "keepTyped(params.newValue)"
"""AG Grid value parser: a number if the text is one, else the text as typed."""

FLAG_CLASSES = {
    "cell-event": "event",
    "cell-kept": "kept",
    "cell-rescaled": "rescaled",
    "cell-overwritten": "overwritten",
}
"""Cell classes of the event flags set by :func:`dashboards.timeline.flag_lab_rows`."""


def _lab_column(spec: FieldSpec) -> dict[str, Any]:
    rules = {"cell-edited": f"params.value !== params.data.orig_{spec.key}"}
    for cls, flag in FLAG_CLASSES.items():
        rules[cls] = f"params.data.flag_{spec.key} === '{flag}'"
    col: dict[str, Any] = {
        "field": spec.key,
        "headerName": spec.header,
        "headerTooltip": f"{spec.help} Allowed: {spec.range_text}.",
        "tooltipField": f"events_{spec.key}",
        "editable": True,
        "minWidth": 118,
        "cellClassRules": rules,
    }
    if spec.choices:
        col["cellEditor"] = "agSelectCellEditor"
        col["cellEditorParams"] = {"values": list(spec.choices)}
        return col
    rules["cell-invalid"] = "!isNumber(params.value)"
    fmt = "$,.0f" if spec.key.endswith("_usd") else ",.6~r"
    col.update(
        cellDataType=False,  # else AG Grid's number type turns "abc" into null
        cellEditor="agTextCellEditor",
        valueParser={"function": KEEP_TYPED},
        type="rightAligned",
        valueFormatter={
            "function": f"isNumber(params.value) ? d3.format('{fmt}')(params.value) "
            ": text(params.value)"
        },
    )
    return col


def lab_column_defs() -> list[dict[str, Any]]:
    """AG Grid columns of the per-lab policy grid: one per :data:`LAB_FIELDS` entry,
    header with unit and range, tooltip with the model's docstring (or, on a flagged
    cell, the events that set it), edited and event-set cells marked.
    """
    lab = {
        "field": "lab",
        "headerName": "Lab",
        "editable": False,
        "pinned": "left",
        "minWidth": 140,
        "cellClass": "lab-cell",
    }
    return [lab, *(_lab_column(spec) for spec in LAB_FIELDS)]


LEGEND = html.Div(
    [
        html.Span("edited", className="legend cell-edited"),
        html.Span("set later by an event", className="legend cell-event"),
        html.Span("edited; events on it dropped", className="legend cell-kept"),
        html.Span("edited; events rescaled", className="legend cell-rescaled"),
        html.Span("edited; an event overwrites it", className="legend cell-overwritten"),
    ],
    className="legend-row",
)


def mechanism_options(edited: Collection[str] = ()) -> list[dict[str, Any]]:
    """Checklist options of the switches: label, docstring on hover; the switches in
    ``edited`` (set otherwise than the scenario) marked like an edited grid cell.
    """
    return [
        {
            "label": html.Span(
                s.label,
                title=f"{s.help} Changed from the scenario." if s.key in edited else s.help,
                className="cell-edited" if s.key in edited else "",
            ),
            "value": s.key,
        }
        for s in MECHANISM_FIELDS
    ]


def mechanisms() -> html.Div:
    """The Mechanisms control: one checkbox per :data:`MECHANISM_FIELDS` switch,
    ticked as the scenario has it (filled by :mod:`.scenario`); hover for what it does.
    """
    return html.Div(
        [
            html.Div(
                [
                    html.Span("Mechanisms", className="label-text"),
                    html.Span(
                        " on or off for this run; hover for what each does", className="unit"
                    ),
                ],
                className="field-title",
            ),
            dcc.Checklist(
                id=ids.MECHANISMS,
                options=mechanism_options(),
                value=None,
                className="mechanisms",
                labelClassName="mechanism",
            ),
        ],
        className="mechanisms-field",
    )


def layout() -> html.Section:
    """The policy sections of the side panel."""
    market_wide = html.Div(
        [
            number_input(GLOBAL_IDS[s.key], s.label, f"({s.unit})", s.range_text, s.help)
            for s in GLOBAL_FIELDS
        ],
        className="row",
    )
    grid = dag.AgGrid(
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
            "suppressColumnVirtualisation": True,
        },
        getRowId="params.data.lab",
        className=GRID_CLASS,
    )
    return html.Section(
        [
            html.H2("Market-wide policy"),
            market_wide,
            mechanisms(),
            html.H2("Per-lab policies"),
            html.Div(
                "Click a cell to edit, Enter to confirm. Values are in the scenario's own "
                "units, before rescaling to 'People'. Hover a header for its meaning, a "
                "flagged cell for the events that set it.",
                className="hint",
            ),
            LEGEND,
            grid,
            html.Button("Reset per-lab policies", id=ids.RESET_LABS, n_clicks=0),
        ],
        className="panel-section labs-section",
    )


def register(app: Dash, services: Services) -> None:
    """The policy panel's callbacks."""

    @app.callback(
        Output(ids.LAB_GRID, "rowData", allow_duplicate=True),
        Input(ids.RESET_LABS, "n_clicks"),
        State(ids.SCENARIO_STORE, "data"),
        prevent_initial_call=True,
    )
    def reset_labs(_clicks: Any, source: Any) -> Any:
        if source is None:
            raise PreventUpdate
        try:
            return lab_rows(base_scenario(source, services.limits))
        except market.ScenarioError:
            return no_update

    @app.callback(
        Output(ids.MECHANISMS, "options"),
        Input(ids.MECHANISMS, "value"),
        State(ids.SCENARIO_STORE, "data"),
        prevent_initial_call=True,
    )
    def mark_switches(checked: Any, source: Any) -> Any:
        switches = switches_from_checklist(checked)
        if source is None or not isinstance(switches, dict):
            raise PreventUpdate
        try:
            own = mechanism_values(base_scenario(source, services.limits))
        except market.ScenarioError:
            return no_update
        return mechanism_options([k for k, v in own.items() if switches.get(k) != v])
