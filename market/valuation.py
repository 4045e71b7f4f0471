"""Lab aggregates and the value of a person to a lab (vectorised over lab x person pairs).

A lab values a person by their marginal contribution to the value of its output
(``price * monetisation * dY``, USD/year), where ``Y`` is the CES aggregate of
effective compute and effective research talent (:mod:`market.production`):

* research: adds effective talent ``e = s * a``, ``a`` the person's compute-allocation
  factor at that lab (equal: 1; skill-weighted: ``(s/mean s)^gamma``; top teams:
  ``(s^2/mean s^2)^gamma``), so effective talent is ``T = sum_i s_i a_i``;
* infrastructure: raises utilisation and so effective compute;
* product: raises monetisation of the output.

Because ``dY/dT`` rises with compute (for any finite sigma), the same researcher is
worth more at a GPU-rich lab.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from market.config import MarketConfig
from market.jit import kernel
from market.lab_sums import LabSums, people_sums
from market.leadership import is_leader, leader_units, leadership_sums, team_skill
from market.people import INFRASTRUCTURE, PRODUCT, RESEARCH, People
from market.production import (
    bring_up_share,
    ces,
    fleet_compute,
    led_utilisation,
    monetisation,
    online_within_year,
    ratio,
    utilisation,
)

COMPUTE_PREF_BY_SPECIALTY = np.array([1.0, 0.6, 0.3])
"""How much each specialty cares about compute per head, relative to research."""


@dataclass
class LabState:
    """Per-lab arrays for one step (index = lab index)."""

    gpus: np.ndarray
    efficiency: np.ndarray
    allocation: np.ndarray  # index into ALLOCATION_RULES
    mission: np.ndarray
    headcount: np.ndarray  # (3, L) by specialty
    research_s1: np.ndarray  # sum of research skill
    research_s2: np.ndarray  # sum of squared research skill
    talent: np.ndarray  # effective research talent T
    infra: np.ndarray  # sum of infrastructure skill
    product: np.ndarray  # sum of product skill
    skill_mean: np.ndarray  # mean skill of all staff
    payroll: np.ndarray  # annual payroll incl. retention grants
    util: np.ndarray
    output: np.ndarray  # Y
    monetise: np.ndarray
    log_colleagues: np.ndarray
    leaders: np.ndarray | None = None
    """Infrastructure leader units (:mod:`market.leadership`; zeros when off)."""
    team: np.ndarray | None = None
    """Infrastructure team skill capped at the leader threshold (zeros when off)."""
    backlog: np.ndarray | None = None
    """GPUs bought but not yet online (H100e; zeros when leadership is off)."""
    bring_up: np.ndarray | None = None
    """Share of the backlog that comes online per month."""

    @property
    def n_labs(self) -> int:
        """Number of labs."""
        return len(self.gpus)

    @cached_property
    def reference_log_compute(self) -> float:
        """Log of the market's effective GPUs per researcher: the zero of the compute
        amenity, so the job pool (no amenities) sits at the market's typical level
        (kept after the first read: nothing changes a lab state's arrays in place).
        """
        researchers = self.headcount[RESEARCH].sum()
        total = float((self.gpus * self.util).sum())
        return float(np.log(max(total / researchers, 1e-3))) if researchers > 0 else 0.0

    @cached_property
    def reference_mission(self) -> float:
        """Headcount-weighted mean mission score: the zero of the mission amenity (kept
        after the first read).
        """
        staff = self.headcount.sum(axis=0)
        return float(np.average(self.mission, weights=staff)) if staff.sum() > 0 else 0.0

    @cached_property
    def allocates_by_skill(self) -> bool:
        """Whether a lab allocates compute by skill (rules 1 and 2, kept after the first
        read): if none does, every researcher's allocation factor is 1 and the kernels
        do not read the factors, so their ``**`` is skipped (:func:`allocation_power`).
        """
        return bool(((self.allocation == 1) | (self.allocation == 2)).any())

    @property
    def research_headcount(self) -> np.ndarray:
        """Researchers per lab."""
        return self.headcount[RESEARCH]


def aggregate(
    people: People,
    gpus: np.ndarray,
    efficiency: np.ndarray,
    allocation: np.ndarray,
    mission: np.ndarray,
    retention_frac: np.ndarray,
    cfg: MarketConfig,
    cache: LabSums | None = None,
    backlog: np.ndarray | None = None,
) -> LabState:
    """Sum the people of each lab and evaluate production (bincounts over the people).

    ``cache``, a :class:`~market.lab_sums.LabSums` the caller keeps between calls,
    keeps the last sums while :attr:`~market.people.People.version` is unchanged and
    otherwise sums everyone again in one compiled pass (the same sums as without it).
    """
    n_labs = len(gpus)
    g = cfg.allocation_gamma
    lead = (*leadership_sums(people, n_labs, cfg, None if cache is None else cache.memo), backlog)
    if cache is None:
        sums = people_sums(people, n_labs, allocation, g)
    else:
        sums = cache.get(people, n_labs, allocation, g)
    return _evaluate(sums, gpus, efficiency, allocation, mission, retention_frac, cfg, lead)


def _evaluate(
    sums: tuple,
    gpus: np.ndarray,
    efficiency: np.ndarray,
    allocation: np.ndarray,
    mission: np.ndarray,
    retention_frac: np.ndarray,
    cfg: MarketConfig,
    lead: tuple = (None, None, None),
) -> LabState:
    """Lab aggregates from the people sums and this month's lab columns
    (``lead``: leader units, capped team skill and GPU backlog, :mod:`market.leadership`).
    """
    headcount, by_spec, s2, talent = (x.copy() for x in sums[:4])
    research, infra, product = by_spec
    total_people, payroll, skill_mean, relative = _lab_means(
        headcount, sums[4], retention_frac, sums[5], sums[6]
    )
    log_colleagues = np.where(total_people > 0, np.log(relative), 0.0)
    leaders, team, backlog = _leadership_inputs(lead, len(gpus))
    util = _utilisation(infra, gpus, cfg, leaders, team)
    x, y = _normalised_inputs(gpus, util, efficiency, talent, cfg.compute_ref_h100e, cfg.talent_ref)
    output = ces(x, y, cfg.sigma, cfg.compute_share)
    monetise = monetisation(product, cfg.product_half_saturation, cfg.product_max_uplift)
    return LabState(
        gpus=gpus,
        efficiency=efficiency,
        allocation=allocation,
        mission=mission,
        headcount=headcount,
        research_s1=research,
        research_s2=s2,
        talent=talent,
        infra=infra,
        product=product,
        skill_mean=skill_mean,
        payroll=payroll,
        util=util,
        output=output,
        monetise=monetise,
        log_colleagues=log_colleagues,
        leaders=leaders,
        team=team,
        backlog=backlog,
        bring_up=_bring_up(leaders, gpus + backlog, cfg),
    )


@kernel
def _lab_means(
    headcount: np.ndarray,
    payroll: np.ndarray,
    retention: np.ndarray,
    skill_sum: np.ndarray,
    market_mean: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Before the log of :func:`_evaluate`, per lab: ``headcount.sum(axis=0)`` (the
    rows added in order, as numpy reduces the outer axis), ``payroll * (1 +
    retention)``, ``skill_mean = skill_sum / np.maximum(total, 1)`` and
    ``np.maximum(skill_mean, 1e-12) / market_mean`` (NaN kept, as np.maximum keeps it).
    """
    n = payroll.shape[0]
    total, pay, mean, relative = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for j in range(n):
        t = headcount[0, j]
        for s in range(1, headcount.shape[0]):
            t += headcount[s, j]
        total[j] = t
        pay[j] = payroll[j] * (1 + retention[j])
        m = skill_sum[j] / (t if t >= 1.0 or np.isnan(t) else 1.0)
        mean[j] = m
        relative[j] = (m if m >= 1e-12 or np.isnan(m) else 1e-12) / market_mean
    return total, pay, mean, relative


@kernel
def _normalised_inputs(
    gpus: np.ndarray,
    util: np.ndarray,
    efficiency: np.ndarray,
    talent: np.ndarray,
    compute_ref: float,
    talent_ref: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_output`'s CES inputs for effective compute ``gpus * util * efficiency``:
    ``(gpus * util * efficiency) / compute_ref`` and ``talent / talent_ref``.
    """
    n = gpus.shape[0]
    x, y = np.empty(n), np.empty(n)
    for j in range(n):
        x[j] = gpus[j] * util[j] * efficiency[j] / compute_ref
        y[j] = talent[j] / talent_ref
    return x, y


def _leadership_inputs(lead: tuple, n_labs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leader units, team skill and backlog, zeros for any not given."""
    return tuple(  # type: ignore[return-value]
        np.zeros(n_labs) if x is None else np.asarray(x, dtype=float) for x in lead
    )


def _bring_up(leaders: np.ndarray, fleet: np.ndarray, cfg: MarketConfig) -> np.ndarray:
    """Monthly share of the GPU backlog brought online (1 when leadership is off)."""
    if not cfg.infra_leadership_enabled:
        return np.ones(len(fleet))
    return bring_up_share(
        leaders,
        fleet,
        cfg.bring_up_min_per_month,
        cfg.bring_up_max_per_month,
        cfg.infra_leader_half_saturation,
        cfg.infra_leader_scale_exponent,
        cfg.compute_ref_h100e,
    )


def _utilisation(
    infra: np.ndarray,
    gpus: np.ndarray,
    cfg: MarketConfig,
    leaders: np.ndarray | None = None,
    team: np.ndarray | None = None,
) -> np.ndarray:
    if not cfg.infra_enabled:
        return np.full(len(gpus), cfg.utilisation_max)
    if cfg.infra_leadership_enabled and leaders is not None and team is not None:
        return led_utilisation(
            team,
            leaders,
            gpus,
            cfg.utilisation_min,
            cfg.utilisation_max,
            cfg.infra_half_saturation,
            cfg.infra_scale_exponent,
            cfg.infra_leaderless_share,
            cfg.infra_leader_half_saturation,
            cfg.infra_leader_scale_exponent,
            cfg.compute_ref_h100e,
        )
    return utilisation(
        infra,
        gpus,
        cfg.utilisation_min,
        cfg.utilisation_max,
        cfg.infra_half_saturation,
        cfg.infra_scale_exponent,
    )


def _compute_of(
    infra: np.ndarray, lab: np.ndarray, gpus: np.ndarray, cfg: MarketConfig
) -> np.ndarray:
    """``gpus[lab] * _utilisation(infra, gpus[lab], cfg)`` without leadership: the
    effective compute (before efficiency) of labs ``lab`` with infrastructure skill
    ``infra`` (:func:`market.production.fleet_compute`).
    """
    if not cfg.infra_enabled:
        return gpus[lab] * cfg.utilisation_max
    return fleet_compute(
        infra,
        lab,
        gpus,
        cfg.utilisation_min,
        cfg.utilisation_max,
        cfg.infra_half_saturation,
        cfg.infra_scale_exponent,
    )


def _output(compute_eff: np.ndarray, talent: np.ndarray, cfg: MarketConfig) -> np.ndarray:
    return ces(
        compute_eff / cfg.compute_ref_h100e,
        talent / cfg.talent_ref,
        cfg.sigma,
        cfg.compute_share,
    )


def allocation_factor(
    state: LabState, labs: np.ndarray, skill: np.ndarray, gamma: float
) -> np.ndarray:
    """Compute-allocation factor ``a`` of a researcher of ``skill`` at ``labs``.

    Each rule is evaluated only on the pairs at labs using it (elementwise, so the same
    numbers as evaluating every rule everywhere and selecting).
    """
    rule = state.allocation[labs]
    out = np.ones(len(labs))
    for code, sums in ((1, state.research_s1), (2, state.research_s2)):
        mask = rule == code
        n_mask = int(np.count_nonzero(mask))
        if n_mask == 0:
            continue
        every = n_mask == len(labs)
        at, s = (labs, skill) if every else (labs[mask], skill[mask])
        n_r = np.maximum(state.research_headcount[at], 1)
        own = s if code == 1 else s**2
        total = sums[at]
        val = (own / np.where(total > 0, total / n_r, own)) ** gamma
        if every:
            return val
        out[mask] = val
    return out


def allocation_power(state: LabState, bases: np.ndarray, gamma: float) -> np.ndarray:
    """The researchers' allocation factors ``bases**gamma`` (:func:`allocation_base`),
    or, when no lab allocates by skill (:attr:`LabState.allocates_by_skill`), the bases
    themselves: the kernels read a factor only at a lab with rule 1 or 2.
    """
    return bases**gamma if state.allocates_by_skill else bases


def marginal_value(
    state: LabState,
    people: People,
    rows: np.ndarray,
    labs: np.ndarray,
    incumbent: np.ndarray,
    cfg: MarketConfig,
    price: float,
) -> np.ndarray:
    """Annual value (USD/year) of person ``rows[k]`` to lab ``labs[k]``.

    For an incumbent (``incumbent[k]`` true) it is what the lab loses if they leave;
    otherwise what it gains if they join. Compiled glue (:func:`_value_inputs`,
    :func:`_value_ces_inputs`, :func:`_value_of`) around numpy's ``**`` of the
    researchers' allocation factors, one utilisation of the infrastructure people's
    labs with and without them (the fleets' ``**`` once per lab), and one CES call for
    every change of output.
    """
    skill, spec = people.skill, people.specialty
    base, at_r, infra, at_lab, at_i = _value_inputs(
        rows,
        labs,
        incumbent,
        skill,
        spec,
        state.allocation,
        state.research_headcount,
        state.research_s1,
        state.research_s2,
        state.infra,
    )
    factor = allocation_power(state, base, cfg.allocation_gamma)
    if cfg.infra_leadership_enabled and state.leaders is not None:
        inc = incumbent[at_i].astype(float)
        compute = np.concatenate(_led_compute(state, people, rows[at_i], labs[at_i], inc, cfg))
    else:
        compute = _compute_of(infra, at_lab, state.gpus, cfg)
    x, y = _value_ces_inputs(
        at_r,
        at_i,
        rows,
        labs,
        incumbent,
        skill,
        state.allocation,
        factor,
        state.talent,
        state.gpus,
        state.util,
        state.efficiency,
        compute,
        cfg.compute_ref_h100e,
        cfg.talent_ref,
    )
    value = _value_of(
        ces(x, y, cfg.sigma, cfg.compute_share),
        at_r,
        at_i,
        rows,
        labs,
        incumbent,
        skill,
        spec,
        state.product,
        state.monetise,
        state.output,
        cfg.product_half_saturation,
        cfg.product_max_uplift,
        price,
    )
    return np.maximum(value, 0.0)


@kernel
def allocation_base(code: int, skill: float, s1: float, s2: float, heads: float) -> float:
    """What :func:`allocation_factor` raises to ``gamma`` for rule
    ``code`` (1: ``s / (S1 / n)``, 2: ``s^2 / (S2 / n)``, own over own if the sum is not
    positive, ``n = max(heads, 1)``); 1 for the equal rule, whose factor is 1.
    """
    if code != 1 and code != 2:
        return 1.0
    own = skill if code == 1 else skill * skill
    total = s1 if code == 1 else s2
    n_r = 1.0 if heads < 1.0 else heads
    return ratio(own, ratio(total, n_r) if total > 0 else own)


@kernel
def _value_inputs(
    rows: np.ndarray,
    labs: np.ndarray,
    incumbent: np.ndarray,
    skill: np.ndarray,
    spec: np.ndarray,
    rule: np.ndarray,
    heads: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    infra: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Before the ``**`` and the utilisation of :func:`marginal_value`: the pairs of
    researchers (``at_r``) and their allocation bases (:func:`allocation_base`), and the
    pairs of infrastructure people (``at_i``) with their labs' infrastructure skill with
    them (``[:n_i]``, ``infra + s x (1 - incumbent)``) and without them (``[n_i:]``,
    that minus ``s``) and those labs (both halves).
    """
    n = rows.shape[0]
    n_r = 0
    n_i = 0
    for k in range(n):
        s = spec[rows[k]]
        n_r += s == RESEARCH
        n_i += s == INFRASTRUCTURE
    base = np.empty(n_r)
    at_r = np.empty(n_r, dtype=np.int64)
    at = np.empty(2 * n_i)
    at_lab = np.empty(2 * n_i, dtype=np.int64)
    at_i = np.empty(n_i, dtype=np.int64)
    m_r = 0
    m_i = 0
    for k in range(n):
        row, lab = rows[k], labs[k]
        s, sk = spec[row], skill[row]
        if s == RESEARCH:
            base[m_r] = allocation_base(rule[lab], sk, s1[lab], s2[lab], heads[lab])
            at_r[m_r] = k
            m_r += 1
        elif s == INFRASTRUCTURE:
            with_ = infra[lab] + sk * (1.0 - (1.0 if incumbent[k] else 0.0))
            at[m_i], at[n_i + m_i] = with_, with_ - sk
            at_lab[m_i], at_lab[n_i + m_i] = lab, lab
            at_i[m_i] = k
            m_i += 1
    return base, at_r, at, at_lab, at_i


@kernel
def _value_ces_inputs(
    at_r: np.ndarray,
    at_i: np.ndarray,
    rows: np.ndarray,
    labs: np.ndarray,
    incumbent: np.ndarray,
    skill: np.ndarray,
    rule: np.ndarray,
    factor: np.ndarray,
    talent: np.ndarray,
    gpus: np.ndarray,
    util: np.ndarray,
    efficiency: np.ndarray,
    compute: np.ndarray,
    compute_ref: float,
    talent_ref: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Between the utilisation and the CES of :func:`marginal_value`: the normalised
    effective compute and talent of each researcher's lab with and without them
    (``[:n_r]``, ``[n_r : 2 n_r]``; talent ``T + e (1 - incumbent)`` and that minus
    ``e = s x a``) and of each infrastructure person's lab with and without them
    (``compute`` before efficiency, ``[:n_i]`` with them).
    """
    n_r, n_i = at_r.shape[0], at_i.shape[0]
    x = np.empty(2 * (n_r + n_i))
    y = np.empty(2 * (n_r + n_i))
    for m in range(n_r):
        k = at_r[m]
        lab = labs[k]
        code = rule[lab]
        e = skill[rows[k]] * (factor[m] if code == 1 or code == 2 else 1.0)
        t_with = talent[lab] + e * (1.0 - (1.0 if incumbent[k] else 0.0))
        c = gpus[lab] * util[lab] * efficiency[lab] / compute_ref
        x[m], y[m] = c, t_with / talent_ref
        x[n_r + m], y[n_r + m] = c, (t_with - e) / talent_ref
    for m in range(n_i):
        lab = labs[at_i[m]]
        t = talent[lab] / talent_ref
        x[2 * n_r + m] = compute[m] * efficiency[lab] / compute_ref
        x[2 * n_r + n_i + m] = compute[n_i + m] * efficiency[lab] / compute_ref
        y[2 * n_r + m], y[2 * n_r + n_i + m] = t, t
    return x, y


@kernel
def _value_of(
    out: np.ndarray,
    at_r: np.ndarray,
    at_i: np.ndarray,
    rows: np.ndarray,
    labs: np.ndarray,
    incumbent: np.ndarray,
    skill: np.ndarray,
    spec: np.ndarray,
    product: np.ndarray,
    monetise: np.ndarray,
    output: np.ndarray,
    half: float,
    uplift: float,
    price: float,
) -> np.ndarray:
    """After the CES of :func:`marginal_value`: ``price x (monetisation x dY + Y x
    d monetisation)`` per pair, before the floor at zero; ``dY`` from the CES pairs,
    ``d monetisation`` of a product person from their lab's product skill with and
    without them (``1 + uplift x p / (p + half)``).
    """
    n = rows.shape[0]
    n_r, n_i = at_r.shape[0], at_i.shape[0]
    d_out = np.zeros(n)
    for m in range(n_r):
        d_out[at_r[m]] = out[m] - out[n_r + m]
    for m in range(n_i):
        d_out[at_i[m]] = out[2 * n_r + m] - out[2 * n_r + n_i + m]
    value = np.empty(n)
    for k in range(n):
        row, lab = rows[k], labs[k]
        d_mon = 0.0
        if spec[row] == PRODUCT:
            sk = skill[row]
            p_with = product[lab] + sk * (1.0 - (1.0 if incumbent[k] else 0.0))
            p_without = p_with - sk
            d_mon = (1.0 + uplift * p_with / (p_with + half)) - (
                1.0 + uplift * p_without / (p_without + half)
            )
        value[k] = price * (monetise[lab] * d_out[k] + output[lab] * d_mon)
    return value


def _led_compute(
    state: LabState,
    people: People,
    rows: np.ndarray,
    labs: np.ndarray,
    inc: np.ndarray,
    cfg: MarketConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Effective compute (before efficiency) of ``labs`` with and without infrastructure
    person ``rows``, over the year ahead: the online fleet plus the year's mean of the
    backlog brought online (a leader speeds bring-up), times utilisation (a leader
    raises the leadership factor, everyone the capped team skill).
    """
    assert state.leaders is not None and state.team is not None
    skill = people.skill[rows]
    lead = is_leader(skill, people.leader[rows], cfg)
    d_lead = np.where(lead, leader_units(skill, cfg), 0.0)
    d_team = team_skill(skill, cfg)
    gpus = state.gpus[labs]
    backlog = state.backlog[labs] if state.backlog is not None else np.zeros(len(labs))
    out = []
    for present in (1.0, 0.0):
        shift = present - inc  # +1 joins, 0 stays as is, -1 leaves
        leaders = np.maximum(state.leaders[labs] + shift * d_lead, 0.0)
        team = np.maximum(state.team[labs] + shift * d_team, 0.0)
        util = _utilisation(team, gpus, cfg, leaders, team)
        online = gpus + online_within_year(backlog, _bring_up(leaders, gpus + backlog, cfg))
        out.append(online * util)
    return out[0], out[1]


def compute_per_head(
    state: LabState,
    people: People,
    rows: np.ndarray,
    labs: np.ndarray,
    incumbent: np.ndarray,
    gamma: float,
    *,
    terms: PersonTerms | None = None,
) -> np.ndarray:
    """Effective GPUs a person would get at ``labs`` (H100e per head): the lab's
    effective GPUs over its researchers (with the person), times a researcher's
    allocation factor (numpy's ``**`` between two kernels).
    """
    if terms is None:
        terms = PersonTerms.of(people, rows)
    base, bases, at_r = _per_head_inputs(
        labs,
        incumbent,
        terms.skill,
        terms.is_research,
        state.allocation,
        state.research_headcount,
        state.research_s1,
        state.research_s2,
        state.gpus,
        state.util,
    )
    return _per_head(base, allocation_power(state, bases, gamma), at_r, labs, state.allocation)


@kernel
def _per_head_inputs(
    labs: np.ndarray,
    incumbent: np.ndarray,
    skill: np.ndarray,
    is_research: np.ndarray,
    rule: np.ndarray,
    heads: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    gpus: np.ndarray,
    util: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Before the ``**`` of :func:`compute_per_head`: ``G u / max(n_r + 1 -
    incumbent, 1)`` per pair, and the researchers' pairs (``at_r``) with their
    allocation bases (:func:`allocation_base`).
    """
    n = labs.shape[0]
    n_r = 0
    for k in range(n):
        n_r += is_research[k]
    base = np.empty(n)
    bases = np.empty(n_r)
    at_r = np.empty(n_r, dtype=np.int64)
    m = 0
    for k in range(n):
        lab = labs[k]
        base[k] = _base_per_head(gpus[lab], util[lab], heads[lab], incumbent[k])
        if is_research[k]:
            bases[m] = allocation_base(rule[lab], skill[k], s1[lab], s2[lab], heads[lab])
            at_r[m] = k
            m += 1
    return base, bases, at_r


@kernel
def _base_per_head(gpus: float, util: float, heads: float, incumbent: bool) -> float:
    """One pair's ``G u / max(n_r + 1 - incumbent, 1)`` (:func:`_per_head_inputs`)."""
    n_with = heads + (1.0 - (1.0 if incumbent else 0.0))
    return gpus * util / (1.0 if n_with < 1.0 else n_with)


@kernel
def _per_head(
    base: np.ndarray, factor: np.ndarray, at_r: np.ndarray, labs: np.ndarray, rule: np.ndarray
) -> np.ndarray:
    """After the ``**`` of :func:`compute_per_head`: ``base x a`` per pair, ``a`` the
    allocation factor of a researcher at a lab with rule 1 or 2, else 1.
    """
    out = base * 1.0
    for m in range(at_r.shape[0]):
        k = at_r[m]
        code = rule[labs[k]]
        out[k] = base[k] * (factor[m] if code == 1 or code == 2 else 1.0)
    return out


def amenity(
    state: LabState,
    people: People,
    rows: np.ndarray,
    labs: np.ndarray,
    incumbent: np.ndarray,
    gamma: float,
) -> np.ndarray:
    """Non-pay utility of working at ``labs`` (log-pay units): compute, mission, peers.

    Each term is measured against the market's typical level (compute per researcher,
    mean mission, mean skill), so the job pool, which has no amenities, is an average
    outside option rather than the worst possible job.
    """
    terms = PersonTerms.of(people, rows)
    cph = compute_per_head(state, people, rows, labs, incumbent, gamma, terms=terms)
    log_cph = np.log(np.maximum(cph, 1e-3, out=cph), out=cph)
    return _amenity_sum(
        log_cph,
        labs,
        terms.w_compute,
        terms.w_mission,
        terms.w_colleagues,
        state.reference_log_compute,
        state.mission,
        state.reference_mission,
        state.log_colleagues,
    )


@kernel
def _amenity_sum(
    log_cph: np.ndarray,
    labs: np.ndarray,
    w_compute: np.ndarray,
    w_mission: np.ndarray,
    w_colleagues: np.ndarray,
    ref_compute: float,
    mission: np.ndarray,
    ref_mission: float,
    log_colleagues: np.ndarray,
) -> np.ndarray:
    """The sum of :func:`amenity`'s three terms per pair, in its order."""
    out = np.empty(labs.shape[0])
    for k in range(labs.shape[0]):
        lab = labs[k]
        out[k] = _amenity_terms(
            log_cph[k],
            w_compute[k],
            w_mission[k],
            w_colleagues[k],
            ref_compute,
            mission[lab] - ref_mission,
            log_colleagues[lab],
        )
    return out


@kernel
def _amenity_terms(
    log_cph: float,
    w_compute: float,
    w_mission: float,
    w_colleagues: float,
    ref_compute: float,
    mission_gap: float,
    log_colleagues: float,
) -> float:
    """One pair's sum in :func:`_amenity_sum`."""
    return (
        w_compute * (log_cph - ref_compute)
        + w_mission * mission_gap
        + w_colleagues * log_colleagues
    )


def amenity_here_and_there(
    state: LabState,
    people: People,
    rows: np.ndarray,
    here: np.ndarray,
    there: np.ndarray,
    gamma: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``amenity(state, people, rows, here, ones, gamma)`` (each person at ``here`` as an
    incumbent) and ``amenity(state, people, rows, there, zeros, gamma)`` (joining
    ``there``), the same numbers from one pass over both. A pair's compute per head is
    its lab's (as incumbent or as joiner) unless it is a researcher at a lab that
    allocates compute by skill: the ``**``, ``maximum`` and ``log`` of :func:`amenity`
    run once over the ``2 x L`` labs' values and those researchers' own (elementwise,
    so the same numbers), and each pair reads its own.
    """
    here = np.asarray(here, dtype=np.int64)
    there = np.asarray(there, dtype=np.int64)
    terms = PersonTerms.of(people, np.asarray(rows, dtype=np.int64))
    cph, bases = _here_and_there_inputs(
        here,
        there,
        terms.skill,
        terms.is_research,
        state.allocation,
        state.research_headcount,
        state.research_s1,
        state.research_s2,
        state.gpus,
        state.util,
    )
    if len(bases):  # base x factor, as _per_head
        cph[cph.size - len(bases) :] *= allocation_power(state, bases, gamma)
    log_cph = np.log(np.maximum(cph, 1e-3, out=cph), out=cph)
    return _here_and_there_sums(
        log_cph,
        here,
        there,
        terms.is_research,
        state.allocation,
        terms.w_compute,
        terms.w_mission,
        terms.w_colleagues,
        state.reference_log_compute,
        state.mission,
        state.reference_mission,
        state.log_colleagues,
    )


@kernel
def _by_skill(is_research: bool, code: int) -> bool:
    """Whether a pair's compute per head is its own: a researcher at a lab with rule 1
    or 2 (:func:`_per_head`).
    """
    return is_research and (code == 1 or code == 2)


@kernel
def _here_and_there_inputs(
    here: np.ndarray,
    there: np.ndarray,
    skill: np.ndarray,
    is_research: np.ndarray,
    rule: np.ndarray,
    heads: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    gpus: np.ndarray,
    util: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Before the ``**`` of :func:`amenity_here_and_there`: every lab's compute per
    head for an incumbent then for a joiner (:func:`_base_per_head`, ``2 x L``), then
    the base of each pair that allocates by skill (:func:`_by_skill`), pair by pair,
    ``here`` before ``there``; and those pairs' allocation bases
    (:func:`allocation_base`).
    """
    n_labs, n = gpus.shape[0], here.shape[0]
    m = 0
    for k in range(n):
        for lab in (here[k], there[k]):
            if _by_skill(is_research[k], rule[lab]):
                m += 1
    cph = np.empty(2 * n_labs + m)
    bases = np.empty(m)
    for lab in range(n_labs):
        cph[lab] = _base_per_head(gpus[lab], util[lab], heads[lab], True)
        cph[n_labs + lab] = _base_per_head(gpus[lab], util[lab], heads[lab], False)
    m = 0
    for k in range(n):
        for h, lab in ((0, here[k]), (1, there[k])):
            if _by_skill(is_research[k], rule[lab]):
                cph[2 * n_labs + m] = cph[h * n_labs + lab]
                bases[m] = allocation_base(rule[lab], skill[k], s1[lab], s2[lab], heads[lab])
                m += 1
    return cph, bases


@kernel
def _here_and_there_sums(
    log_cph: np.ndarray,
    here: np.ndarray,
    there: np.ndarray,
    is_research: np.ndarray,
    rule: np.ndarray,
    w_compute: np.ndarray,
    w_mission: np.ndarray,
    w_colleagues: np.ndarray,
    ref_compute: float,
    mission: np.ndarray,
    ref_mission: float,
    log_colleagues: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_amenity_sum` at ``here`` and at ``there`` (the same people's terms for
    both), each pair's log compute per head read from ``log_cph`` as
    :func:`_here_and_there_inputs` laid it out.
    """
    n_labs, n = rule.shape[0], here.shape[0]
    out_here, out_there = np.empty(n), np.empty(n)
    m = 0
    for k in range(n):
        for h, lab, out in ((0, here[k], out_here), (1, there[k], out_there)):
            if _by_skill(is_research[k], rule[lab]):
                at = 2 * n_labs + m
                m += 1
            else:
                at = h * n_labs + lab
            out[k] = _amenity_terms(
                log_cph[at],
                w_compute[k],
                w_mission[k],
                w_colleagues[k],
                ref_compute,
                mission[lab] - ref_mission,
                log_colleagues[lab],
            )
    return out_here, out_there


@dataclass
class PersonTerms:
    """The people's columns :func:`amenity` reads, gathered once for ``rows``."""

    skill: np.ndarray
    is_research: np.ndarray
    w_compute: np.ndarray  # the compute weight times the specialty's preference
    w_mission: np.ndarray
    w_colleagues: np.ndarray

    @classmethod
    def of(cls, people: People, rows: np.ndarray) -> PersonTerms:
        """Gather the columns of ``rows`` (one compiled pass, :func:`_person_terms`)."""
        return cls(
            *_person_terms(
                rows,
                people.skill,
                people.specialty,
                people.w_compute,
                people.w_mission,
                people.w_colleagues,
                COMPUTE_PREF_BY_SPECIALTY,
            )
        )


@kernel
def _person_terms(
    rows: np.ndarray,
    skill: np.ndarray,
    spec: np.ndarray,
    w_compute: np.ndarray,
    w_mission: np.ndarray,
    w_colleagues: np.ndarray,
    pref: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The columns of :class:`PersonTerms` for ``rows``: ``skill[rows]``,
    ``spec[rows] == RESEARCH``, ``w_compute[rows] * pref[spec[rows]]``,
    ``w_mission[rows]`` and ``w_colleagues[rows]``.
    """
    n = rows.shape[0]
    s_out = np.empty(n)
    is_r = np.empty(n, dtype=np.bool_)
    wc = np.empty(n)
    wm = np.empty(n)
    wl = np.empty(n)
    for k in range(n):
        r = rows[k]
        s = spec[r]
        s_out[k] = skill[r]
        is_r[k] = s == RESEARCH
        wc[k] = w_compute[r] * pref[s]
        wm[k] = w_mission[r]
        wl[k] = w_colleagues[r]
    return s_out, is_r, wc, wm, wl
