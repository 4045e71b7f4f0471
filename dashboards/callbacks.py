"""Callbacks: thin wrappers that validate what the browser sent (it may be forged),
call :mod:`dashboards.runs` and :mod:`dashboards.figures`, and show every user mistake
as a one-line message in the page (never a traceback, never a huge run).

Session state lives only in the browser's ``dcc.Store`` components (the scenario
choice, the run request, the ids of the session's current and baseline runs); the
server keeps finished runs in a :class:`~dashboards.runs.RunStore` under unguessable ids.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import pandas as pd
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update, set_props
from dash.exceptions import PreventUpdate

import market
from dashboards import figures, ids
from dashboards.fields import GLOBAL_FIELDS, number_text
from dashboards.runs import (
    Limits,
    RunStore,
    base_scenario,
    build_request,
    check_int,
    export_basename,
    global_values,
    lab_rows,
    request_from_store,
    run_label,
    scenario_diff,
    scenario_export,
    scenario_from_toml,
    seed_of,
    tables_zip,
)
from market.codes import SPECIALTIES

log = logging.getLogger(__name__)

GLOBAL_IDS = {
    "noncompete_enforcement": ids.NONCOMPETE,
    "sigma": ids.SIGMA,
    "graduates_per_year": ids.GRADUATES,
}


def error_box(exc: BaseException | str) -> html.Div:
    """A one-line error message for the page."""
    return html.Div(str(exc), className="error", role="alert")


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for AG Grid with NaN as null."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def _run_facts(store: RunStore, data: Any) -> tuple[str, dict[str, Any], list[str]]:
    """``(run_id, metadata, lab_order)`` of the run a session store points at."""
    if not isinstance(data, dict):
        raise market.ScenarioError("run", "no run yet")
    run_id = data.get("run_id")
    meta = store.metadata(run_id)
    labs = [lab["name"] for lab in meta.get("parameters", {}).get("labs", [])]
    return run_id, meta, labs


def _window(value: Any, steps: int) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise market.ScenarioError("time window", f"expected two months within 1–{steps}")
    lo = check_int(value[0], 1, steps, "time window start")
    hi = check_int(value[1], 1, steps, "time window end")
    if lo > hi:
        raise market.ScenarioError("time window", "start must not be after end")
    return lo, hi


def _specialties(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or any(v not in SPECIALTIES for v in value):
        raise market.ScenarioError("specialty", f"must be a subset of {', '.join(SPECIALTIES)}")
    return value


def _entry_exit(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, list) or any(v != "entry_exit" for v in value):
        raise market.ScenarioError("entry/exit toggle", "unexpected value")
    return bool(value)


def _window_marks(meta: dict[str, Any], steps: int) -> dict[int, str]:
    y0, m0 = (int(x) for x in str(meta["start_month"]).split("-"))
    marks: dict[int, str] = {}
    every = 1 if steps <= 48 else 2 if steps <= 96 else 5
    for step in range(1, steps + 1):
        months = y0 * 12 + (m0 - 1) + (step - 1)
        year, month = divmod(months, 12)
        if month == 0 and (year % every == 0 or step == 1):
            marks[step] = str(year)
    marks.setdefault(1, str(meta["start_month"]))
    return marks


def _month(meta: dict[str, Any], step: int) -> str:
    y0, m0 = (int(x) for x in str(meta["start_month"]).split("-"))
    months = y0 * 12 + (m0 - 1) + (step - 1)
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def _describe_scenario(spec: market.Scenario, origin: str) -> list[Any]:
    events = [
        html.Li(
            f"{e.at}: {e.lab + ' ' if e.lab else ''}{e.field} = {e.value}"
            + (f" for {e.months} months" if e.months else "")
        )
        for e in spec.events
    ]
    info: list[Any] = [
        html.Span(
            f"{origin}: {len(spec.labs)} labs, {spec.n_engineers:,} people, starts "
            f"{spec.start}, {spec.steps} months by default. "
        ),
        html.Span(spec.description, className="muted"),
    ]
    if events:
        info.append(
            html.Details(
                [
                    html.Summary(
                        f"{len(events)} scheduled events still apply on top of your "
                        "policies (events after the horizon are dropped)"
                    ),
                    html.Ul(events),
                ]
            )
        )
    return info


def register_callbacks(app: Dash, store: RunStore, limits: Limits) -> None:
    """Attach every callback to ``app``; ``store`` keeps finished runs."""

    # -- scenario choice --------------------------------------------------------------
    @app.callback(
        Output(ids.SCENARIO_STORE, "data"),
        Output(ids.SCENARIO_MESSAGE, "children"),
        Input(ids.SCENARIO, "value"),
    )
    def choose_builtin(name: Any) -> tuple[Any, Any]:
        if name is None:
            raise PreventUpdate
        source = {"kind": "builtin", "name": name}
        try:
            base_scenario(source, limits)
        except market.ScenarioError as exc:
            return no_update, error_box(exc)
        return source, ""

    @app.callback(
        Output(ids.SCENARIO_STORE, "data", allow_duplicate=True),
        Output(ids.SCENARIO, "value"),
        Output(ids.SCENARIO_MESSAGE, "children", allow_duplicate=True),
        Input(ids.UPLOAD, "contents"),
        State(ids.UPLOAD, "filename"),
        prevent_initial_call=True,
    )
    def upload_scenario(contents: Any, filename: Any) -> tuple[Any, Any, Any]:
        try:
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
        except market.ScenarioError as exc:
            return no_update, no_update, error_box(exc)
        return {"kind": "upload", "toml": text, "filename": name}, None, ""

    @app.callback(
        Output(ids.LAB_GRID, "rowData"),
        Output(ids.NONCOMPETE, "value"),
        Output(ids.SIGMA, "value"),
        Output(ids.GRADUATES, "value"),
        Output(ids.STEPS, "value"),
        Output(ids.PEOPLE, "value"),
        Output(ids.SCENARIO_INFO, "children"),
        Output(ids.SCENARIO_MESSAGE, "children", allow_duplicate=True),
        Input(ids.SCENARIO_STORE, "data"),
        Input(ids.RESET_LABS, "n_clicks"),
        prevent_initial_call=True,
    )
    def fill_controls(source: Any, _reset: Any) -> tuple[Any, ...]:
        if source is None:
            raise PreventUpdate
        try:
            spec = base_scenario(source, limits)
        except market.ScenarioError as exc:
            return (*([no_update] * 7), error_box(exc))
        rows = lab_rows(spec)
        if ctx.triggered_id == ids.RESET_LABS:
            return (rows, *([no_update] * 7))
        values = global_values(spec)
        origin = (
            f"built-in {source['name']}"
            if source.get("kind") == "builtin"
            else f"uploaded {source.get('filename')}"
        )
        people = min(spec.n_engineers, limits.max_people)
        return (
            rows,
            *(values[s.key] for s in GLOBAL_FIELDS),
            min(spec.steps, limits.max_steps),
            people,
            _describe_scenario(spec, origin),
            "",
        )

    # -- run: validate (fast, in the web process), then run in the background -----------
    @app.callback(
        Output(ids.RUN_REQUEST, "data"),
        Output(ids.RUN_MESSAGE, "children"),
        Input(ids.RUN, "n_clicks"),
        State(ids.SCENARIO_STORE, "data"),
        State(ids.STEPS, "value"),
        State(ids.SEED, "value"),
        State(ids.PEOPLE, "value"),
        State(ids.NONCOMPETE, "value"),
        State(ids.SIGMA, "value"),
        State(ids.GRADUATES, "value"),
        State(ids.LAB_GRID, "rowData"),
        prevent_initial_call=True,
    )
    def prepare_run(
        _clicks: Any,
        source: Any,
        steps: Any,
        seed: Any,
        people: Any,
        noncompete: Any,
        sigma: Any,
        graduates: Any,
        rows: Any,
    ) -> tuple[Any, Any]:
        try:
            request = build_request(
                source,
                steps=steps,
                seed=seed,
                people=people,
                global_values_={
                    "noncompete_enforcement": noncompete,
                    "sigma": sigma,
                    "graduates_per_year": graduates,
                },
                lab_rows=rows,
                limits=limits,
            )
        except market.ScenarioError as exc:
            return no_update, error_box(exc)
        # A fresh request id makes every click a distinct background job, so two
        # sessions asking for identical runs never share a job or its result.
        return (
            {"request_id": uuid.uuid4().hex, "toml": request.toml, "seed": request.seed},
            "",
        )

    # The run store is set with ``set_props`` rather than declared as an output: Dash
    # holds back every callback whose inputs a pending callback may change, so an
    # output here would freeze the flow filters of the previous run until this one ends.
    @app.callback(
        Output(ids.RUN_INFO, "children"),
        Input(ids.RUN_REQUEST, "data"),
        background=True,
        interval=250,
        progress=[
            Output(ids.PROGRESS, "value"),
            Output(ids.PROGRESS, "max"),
            Output(ids.PROGRESS_LABEL, "children"),
        ],
        progress_default=["0", "1", ""],
        running=[
            (Output(ids.RUN, "disabled"), True, False),
            (Output(ids.CANCEL, "disabled"), False, True),
            (Output(ids.RUNNING_NOTE, "children"), "running…", ""),
        ],
        cancel=[Input(ids.CANCEL, "n_clicks")],
        prevent_initial_call=True,
    )
    def execute_run(set_progress: Callable[[Any], None], request: Any) -> Any:
        pointer, info = run_job(request, store, limits, set_progress)
        if pointer is not no_update:
            set_props(ids.RUN_STORE, {"data": pointer})
        return info

    # -- views of the current run --------------------------------------------------------
    @app.callback(
        Output(ids.TIMESERIES, "figure"),
        Output(ids.SUMMARY_GRID, "rowData"),
        Output(ids.WINDOW, "max"),
        Output(ids.WINDOW, "value"),
        Output(ids.WINDOW, "marks"),
        Output(ids.PIN, "disabled"),
        Output(ids.EXPORT_CSV, "disabled"),
        Output(ids.EXPORT_PARQUET, "disabled"),
        Output(ids.EXPORT_TOML, "disabled"),
        Input(ids.RUN_STORE, "data"),
        prevent_initial_call=True,
    )
    def show_run(data: Any) -> tuple[Any, ...]:
        try:
            run_id, meta, labs = _run_facts(store, data)
        except market.ScenarioError:
            raise PreventUpdate from None
        steps = int(meta["steps"])
        summary = store.table(run_id, "summary")
        return (
            figures.timeseries_figure(store.table(run_id, "labs"), labs),
            _records(summary),
            steps,
            [1, steps],
            _window_marks(meta, steps),
            False,
            False,
            False,
            False,
        )

    @app.callback(
        Output(ids.SANKEY, "figure"),
        Output(ids.HEATMAP, "figure"),
        Output(ids.FLOW_CAPTION, "children"),
        Input(ids.RUN_STORE, "data"),
        Input(ids.SPECIALTIES, "value"),
        Input(ids.WINDOW, "value"),
        Input(ids.ENTRY_EXIT, "value"),
        prevent_initial_call=True,
    )
    def show_flows(data: Any, specialties: Any, window: Any, entry_exit: Any) -> tuple[Any, ...]:
        try:
            run_id, meta, labs = _run_facts(store, data)
            steps = int(meta["steps"])
            lo, hi = _window(window, steps) if ctx.triggered_id != ids.RUN_STORE else (1, steps)
            chosen = _specialties(specialties)
            moves = figures.filter_moves(
                store.table(run_id, "moves"), chosen, (lo, hi), _entry_exit(entry_exit)
            )
        except market.ScenarioError as exc:
            return no_update, no_update, error_box(exc)
        span = f"{_month(meta, lo)} to {_month(meta, hi)}"
        what = " + ".join(chosen) if chosen else "no specialty selected"
        caption = f"{len(moves):,} moves shown ({what}; {span})."
        title = f"Talent flows, {span}"
        return (
            figures.sankey_figure(moves, labs, title=title),
            figures.flow_matrix_figure(moves, labs),
            caption,
        )

    # -- compare ---------------------------------------------------------------------------
    @app.callback(
        Output(ids.BASELINE_STORE, "data"),
        Output(ids.CLEAR_BASELINE, "disabled"),
        Input(ids.PIN, "n_clicks"),
        Input(ids.CLEAR_BASELINE, "n_clicks"),
        State(ids.RUN_STORE, "data"),
        prevent_initial_call=True,
    )
    def pin_baseline(_pin: Any, _clear: Any, data: Any) -> tuple[Any, Any]:
        if ctx.triggered_id == ids.CLEAR_BASELINE:
            return None, True
        try:
            run_id, _, _ = _run_facts(store, data)
        except market.ScenarioError:
            raise PreventUpdate from None
        return {"run_id": run_id}, False

    @app.callback(
        Output(ids.BASELINE_INFO, "children"),
        Output(ids.PARAM_DIFF, "children"),
        Output(ids.COMPARE_GRAPH, "figure"),
        Output(ids.COMPARE_GRID, "rowData"),
        Output(ids.SANKEY_BASELINE, "figure"),
        Output(ids.SANKEY_CURRENT, "figure"),
        Input(ids.BASELINE_STORE, "data"),
        Input(ids.RUN_STORE, "data"),
        Input(ids.SPECIALTIES, "value"),
        Input(ids.ENTRY_EXIT, "value"),
        prevent_initial_call=True,
    )
    def show_compare(baseline: Any, current: Any, specialties: Any, entry_exit: Any) -> tuple:
        if baseline is None:
            empty = figures.empty_figure("Pin a baseline, change a policy and run again to compare")
            return (
                "No baseline pinned.",
                "",
                empty,
                [],
                figures.empty_figure("Baseline flows"),
                figures.empty_figure("Current flows"),
            )
        try:
            base_id, base_meta, base_labs = _run_facts(store, baseline)
            cur_id, cur_meta, _ = _run_facts(store, current)
            chosen = _specialties(specialties)
            with_entry = _entry_exit(entry_exit)
            diff = scenario_diff(store.scenario(base_id), store.scenario(cur_id))
        except market.ScenarioError as exc:
            return error_box(exc), "", no_update, no_update, no_update, no_update
        info = [
            html.Div(["Baseline: ", html.B(run_label(base_meta))]),
            html.Div(["Current: ", html.B(run_label(cur_meta))]),
        ]
        if base_id == cur_id:
            changes: Any = html.P(
                "The current run is the baseline: change a policy and run again.",
                className="muted",
            )
        elif not diff and seed_of(base_meta) == seed_of(cur_meta):
            changes = html.P("Same scenario and seed as the baseline.", className="muted")
        else:
            items = [
                html.Li([html.Code(path), f": {_value_text(a)} → ", html.B(_value_text(b))])
                for path, a, b in diff[:40]
            ]
            if seed_of(base_meta) != seed_of(cur_meta):
                items.insert(
                    0,
                    html.Li(
                        [
                            html.Code("seed"),
                            f": {seed_of(base_meta)} → ",
                            html.B(str(seed_of(cur_meta))),
                        ]
                    ),
                )
            more = [html.Li(f"… and {len(diff) - 40} more")] if len(diff) > 40 else []
            changes = [html.H4("What changed"), html.Ul(items + more)]
        base_summary = store.table(base_id, "summary")
        cur_summary = store.table(cur_id, "summary")
        table = figures.compare_table(base_summary, cur_summary)

        def flows(run_id: str, meta: dict[str, Any], who: str) -> Any:
            moves = figures.filter_moves(store.table(run_id, "moves"), chosen, None, with_entry)
            return figures.sankey_figure(
                moves,
                base_labs,
                title=f"{who}: {meta['start_month']} to {meta['end_month']}",
                height=460,
            )

        return (
            info,
            changes,
            figures.compare_figure(base_summary, cur_summary, base_labs),
            _records(table),
            flows(base_id, base_meta, "Baseline"),
            flows(cur_id, cur_meta, "Current"),
        )

    # -- export ----------------------------------------------------------------------------
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
            run_id, meta, _ = _run_facts(store, data)
            stem = export_basename(meta)
            if ctx.triggered_id == ids.EXPORT_TOML:
                text = scenario_export(store.scenario_toml(run_id), seed_of(meta))
                return dcc.send_string(text, f"{stem}.toml"), ""
            fmt = "csv" if ctx.triggered_id == ids.EXPORT_CSV else "parquet"
            payload = tables_zip(store.tables(run_id), meta, fmt, store.scenario_toml(run_id))
        except market.ScenarioError as exc:
            return no_update, error_box(exc)
        return dcc.send_bytes(payload, f"{stem}_{fmt}.zip"), ""


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return number_text(value)
    return repr(value) if isinstance(value, str) else str(value)


def run_job(
    request: Any, store: RunStore, limits: Limits, set_progress: Callable[[Any], None]
) -> tuple[Any, Any]:
    """The body of the background run: re-validate the stored request, run the model
    with progress reports, keep the tables, return the session's run pointer.
    """
    try:
        req = request_from_store(request, limits)
    except market.ScenarioError as exc:
        return no_update, error_box(exc)
    total = req.scenario.steps
    last = [-1]

    def progress(done: int, total_: int) -> None:
        percent = 100 * done // total_
        if percent != last[0]:
            last[0] = percent
            set_progress((str(done), str(total_), f"month {done} of {total_}"))

    started = time.perf_counter()
    try:
        result = market.run_scenario(req.scenario, seed=req.seed, progress=progress)
        run_id = store.save(result, req.toml)
    except market.ScenarioError as exc:
        return no_update, error_box(exc)
    except Exception as exc:  # a model failure must not leave the page hanging
        log.exception("run failed")
        return no_update, error_box(f"the run failed: {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started
    label = run_label(result.metadata, elapsed)
    return (
        {"run_id": run_id, "steps": total, "label": label},
        html.Span(["Run: ", html.B(label)]),
    )
