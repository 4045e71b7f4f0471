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
from market.jit import kernel, np_maximum, np_minimum
from market.state import MarketState

GONE_CODE = int(Employer.GONE)
"""The employer code of people who left the market, as a plain int (a kernel constant)."""


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
    table, last = vesting_table(months, cliff, tenure.dtype)
    at = np.multiply(lab, last + 1, dtype=np.intp)
    at += np.minimum(tenure, last)
    return table[at]


_last_table: tuple = (None, None)
"""The key and the result of the last :func:`vesting_table` call (the schedules rarely
change from one month to the next), replaced as one tuple (safe across threads)."""


def vesting_table(
    months: np.ndarray, cliff: np.ndarray, dtype: np.dtype | type = np.int32
) -> tuple[np.ndarray, int]:
    """:func:`vesting_share` for every lab and tenure ``0..last`` (row-major, lab by
    lab, ``last + 1`` a lab) and ``last``, beyond which the share no longer changes.
    The same (shared, not to be written) table as the last call's if the schedules are.
    """
    global _last_table
    key = (months.dtype, months.tobytes(), cliff.dtype, cliff.tobytes(), np.dtype(dtype))
    kept_key, kept = _last_table
    if kept_key == key:
        return kept
    last = int(max(months.max(), cliff.max())) + 1 if len(months) else 0
    grid_tenure = np.tile(np.arange(last + 1, dtype=dtype), len(months))
    grid_lab = np.repeat(np.arange(len(months)), last + 1)
    table = vesting_share(grid_tenure, months[grid_lab], cliff[grid_lab])
    table.flags.writeable = False
    _last_table = (key, (table, last))
    return table, last


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
    n = p.n
    table, last = vesting_table(labs.vesting_months, labs.vesting_cliff_months)
    retention = np.asarray(labs.retention_bonus_frac, dtype=np.float64)
    due, negative = _age_and_vest_pass(
        p.employer[:n], p.tenure_months[:n], p.unvested_usd, p.comp_usd, retention, table, last
    )
    if negative.size:  # tenure below 0 (written by hand): the formula, not the table
        lab = p.employer[negative]
        u = p.unvested_usd[negative]
        share = vesting_share(
            p.tenure_months[negative], labs.vesting_months[lab], labs.vesting_cliff_months[lab]
        )
        p.unvested_usd[negative] = (
            u - u * share + labs.retention_bonus_frac[lab] * (p.comp_usd[negative]) / 12
        )
    if due.size:  # work anniversaries
        raise_, fit = merit_raises(state, due)
        _raise_and_grant(
            due,
            p.employer,
            p.comp_usd,
            p.unvested_usd,
            raise_,
            fit,
            labs.equity_share,
            labs.vesting_months,
            labs.refresh_grant_share,
            retention,
        )
        p.touch(due)


@kernel
def _age_and_vest_pass(
    employer: np.ndarray,
    tenure: np.ndarray,
    unvested: np.ndarray,
    comp: np.ndarray,
    retention: np.ndarray,
    table: np.ndarray,
    last: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One pass over the rows: tenure +1 unless gone; for the employed, the balance
    less this month's vesting, ``u - u * share`` with the share from
    :func:`vesting_table`, then plus the retention grant ``retention[lab] * comp / 12``,
    except at a work anniversary (tenure a positive multiple of 12), where the grant
    waits for the raise. Returns the anniversary rows and the employed rows with
    negative tenure (left as they were after the tenure update), ascending.

    Reproduces ``tenure += employer != GONE``, ``u - u * lab_vesting_share(...)`` and
    ``u + retention[lab] * comp / 12`` of the numpy form, operation for operation.
    """
    n = employer.shape[0]
    staff = np.empty(n, dtype=np.int64)
    s = 0
    for i in range(n):  # no branches: the gone are scattered among the employed
        j = employer[i]
        tenure[i] += j != GONE_CODE
        staff[s] = i
        s += j >= 0
    due = np.empty(s, dtype=np.int64)
    negative = np.empty(0, dtype=np.int64)
    k = 0
    m = 0
    width = last + 1
    n_labs = retention.shape[0]
    for e in range(s):
        i = staff[e]
        j = employer[i]
        if j >= n_labs:  # numba does not check bounds
            raise IndexError("employer code out of range")
        t = tenure[i]
        if t < 0:  # never in the model: kept aside for the formula
            if m == negative.shape[0]:
                grown = np.empty(2 * m + 1, dtype=np.int64)
                grown[:m] = negative[:m]
                negative = grown
            negative[m] = i
            m += 1
            continue
        u = unvested[i]
        u = u - u * table[j * width + min(t, last)]
        anniversary = (t > 0) & (t % 12 == 0)  # selected, not branched on
        unvested[i] = u if anniversary else u + retention[j] * comp[i] / 12
        due[k] = i
        k += anniversary
    return due[:k], negative[:m]


def merit_raises(state: MarketState, due: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Raises (fraction of pay) for the people at rows ``due`` (ascending) at their work
    anniversary: the lab's pass-through of its output-per-head growth, capped at
    ``merit_raise_max`` and at the lab's pay cap (the first array, a row's raise), and
    scaled down per lab by the second array so that the raises (with retention grants)
    fit its budget headroom: a row's raise is ``raise_[e] * fit[lab]``.
    """
    labs = state.labs
    growth = output_per_head_growth(state) - 1
    rate = np.clip(labs.merit_raise_pass_through * growth, 0.0, labs.merit_raise_max)
    raise_, cost = _capped_raises(
        due,
        state.people.employer,
        state.people.comp_usd,
        rate,
        np.asarray(labs.pay_cap_usd, dtype=np.float64),
        np.asarray(labs.retention_bonus_frac, dtype=np.float64),
    )
    headroom = labs.budget_usd - labs.sign_on_spent_usd - state.lab_state.payroll
    fit = np.where(cost > 0, np.clip(headroom / np.where(cost > 0, cost, 1.0), 0.0, 1.0), 1.0)
    return raise_, fit


@kernel
def _capped_raises(
    due: np.ndarray,
    employer: np.ndarray,
    comp: np.ndarray,
    rate: np.ndarray,
    pay_cap: np.ndarray,
    retention: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each ``due`` row's raise before the budget fit and each lab's cost of them, as
    numpy computed them on ``lab = employer[due]``, ``c = comp[due]``:
    ``raise_ = np.minimum(rate[lab], np.maximum(pay_cap[lab] / np.maximum(c, 1e-9) - 1,
    0.0))`` and ``np.bincount(lab, weights=raise_ * c * (1 + retention[lab]))`` (over
    ``rate``'s labs; sums in row order).
    """
    n_labs = rate.shape[0]
    raise_ = np.empty(due.shape[0])
    cost = np.zeros(n_labs)
    for e in range(due.shape[0]):
        i = due[e]
        j = employer[i]
        if j < 0 or j >= n_labs:  # numba does not check bounds
            raise IndexError("employer code out of range")
        c = comp[i]
        cap = np_maximum(pay_cap[j] / np_maximum(c, 1e-9) - 1, 0.0)
        r = np_minimum(rate[j], cap)  # never above the pay cap
        raise_[e] = r
        cost[j] += r * c * (1 + retention[j])
    return raise_, cost


@kernel
def _raise_and_grant(
    due: np.ndarray,
    employer: np.ndarray,
    comp: np.ndarray,
    unvested: np.ndarray,
    raise_: np.ndarray,
    fit: np.ndarray,
    equity: np.ndarray,
    months: np.ndarray,
    refresh: np.ndarray,
    retention: np.ndarray,
) -> None:
    """Pay raises, refresh grants and the month's retention grant at the anniversary
    rows ``due`` (labs checked by :func:`_capped_raises`), in place, as numpy did on
    ``lab = employer[due]``: ``raised = comp[due] * (1 + raise_ * fit[lab])``,
    ``comp[due] = raised``, ``unvested[due] = unvested[due] + refresh[lab] *
    (equity[lab] * raised * months[lab] / 12) + retention[lab] * raised / 12`` (added
    left to right).
    """
    for e in range(due.shape[0]):
        i = due[e]
        j = employer[i]
        raised = comp[i] * (1 + raise_[e] * fit[j])
        comp[i] = raised
        hire_grant = equity[j] * raised * months[j] / 12
        u = unvested[i] + refresh[j] * hire_grant
        unvested[i] = u + retention[j] * raised / 12
