"""Named people (``[[people]]``): placed at their labs at construction, found by name.

A named person is one more row of :class:`~market.people.People` at their lab, besides
the lab's headcount, with the declared skill (or the skill at ``skill_percentile`` of
the population's Pareto distribution, ``(1 - p)^(-1/alpha)``), pay and role. Nothing
about them is drawn at random: preference weights are the population means, tenure half
of ``initial_tenure_max_months`` and unvested equity the middle of
``initial_unvested_range`` of a full grant, so declaring people leaves every random
draw of the anonymous population unchanged. Their row index keeps their name
(``People.name``) through every move, so the ``moves`` table and exports show it.

A named person whose move is scheduled (``move`` or ``acquihire`` events) is held at
their lab until then: no outside offers reach them and they do not retire before
that step (``People.held_until``), so the event moves them from where the scenario
says they are. Layoffs and spin-outs still apply to them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from market.codes import SPECIALTIES
from market.config import PersonConfig, PopulationConfig, Scenario
from market.errors import ScenarioError
from market.state import MarketState


def person_skill(person: PersonConfig, pop: PopulationConfig) -> float:
    """Declared skill, or the Pareto(alpha) quantile of ``skill_percentile``."""
    if person.skill is not None:
        return float(person.skill)
    assert person.skill_percentile is not None
    return float((1.0 - person.skill_percentile) ** (-1.0 / pop.skill_tail_alpha))


def place_named_people(state: MarketState, scenario: Scenario) -> np.ndarray:
    """Add each named person of ``scenario`` at their lab, held until their first
    scheduled move; returns their rows (in declaration order).
    """
    rows = add_people(state, scenario.people)
    first: dict[str, int] = {}
    for event in scenario.events:
        for name in event.names:
            step = scenario.event_step(event)
            first[name] = min(first.get(name, step), step)
    for person, row in zip(scenario.people, rows.tolist(), strict=True):
        state.people.held_until[row] = first.get(person.name, 0)
    return rows


def add_people(state: MarketState, people: Sequence[PersonConfig]) -> np.ndarray:
    """Add each named person at their lab; returns their rows (in declaration order)."""
    pop, labs, table = state.pop, state.labs, state.people
    rows = []
    low, high = pop.initial_unvested_range
    for person in people:
        j = labs.index(person.lab)
        policy = labs.policies[j]
        grant = policy.equity_share * person.comp_usd * policy.vesting_months / 12
        table.names.append(person.name)
        added = table.add(
            skill=np.array([person_skill(person, pop)]),
            specialty=np.array([SPECIALTIES.index(person.specialty)]),
            employer=np.array([j]),
            comp_usd=np.array([person.comp_usd]),
            unvested_usd=np.array([grant * (low + high) / 2]),
            tenure_months=np.array([pop.initial_tenure_max_months // 2]),
            hired_step=np.array([0]),
            w_compute=np.array([pop.pref_compute]),
            w_mission=np.array([pop.pref_mission]),
            w_colleagues=np.array([pop.pref_colleagues]),
            name=np.array([len(table.names) - 1]),
            leader=np.array([person.role == "leader"]),
        )
        rows.append(int(added[0]))
    return np.array(rows, dtype=np.int64)


def rows_of(state: MarketState, names: Sequence[str], where: str) -> np.ndarray:
    """Rows of the named people ``names``.

    Raises:
        ScenarioError: on ``where`` naming the first unknown name.

    """
    out = []
    for name in names:
        try:
            out.append(state.people.row_of(name))
        except KeyError:
            known = ", ".join(state.people.names) or "none"
            raise ScenarioError(where, f"unknown person {name!r}; known: {known}") from None
    return np.array(out, dtype=np.int64)
