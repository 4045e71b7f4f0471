"""The scenario's scheduled events as an editable timeline (plain Python, no Dash).

Each event becomes a grid row (date, lab, field, value, duration, note, source) that a
user may switch off or edit; :func:`events_from_rows` checks what the browser sent and
rebuilds the scenario with the edited events, so the model validates each one as it
would a TOML file. Which events a user's policy change overrides is decided by the
model's own rule (:meth:`market.Scenario.with_overrides` with a ``precedence``), never
here: :func:`event_outcomes` only reads its report (:mod:`market.precedence`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import market
from dashboards.fields import LAB_FIELDS, parse_text
from market.precedence import PRECEDENCE_RULES, EventOverride, event_path

MARKET = "(market)"
"""What the lab column shows for a market-wide event."""

OUTCOME_TEXT = {
    "dropped": "your value wins: event dropped",
    "rescaled": "rescaled by your change",
    "applies": "applies: overwrites your value",
}
"""Status text of an event whose field the user changed, by outcome."""

_SOURCE = re.compile(r"source:\s*(.+?)(?:\s+assumption:|$)", re.IGNORECASE | re.DOTALL)


def event_source(note: str) -> str:
    """The "source: ..." part of an event's note (empty if the note names none)."""
    match = _SOURCE.search(note or "")
    return " ".join(match.group(1).split()) if match else ""


def event_rows(scenario: market.Scenario) -> list[dict[str, Any]]:
    """Grid rows of every scheduled event, in scenario order, all switched on."""
    rows = []
    for i, event in enumerate(scenario.events):
        at = event.at if isinstance(event.at, str) else scenario.step_to_month(event.at)
        value = event.value if event.kind == "set" else people_summary(event)
        rows.append(
            {
                "i": i,
                "row_id": str(i),
                "on": True,
                "at": at,
                "lab": event.lab or event.to_lab or MARKET,
                "field": event.field or event.kind,
                "value": value,
                "months": event.months,
                "note": event.note,
                "source": event_source(event.note),
                "path": event_path(event) if event.kind == "set" else "",
                "status": "",
                "outcome": "",
                "orig_at": at,
                "orig_value": value,
                "orig_months": event.months,
            }
        )
    return rows


def people_summary(event: market.Event) -> str:
    """What a move, team move or acqui-hire does, in one line (read-only in the grid)."""
    who = ", ".join(event.names)
    if event.people is not None:
        team = f"{event.people} {event.specialty} ({event.selection})"
        who = f"{who} + {team}" if who else team
    origin = f" from {event.from_lab}" if event.from_lab else ""
    paid = f" for ${event.payment_usd:,.0f}" if event.payment_usd is not None else ""
    return f"{who}{origin} to {event.to_lab}{paid}"


def _edited_event(event: market.Event, row: Mapping[str, Any], where: str) -> dict[str, Any]:
    raw = event.model_dump()
    on = row.get("on")
    if not isinstance(on, bool):
        raise market.ScenarioError(f"{where}.on", f"expected true or false, got {on!r}")
    at = parse_text(row.get("at"))
    if isinstance(at, bool) or not isinstance(at, str | int):
        raise market.ScenarioError(f"{where}.at", f"expected a month YYYY-MM, got {at!r}")
    if event.kind != "set":  # moves: only the date and the switch are editable
        return {**raw, "at": at}
    value = parse_text(row.get("value"))
    if value is None or (isinstance(value, bool) and not isinstance(event.value, bool)):
        raise market.ScenarioError(f"{where}.value", f"expected a value, got {row.get('value')!r}")
    months = parse_text(row.get("months"))
    if months is not None and (isinstance(months, bool) or not isinstance(months, int)):
        raise market.ScenarioError(
            f"{where}.months", f"expected a whole number of months or empty, got {months!r}"
        )
    return {**raw, "at": at, "value": value, "months": months}


def events_from_rows(base: market.Scenario, rows: Any) -> market.Scenario:
    """``base`` with its events as edited in the grid: switched-off events removed,
    edited dates, values and durations validated by the model.

    ``rows`` must hold exactly one row per event of ``base`` (by index ``i``); lab and
    field cannot be changed. ``None`` means "unchanged".

    Raises:
        ScenarioError: the first invalid row, named ``events[i].<field>``.

    """
    if rows is None:
        return base
    if not isinstance(rows, list) or len(rows) != len(base.events):
        raise market.ScenarioError("events", f"expected one row per event ({len(base.events)})")
    by_index: dict[int, Mapping[str, Any]] = {}
    for row in rows:
        i = row.get("i") if isinstance(row, Mapping) else None
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(base.events):
            raise market.ScenarioError("events", "unknown event row")
        by_index[i] = row
    if len(by_index) != len(base.events):
        raise market.ScenarioError("events", "repeated event row")
    edited = [_edited_event(e, by_index[i], f"events[{i}]") for i, e in enumerate(base.events)]
    data = base.model_dump()
    market.build_scenario({**data, "events": edited})  # errors name events[i] as in the grid
    kept = [raw for i, raw in enumerate(edited) if by_index[i]["on"]]
    return market.build_scenario({**data, "events": kept})


def enabled_indices(rows: Any, n_events: int) -> list[int]:
    """Original indices of the switched-on events (all when ``rows`` is None)."""
    if rows is None:
        return list(range(n_events))
    return sorted(r["i"] for r in rows if r.get("on"))


def check_precedence(value: Any) -> str:
    """The precedence rule a session chose, one of :data:`PRECEDENCE_RULES`."""
    if value not in PRECEDENCE_RULES:
        raise market.ScenarioError(
            "precedence", f"must be one of {', '.join(PRECEDENCE_RULES)} (got {value!r})"
        )
    return str(value)


def event_outcomes(
    report: tuple[EventOverride, ...], enabled: list[int]
) -> dict[int, EventOverride]:
    """The model's precedence report keyed by the event's row index in the grid."""
    return {enabled[item.event]: item for item in report if item.event < len(enabled)}


def report_line(item: EventOverride, row_index: int) -> str:
    """One line of the events report, numbered as in the grid."""
    return item.message().replace(f"events[{item.event}]", f"events[{row_index}]", 1)


FLAG_OF_OUTCOME = {"dropped": "kept", "rescaled": "rescaled", "applies": "overwritten"}
"""Grid-cell flag of an edited cell, by what the rule did to the events on its field."""


def flag_lab_rows(
    lab_rows: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    outcomes: Mapping[int, EventOverride],
) -> list[dict[str, Any]]:
    """Per-lab grid rows with ``flag_<key>`` and ``events_<key>`` for every cell that a
    switched-on event sets: ``event`` (the event will change this value on its date),
    or, for an edited cell, ``kept`` / ``rescaled`` / ``overwritten`` as the precedence
    rule decided (see :data:`FLAG_OF_OUTCOME`).
    """
    on_path: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("on"):
            on_path.setdefault(str(row.get("path")), []).append(row)
    out = []
    for lab_row in lab_rows:
        new = {k: v for k, v in lab_row.items() if not k.startswith(("flag_", "events_"))}
        for spec in LAB_FIELDS:
            events = on_path.get(f"labs.{new.get('lab')}.{spec.path}", [])
            if not events:
                continue
            hit = [outcomes[r["i"]] for r in events if r["i"] in outcomes]
            new[f"flag_{spec.key}"] = FLAG_OF_OUTCOME[hit[0].outcome] if hit else "event"
            new[f"events_{spec.key}"] = "; ".join(
                f"{r['at']}: set to {r['value']}" + (f" ({r['status']})" if r["status"] else "")
                for r in events
            )
        out.append(new)
    return out


def status_rows(rows: list[dict[str, Any]], outcomes: Mapping[int, EventOverride]) -> list:
    """Event rows with ``status`` saying what the precedence rule did to each."""
    out = []
    for row in rows:
        item = outcomes.get(row["i"])
        status = "" if item is None else OUTCOME_TEXT[item.outcome]
        if item is not None and item.outcome == "rescaled":
            status += f" to {item.new_value:,.6g}"
        outcome = item.outcome if item is not None and row.get("on") else ""
        out.append(
            {**row, "status": status if row.get("on") else "switched off", "outcome": outcome}
        )
    return out
