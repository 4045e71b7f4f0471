"""A small hand-built market state for the phase unit tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from market.codes import Specialty
from market.config import LabConfig, MarketConfig, PopulationConfig
from market.labs import LabTable
from market.people import People
from market.state import MarketState

PERSON_DEFAULTS: dict[str, Any] = {
    "skill": 1.0,
    "specialty": int(Specialty.RESEARCH),
    "employer": 0,
    "comp_usd": 300_000.0,
    "unvested_usd": 0.0,
    "tenure_months": 0,
    "hired_step": 0,
    "w_compute": 0.0,
    "w_mission": 0.0,
    "w_colleagues": 0.0,
}


def build_state(
    labs: list[dict[str, Any]],
    people: list[dict[str, Any]],
    market: dict[str, Any] | None = None,
    population: dict[str, Any] | None = None,
    step: int = 1,
) -> MarketState:
    """Labs from LabConfig fields (headcount empty), people row by row."""
    cfg = MarketConfig(**(market or {}))
    pop = PopulationConfig(**(population or {}))
    table = LabTable()
    for lab in labs:
        table.add(LabConfig(**{"headcount": {}, "gpus_h100e": 1000.0, "budget_usd": 1e9, **lab}))
    max_labs = max(cfg.max_labs, len(labs))
    state = MarketState(
        people=People.empty(len(people) + 16),
        labs=table,
        cfg=cfg,
        pop=pop,
        ties=np.ones((max_labs, max_labs + 1)),
        hires=np.zeros(max_labs, dtype=np.int64),
        departures=np.zeros(max_labs, dtype=np.int64),
    )
    if people:
        rows = [{**PERSON_DEFAULTS, **person} for person in people]
        state.people.add(**{k: np.array([r[k] for r in rows]) for k in PERSON_DEFAULTS})
    state.initial_skill = np.sort(state.people.view("skill"))
    state.step = step
    state.refresh()
    return state


@pytest.fixture
def make_state():
    """The builder, as a fixture."""
    return build_state
