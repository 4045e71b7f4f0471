"""Run panel: horizon, seed, people and seeds; Run and Cancel; progress per seed.

Validation is fast and runs in the web process (``prepare_run``); the run itself is a
background callback (``execute_run``) that re-validates the stored request (it may
have been forged), waits for one of the server's run slots, runs every seed and
keeps each seed's tables in the run store.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update, set_props

import market
from dashboards import ids
from dashboards.components import error_box, note_box, number_input
from dashboards.fields import number_text
from dashboards.jobs import JobGate
from dashboards.runs import (
    Limits,
    RunForm,
    RunStore,
    build_request,
    checked_switches,
    request_from_store,
    seeds_label,
    switches_from_checklist,
)
from dashboards.services import Services

log = logging.getLogger(__name__)

FORM_STATES = (
    State(ids.SCENARIO_STORE, "data"),
    State(ids.STEPS, "value"),
    State(ids.SEED, "value"),
    State(ids.PEOPLE, "value"),
    State(ids.REPLICATIONS, "value"),
    State(ids.NONCOMPETE, "value"),
    State(ids.SIGMA, "value"),
    State(ids.GRADUATES, "value"),
    State(ids.MECHANISMS, "value"),
    State(ids.LAB_GRID, "rowData"),
    State(ids.EVENTS_GRID, "rowData"),
    State(ids.PRECEDENCE, "value"),
)
"""Everything the Run button submits, in :func:`form_from_states` order."""


def _settings(limits: Limits) -> html.Div:
    seeds = number_input(
        ids.REPLICATIONS,
        "Seeds",
        "(replications)",
        f"1–{limits.max_replications}",
        "Runs of the same setting with seeds s, s+1, …: the series show the range over "
        "seeds, Compare pairs seeds and marks what is within noise. Cut to what fits "
        "the size cap.",
        value=limits.default_replications,
        persist=True,
    )
    seed = number_input(
        ids.SEED,
        "First seed",
        "",
        f"0–{limits.max_seed:,}",
        "Random seed of the first replication.",
        value=1,
        persist=True,
    )
    return html.Div(
        [
            number_input(
                ids.STEPS,
                "Horizon",
                "(months)",
                f"1–{limits.max_steps}",
                "Months to simulate from the scenario's start month.",
            ),
            number_input(
                ids.PEOPLE,
                "People",
                "(simulated)",
                f"≤ {number_text(limits.max_people)}",
                "Rescale the scenario to this many people: headcounts, budgets, GPU "
                "stocks and graduate inflow scale together, per-head ratios stay.",
            ),
            seed,
            seeds,
        ],
        className="row",
    )


def layout(limits: Limits) -> html.Section:
    """The run section of the side panel (and the session's stores)."""
    return html.Section(
        [
            html.H2("Run"),
            _settings(limits),
            html.Div(
                [
                    html.Button("Run", id=ids.RUN, className="primary", n_clicks=0),
                    html.Button("Cancel", id=ids.CANCEL, disabled=True, n_clicks=0),
                    html.Progress(id=ids.PROGRESS, value="0", max="1", className="progress"),
                    html.Span(id=ids.RUNNING_NOTE, className="running-note"),
                ],
                className="row run-row",
            ),
            html.Div(id=ids.PROGRESS_LABEL, className="progress-label"),
            html.Div(id=ids.RUN_MESSAGE, className="message"),
            html.Div(
                f"Caps: {number_text(limits.max_person_months)} person-months a seed "
                f"(people × months, graduates included), {limits.max_steps} months, "
                f"{number_text(limits.max_people)} people, "
                f"{number_text(limits.max_total_person_months)} person-months over all seeds; "
                f"{limits.max_jobs} runs at once on this server, {limits.max_queued} queued.",
                className="hint",
            ),
            dcc.Store(id=ids.RUN_REQUEST, storage_type="memory"),
            dcc.Store(id=ids.RUN_STORE, storage_type="session"),
            dcc.Store(id=ids.SESSION_STORE, storage_type="session"),
        ],
        className="panel-section run-section",
    )


def form_from_states(values: tuple[Any, ...]) -> RunForm:
    """A :class:`RunForm` from the values of :data:`FORM_STATES`."""
    source, steps, seed, people, reps, noncompete, sigma, graduates, switches, *rest = values
    rows, events, rule = rest
    return RunForm(
        source=source,
        steps=steps,
        seed=seed,
        people=people,
        replications=reps,
        global_values={
            "noncompete_enforcement": noncompete,
            "sigma": sigma,
            "graduates_per_year": graduates,
        },
        lab_rows=rows,
        event_rows=events,
        precedence=rule,
        mechanisms=switches_from_checklist(switches),
    )


def saved_form(form: RunForm) -> dict[str, Any]:
    """What the session keeps to restore the form after a reload (of a form that
    :func:`build_request` accepted).
    """
    g = form.global_values
    return {
        "source": form.source,
        "lab_rows": form.lab_rows,
        "event_rows": form.event_rows,
        "noncompete": g["noncompete_enforcement"],
        "sigma": g["sigma"],
        "graduates": g["graduates_per_year"],
        "mechanisms": checked_switches(form.mechanisms) if form.mechanisms is not None else None,
        "steps": form.steps,
        "people": form.people,
    }


def register(app: Dash, services: Services) -> None:
    """The run panel's callbacks."""
    limits = services.limits

    @app.callback(
        Output(ids.RUN_REQUEST, "data"),
        Output(ids.RUN_MESSAGE, "children"),
        Output(ids.SESSION_STORE, "data"),
        Input(ids.RUN, "n_clicks"),
        *FORM_STATES,
        prevent_initial_call=True,
    )
    def prepare_run(_clicks: Any, *values: Any) -> tuple[Any, Any, Any]:
        form = form_from_states(values)
        try:
            request = build_request(form, limits)
        except market.ScenarioError as exc:
            return no_update, error_box(exc), no_update
        # A fresh request id makes every click a distinct background job, so two
        # sessions asking for identical runs never share a job or its result.
        message = note_box(request.note) if request.note else ""
        return request.to_store(uuid.uuid4().hex), message, saved_form(form)

    @app.callback(
        Output(ids.RUN_MESSAGE, "children", allow_duplicate=True),
        Input(ids.CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )
    def say_cancelled(clicks: Any) -> Any:
        return note_box(
            "Run cancelled: nothing was kept; the results shown are the previous run's."
        )

    _register_job(app, services)


def _register_job(app: Dash, services: Services) -> None:
    # The run store is set with ``set_props`` rather than declared as an output: Dash
    # holds back every callback whose inputs a pending callback may change, so an
    # output here would freeze the views of the previous run until this one ends.
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
        pointer, info = run_job(
            request, services.store, services.limits, set_progress, services.gate
        )
        # One set_props per job: Dash's diskcache manager keeps only the last call's.
        if pointer is not no_update:
            set_props(ids.RUN_STORE, {"data": pointer})
            return info
        set_props(ids.RUN_MESSAGE, {"children": info})
        return no_update


class _Progress:
    """Progress reports of a multi-seed run: the bar over all months of all seeds,
    the label per seed ("seed 8 (2 of 5): month 30 of 120; done: 7").
    """

    def __init__(self, set_progress: Callable[[Any], None], seeds: list[int], steps: int):
        self.set_progress, self.seeds, self.steps = set_progress, seeds, steps
        self.k, self.last = 0, -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent == self.last:
            return
        self.last = percent
        done_seeds = ", ".join(str(s) for s in self.seeds[: self.k])
        label = f"seed {self.seeds[self.k]} ({self.k + 1} of {len(self.seeds)}): "
        label += f"month {done} of {total}"
        label += f"; done: {done_seeds}" if done_seeds else ""
        self.set_progress(
            (str(self.k * self.steps + done), str(len(self.seeds) * self.steps), label)
        )

    def next_seed(self) -> None:
        self.k, self.last = self.k + 1, -1

    def waiting(self, why: str) -> None:
        self.set_progress(("0", "1", why))


def run_job(
    request: Any,
    store: RunStore,
    limits: Limits,
    set_progress: Callable[[Any], None],
    gate: JobGate | None = None,
) -> tuple[Any, Any]:
    """The body of the background run: re-validate the stored request, wait for a run
    slot, run each seed with progress reports, keep the tables; returns the session's
    run pointer and the run description (or ``no_update`` and the error).
    """
    try:
        req = request_from_store(request, limits)
    except market.ScenarioError as exc:
        return no_update, error_box(exc)
    seeds = [req.seed + k for k in range(req.replications)]
    progress = _Progress(set_progress, seeds, req.scenario.steps)
    gate = gate or JobGate(store.root.parent / "slots", limits.max_jobs, limits.max_queued)
    started = time.perf_counter()
    try:
        with gate.slot(progress.waiting):
            run_ids_ = _run_seeds(req, seeds, store, progress)
    except market.ScenarioError as exc:
        return no_update, error_box(exc)
    except Exception as exc:  # a model failure must not leave the page hanging
        log.exception("run failed")
        return no_update, error_box(f"the run failed: {type(exc).__name__}: {exc}")
    meta = store.metadata(run_ids_[0])
    label = seeds_label(meta, seeds, time.perf_counter() - started)
    pointer = {"run_id": run_ids_[0], "runs": run_ids_, "seeds": seeds, "label": label}
    attrs: dict[str, Any] = {"data-run": run_ids_[0]}
    return pointer, html.Span(["Run: ", html.B(label)], **attrs)


def _run_seeds(req: Any, seeds: list[int], store: RunStore, progress: _Progress) -> list[str]:
    out = []
    for seed in seeds:
        result = market.run_scenario(req.scenario, seed=seed, progress=progress)
        out.append(store.save(result, req.toml))
        progress.next_seed()
    return out
