"""Phase 1: scheduled events: field changes on a date (optionally reverted later), moves
of named people, team moves and acqui-hires (:class:`market.config.Event` kinds).

Moves by events go through :func:`market.moves.move` (ledger row, counters, ties, a
fresh equity grant) with reasons ``named_move``, ``team_move`` and ``acquihire``.
What cannot be checked when the scenario is loaded (a team larger than the source
lab's headcount that month, a payment above the buyer's budget that month) raises
:class:`~market.errors.ScenarioError` naming the event's field, before any output is
written (the CLI writes only after the run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from market.codes import SPECIALTIES, Reason
from market.config import Event, MarketConfig, Scenario
from market.errors import ScenarioError
from market.moves import move
from market.named import rows_of
from market.pricing import VALUE_FIELDS, reprice
from market.state import MarketState

Revert = tuple[str | None, str, Any, Any]
"""(lab name or None for the market, field, value to restore, value the event set)."""
GROWING_FIELDS = frozenset({"budget_usd", "gpus_h100e"})
"""Lab stocks that grow every month (:mod:`market.phases.compute`): a revert keeps the
growth since the event (:func:`restored`)."""
BOOKING_MONTHS = 12
"""An acqui-hire's payment comes off the buyer's annual budget for this many months."""
PEOPLE_REASONS = {
    "move": Reason.NAMED_MOVE,
    "team_move": Reason.TEAM_MOVE,
    "acquihire": Reason.ACQUIHIRE,
}


@dataclass
class EventSchedule:
    """Events by the step they fire at, the reverts and budget refunds they scheduled."""

    at: dict[int, list[Event]] = field(default_factory=dict)
    reverts: dict[int, list[Revert]] = field(default_factory=dict)
    refunds: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    """(lab index, USD/year) added back to a budget when a booking ends."""
    labels: dict[int, str] = field(default_factory=dict)
    """``events[i]`` of each event (by ``id``), for error messages."""

    @classmethod
    def of(cls, scenario: Scenario) -> EventSchedule:
        """The schedule of a validated scenario."""
        out = cls()
        for i, event in enumerate(scenario.events):
            out.at.setdefault(scenario.event_step(event), []).append(event)
            out.labels[id(event)] = f"events[{i}]"
        return out


def apply_events(
    state: MarketState, schedule: EventSchedule, rng: np.random.Generator | None = None
) -> None:
    """Revert expired temporary events and end bookings, then apply the events due
    this step (``rng``: the model's generator, for random team selection).
    """
    for lab, name, old, value in schedule.reverts.pop(state.step, []):
        set_field(state, lab, name, restored(state, lab, name, old, value))
    for j, amount in schedule.refunds.pop(state.step, []):
        state.labs.budget_usd[j] += amount
    for event in schedule.at.get(state.step, []):
        if event.kind != "set":
            apply_people_event(state, schedule, event, rng)
            continue
        assert event.field is not None
        old = set_field(state, event.lab, event.field, event.value)
        if event.months:
            schedule.reverts.setdefault(state.step + event.months, []).append(
                (event.lab, event.field, old, event.value)
            )


def restored(state: MarketState, lab: str | None, name: str, old: Any, value: Any) -> Any:
    """What a temporary event's revert restores: the old value, or for a lab's budget or
    GPU stock the old value grown as the stock has grown since the event set ``value``
    (``old x now / value``), so that the months of growth under the event are not lost.
    """
    if lab is None or name not in GROWING_FIELDS or not float(value) > 0:
        return old
    j = state.labs.index(lab)
    if name == "gpus_h100e" and state.cfg.infra_leadership_enabled:
        now = fleet(state, j)  # the event set the whole fleet (set_fleet)
    else:
        now = float(getattr(state.labs, name)[j])
    return float(old) * now / float(value)


def set_field(state: MarketState, lab: str | None, name: str, value: Any) -> Any:
    """Set a market field (``lab`` None) or a lab/policy field; returns the old value.

    With infrastructure leadership on, ``gpus_h100e`` is the whole fleet: an increase
    joins the backlog of GPUs still to be brought online (:func:`set_fleet`).
    """
    if lab is None:
        old = getattr(state.cfg, name)
        # Validated like the scenario (model_copy(update=...) would skip validation).
        state.cfg = MarketConfig.model_validate({**state.cfg.model_dump(), name: value})
        if name in VALUE_FIELDS:
            reprice(state, value_event=True)
        return old
    j = state.labs.index(lab)
    if name == "gpus_h100e" and state.cfg.infra_leadership_enabled:
        return set_fleet(state, j, float(value))
    return state.labs.set_field(j, name, value)


def fleet(state: MarketState, j: int) -> float:
    """Lab ``j``'s whole fleet: GPUs online plus the backlog still to come online."""
    return float(state.labs.gpus_h100e[j] + state.labs.gpus_backlog[j])


def set_fleet(state: MarketState, j: int, total: float) -> float:
    """Make lab ``j``'s fleet (online + backlog) ``total`` GPUs: growth joins the
    backlog, a cut removes backlog first. Returns the old fleet.
    """
    labs = state.labs
    old = fleet(state, j)
    change = total - old
    if change >= 0:
        labs.gpus_backlog[j] += change
    else:
        from_backlog = min(-change, float(labs.gpus_backlog[j]))
        labs.gpus_backlog[j] -= from_backlog
        labs.gpus_h100e[j] = max(float(labs.gpus_h100e[j]) + change + from_backlog, 0.0)
    return old


def apply_people_event(
    state: MarketState,
    schedule: EventSchedule,
    event: Event,
    rng: np.random.Generator | None,
) -> np.ndarray:
    """Move the people of a ``move``, ``team_move`` or ``acquihire`` event; returns
    their rows. Named people who have left the market are skipped.
    """
    where = schedule.labels.get(id(event), "event")
    assert event.to_lab is not None
    to = state.labs.index(event.to_lab)
    rows = rows_of(state, event.names, f"{where}.names")
    rows = rows[state.people.employer[rows] >= 0]  # at a lab: not gone, not in the pool
    if event.people is not None:
        rows = np.concatenate([rows, _team(state, event, rows, where, rng)])
    rows = rows[state.people.employer[rows] != to]
    pay = (
        np.full(len(rows), event.comp_usd)
        if event.comp_usd is not None
        else state.people.comp_usd[rows].copy()
    )
    if event.kind == "acquihire":
        _book_payment(state, schedule, event, to, where)
    if len(rows):
        move(state, rows, to, pay, PEOPLE_REASONS[event.kind])
    return rows


def _team(
    state: MarketState,
    event: Event,
    named: np.ndarray,
    where: str,
    rng: np.random.Generator | None,
) -> np.ndarray:
    """``event.people`` rows of ``event.specialty`` at ``event.from_lab`` (besides
    ``named``): the top by skill (ties: lower row first) or a random draw.
    """
    assert event.from_lab is not None and event.specialty is not None
    assert event.people is not None
    src = state.labs.index(event.from_lab)
    p = state.people
    code = SPECIALTIES.index(event.specialty)
    pool = np.flatnonzero((p.view("employer") == src) & (p.view("specialty") == code))
    pool = np.setdiff1d(pool, named)
    n = event.people
    if n > len(pool):
        raise ScenarioError(
            f"{where}.people",
            f"{n} exceeds {event.from_lab}'s {event.specialty} headcount at step "
            f"{state.step} ({len(pool)})",
        )
    if event.selection == "random":
        if rng is None:
            raise ScenarioError(f"{where}.selection", "random selection needs the model's rng")
        return np.sort(rng.choice(pool, size=n, replace=False))
    order = np.lexsort((pool, -p.skill[pool]))
    return np.sort(pool[order[:n]])


def _book_payment(
    state: MarketState,
    schedule: EventSchedule,
    event: Event,
    buyer: int,
    where: str,
) -> None:
    """Take the payment off the buyer's budget for :data:`BOOKING_MONTHS` months
    (payroll above the reduced budget is shed by the month's layoffs).

    Raises:
        ScenarioError: if the payment exceeds the buyer's budget this month.

    """
    payment = float(event.payment_usd or 0.0)
    budget = float(state.labs.budget_usd[buyer])
    if payment > budget:
        raise ScenarioError(
            f"{where}.payment_usd",
            f"{event.to_lab} cannot pay {payment:,.0f} USD at step {state.step}: "
            f"its budget is {budget:,.0f} USD/year",
        )
    state.labs.budget_usd[buyer] -= payment
    schedule.refunds.setdefault(state.step + BOOKING_MONTHS, []).append((buyer, payment))
