"""Phase 5: tenure, equity vesting, refresh and retention grants, merit raises.

A person's unvested equity is one balance. A hire's grant (``moves.move``) vests on
the lab's schedule of ``vesting_months`` with a ``vesting_cliff_months`` cliff:
nothing before the cliff month, the cliff's share ``cliff / vesting_months`` at it,
then the balance over the months left, ``1 / (vesting_months - tenure + 1)`` of it a
month, which is ``grant / vesting_months`` a month for a single grant; past the
schedule the balance (refresh and retention grants) vests at ``2 / vesting_months`` a
month, the mean remaining life of overlapping linear grants. At each work anniversary a
merit raise follows the lab's growth in research output per head over the year
(``merit_raise_pass_through``, at most ``merit_raise_max``, within the lab's budget
headroom) and a refresh grant of ``refresh_grant_share`` of a new-hire grant at the
current pay is added; retention grants accrue monthly at ``retention_bonus_frac x pay /
12``.
"""

from __future__ import annotations

import numpy as np

from market.codes import Employer
from market.state import MarketState


def vesting_share(tenure: np.ndarray, months: np.ndarray, cliff: np.ndarray) -> np.ndarray:
    """Share of the unvested balance that vests this month at ``tenure`` (after aging)."""
    share = np.where(
        tenure <= months, 1 / np.maximum(months - tenure + 1, 1), np.minimum(2 / months, 1.0)
    )
    share[tenure == cliff] = (cliff / months)[tenure == cliff]
    share[tenure < cliff] = 0.0
    return share


def lab_vesting_share(
    tenure: np.ndarray, lab: np.ndarray, months: np.ndarray, cliff: np.ndarray
) -> np.ndarray:
    """``vesting_share(tenure, months[lab], cliff[lab])`` by one lookup in a table of
    :func:`vesting_share` over (lab, tenure): the share depends on nothing else, and
    every tenure past the longest schedule and cliff vests alike.
    """
    if tenure.size == 0 or tenure.min() < 0:
        return vesting_share(tenure, months[lab], cliff[lab])
    last = int(max(months.max(), cliff.max())) + 1
    grid_tenure = np.tile(np.arange(last + 1, dtype=tenure.dtype), len(months))
    grid_lab = np.repeat(np.arange(len(months)), last + 1)
    table = vesting_share(grid_tenure, months[grid_lab], cliff[grid_lab])
    at = np.multiply(lab, last + 1, dtype=np.intp)
    at += np.minimum(tenure, last)
    return table[at]


def output_per_head_growth(state: MarketState) -> np.ndarray:
    """Each lab's research output per head now over 12 months ago (1 if unknown)."""
    growth = np.ones(state.n_labs)
    columns = ("headcount", "research_output")
    records = state.ledger.lab_records_at(state.step - 12, columns) if state.step > 12 else {}
    if not records:
        return growth
    n = len(records["headcount"])
    head_then = records["headcount"].astype(float)
    y_then = records["research_output"] / np.maximum(head_then, 1)
    head_now = state.lab_state.headcount.sum(axis=0)[:n]
    y_now = state.labs.research_output[:n] / np.maximum(head_now, 1)
    known = (y_then > 0) & (head_then > 0) & (head_now > 0)
    growth[:n] = np.where(known, y_now / np.where(known, y_then, 1.0), 1.0)
    return growth


def age_and_vest(state: MarketState) -> None:
    """Tenure +1 for everyone in the market; vesting, raises and grants for the
    employed (module docstring).
    """
    p, labs = state.people, state.labs
    emp = p.view("employer")
    rows = state.staff()  # the refresh's rows when nobody changed since
    p.tenure_months[: p.n] += emp != Employer.GONE
    lab = emp[rows]
    tenure = p.tenure_months[rows]
    unvested = p.unvested_usd[rows]
    unvested = unvested - unvested * lab_vesting_share(
        tenure, lab, labs.vesting_months, labs.vesting_cliff_months
    )
    comp = p.comp_usd[rows]
    due = np.flatnonzero((tenure > 0) & (tenure % 12 == 0))  # work anniversaries
    if due.size:
        raised = comp[due] * (1 + merit_raises(state, lab[due], comp[due]))
        comp[due] = raised
        p.comp_usd[rows[due]] = raised
        p.touch(rows[due])
        hire_grant = labs.equity_share[lab[due]] * raised * labs.vesting_months[lab[due]] / 12
        unvested[due] += labs.refresh_grant_share[lab[due]] * hire_grant
    p.unvested_usd[rows] = unvested + labs.retention_bonus_frac[lab] * comp / 12


def merit_raises(state: MarketState, lab: np.ndarray, comp: np.ndarray) -> np.ndarray:
    """Raise (fraction of pay) for people at their work anniversary at ``lab`` on
    ``comp``: the lab's pass-through of its output-per-head growth, capped at
    ``merit_raise_max`` and at the lab's pay cap, and scaled down per lab so that the
    raises (with retention grants) fit its budget headroom.
    """
    labs = state.labs
    growth = output_per_head_growth(state) - 1
    rate = np.clip(labs.merit_raise_pass_through * growth, 0.0, labs.merit_raise_max)
    cap = np.maximum(labs.pay_cap_usd[lab] / np.maximum(comp, 1e-9) - 1, 0.0)
    raise_ = np.minimum(rate[lab], cap)  # never above the pay cap
    cost = np.bincount(
        lab, weights=raise_ * comp * (1 + labs.retention_bonus_frac[lab]), minlength=len(labs)
    )
    headroom = labs.budget_usd - labs.sign_on_spent_usd - state.lab_state.payroll
    fit = np.where(cost > 0, np.clip(headroom / np.where(cost > 0, cost, 1.0), 0.0, 1.0), 1.0)
    return raise_ * fit[lab]
