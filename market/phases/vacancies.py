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

from market.codes import N_SPECIALTIES, Employer, Specialty
from market.config import MarketConfig
from market.jit import kernel
from market.leadership import team_skill
from market.people import People
from market.production import ces, monetisation, ratio
from market.selection import counting_sort, order_stats, order_stats_within
from market.state import MarketState
from market.valuation import (
    LabState,
    _output,
    _utilisation,
    allocation_base,
    allocation_factor,
    marginal_value,
)

NO_COUNTS = np.zeros((N_SPECIALTIES, 0))
"""No head counts known in advance (:func:`_staff_pass` counts the rows itself)."""


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
        staff, p.specialty, p.employer, p.comp_usd, p.skill, n_labs, agg.headcount
    )
    typical = np.where(np.isfinite(skill), skill, 1.0)
    cap = posting_cap(agg, typical, wage, labs.pay_multiplier, cfg, state.price)
    wanted = wanted_hires(agg, typical, wage, labs.pay_multiplier, cap, cfg, state.price)
    searchers = len(staff) + _count_of(p.view("employer"), int(Employer.POOL))
    q = contacts_per_vacancy(float(wanted.sum()), searchers, cfg)
    counts, limited = _funded(
        wanted,
        _hire_cost(heads, pay, pay.sum(axis=1), wage, labs.retention_bonus_frac),
        q,
        labs.poaching_intensity,
        cfg.recruiting_cost_per_contact_usd,
        labs.budget_usd,
        recent_min_budget(state, cfg.vacancy_budget_memory_months),
        agg.payroll,
        cfg.vacancy_headroom_share,
    )
    assert counts.shape == (N_SPECIALTIES, n_labs)
    return Vacancies(counts, wanted, limited, q)


@kernel
def _count_of(codes: np.ndarray, code: int) -> int:
    """``np.count_nonzero(codes == code)``."""
    key = codes.dtype.type(code)  # compared in the codes' own type: vectorised
    n = 0
    for i in range(codes.shape[0]):
        if codes[i] == key:
            n += 1
    return n


@kernel
def _funded(
    wanted: np.ndarray,
    hire_cost: np.ndarray,
    q: float,
    poaching: np.ndarray,
    contact_cost: float,
    budget: np.ndarray,
    recent_min: np.ndarray,
    payroll: np.ndarray,
    share: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The funded vacancies (3, L) and the budget-limited labs of
    :func:`post_vacancies`, with the numpy operations in its docstring's order:
    ``unit = hire_cost + q x max(poaching - 1, 0) x contact_cost``, ``cost = (wanted x
    unit).sum(axis=0)`` (row after row), ``funds = share x max(min(budget,
    recent_min) - payroll, 0)``, ``factor = funds / cost`` where ``cost > funds``
    (else 1) and ``counts = floor(wanted x factor + 1e-9)``.
    """
    n_spec, n_labs = wanted.shape
    counts = np.empty((n_spec, n_labs), dtype=np.int64)
    limited = np.empty(n_labs, dtype=np.bool_)
    for j in range(n_labs):
        over = poaching[j] - 1.0
        extra = q * (over if over >= 0.0 or np.isnan(over) else 0.0) * contact_cost
        cost = 0.0
        any_wanted = 0
        for s in range(n_spec):
            term = wanted[s, j] * (hire_cost[s, j] + extra)
            cost = term if s == 0 else cost + term
            any_wanted += wanted[s, j]
        b, m = budget[j], recent_min[j]
        low = b if b <= m or np.isnan(b) else m
        room = low - payroll[j]
        funds = share * (room if room >= 0.0 or np.isnan(room) else 0.0)
        factor = ratio(funds, cost) if cost > funds else 1.0
        for s in range(n_spec):
            counts[s, j] = int(np.floor(wanted[s, j] * factor + 1e-9))
        limited[j] = factor < 1.0 and any_wanted > 0
    return counts, limited


def going_rates(
    comp: np.ndarray, skill: np.ndarray, spec: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Median pay and median skill per specialty of the people given (NaN if none)."""
    n = len(spec)
    lab = np.zeros(n, dtype=np.int32)
    wage, med, _, _ = _staff_pass(np.arange(n), spec, lab, comp, skill, 1, NO_COUNTS)
    return wage, med


@kernel
def _staff_pass(
    staff: np.ndarray,
    spec: np.ndarray,
    employer: np.ndarray,
    comp: np.ndarray,
    skill: np.ndarray,
    n_labs: int,
    headcount: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One pass over the ``staff`` rows for vacancy planning: the going rates (median
    pay and median skill per specialty, :func:`_bucket_medians` of each column
    bucketed stably by specialty, as :func:`_medians_by_group` does) and the
    ``(3, L)`` heads and pay per (specialty, lab), which equal
    ``np.bincount(key)`` and ``np.bincount(key, weights=comp[staff])`` with ``key =
    spec x L + employer`` (bincount adds the weights in row order, from zero).

    The buckets are sized by ``headcount`` (per specialty and lab, e.g. the lab state
    of the refresh that gave ``staff``), checked: if a specialty's rows do not fill
    its bucket exactly, they are placed again by the heads this pass counted. The
    pass also takes each column's least and greatest value, so that the medians need
    no pass for their ranges unless the column holds a NaN or an infinity.
    """
    n = staff.shape[0]
    heads = np.zeros((N_SPECIALTIES, n_labs), dtype=np.int64)
    pay = np.zeros((N_SPECIALTIES, n_labs))
    start = _guessed_bounds(headcount, n)
    slot = start[:-1].copy()
    by_comp = np.empty(n)
    by_skill = np.empty(n)
    lo_c, hi_c, lo_k, hi_k = np.inf, -np.inf, np.inf, -np.inf
    finite = True  # no NaN, no infinity (``v - v`` is 0 only for a finite ``v``)
    # into memory row by row: branching on runs of one cell, the specialty changing
    # from row to row, is mispredicted (the staff of a month are not the last month's)
    for i in range(n):
        r = staff[i]
        s, j = spec[r], employer[r]
        if s < 0 or s >= N_SPECIALTIES or j < 0 or j >= n_labs:  # numba checks no bounds
            raise IndexError("specialty or lab code out of range")
        c, k = comp[r], skill[r]
        heads[s, j] += 1
        pay[s, j] += c
        at = slot[s]
        if at < start[s + 1]:
            by_comp[at] = c
            by_skill[at] = k
        slot[s] = at + 1
        lo_c, hi_c = c if c < lo_c else lo_c, c if c > hi_c else hi_c
        lo_k, hi_k = k if k < lo_k else lo_k, k if k > hi_k else hi_k
        finite &= (c - c == 0.0) & (k - k == 0.0)
    if not np.array_equal(slot, start[1:]):  # the guess was wrong
        for s in range(N_SPECIALTIES):
            start[s + 1] = start[s] + heads[s].sum()
        slot = start[:-1].copy()
        for i in range(n):
            r = staff[i]
            at = slot[spec[r]]
            by_comp[at] = comp[r]
            by_skill[at] = skill[r]
            slot[spec[r]] = at + 1
    if not finite:  # the medians find each bucket's range and NaN
        lo_c, hi_c, lo_k, hi_k = np.inf, -np.inf, np.inf, -np.inf
    wage = _bucket_medians(by_comp, start, lo_c, hi_c)
    return wage, _bucket_medians(by_skill, start, lo_k, hi_k), heads, pay


@kernel
def _guessed_bounds(headcount: np.ndarray, n: int) -> np.ndarray:
    """Bucket bounds per specialty from ``headcount`` (3, L): the prefix sums of its
    rows if they are whole, non-negative and add up to ``n``, else ``[0, n, n, n]``
    (any guess keeps every bucket inside ``0 .. n``).
    """
    start = np.zeros(N_SPECIALTIES + 1, dtype=np.int64)
    for s in range(N_SPECIALTIES):
        total = headcount[s].sum()
        if not (0.0 <= total <= n) or total != np.floor(total):
            total = 0.0
        start[s + 1] = start[s] + int(total)
    if start[N_SPECIALTIES] != n:
        start[1:] = n
    return start


def _medians_by_group(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """``np.median(values[group == g])`` for every ``g`` (NaN for an empty group or one
    holding a NaN), bit for bit: the values bucketed by group
    (:func:`market.selection.counting_sort`), then :func:`_bucket_medians`.
    """
    order, start = counting_sort(np.arange(len(values)), group, n_groups, False)
    return _bucket_medians(np.asarray(values, dtype=float)[order], start, np.inf, -np.inf)


@kernel
def _bucket_medians(values: np.ndarray, start: np.ndarray, least: float, most: float) -> np.ndarray:
    """``np.median(values[start[g] : start[g + 1]])`` for every bucket ``g`` (NaN for an
    empty bucket or one holding a NaN), bit for bit: the middle order statistics of each
    bucket selected exactly (:func:`market.selection.order_stats`, NaN for a bucket
    holding a NaN), and for an even count their mean as ``(a + b) / 2``, which is what
    np.median's mean of the two middle values computes. ``least <= most``: bounds of
    all the values, which hold no NaN (:func:`market.selection.order_stats_within`);
    ``least > most``: none known.
    """
    n_groups = start.shape[0] - 1
    out = np.full(n_groups, np.nan)
    at = np.flatnonzero(start[1:] > start[:-1])
    if at.shape[0] == 0:
        return out
    size = np.empty(at.shape[0], dtype=np.int64)
    kth = np.empty((at.shape[0], 2), dtype=np.int64)
    for i in range(at.shape[0]):
        size[i] = start[at[i] + 1] - start[at[i]]
        half = size[i] // 2
        kth[i, 0] = half if size[i] % 2 == 1 else half - 1
        kth[i, 1] = half
    if least <= most:
        middle = order_stats_within(values, start[at], size, kth, least, most)
    else:
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
        state.staff(), p.specialty, p.employer, p.comp_usd, p.skill, state.n_labs, NO_COUNTS
    )
    return _hire_cost(heads, pay, pay.sum(axis=1), wage, state.labs.retention_bonus_frac)


@kernel
def _hire_cost(
    heads: np.ndarray,
    pay: np.ndarray,
    pay_total: np.ndarray,
    wage: np.ndarray,
    retention: np.ndarray,
) -> np.ndarray:
    """:func:`hire_cost` from the staff's heads and pay per (specialty, lab), (3, L),
    and ``pay_total = pay.sum(axis=1)`` (numpy's pairwise sum): ``w x fmax(pay / heads
    / (pay_total / max(heads.sum(axis=1), 1)), 1) x (1 + retention)`` (the ratio 1
    where a cell has no heads; ``w`` the wage, 0 where not finite).
    """
    n_spec, n_labs = heads.shape
    cost = np.empty((n_spec, n_labs))
    for s in range(n_spec):
        market_mean = pay_total[s] / max(heads[s].sum(), 1)
        w = wage[s] if np.isfinite(wage[s]) else 0.0
        for j in range(n_labs):
            h = heads[s, j]
            relative = ratio(pay[s, j] / max(h, 1), market_mean) if h > 0 else 1.0
            cost[s, j] = w * (relative if relative >= 1.0 else 1.0) * (1 + retention[j])
    return cost


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
    skill: np.ndarray,
    wage: np.ndarray,
    pay_multiplier: np.ndarray,
    cfg: MarketConfig,
    price: float,
) -> np.ndarray:
    """Vacancies a lab may post per specialty: ``rate x staff`` rounded (at least one),
    with ``rate = min(vacancy_rate_max, vacancy_rate_per_surplus x (m x MV - w) / w)``
    for the first typical hire (skill ``skill[s]``); none where that hire has no
    surplus or nobody in the market has the specialty. With a quadratic posting cost
    per head, the first-order condition of vacancy posting makes the vacancy rate
    linear in the surplus.
    """
    first = np.zeros(N_SPECIALTIES * agg.n_labs, dtype=np.int64)
    value = hire_values(agg, skill, first, cfg, price)
    return _cap(
        value,
        pay_multiplier,
        wage,
        agg.headcount,
        cfg.vacancy_rate_max,
        cfg.vacancy_rate_per_surplus,
    )


@kernel
def _cap(
    value: np.ndarray,
    pay_multiplier: np.ndarray,
    wage: np.ndarray,
    headcount: np.ndarray,
    rate_max: float,
    per_surplus: float,
) -> np.ndarray:
    """:func:`posting_cap` from the first typical hires' values ``value[s x L + j]``:
    ``surplus = (value x m_j - w_s) / w_s`` (0 where not finite), ``rate =
    np.minimum(rate_max, per_surplus x surplus)``, ``max(1, rint(rate x headcount))``
    where ``rate > 0``, else 0.
    """
    n_spec, n_labs = headcount.shape
    cap = np.empty((n_spec, n_labs), dtype=np.int64)
    for s in range(n_spec):
        w = wage[s]
        for j in range(n_labs):
            surplus = ratio(value[s * n_labs + j] * pay_multiplier[j] - w, w)
            r = per_surplus * (surplus if np.isfinite(surplus) else 0.0)
            rate = rate_max if rate_max <= r or np.isnan(rate_max) else r
            x = np.rint(rate * headcount[s, j])
            cap[s, j] = int(1.0 if x <= 1.0 else x) if rate > 0 else 0
    return cap


def wanted_hires(
    agg: LabState,
    skill: np.ndarray,
    wage: np.ndarray,
    pay_multiplier: np.ndarray,
    cap: np.ndarray,
    cfg: MarketConfig,
    price: float,
) -> np.ndarray:
    """Largest ``n`` in ``[0, cap]`` per (specialty, lab) whose ``n``-th typical hire is
    worth at least the wage (integer bisection; marginal values fall with ``n``).
    """
    lo = np.zeros(cap.shape, dtype=np.int64)
    # most labs want every vacancy they may post: the first round tries the cap
    hi, extra, at_cap = _first_round(cap, wage)
    active = at_cap
    while active:
        value = hire_values(agg, skill, extra, cfg, price)
        active = _narrow(lo, hi, extra, value, pay_multiplier, wage, at_cap)
        at_cap = False
    return lo


@kernel
def _first_round(cap: np.ndarray, wage: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """The start of :func:`wanted_hires`' bisection: the upper bounds (the cap, 0 for a
    wage not finite), the first round's extra hires ``max(hi - 1, 0)`` per pair ``k = s
    x L + j`` and whether any bound is above 0.
    """
    n_spec, n_labs = cap.shape
    hi = np.empty((n_spec, n_labs), dtype=np.int64)
    extra = np.empty(n_spec * n_labs, dtype=np.int64)
    for s in range(n_spec):
        for j in range(n_labs):
            h = cap[s, j] if np.isfinite(wage[s]) else 0
            hi[s, j] = h
            extra[s * n_labs + j] = max(h - 1, 0)
    return hi, extra, bool((hi > 0).any())


@kernel
def _narrow(
    lo: np.ndarray,
    hi: np.ndarray,
    extra: np.ndarray,
    value: np.ndarray,
    pay_multiplier: np.ndarray,
    wage: np.ndarray,
    at_cap: bool,
) -> bool:
    """One round of :func:`wanted_hires`' bisection, in place: where ``hi > lo``, the
    hire after ``extra[k]`` more (``k = s x L + j``) is worth the wage if ``value[k] x
    m_j >= w_s`` (never for a wage not finite); then ``lo`` becomes ``hi`` if it is (the
    round ``at_cap``, which tried the cap), else ``lo`` becomes that hire's number or
    ``hi`` the one before it. ``extra`` becomes the next round's: ``(lo + hi + 1) // 2
    - 1`` where ``hi > lo``, else 0. True while any ``hi > lo`` is left.
    """
    n_spec, n_labs = lo.shape
    active = False
    for s in range(n_spec):
        target = wage[s] if np.isfinite(wage[s]) else np.inf
        for j in range(n_labs):
            k = s * n_labs + j
            if hi[s, j] > lo[s, j]:
                good = value[k] * pay_multiplier[j] >= target
                if at_cap:
                    lo[s, j] = hi[s, j] if good else lo[s, j]
                elif good:
                    lo[s, j] = extra[k] + 1
                else:
                    hi[s, j] = extra[k]
            extra[k] = (lo[s, j] + hi[s, j] + 1) // 2 - 1 if hi[s, j] > lo[s, j] else 0
            active |= hi[s, j] > lo[s, j]
    return active


def hire_values(
    agg: LabState, skill: np.ndarray, extra: np.ndarray, cfg: MarketConfig, price: float
) -> np.ndarray:
    """Value (USD/year) to lab ``j`` of one more typical hire of specialty ``s`` (skill
    ``skill[s]``) after ``extra[k]`` of them, per pair ``k = s x L + j``: ``marginal_value``
    of representative ``s`` (:func:`representatives`, not an incumbent) to pseudo-lab ``k`` of
    :func:`with_extra_hires`. Without infrastructure leadership, the pseudo-labs' sums,
    allocation factors, utilisations, outputs and changes of output are evaluated only
    where that value reads them, by three kernels around one ``**``, one utilisation
    and one CES call (numpy's, on every input at once), with the same float operations
    as that composition.
    """
    n = len(extra)
    if cfg.infra_leadership_enabled:
        rep = representatives(skill)
        hypo = with_extra_hires(agg, rep, extra, cfg)
        rows = np.repeat(np.arange(N_SPECIALTIES), agg.n_labs)
        return marginal_value(hypo, rep, rows, np.arange(n), np.zeros(n, bool), cfg, price)
    rule = agg.allocation
    base, infra, gpus = _hire_inputs(
        rule,
        agg.headcount[Specialty.RESEARCH],
        agg.research_s1,
        agg.research_s2,
        agg.infra,
        agg.gpus,
        skill,
        extra,
    )
    factor = base**cfg.allocation_gamma
    util = _utilisation(infra, gpus, cfg)
    x, y = _ces_inputs(
        rule,
        agg.talent,
        agg.gpus,
        agg.efficiency,
        skill,
        extra,
        factor,
        util,
        cfg.compute_ref_h100e,
        cfg.talent_ref,
    )
    out = ces(x, y, cfg.sigma, cfg.compute_share)
    value = _hire_value(
        out,
        agg.product,
        skill,
        extra,
        cfg.product_half_saturation,
        cfg.product_max_uplift,
        price,
    )
    return np.maximum(value, 0.0)


@kernel
def _hire_inputs(
    rule: np.ndarray,
    heads: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    infra: np.ndarray,
    gpus: np.ndarray,
    skill: np.ndarray,
    extra: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Before the ``**`` and the utilisation of :func:`hire_values` (``K = 3L`` pairs):
    the allocation bases (:func:`market.valuation.allocation_base`) at each lab for every pair
    (``[:K]``, the factor of the hires) and at each research pseudo-lab (``[K:]``, the
    factor of the next one), and the infrastructure skill and GPUs of every pseudo-lab
    (``[:K]``) and of each infrastructure pseudo-lab with and without the next hire
    (``[K : K + L]``, ``[K + L :]``). Sums as :func:`with_extra_hires` and
    :func:`market.valuation.marginal_value` form them (a specialty's mask times the
    count times the skill).
    """
    n_labs = rule.shape[0]
    n = N_SPECIALTIES * n_labs
    base = np.empty(n + n_labs)
    at = np.empty(n + 2 * n_labs)
    fleet = np.empty(n + 2 * n_labs)
    for k in range(n):
        s, j = k // n_labs, k % n_labs
        sk, add = skill[s], float(extra[k])
        base[k] = allocation_base(rule[j], sk, s1[j], s2[j], heads[j])
        own = infra[j] + (1.0 if s == Specialty.INFRASTRUCTURE else 0.0) * add * sk
        at[k], fleet[k] = own, gpus[j]
        if s == Specialty.RESEARCH:
            r = 1.0 * add
            base[n + j] = allocation_base(
                rule[j], sk, s1[j] + r * sk, s2[j] + r * (sk * sk), heads[j] + add
            )
        elif s == Specialty.INFRASTRUCTURE:
            with_ = own + sk * 1.0
            at[n + j], at[n + n_labs + j] = with_, with_ - sk
            fleet[n + j], fleet[n + n_labs + j] = gpus[j], gpus[j]
    return base, at, fleet


@kernel
def _ces_inputs(
    rule: np.ndarray,
    talent: np.ndarray,
    gpus: np.ndarray,
    efficiency: np.ndarray,
    skill: np.ndarray,
    extra: np.ndarray,
    factor: np.ndarray,
    util: np.ndarray,
    compute_ref: float,
    talent_ref: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Between the utilisation and the CES of :func:`hire_values`: the normalised
    effective compute and talent of every pseudo-lab (``[:K]``, its output), of each
    research pseudo-lab with and without the next hire (``[K : K + 2L]``) and of each
    infrastructure pseudo-lab with and without the next hire (``[K + 2L :]``).
    """
    n_labs = rule.shape[0]
    n = N_SPECIALTIES * n_labs
    x = np.empty(n + 4 * n_labs)
    y = np.empty(n + 4 * n_labs)
    for k in range(n):
        s, j = k // n_labs, k % n_labs
        sk, add, code = skill[s], float(extra[k]), rule[j]
        a = factor[k] if code == 1 or code == 2 else 1.0
        t = talent[j] + (1.0 if s == Specialty.RESEARCH else 0.0) * add * sk * a
        c = gpus[j] * util[k] * efficiency[j]
        x[k], y[k] = c / compute_ref, t / talent_ref
        if s == Specialty.RESEARCH:
            e = sk * (factor[n + j] if code == 1 or code == 2 else 1.0)
            t_with = t + e * 1.0
            x[n + j], y[n + j] = c / compute_ref, t_with / talent_ref
            x[n + n_labs + j], y[n + n_labs + j] = c / compute_ref, (t_with - e) / talent_ref
        elif s == Specialty.INFRASTRUCTURE:
            c_with = gpus[j] * util[n + j] * efficiency[j]
            c_without = gpus[j] * util[n + n_labs + j] * efficiency[j]
            x[n + 2 * n_labs + j], y[n + 2 * n_labs + j] = c_with / compute_ref, t / talent_ref
            x[n + 3 * n_labs + j] = c_without / compute_ref
            y[n + 3 * n_labs + j] = t / talent_ref
    return x, y


@kernel
def _hire_value(
    out: np.ndarray,
    product: np.ndarray,
    skill: np.ndarray,
    extra: np.ndarray,
    half: float,
    uplift: float,
    price: float,
) -> np.ndarray:
    """After the CES of :func:`hire_values`: ``price x (monetisation x dY + Y x
    d monetisation)`` per pair, before the floor at zero (monetisation ``1 + uplift x p
    / (p + half)`` of the pseudo-lab's product skill ``p``).
    """
    n = product.shape[0] * N_SPECIALTIES
    n_labs = product.shape[0]
    value = np.empty(n)
    for k in range(n):
        s, j = k // n_labs, k % n_labs
        sk = skill[s]
        p = product[j] + (1.0 if s == Specialty.PRODUCT else 0.0) * float(extra[k]) * sk
        d_out = 0.0
        d_mon = 0.0
        if s == Specialty.RESEARCH:
            d_out = out[n + j] - out[n + n_labs + j]
        elif s == Specialty.INFRASTRUCTURE:
            d_out = out[n + 2 * n_labs + j] - out[n + 3 * n_labs + j]
        else:
            p_with = p + sk * 1.0
            p_without = p_with - sk
            d_mon = (1.0 + uplift * p_with / (p_with + half)) - (
                1.0 + uplift * p_without / (p_without + half)
            )
        value[k] = price * ((1.0 + uplift * p / (p + half)) * d_out + out[k] * d_mon)
    return value


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
