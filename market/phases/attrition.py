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

    Every row is drawn with that probability (:func:`bernoulli_rows`, which costs one
    random number per row drawn, not one per row) and the draws of people not at a lab,
    or held, are dropped: each employed person still leaves independently with the
    hazard.
    """
    rate = state.pop.attrition_per_year
    if not state.cfg.attrition_enabled or rate <= 0:
        return
    p = state.people
    hazard = 1 - (1 - rate) ** (1 / 12)
    drawn = bernoulli_rows(rng, p.n, hazard)
    leaving = _at_risk(drawn, p.employer, p.held_until, state.step)
    leave(state, leaving, Employer.GONE, Reason.ATTRITION)


def bernoulli_rows(
    rng: np.random.Generator, n: int, p: float, batch: int | None = None
) -> np.ndarray:
    """The rows of ``0..n-1`` that independent Bernoulli(``p``) trials select, ascending,
    from geometric gaps between successes (``rng.geometric``: the trials up to and
    including the next success), ``batch`` gaps at a time (default: the expected count
    plus 4 s.d. and 16, so that one batch nearly always passes ``n``).
    """
    if n <= 0 or p <= 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1:
        return np.arange(n, dtype=np.int64)
    if batch is None:
        batch = int(n * p + 4 * np.sqrt(n * p * (1 - p)) + 16)
    parts, last = [], -1
    while last < n - 1:
        rows = last + np.cumsum(rng.geometric(p, size=batch))
        parts.append(rows)
        last = int(rows[-1])
    rows = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return rows[: np.searchsorted(rows, n)]


@kernel
def _at_risk(
    rows: np.ndarray, employer: np.ndarray, held_until: np.ndarray, step: int
) -> np.ndarray:
    """Those of ``rows`` (ascending) at a lab and not held past ``step``:
    ``rows[(employer[rows] >= 0) & (held_until[rows] <= step)]``.
    """
    out = np.empty(rows.shape[0], dtype=np.int64)
    k = 0
    for e in range(rows.shape[0]):
        i = rows[e]
        out[k] = i
        k += (employer[i] >= 0) & (held_until[i] <= step)
    return out[:k]
