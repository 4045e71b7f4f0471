"""Phase 5: tenure and equity."""

from __future__ import annotations

import numpy as np

from market.codes import Employer
from market.state import MarketState


def age_and_vest(state: MarketState) -> None:
    """Tenure +1 for everyone in the market; past the cliff a grant vests at
    ``1 / vesting_months`` of its balance a month (rolling grants); new equity
    accrues at ``(equity_share + retention_bonus_frac) * comp / 12`` a month.
    """
    p, labs = state.people, state.labs
    emp = p.view("employer")
    p.tenure_months[: p.n] += emp != Employer.GONE
    rows = np.flatnonzero(emp >= 0)
    lab = emp[rows]
    # Per-lab factors first, then one gather each (same values, fewer per-person ops).
    keep = (1 - 1 / labs.vesting_months)[lab]
    cliff = labs.vesting_cliff_months[lab]
    accrue = (labs.equity_share + labs.retention_bonus_frac)[lab]
    unvested = p.unvested_usd[rows]
    vesting = p.tenure_months[rows] >= cliff
    unvested = np.where(vesting, unvested * keep, unvested)
    p.unvested_usd[rows] = unvested + accrue * p.comp_usd[rows] / 12
