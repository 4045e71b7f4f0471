"""Phase 10: people leave the market (retirement, career change)."""

from __future__ import annotations

import numpy as np

from market.codes import Employer, Reason
from market.moves import leave
from market.state import MarketState


def attrite(state: MarketState, rng: np.random.Generator) -> None:
    """Each employed person leaves with monthly hazard ``1 - (1 - a)^(1/12)`` (named
    people held before their scheduled move stay, :mod:`market.named`).
    """
    rate = state.pop.attrition_per_year
    if not state.cfg.attrition_enabled or rate <= 0:
        return
    emp = state.people.view("employer")
    rows = np.flatnonzero(emp >= 0)
    held = state.people.held_until[rows] > state.step  # named people before their move
    if held.any():
        rows = rows[~held]
    hazard = 1 - (1 - rate) ** (1 / 12)
    leaving = rows[rng.random(len(rows)) < hazard]
    leave(state, leaving, Employer.GONE, Reason.ATTRITION)
