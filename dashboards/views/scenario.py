"""Scenario panel: pick a built-in scenario or upload a TOML file; the choice fills
every other control (policies, mechanism switches, events, horizon, people) from the
scenario.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

import market
from dashboards import ids, timeline
from dashboards.components import error_box
from dashboards.fields import GLOBAL_FIELDS, number_text
from dashboards.runs import (
    Limits,
    base_scenario,
    checked_switches,
    global_values,
    lab_rows,
    mechanism_values,
    scenario_from_toml,
)
from dashboards.services import Services

BROWSER_UPLOAD_CAP = 64_000_000
"""Files above this are not even read by the browser (the page says so beforehand)."""

CHECK_UPLOAD_JS = """
function(contents) {
    var limit = UPLOAD_LIMIT;
    if (!contents) { return [window.dash_clientside.no_update, ""]; }
    var b64 = contents.length - contents.indexOf(",") - 1;
    var bytes = Math.floor(b64 * 3 / 4);
    if (bytes > limit) {
        var mb = function (n) { return (n / 1e6).toFixed(1) + " MB"; };
        return [null, "upload: the file is " + mb(bytes) + ", larger than the " + mb(limit)
                + " a scenario may have; nothing was sent to the server"];
    }
    return [contents, ""];
}
"""
"""Browser-side size check, so that an oversized file gets a message and is not sent."""


def layout(builtins: list[str], default: str | None, limits: Limits) -> html.Section:
    """The scenario section of the side panel."""
    return html.Section(
        [
            html.H2("Scenario"),
            html.Div(
                [
                    dcc.Dropdown(
                        id=ids.SCENARIO,
                        options=[{"label": n, "value": n} for n in builtins],
                        value=default,
                        clearable=False,
                        placeholder="uploaded file in use",
                        className="grow",
                    ),
                    dcc.Upload(
                        id=ids.UPLOAD,
                        children=html.Div(["or ", html.A("upload TOML")]),
                        accept=".toml,text/plain",
                        max_size=BROWSER_UPLOAD_CAP,
                        className="upload",
                    ),
                ],
                className="row",
            ),
            html.Div(
                f"Uploads up to {number_text(limits.max_upload_bytes / 1e6)} MB.", className="hint"
            ),
            dcc.Store(id=ids.UPLOAD_CHECKED),
            dcc.Store(id=ids.SCENARIO_STORE, storage_type="memory"),
            html.Div(id=ids.SCENARIO_MESSAGE, className="message"),
            html.Div(id=ids.SCENARIO_INFO, className="info"),
        ],
        className="panel-section",
    )


def describe(spec: market.Scenario, origin: str) -> list[Any]:
    """One paragraph about the chosen scenario."""
    return [
        html.Span(
            f"{origin}: {len(spec.labs)} labs, {spec.n_engineers:,} people, starts "
            f"{spec.start}, {spec.steps} months, {len(spec.events)} scheduled events. "
        ),
        html.Details([html.Summary("description"), html.P(spec.description, className="muted")]),
    ]


def decode_upload(contents: Any, filename: Any, limits: Limits) -> tuple[str, str]:
    """``(text, name)`` of an uploaded scenario, refused when too large or not text."""
    if not isinstance(contents, str) or "," not in contents:
        raise market.ScenarioError("upload", "expected a TOML file")
    if len(contents) > limits.max_upload_bytes * 4 // 3 + 200:
        raise market.ScenarioError(
            "upload", f"file is larger than {limits.max_upload_bytes:,} bytes"
        )
    try:
        text = base64.b64decode(contents.split(",", 1)[1], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise market.ScenarioError("upload", "not a UTF-8 text (TOML) file") from None
    name = str(filename or "uploaded.toml")[:200]
    scenario_from_toml(text, limits, name)
    return text, name


def control_values(spec: market.Scenario, source: dict[str, Any], limits: Limits) -> tuple:
    """Every control's value for a freshly chosen scenario."""
    values = global_values(spec)
    origin = (
        f"built-in {source['name']}"
        if source.get("kind") == "builtin"
        else f"uploaded {source.get('filename')}"
    )
    return (
        lab_rows(spec),
        timeline.event_rows(spec),
        *(values[s.key] for s in GLOBAL_FIELDS),
        checked_switches(mechanism_values(spec)),
        min(spec.steps, limits.max_steps),
        min(spec.n_engineers, limits.max_people),
        describe(spec, origin),
        "",
    )


def register(app: Dash, services: Services) -> None:
    """The scenario panel's callbacks."""
    limits = services.limits

    @app.callback(
        Output(ids.SCENARIO_STORE, "data"),
        Output(ids.SCENARIO_MESSAGE, "children"),
        Input(ids.SCENARIO, "value"),
        State(ids.SESSION_STORE, "data"),
    )
    def choose_builtin(name: Any, saved: Any) -> tuple[Any, Any]:
        if ctx.triggered_id is None and isinstance(saved, dict) and saved.get("source"):
            try:  # a reload: come back to the session's last scenario
                base_scenario(saved["source"], limits)
                return saved["source"], ""
            except market.ScenarioError:
                pass
        if name is None:
            raise PreventUpdate
        source = {"kind": "builtin", "name": name}
        try:
            base_scenario(source, limits)
        except market.ScenarioError as exc:
            return no_update, error_box(exc)
        return source, ""

    app.clientside_callback(
        CHECK_UPLOAD_JS.replace("UPLOAD_LIMIT", str(int(limits.max_upload_bytes))),
        Output(ids.UPLOAD_CHECKED, "data"),
        Output(ids.SCENARIO_MESSAGE, "children", allow_duplicate=True),
        Input(ids.UPLOAD, "contents"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.SCENARIO_STORE, "data", allow_duplicate=True),
        Output(ids.SCENARIO, "value"),
        Output(ids.SCENARIO_MESSAGE, "children", allow_duplicate=True),
        Input(ids.UPLOAD_CHECKED, "data"),
        State(ids.UPLOAD, "filename"),
        prevent_initial_call=True,
    )
    def upload_scenario(contents: Any, filename: Any) -> tuple[Any, Any, Any]:
        if not isinstance(contents, str):
            raise PreventUpdate
        try:
            text, name = decode_upload(contents, filename, limits)
        except market.ScenarioError as exc:
            return no_update, no_update, error_box(exc)
        return {"kind": "upload", "toml": text, "filename": name}, None, ""

    _register_fill(app, limits)


def _register_fill(app: Dash, limits: Limits) -> None:
    @app.callback(
        Output(ids.LAB_GRID, "rowData"),
        Output(ids.EVENTS_GRID, "rowData"),
        *(Output(i, "value") for i in (ids.NONCOMPETE, ids.SIGMA, ids.GRADUATES)),
        Output(ids.MECHANISMS, "value"),
        Output(ids.STEPS, "value"),
        Output(ids.PEOPLE, "value"),
        Output(ids.SCENARIO_INFO, "children"),
        Output(ids.SCENARIO_MESSAGE, "children", allow_duplicate=True),
        Input(ids.SCENARIO_STORE, "data"),
        State(ids.SESSION_STORE, "data"),
        prevent_initial_call=True,
    )
    def fill_controls(source: Any, saved: Any) -> tuple[Any, ...]:
        if source is None:
            raise PreventUpdate
        try:
            spec = base_scenario(source, limits)
        except market.ScenarioError as exc:
            return (*([no_update] * 9), error_box(exc))
        values = list(control_values(spec, source, limits))
        if isinstance(saved, dict) and saved.get("source") == source:
            values = restore(values, saved)
        return tuple(values)


SAVED_KEYS = (
    "lab_rows",
    "event_rows",
    "noncompete",
    "sigma",
    "graduates",
    "mechanisms",
    "steps",
    "people",
)
"""Form values kept in the session (in output order of ``fill_controls``)."""


def restore(values: list[Any], saved: dict[str, Any]) -> list[Any]:
    """The session's last submitted form values over the scenario's own (a reload);
    values are checked again when the next run is submitted.
    """
    out = list(values)
    for k, key in enumerate(SAVED_KEYS):
        if key in saved and saved[key] is not None:
            out[k] = saved[key]
    return out
