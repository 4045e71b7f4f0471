"""Compare tab: the current run against a pinned baseline: what changed in the
parameters, the per-lab paired differences over seeds with 95% intervals (what is
within noise is greyed), and both runs' flows side by side in the same node order.
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

import market
from dashboards import figures, ids, stats
from dashboards.components import GRID_CLASS, READ_ONLY_COLS, error_box, graph, records
from dashboards.fields import number_text
from dashboards.runs import scenario_diff, seed_of, seeds_label
from dashboards.services import Services
from dashboards.views.flows import check_choice
from dashboards.views.info import METRICS
from market.codes import SPECIALTIES

COMPARE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("headcount", "People", ",.0f"),
    ("net_flow", "Net flow", "+,.0f"),
    ("comp_median_usd", "Median comp (USD/yr)", "$,.0f"),
    ("capability", "Capability", ",.3f"),
    ("talent_share", "Talent share", ".1%"),
    ("retention_24m", "2-yr retention", ".0%"),
)
"""Metric groups of the compare grid: metric, header, d3 format."""

NO_BASELINE = "Pin a baseline, change a policy and run again to compare"


def _delta_formatter(metric: str, fmt: str) -> dict[str, str]:
    """The mean paired change and its 95% interval, as "+12 (-3 … +27)"."""
    f = "+" + fmt.lstrip("+")
    lo, hi = f"params.data.{metric}_lo", f"params.data.{metric}_hi"
    num = f"d3.format('{f}')"
    return {
        "function": f"params.value == null ? '–' : {num}(params.value) + "
        f"({lo} == null ? '' : ' (' + {num}({lo}) + ' … ' + {num}({hi}) + ')')"
    }


def _metric_group(metric: str, header: str, fmt: str) -> dict[str, Any]:
    base = {
        "valueFormatter": {
            "function": f"params.value == null ? '–' : d3.format('{fmt}')(params.value)"
        },
        "type": "rightAligned",
        "minWidth": 90,
    }
    noise = f"params.data.{metric}_noise === true"
    change = {
        "field": f"{metric}_delta",
        "headerName": "change (95% CI)",
        "minWidth": 150,
        "type": "rightAligned",
        "valueFormatter": _delta_formatter(metric, fmt),
        "headerTooltip": "Mean of the per-seed differences current - baseline and its 95% "
        "t-interval; grey when the interval holds 0 (within noise).",
        "cellClassRules": {
            "within-noise": noise,
            "delta-up": f"params.value > 0 && !({noise})",
            "delta-down": f"params.value < 0 && !({noise})",
        },
    }
    return {
        "headerName": header,
        "headerTooltip": METRICS.get(metric, ""),
        "children": [
            {**base, "field": f"{metric}_baseline", "headerName": "baseline"},
            {**base, "field": f"{metric}_current", "headerName": "current"},
            change,
        ],
    }


def compare_column_defs() -> list[dict[str, Any]]:
    """Grouped columns baseline / current / change (with interval) per metric."""
    lab = {"field": "lab", "headerName": "Lab", "pinned": "left", "minWidth": 150}
    return [lab, *(_metric_group(*c) for c in COMPARE_COLUMNS)]


def layout() -> dcc.Tab:
    """The compare tab."""
    return dcc.Tab(
        label="Compare",
        value=ids.TAB_COMPARE,
        children=[
            html.Div(id=ids.BASELINE_INFO, className="info"),
            html.Div(id=ids.PARAM_DIFF, className="param-diff"),
            graph(ids.COMPARE_GRAPH, NO_BASELINE),
            dag.AgGrid(
                id=ids.COMPARE_GRID,
                columnDefs=compare_column_defs(),
                rowData=[],
                defaultColDef=READ_ONLY_COLS,
                dashGridOptions={"domLayout": "autoHeight", "tooltipShowDelay": 200},
                className=GRID_CLASS,
            ),
            html.Div(
                [
                    graph(ids.SANKEY_BASELINE, "Baseline flows"),
                    graph(ids.SANKEY_CURRENT, "Current flows"),
                ],
                className="two-col",
            ),
        ],
    )


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return number_text(value)
    return repr(value) if isinstance(value, str) else str(value)


def changes_view(base_id: str, cur_id: str, base_meta: dict, cur_meta: dict, diff: list) -> Any:
    """The "What changed" list (parameters and seed) between the two runs."""
    if base_id == cur_id:
        return html.P(
            "The current run is the baseline: change a policy and run again.", className="muted"
        )
    same_seed = seed_of(base_meta) == seed_of(cur_meta)
    if not diff and same_seed:
        return html.P("Same scenario and seed as the baseline.", className="muted")
    items = [
        html.Li([html.Code(path), f": {_value_text(a)} → ", html.B(_value_text(b))])
        for path, a, b in diff[:40]
    ]
    if not same_seed:
        items.insert(
            0,
            html.Li(
                [html.Code("seed"), f": {seed_of(base_meta)} → ", html.B(str(seed_of(cur_meta)))]
            ),
        )
    more = [html.Li(f"… and {len(diff) - 40} more")] if len(diff) > 40 else []
    return [html.H4("What changed"), html.Ul(items + more)]


def compare_views(services: Services, baseline: Any, current: Any, filters: tuple) -> tuple:
    """Every output of the compare tab for a pinned baseline and the current run."""
    base_ids, base_meta, labs = services.run_facts(baseline)
    cur_ids, cur_meta, _ = services.run_facts(current)
    chosen = check_choice(filters[0], SPECIALTIES, "specialty")
    with_entry = bool(check_choice(filters[1], ["entry_exit"], "entry/exit toggle"))
    store = services.store
    diff = scenario_diff(store.scenario(base_ids[0]), store.scenario(cur_ids[0]))
    table = stats.paired_differences(
        services.tables(base_ids, "summary"),
        services.tables(cur_ids, "summary"),
        [m for m, _, _ in COMPARE_COLUMNS],
    )
    info = [
        html.Div(["Baseline: ", html.B(seeds_label(base_meta, baseline.get("seeds")))]),
        html.Div(["Current: ", html.B(seeds_label(cur_meta, current.get("seeds")))]),
    ]
    if len(base_ids) != len(cur_ids):
        info.append(
            html.Div(
                f"Paired over the first {table.attrs['pairs']} seeds of each.", className="muted"
            )
        )

    def flows(run_id: str, meta: dict[str, Any], who: str) -> Any:
        moves = figures.filter_moves(store.table(run_id, "moves"), chosen, None, with_entry)
        title = f"{who}: {meta['start_month']} to {meta['end_month']}"
        return figures.sankey_figure(moves, labs, title=title, height=460)

    return (
        info,
        changes_view(base_ids[0], cur_ids[0], base_meta, cur_meta, diff),
        figures.compare_figure(table, labs),
        records(table),
        flows(base_ids[0], base_meta, "Baseline"),
        flows(cur_ids[0], cur_meta, "Current"),
    )


def register(app: Dash, services: Services) -> None:
    """The compare tab's callbacks (and the pin / clear baseline buttons)."""

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
            services.run_facts(data)
        except market.ScenarioError:
            raise PreventUpdate from None
        return data, False

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
    )
    def show_compare(baseline: Any, current: Any, specialties: Any, entry_exit: Any) -> tuple:
        if baseline is None:
            return (
                "No baseline pinned.",
                "",
                figures.empty_figure(NO_BASELINE),
                [],
                figures.empty_figure("Baseline flows"),
                figures.empty_figure("Current flows"),
            )
        try:
            return compare_views(services, baseline, current, (specialties, entry_exit))
        except market.ScenarioError as exc:
            return error_box(exc), "", no_update, no_update, no_update, no_update
