"""Phase 10: people leave the market (retirement, career change)."""

from __future__ import annotations

import numpy as np

from market.codes import Employer, Reason
from market.jit import kernel
from market.moves import leave
from market.state import MarketState


def attrite(state: MarketState, rng: np.random.Generator) -> None:
    """Each employed person leaves with monthly hazard ``1 - (1 - a)^(1/12)`` (named
    people held before their scheduled move stay, :mod:`market.named`).
    """
    rate = state.pop.attrition_per_year
    if not state.cfg.attrition_enabled or rate <= 0:
        return
    p = state.people
    # the employed, less named people held before their move
    rows = _at_risk(p.view("employer"), p.held_until, state.step)
    hazard = 1 - (1 - rate) ** (1 / 12)
    leaving = rows[rng.random(len(rows)) < hazard]
    leave(state, leaving, Employer.GONE, Reason.ATTRITION)


@kernel
def _at_risk(employer: np.ndarray, held_until: np.ndarray, step: int) -> np.ndarray:
    """The rows of the people at labs not held past ``step``, ascending, in one pass:
    ``rows = np.flatnonzero(employer >= 0)`` less ``held_until[rows] > step``.
    """
    n = employer.shape[0]
    rows = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):  # no branch: the gone are scattered among the employed
        rows[k] = i
        k += (employer[i] >= 0) & (held_until[i] <= step)
    return rows[:k]
