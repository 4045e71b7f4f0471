"""Phase 8: labs post vacancies per specialty (directed labour demand).

A lab wants the ``n``-th typical hire of a specialty (the market's median skill of
that specialty) while that hire's marginal value, times the lab's pay multiplier, is
at least the going wage (the market's median pay of the specialty). Vacancies are
funded from budget headroom; the search technology, contacts per vacancy from a
matching function ``m = A V^eta S^(1-eta)`` (Petrongolo & Pissarides 2001), is the
same for every lab (docs/ODD.md, 7.4).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from market.codes import Employer, Specialty
from market.config import MarketConfig
from market.jit import kernel
from market.leadership import team_skill
from market.people import People
from market.production import monetisation
from market.selection import counting_sort, order_stats
from market.state import MarketState
from market.valuation import (
    LabState,
    _output,
    _utilisation,
    allocation_factor,
    marginal_value,
)

N_SPECIALTIES = len(Specialty)


@dataclass
class Vacancies:
    """This month's labour demand (index ``[specialty, lab]``)."""

    counts: np.ndarray
    """Funded vacancies, (3, L)."""
    wanted: np.ndarray
    """Vacancies where a typical hire is worth the going wage, before the budget, (3, L)."""
    budget_limited: np.ndarray
    """(L,) bool: headroom funded fewer vacancies than the lab wanted."""
    contacts_per_vacancy: float
    """Candidates each vacancy meets this month (the same for every lab)."""

    @property
    def per_lab(self) -> np.ndarray:
        """Funded vacancies per lab."""
        return self.counts.sum(axis=0)


def post_vacancies(state: MarketState) -> Vacancies | None:
    """Plan each lab's vacancies per specialty; None when ``vacancies_enabled`` is off.

    ``wanted[s, j]`` is the largest ``n`` up to :func:`posting_cap` with
    ``pay_multiplier_j x MV_j(n-th typical hire of s) >= wage_s``. Funding: a lab
    spends at most ``vacancy_headroom_share x headroom`` on ``sum_s V_s x (wage_s +
    extra contacts per vacancy x recruiting_cost_per_contact_usd)``, extra contacts
    being ``q x (poaching_intensity - 1)`` (none below 1); if the wanted vacancies cost
    more, every specialty is scaled down by the same factor (rounded down).
    """
    cfg = state.cfg
    if not cfg.vacancies_enabled:
        return None
    agg, labs, p = state.lab_state, state.labs, state.people
    n_labs = state.n_labs
    staff = state.staff()  # the people at labs, ascending (the refresh's rows)
    wage, skill, heads, pay = _staff_pass(
        staff, p.specialty, p.employer, p.comp_usd, p.skill, n_labs
    )
    rep = representatives(np.where(np.isfinite(skill), skill, 1.0))
    cap = posting_cap(agg, rep, wage, labs.pay_multiplier, cfg, state.price)
    wanted = wanted_hires(agg, rep, wage, labs.pay_multiplier, cap, cfg, state.price)
    searchers = int(len(staff) + np.count_nonzero(p.view("employer") == Employer.POOL))
    q = contacts_per_vacancy(float(wanted.sum()), searchers, cfg)
    extra = q * np.maximum(labs.poaching_intensity - 1.0, 0.0) * cfg.recruiting_cost_per_contact_usd
    unit_cost = _hire_cost(heads, pay, wage, labs.retention_bonus_frac) + extra[None, :]
    cost = (wanted * unit_cost).sum(axis=0)
    budget = np.minimum(labs.budget_usd, recent_min_budget(state, cfg.vacancy_budget_memory_months))
    funds = cfg.vacancy_headroom_share * np.maximum(budget - agg.payroll, 0.0)
    factor = np.ones(n_labs)
    short = cost > funds
    factor[short] = funds[short] / cost[short]
    counts = np.floor(wanted * factor[None, :] + 1e-9).astype(np.int64)
    limited = (factor < 1.0) & (wanted.sum(axis=0) > 0)
    assert counts.shape == (N_SPECIALTIES, n_labs)
    return Vacancies(counts, wanted, limited, q)


def going_rates(
    comp: np.ndarray, skill: np.ndarray, spec: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Median pay and median skill per specialty of the people given (NaN if none)."""
    n = len(spec)
    wage, med, _, _ = _staff_pass(np.arange(n), spec, np.zeros(n, dtype=np.int32), comp, skill, 1)
    return wage, med


@kernel
def _staff_pass(
    staff: np.ndarray,
    spec: np.ndarray,
    employer: np.ndarray,
    comp: np.ndarray,
    skill: np.ndarray,
    n_labs: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One pass over the ``staff`` rows for vacancy planning: the going rates (median
    pay and median skill per specialty, :func:`_bucket_medians` of each column
    bucketed stably by specialty, as :func:`_medians_by_group` does) and the
    ``(3, L)`` heads and pay per (specialty, lab), which equal
    ``np.bincount(key)`` and ``np.bincount(key, weights=comp[staff])`` with ``key =
    spec x L + employer`` (bincount adds the weights in row order, from zero).
    """
    n = staff.shape[0]
    start = np.zeros(N_SPECIALTIES + 1, dtype=np.int64)
    heads = np.zeros((N_SPECIALTIES, n_labs), dtype=np.int64)
    pay = np.zeros((N_SPECIALTIES, n_labs))
    for i in range(n):
        r = staff[i]
        s, j = spec[r], employer[r]
        if s < 0 or s >= N_SPECIALTIES or j < 0 or j >= n_labs:  # numba checks no bounds
            raise IndexError("specialty or lab code out of range")
        start[s + 1] += 1
        heads[s, j] += 1
        pay[s, j] += comp[r]
    for s in range(N_SPECIALTIES):
        start[s + 1] += start[s]
    slot = start[:-1].copy()
    by_comp = np.empty(n)
    by_skill = np.empty(n)
    for i in range(n):
        r = staff[i]
        s = spec[r]
        by_comp[slot[s]] = comp[r]
        by_skill[slot[s]] = skill[r]
        slot[s] += 1
    return _bucket_medians(by_comp, start), _bucket_medians(by_skill, start), heads, pay


def _medians_by_group(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """``np.median(values[group == g])`` for every ``g`` (NaN for an empty group or one
    holding a NaN), bit for bit: the values bucketed by group
    (:func:`market.selection.counting_sort`), then :func:`_bucket_medians`.
    """
    order, start = counting_sort(np.arange(len(values)), group, n_groups, False)
    return _bucket_medians(np.asarray(values, dtype=float)[order], start)


@kernel
def _bucket_medians(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """``np.median(values[start[g] : start[g + 1]])`` for every bucket ``g`` (NaN for an
    empty bucket or one holding a NaN), bit for bit: the middle order statistics of each
    bucket selected exactly (:func:`market.selection.order_stats`), and for an even
    count their mean as ``(a + b) / 2``, which is what np.median's mean of the two middle
    values computes.
    """
    n_groups = start.shape[0] - 1
    out = np.full(n_groups, np.nan)
    ok = np.zeros(n_groups, dtype=np.bool_)
    for g in range(n_groups):
        ok[g] = start[g + 1] > start[g]
        for i in range(start[g], start[g + 1]):
            if np.isnan(values[i]):
                ok[g] = False
                break
    at = np.flatnonzero(ok)
    if at.shape[0] == 0:
        return out
    size = np.empty(at.shape[0], dtype=np.int64)
    kth = np.empty((at.shape[0], 2), dtype=np.int64)
    for i in range(at.shape[0]):
        size[i] = start[at[i] + 1] - start[at[i]]
        half = size[i] // 2
        kth[i, 0] = half if size[i] % 2 == 1 else half - 1
        kth[i, 1] = half
    middle = order_stats(values, start[at], size, kth)
    for i in range(at.shape[0]):
        if size[i] % 2 == 1:
            out[at[i]] = middle[i, 1]
        else:
            out[at[i]] = (middle[i, 0] + middle[i, 1]) / 2.0
    return out


def hire_cost(state: MarketState, wage: np.ndarray) -> np.ndarray:
    """Expected annual cost of a hire per (specialty, lab): the going wage, scaled up
    by how much more than the market the lab pays on average in the specialty (a lab
    that pays more pays its new hires more too), with its retention grants.
    """
    p = state.people
    _, _, heads, pay = _staff_pass(
        state.staff(), p.specialty, p.employer, p.comp_usd, p.skill, state.n_labs
    )
    return _hire_cost(heads, pay, wage, state.labs.retention_bonus_frac)


def _hire_cost(
    heads: np.ndarray, pay: np.ndarray, wage: np.ndarray, retention: np.ndarray
) -> np.ndarray:
    """:func:`hire_cost` from the staff's heads and pay per (specialty, lab), (3, L)."""
    market_mean = pay.sum(axis=1) / np.maximum(heads.sum(axis=1), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = np.where(heads > 0, pay / np.maximum(heads, 1) / market_mean[:, None], 1.0)
    base = np.where(np.isfinite(wage), wage, 0.0)[:, None] * np.fmax(relative, 1.0)
    return base * (1 + retention[None, :])


def recent_min_budget(state: MarketState, months: int) -> np.ndarray:
    """Each lab's lowest budget over this month and the ``months - 1`` recorded before
    it (labs younger than that: over their life so far).
    """
    budget = state.labs.budget_usd.copy()
    if months <= 1:
        return budget
    for step, past in state.ledger.recent_lab_records("budget_usd", months):
        if step > state.step - months:
            n = len(past)
            budget[:n] = np.minimum(budget[:n], past)
    return budget


def contacts_per_vacancy(vacancies: float, searchers: int, cfg: MarketConfig) -> float:
    """Contacts a vacancy makes: ``contacts_per_vacancy x (theta / theta_ref)^(eta - 1)``
    with tightness ``theta = V / S``, at most ``S / V`` (nobody is met twice on average).
    """
    if vacancies <= 0 or searchers <= 0:
        return 0.0
    theta = vacancies / searchers
    q = cfg.contacts_per_vacancy * (theta / cfg.reference_tightness) ** (
        cfg.matching_elasticity - 1.0
    )
    return float(min(q, 1.0 / theta))


def posting_cap(
    agg: LabState,
    rep: People,
    wage: np.ndarray,
    pay_multiplier: np.ndarray,
    cfg: MarketConfig,
    price: float,
) -> np.ndarray:
    """Vacancies a lab may post per specialty: ``rate x staff`` rounded (at least one),
    with ``rate = min(vacancy_rate_max, vacancy_rate_per_surplus x (m x MV - w) / w)``
    for the first typical hire; none where that hire has no surplus or nobody in the
    market has the specialty. With a quadratic posting cost per head, the first-order
    condition of vacancy posting makes the vacancy rate linear in the surplus.
    """
    n_labs = agg.n_labs
    rows = np.repeat(np.arange(N_SPECIALTIES), n_labs)
    first = with_extra_hires(agg, rep, np.zeros(len(rows), dtype=np.int64), cfg)
    value = marginal_value(
        first, rep, rows, np.arange(len(rows)), np.zeros(len(rows), bool), cfg, price
    ).reshape(N_SPECIALTIES, n_labs)
    with np.errstate(invalid="ignore", divide="ignore"):
        surplus = (value * pay_multiplier[None, :] - wage[:, None]) / wage[:, None]
    surplus = np.where(np.isfinite(surplus), surplus, 0.0)
    rate = np.minimum(cfg.vacancy_rate_max, cfg.vacancy_rate_per_surplus * surplus)
    cap = np.where(rate > 0, np.maximum(1.0, np.rint(rate * agg.headcount)), 0.0)
    return cap.astype(np.int64)


def wanted_hires(
    agg: LabState,
    rep: People,
    wage: np.ndarray,
    pay_multiplier: np.ndarray,
    cap: np.ndarray,
    cfg: MarketConfig,
    price: float,
) -> np.ndarray:
    """Largest ``n`` in ``[0, cap]`` per (specialty, lab) whose ``n``-th typical hire is
    worth at least the wage (integer bisection; marginal values fall with ``n``).
    """
    n_labs = agg.n_labs
    lo = np.zeros((N_SPECIALTIES, n_labs), dtype=np.int64)
    hi = cap.copy()
    ok = np.isfinite(wage)
    hi[~ok] = 0
    lab_of = np.tile(np.arange(n_labs), N_SPECIALTIES)
    rows = np.repeat(np.arange(N_SPECIALTIES), n_labs)
    willing = pay_multiplier[lab_of]
    target = np.repeat(np.where(ok, wage, np.inf), n_labs)
    at_cap = hi > lo  # most labs want every vacancy they may post: try the cap first
    if at_cap.any():
        hypo = with_extra_hires(agg, rep, np.maximum(hi - 1, 0).ravel(), cfg)
        value = marginal_value(
            hypo, rep, rows, np.arange(len(rows)), np.zeros(len(rows), bool), cfg, price
        )
        full = at_cap & (value * willing >= target).reshape(N_SPECIALTIES, n_labs)
        lo = np.where(full, hi, lo)
    while (active := hi > lo).any():
        mid = np.where(active, (lo + hi + 1) // 2, 1)  # hire number mid, mid - 1 added
        hypo = with_extra_hires(agg, rep, (mid - 1).ravel(), cfg)
        value = marginal_value(
            hypo, rep, rows, np.arange(len(rows)), np.zeros(len(rows), bool), cfg, price
        )
        good = (value * willing >= target).reshape(N_SPECIALTIES, n_labs)
        lo = np.where(active & good, mid, lo)
        hi = np.where(active & ~good, mid - 1, hi)
    return lo


def representatives(skill: np.ndarray) -> People:
    """One typical person per specialty (row ``s`` has specialty ``s``)."""
    people = People.empty(N_SPECIALTIES)
    people.add(skill=skill.astype(float), specialty=np.arange(N_SPECIALTIES, dtype=np.int8))
    return people


def with_extra_hires(agg: LabState, rep: People, extra: np.ndarray, cfg: MarketConfig) -> LabState:
    """A lab state with one pseudo-lab per (specialty, lab) pair ``k = s x L + j``: lab
    ``j`` after hiring ``extra[k]`` typical people of specialty ``s``.
    """
    n = agg.n_labs
    tile = np.tile
    spec_of = np.repeat(np.arange(N_SPECIALTIES), n)
    lab_of = tile(np.arange(n), N_SPECIALTIES)
    skill = rep.skill[spec_of]
    add = extra.astype(float)
    headcount = tile(agg.headcount, (1, N_SPECIALTIES)).astype(float)
    headcount[spec_of, np.arange(len(spec_of))] += add
    r = (spec_of == Specialty.RESEARCH) * add
    a = allocation_factor(agg, lab_of, skill, cfg.allocation_gamma)
    talent = agg.talent[lab_of] + r * skill * a
    infra = agg.infra[lab_of] + (spec_of == Specialty.INFRASTRUCTURE) * add * skill
    product = agg.product[lab_of] + (spec_of == Specialty.PRODUCT) * add * skill
    gpus, eff = agg.gpus[lab_of], agg.efficiency[lab_of]
    leaders, team, backlog, bring_up = (
        None if x is None else x[lab_of] for x in (agg.leaders, agg.team, agg.backlog, agg.bring_up)
    )
    if team is not None:  # a typical hire is not a leader: only the capped team skill grows
        team = team + (spec_of == Specialty.INFRASTRUCTURE) * add * team_skill(skill, cfg)
    util = _utilisation(infra, gpus, cfg, leaders, team)
    return dataclasses.replace(
        agg,
        gpus=gpus,
        efficiency=eff,
        allocation=agg.allocation[lab_of],
        mission=agg.mission[lab_of],
        headcount=headcount,
        research_s1=agg.research_s1[lab_of] + r * skill,
        research_s2=agg.research_s2[lab_of] + r * skill**2,
        talent=talent,
        infra=infra,
        product=product,
        skill_mean=agg.skill_mean[lab_of],
        payroll=agg.payroll[lab_of],
        util=util,
        output=_output(gpus * util * eff, talent, cfg),
        monetise=monetisation(product, cfg.product_half_saturation, cfg.product_max_uplift),
        log_colleagues=agg.log_colleagues[lab_of],
        leaders=leaders,
        team=team,
        backlog=backlog,
        bring_up=bring_up,
    )
