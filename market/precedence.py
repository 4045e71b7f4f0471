"""Precedence of user changes over scheduled events.

A scenario's ``[[events]]`` set fields on dates (xAI's GPU stock in 2025-04, Meta's
budget in 2025-06, ...). A user who changes the same field (``--set``, a sweep
parameter, a dashboard cell) must not see the change undone later without a word.
One rule, chosen by ``precedence``, decides what happens to every event that sets a
field the user changed:

``user`` (default)
    The user's value wins: the event is dropped for this run.
``relative``
    The event keeps its date but its value is scaled by the user's change
    (``value * new / old``), so a user who doubles xAI's GPUs doubles what the
    Colossus event sets too. Non-numeric values (and a base value of 0) fall back to
    ``user``.
``events``
    The event still applies on its date and overwrites the user's value.

Whatever the rule, every affected event is reported as an :class:`EventOverride`
(on stderr by the CLI, in ``metadata.json`` and in sweep tables).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from market.errors import ScenarioError

if TYPE_CHECKING:
    from market.config import Event, Scenario

Precedence = Literal["user", "relative", "events"]
PRECEDENCE_RULES: tuple[str, ...] = get_args(Precedence)

Outcome = Literal["dropped", "rescaled", "applies"]


@dataclass(frozen=True)
class EventOverride:
    """What happened to one scheduled event whose field the user changed."""

    event: int
    """Index of the event in the scenario the change was made to."""
    path: str
    """The field, as a ``--set`` path (``labs.xAI.gpus_h100e``)."""
    at: str
    """When the event fires (``YYYY-MM``)."""
    event_value: Any
    """The value the event sets (before any rescaling)."""
    user_value: Any
    """The value the user set."""
    outcome: Outcome
    """dropped (user wins), rescaled (relative), or applies (event wins)."""
    new_value: Any = None
    """The event's value after rescaling (``relative`` only)."""

    def message(self) -> str:
        """One line for a person."""
        head = f"events[{self.event}] ({self.at}, {self.path} = {self.event_value!r})"
        if self.outcome == "dropped":
            return f"{head} dropped: your value {self.user_value!r} wins"
        if self.outcome == "rescaled":
            return f"{head} rescaled to {self.new_value!r} by your change"
        return f"{head} applies and overwrites your value {self.user_value!r}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for metadata.json and tables."""
        return asdict(self)


def event_path(event: Event) -> str:
    """The ``--set`` path of the field an event sets."""
    from market.config import POLICY_FIELDS

    if event.lab is None:
        return f"market.{event.field}"
    if event.field in POLICY_FIELDS:
        return f"labs.{event.lab}.policy.{event.field}"
    return f"labs.{event.lab}.{event.field}"


def expand_paths(paths: Sequence[str], lab_names: Sequence[str]) -> list[str]:
    """``labs.*.x`` -> one path per lab; other paths unchanged."""
    out: list[str] = []
    for path in paths:
        parts = path.split(".")
        if len(parts) >= 3 and parts[0] == "labs" and parts[1] == "*":
            out.extend(".".join(["labs", name, *parts[2:]]) for name in lab_names)
        else:
            out.append(path)
    return out


def apply_precedence(
    base: Scenario,
    changed: Scenario,
    overrides: Mapping[str, Any],
    precedence: str = "user",
) -> tuple[list[dict[str, Any]], list[EventOverride]]:
    """The event list of ``changed`` under the rule, and the report.

    ``base`` is the scenario before the user's ``overrides`` (dotted paths),
    ``changed`` the validated scenario after them (same events as ``base``).
    Returns the events as raw dicts (to rebuild and revalidate the scenario) and one
    :class:`EventOverride` per event that sets a changed field.
    """
    if precedence not in PRECEDENCE_RULES:
        raise ScenarioError(
            "precedence", f"must be one of {', '.join(PRECEDENCE_RULES)} (got {precedence!r})"
        )
    touched = set(expand_paths(list(overrides), base.lab_names))
    events = [e.model_dump() for e in changed.events]
    kept: list[dict[str, Any]] = []
    report: list[EventOverride] = []
    for i, (event, raw) in enumerate(zip(changed.events, events, strict=True)):
        path = event_path(event)
        if path not in touched:
            kept.append(raw)
            continue
        at = event.at if isinstance(event.at, str) else base.step_to_month(event.at)
        old, new = _field_value(base, path), _field_value(changed, path)
        item = dict(event=i, path=path, at=at, event_value=event.value, user_value=new)
        if precedence == "events":
            kept.append(raw)
            report.append(EventOverride(**item, outcome="applies"))
            continue
        if precedence == "relative" and _numeric(event.value, old, new) and old != 0:
            scaled = event.value * new / old
            scaled = round(scaled) if isinstance(event.value, int) else float(scaled)
            kept.append({**raw, "value": scaled})
            report.append(EventOverride(**item, outcome="rescaled", new_value=scaled))
            continue
        report.append(EventOverride(**item, outcome="dropped"))
    return kept, report


def _numeric(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _field_value(scenario: Scenario, path: str) -> Any:
    parts = path.split(".")
    node: Any = scenario.lab(parts[1]) if parts[0] == "labs" else scenario
    for key in parts[2:] if parts[0] == "labs" else parts:
        node = getattr(node, key)
    return node
