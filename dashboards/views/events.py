"""Events panel: the scenario's timeline of scheduled events, each switchable and
editable, the precedence rule for events on fields the user changed, and the report
of what that rule does to each event (the model's own rule and report:
:meth:`market.Scenario.with_overrides`, :mod:`market.precedence`).
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

import market
from dashboards import ids, timeline
from dashboards.components import GRID_CLASS, error_box
from dashboards.runs import base_scenario, lenient_overrides, switches_from_checklist
from dashboards.services import Services
from dashboards.views.policies import KEEP_TYPED

PRECEDENCE_LABELS = {
    "user": "my value wins (events on a field I change are dropped)",
    "relative": "events rescaled by my change",
    "events": "events still apply and overwrite my value",
}
"""Choices of the precedence radio, one per :data:`market.precedence.PRECEDENCE_RULES`."""


EDITED = "text(params.value) !== text(params.data['orig_' + params.colDef.field])"
STATUS_CLASSES = {
    "cell-overwritten": "params.data.outcome === 'applies'",
    "cell-kept": "params.data.outcome === 'dropped'",
    "cell-rescaled": "params.data.outcome === 'rescaled'",
}


def event_column_defs() -> list[dict[str, Any]]:
    """Columns of the events grid: on/off, date, lab, field, value, duration, what the
    precedence rule does to it, source and note (hover for the whole note).
    """
    text = {
        "editable": True,
        "cellEditor": "agTextCellEditor",
        "cellDataType": False,
        "valueParser": {"function": KEEP_TYPED},
        "cellClassRules": {"cell-edited": EDITED},
    }
    return [
        {
            "field": "on",
            "headerName": "On",
            "editable": True,
            "cellDataType": "boolean",
            "width": 62,
            "pinned": "left",
        },
        {"field": "at", "headerName": "Date", "width": 96, **text},
        {"field": "lab", "headerName": "Lab", "width": 130, "filter": True},
        {"field": "field", "headerName": "Field", "width": 170, "filter": True},
        {"field": "value", "headerName": "Value", "width": 110, "type": "rightAligned", **text},
        {
            "field": "months",
            "headerName": "Months",
            "width": 84,
            "headerTooltip": "Reverts after this many months; empty = permanent.",
            **text,
        },
        {
            "field": "status",
            "headerName": "With your changes",
            "width": 200,
            "cellClassRules": STATUS_CLASSES,
        },
        {"field": "source", "headerName": "Source", "width": 220, "tooltipField": "note"},
        {"field": "note", "headerName": "Note", "width": 300, "tooltipField": "note"},
    ]


def layout() -> html.Section:
    """The events section of the side panel."""
    grid = dag.AgGrid(
        id=ids.EVENTS_GRID,
        columnDefs=event_column_defs(),
        rowData=[],
        defaultColDef={"resizable": True, "sortable": True, "suppressMovable": True},
        dashGridOptions={
            "singleClickEdit": True,
            "stopEditingWhenCellsLoseFocus": True,
            "tooltipShowDelay": 200,
            "rowHeight": 30,
            "suppressColumnVirtualisation": True,
        },
        getRowId="params.data.row_id",
        style={"height": "340px"},
        className=GRID_CLASS,
    )
    return html.Section(
        [
            html.H2("Scheduled events"),
            html.Div(id=ids.EVENTS_SUMMARY, className="hint"),
            html.Label("When you change a field that an event also sets:", htmlFor=ids.PRECEDENCE),
            dcc.RadioItems(
                id=ids.PRECEDENCE,
                options=[{"label": v, "value": k} for k, v in PRECEDENCE_LABELS.items()],
                value="user",
                persistence=True,
                persistence_type="session",
                className="radio",
            ),
            grid,
            html.Div(id=ids.EVENT_REPORT, className="message event-report"),
            html.Button("Reset events", id=ids.RESET_EVENTS, n_clicks=0),
        ],
        className="panel-section events-section",
    )


def annotate(
    services: Services,
    source: Any,
    lab_rows: Any,
    event_rows: Any,
    rule: Any,
    values: dict,
    switches: Any = None,
) -> tuple[Any, Any, Any]:
    """Flags for the lab grid, statuses for the events grid and the report, following
    the model's precedence rule (market-wide values and mechanism switches included);
    invalid entries become one message instead.
    """
    base = base_scenario(source, services.limits)
    rule = timeline.check_precedence(rule)
    with_events = timeline.events_from_rows(base, event_rows)
    overrides = lenient_overrides(base, lab_rows, values, switches)
    spec = with_events.with_overrides(overrides, rule) if overrides else with_events
    outcomes = timeline.event_outcomes(
        spec.event_overrides, timeline.enabled_indices(event_rows, len(base.events))
    )
    new_events = timeline.status_rows(event_rows, outcomes)
    new_labs = timeline.flag_lab_rows(lab_rows, new_events, outcomes)
    lines = [timeline.report_line(item, i) for i, item in sorted(outcomes.items())]
    report = html.Ul([html.Li(line) for line in lines]) if lines else ""
    return new_labs, new_events, report


def summary_text(rows: Any) -> str:
    """A line like "54 scheduled events: 53 on, 1 off, 2 edited"."""
    if not isinstance(rows, list) or not rows:
        return "This scenario schedules no events."
    on = sum(1 for r in rows if r.get("on"))
    keys = ("at", "value", "months")
    edited = sum(1 for r in rows if any(str(r.get(k)) != str(r.get(f"orig_{k}")) for k in keys))
    return f"{len(rows)} scheduled events: {on} on, {len(rows) - on} off, {edited} edited."


def register(app: Dash, services: Services) -> None:
    """The events panel's callbacks."""

    @app.callback(
        Output(ids.LAB_GRID, "rowData", allow_duplicate=True),
        Output(ids.EVENTS_GRID, "rowData", allow_duplicate=True),
        Output(ids.EVENT_REPORT, "children"),
        Output(ids.EVENTS_SUMMARY, "children"),
        Input(ids.LAB_GRID, "rowData"),
        Input(ids.EVENTS_GRID, "rowData"),
        Input(ids.LAB_GRID, "cellValueChanged"),
        Input(ids.EVENTS_GRID, "cellValueChanged"),
        Input(ids.PRECEDENCE, "value"),
        Input(ids.NONCOMPETE, "value"),
        Input(ids.SIGMA, "value"),
        Input(ids.GRADUATES, "value"),
        Input(ids.MECHANISMS, "value"),
        State(ids.SCENARIO_STORE, "data"),
        prevent_initial_call=True,
    )
    def flag_events(
        labs: Any, events: Any, _lab_edit: Any, _event_edit: Any, rule: Any, *rest: Any
    ) -> tuple[Any, ...]:
        noncompete, sigma, graduates, checked, source = rest
        if source is None or not isinstance(labs, list) or not labs:
            raise PreventUpdate
        values = {
            "noncompete_enforcement": noncompete,
            "sigma": sigma,
            "graduates_per_year": graduates,
        }
        try:
            switches = switches_from_checklist(checked)
            new_labs, new_events, report = annotate(
                services, source, labs, events, rule, values, switches
            )
        except market.ScenarioError as exc:
            return no_update, no_update, error_box(exc), summary_text(events)
        return (
            new_labs if new_labs != labs else no_update,
            new_events if new_events != events else no_update,
            report,
            summary_text(new_events),
        )

    @app.callback(
        Output(ids.EVENTS_GRID, "rowData", allow_duplicate=True),
        Input(ids.RESET_EVENTS, "n_clicks"),
        State(ids.SCENARIO_STORE, "data"),
        prevent_initial_call=True,
    )
    def reset_events(_clicks: Any, source: Any) -> Any:
        if source is None:
            raise PreventUpdate
        try:
            return timeline.event_rows(base_scenario(source, services.limits))
        except market.ScenarioError:
            return no_update
