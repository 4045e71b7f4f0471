"""Phase 1: scheduled events (field changes on a date, optionally reverted later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from market.config import Event, MarketConfig, Scenario
from market.state import MarketState

Revert = tuple[str | None, str, Any]
"""(lab name or None for the market, field, value to restore)."""


@dataclass
class EventSchedule:
    """Events by the step they fire at, and the reverts they have scheduled."""

    at: dict[int, list[Event]] = field(default_factory=dict)
    reverts: dict[int, list[Revert]] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario) -> EventSchedule:
        """The schedule of a validated scenario."""
        out = cls()
        for event in scenario.events:
            out.at.setdefault(scenario.event_step(event), []).append(event)
        return out


def apply_events(state: MarketState, schedule: EventSchedule) -> None:
    """Revert expired temporary events, then apply the events due this step."""
    for lab, name, value in schedule.reverts.pop(state.step, []):
        set_field(state, lab, name, value)
    for event in schedule.at.get(state.step, []):
        old = set_field(state, event.lab, event.field, event.value)
        if event.months:
            schedule.reverts.setdefault(state.step + event.months, []).append(
                (event.lab, event.field, old)
            )


def set_field(state: MarketState, lab: str | None, name: str, value: Any) -> Any:
    """Set a market field (``lab`` None) or a lab/policy field; returns the old value."""
    if lab is None:
        old = getattr(state.cfg, name)
        # Validated like the scenario (model_copy(update=...) would skip validation).
        state.cfg = MarketConfig.model_validate({**state.cfg.model_dump(), name: value})
        return old
    return state.labs.set_field(state.labs.index(lab), name, value)
