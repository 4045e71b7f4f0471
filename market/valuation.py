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

import numpy as np

from market.config import MarketConfig
from market.lab_sums import LabSums, people_sums
from market.leadership import is_leader, leader_units, leadership_sums, team_skill
from market.people import INFRASTRUCTURE, PRODUCT, RESEARCH, People
from market.production import (
    bring_up_share,
    ces,
    led_utilisation,
    monetisation,
    online_within_year,
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

    @property
    def reference_log_compute(self) -> float:
        """Log of the market's effective GPUs per researcher: the zero of the compute
        amenity, so the job pool (no amenities) sits at the market's typical level.
        """
        researchers = self.headcount[RESEARCH].sum()
        total = float((self.gpus * self.util).sum())
        return float(np.log(max(total / researchers, 1e-3))) if researchers > 0 else 0.0

    @property
    def reference_mission(self) -> float:
        """Headcount-weighted mean mission score: the zero of the mission amenity."""
        staff = self.headcount.sum(axis=0)
        return float(np.average(self.mission, weights=staff)) if staff.sum() > 0 else 0.0

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
    recomputes only the labs whose people (employer, skill, specialty, pay) changed
    since the previous call, or none when :attr:`~market.people.People.version` is
    unchanged; the result is bit-identical to a full pass.
    """
    n_labs = len(gpus)
    g = cfg.allocation_gamma
    lead = (*leadership_sums(people, n_labs, cfg, None if cache is None else cache.memo), backlog)
    if cache is None:
        staff = np.flatnonzero(people.view("employer") >= 0)
        sums = people_sums(people, staff, n_labs, allocation, g)
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
    headcount, by_spec, s2, talent, payroll, skill_sum, market_mean = (
        x.copy() if isinstance(x, np.ndarray) else x for x in sums
    )
    research, infra, product = by_spec
    total_people = headcount.sum(axis=0)
    payroll = payroll * (1 + retention_frac)
    skill_mean = skill_sum / np.maximum(total_people, 1)
    log_colleagues = np.where(
        total_people > 0, np.log(np.maximum(skill_mean, 1e-12) / market_mean), 0.0
    )
    leaders, team, backlog = _leadership_inputs(lead, len(gpus))
    util = _utilisation(infra, gpus, cfg, leaders, team)
    output = _output(gpus * util * efficiency, talent, cfg)
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


def _output(compute_eff: np.ndarray, talent: np.ndarray, cfg: MarketConfig) -> np.ndarray:
    return ces(
        compute_eff / cfg.compute_ref_h100e,
        talent / cfg.talent_ref,
        cfg.sigma,
        cfg.compute_share,
    )


def _output_change(
    c1: np.ndarray, t1: np.ndarray, c0: np.ndarray, t0: np.ndarray, cfg: MarketConfig
) -> np.ndarray:
    """``_output(c1, t1) - _output(c0, t0)``, both evaluated in one (elementwise) call."""
    n = len(c1)
    both = _output(np.concatenate([c1, c0]), np.concatenate([t1, t0]), cfg)
    return both[:n] - both[n:]


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
    otherwise what it gains if they join.
    """
    skill = people.skill[rows]
    spec = people.specialty[rows]
    inc = incumbent.astype(float)
    compute = (state.gpus * state.util * state.efficiency)[labs]  # per lab, then gathered
    talent = state.talent[labs]
    out = state.output[labs]
    d_out = np.zeros(len(rows))
    d_mon = np.zeros(len(rows))

    r = spec == RESEARCH
    if r.any():
        e = skill[r] * allocation_factor(state, labs[r], skill[r], cfg.allocation_gamma)
        t_with = talent[r] + e * (1 - inc[r])
        c = compute[r]
        d_out[r] = _output_change(c, t_with, c, t_with - e, cfg)
    i = spec == INFRASTRUCTURE
    if i.any():
        li = labs[i]
        if cfg.infra_leadership_enabled and state.leaders is not None:
            c_with, c_without = _led_compute(state, people, rows[i], li, inc[i], cfg)
        else:
            infra_with = state.infra[li] + skill[i] * (1 - inc[i])
            c_with = state.gpus[li] * _utilisation(infra_with, state.gpus[li], cfg)
            c_without = state.gpus[li] * _utilisation(infra_with - skill[i], state.gpus[li], cfg)
        eff = state.efficiency[li]
        t = talent[i]
        d_out[i] = _output_change(c_with * eff, t, c_without * eff, t, cfg)
    p = spec == PRODUCT
    if p.any():
        lp = labs[p]
        prod_with = state.product[lp] + skill[p] * (1 - inc[p])
        d_mon[p] = monetisation(
            prod_with, cfg.product_half_saturation, cfg.product_max_uplift
        ) - monetisation(prod_with - skill[p], cfg.product_half_saturation, cfg.product_max_uplift)
    value = price * (state.monetise[labs] * d_out + out * d_mon)
    return np.maximum(value, 0.0)


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
    """Effective GPUs a person would get at ``labs`` (H100e per head)."""
    n_r = state.research_headcount[labs] + (1 - incumbent.astype(float))
    base = state.gpus[labs] * state.util[labs] / np.maximum(n_r, 1)
    if terms is None:
        terms = PersonTerms.of(people, rows)
    skill, is_r = terms.skill, terms.is_research
    factor = np.ones(len(rows))
    if is_r.any():
        factor[is_r] = allocation_factor(state, labs[is_r], skill[is_r], gamma)
    return base * factor


def amenity(
    state: LabState,
    people: People,
    rows: np.ndarray,
    labs: np.ndarray,
    incumbent: np.ndarray,
    gamma: float,
    *,
    terms: PersonTerms | None = None,
) -> np.ndarray:
    """Non-pay utility of working at ``labs`` (log-pay units): compute, mission, peers.

    Each term is measured against the market's typical level (compute per researcher,
    mean mission, mean skill), so the job pool, which has no amenities, is an average
    outside option rather than the worst possible job. ``terms``: the people's columns
    already gathered (:meth:`PersonTerms.of`, for several calls on the same rows).
    """
    if terms is None:
        terms = PersonTerms.of(people, rows)
    cph = compute_per_head(state, people, rows, labs, incumbent, gamma, terms=terms)
    return (
        terms.w_compute * (np.log(np.maximum(cph, 1e-3)) - state.reference_log_compute)
        + terms.w_mission * (state.mission[labs] - state.reference_mission)
        + terms.w_colleagues * state.log_colleagues[labs]
    )


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
        """Gather the columns of ``rows``."""
        spec = people.specialty[rows]
        return cls(
            skill=people.skill[rows],
            is_research=spec == RESEARCH,
            w_compute=people.w_compute[rows] * COMPUTE_PREF_BY_SPECIALTY[spec],
            w_mission=people.w_mission[rows],
            w_colleagues=people.w_colleagues[rows],
        )
