"""Small layout pieces and helpers shared by the panels and tabs of the page."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"scale": 2}}
"""Plotly mode bar settings of every graph."""

GRID_CLASS = "ag-theme-quartz"
READ_ONLY_COLS = {
    "resizable": True,
    "sortable": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
}
"""Default column settings of the read-only result grids."""
HEADER_CHAR_PX = 9
"""Width (px) of a character of a grid header (the Quartz theme's bold 14 px), rounded up."""
HEADER_PADDING_PX = 40
"""Width (px) of a header cell's padding and sort arrow."""


def header_min_width(header: str, least: int = 0) -> int:
    """Pixels a grid column needs so that its wrapped header breaks between words, never
    inside one ("Resear|chers"), and at least ``least``.
    """
    longest = max((len(word) for word in header.split()), default=0)
    return max(least, HEADER_PADDING_PX + HEADER_CHAR_PX * longest)


def error_box(exc: BaseException | str) -> html.Div:
    """A one-line error message for the page."""
    return html.Div(str(exc), className="error", role="alert")


def note_box(text: str) -> html.Div:
    """A one-line neutral message (cancelled run, queued run) for the page."""
    return html.Div(text, className="note", role="status")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for AG Grid with NaN as null."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def card(title: str, *children: Any, class_name: str = "") -> html.Section:
    """A titled white box."""
    return html.Section([html.H2(title), *children], className=f"card {class_name}".strip())


def field_label(text: str, unit: str, range_: str, help_: str, for_id: str) -> html.Label:
    """A control's label with its unit and allowed range (hover: what it means)."""
    return html.Label(
        [
            html.Span(text, className="label-text"),
            html.Span(f" {unit}" if unit else "", className="unit"),
            html.Span(f" [{range_}]", className="range"),
        ],
        htmlFor=for_id,
        title=help_,
    )


def number_input(
    component_id: str,
    text: str,
    unit: str,
    range_: str,
    help_: str,
    value: Any = None,
    persist: bool = False,
) -> html.Div:
    """A number box that sends exactly what was typed (checked on the server).

    A ``type="number"`` input with ``min``/``max`` sends ``None`` for a value outside its
    range, so the server could only say "got None"; a text input with a numeric
    keyboard keeps "500" or "abc" as typed, and the refusal echoes it. ``persist`` keeps
    what the user typed across a reload (values set by callbacks are restored from the
    session store instead).
    """
    return html.Div(
        [
            field_label(text, unit, range_, help_, component_id),
            dcc.Input(
                id=component_id,
                type="text",
                inputMode="decimal",  # type: ignore[arg-type]  # valid HTML, missing in the stub
                value=value,
                debounce=False,
                className="number-input",
                autoComplete="off",
                persistence=persist or None,
                persistence_type="session",
            ),
        ],
        className="field",
    )


def graph(component_id: str, message: str, class_name: str = "graph") -> dcc.Graph:
    """A graph that starts as an empty-state figure saying what will appear."""
    from dashboards.figures import empty_figure

    return dcc.Graph(
        id=component_id,
        figure=empty_figure(message),
        config=GRAPH_CONFIG,  # type: ignore[arg-type]
        className=class_name,
    )


def d3_format(fmt: str) -> dict[str, str]:
    """An AG Grid value formatter: d3 format for numbers, the raw text otherwise."""
    return {
        "function": "params.value == null ? '–' : (isNumber(params.value) ? "
        f"d3.format('{fmt}')(params.value) : text(params.value))"
    }
