"""Who the people are: heavy-tailed skill, preference weights, initial staff, graduates.

Skill is Pareto(alpha) with minimum 1 (Rosen 1981: superstars exist); initial pay
rises with skill at ``comp_skill_elasticity`` around the lab's median; preference
weights are Gamma-distributed around their means with the configured coefficient of
variation.
"""

from __future__ import annotations

import numpy as np

from market.codes import SPECIALTIES, Employer, Specialty
from market.config import LabConfig, PopulationConfig
from market.state import MarketState


def draw_skill(rng: np.random.Generator, pop: PopulationConfig, n: int) -> np.ndarray:
    """Pareto(alpha) skill with minimum 1: heavy tail, superstars exist."""
    return 1.0 + rng.pareto(pop.skill_tail_alpha, n)


def draw_preferences(
    rng: np.random.Generator, pop: PopulationConfig, n: int
) -> dict[str, np.ndarray]:
    """Gamma-distributed preference weights with the configured means and CV."""
    cv = pop.pref_dispersion
    out = {}
    for name, mean in (
        ("w_compute", pop.pref_compute),
        ("w_mission", pop.pref_mission),
        ("w_colleagues", pop.pref_colleagues),
    ):
        if cv == 0 or mean == 0:
            out[name] = np.full(n, mean)
        else:
            shape = 1 / cv**2
            out[name] = rng.gamma(shape, mean / shape, n)
    return out


def hire_initial_staff(
    state: MarketState, rng: np.random.Generator, lab: int, cfg: LabConfig
) -> np.ndarray:
    """Create lab ``lab``'s initial staff (skills, pay, equity, tenure, preferences).

    Unvested equity starts at a uniform share in ``initial_unvested_range`` of a full
    grant, tenure uniform in ``[0, initial_tenure_max_months)``. Returns their rows.
    """
    pop, hc = state.pop, cfg.headcount
    n = hc.total
    if n == 0:
        return np.empty(0, dtype=np.int64)
    counts = [getattr(hc, name) for name in SPECIALTIES]
    specialty = np.repeat(np.array([int(s) for s in Specialty]), counts)
    skill = cfg.talent_quality * draw_skill(rng, pop, n)
    median_skill = cfg.talent_quality * 2 ** (1 / pop.skill_tail_alpha)
    comp = cfg.comp_median_usd * (skill / median_skill) ** pop.comp_skill_elasticity
    comp = np.minimum(comp, state.labs.pay_cap_usd[lab])
    policy = state.labs.policies[lab]
    grant = policy.equity_share * comp * policy.vesting_months / 12
    low, high = pop.initial_unvested_range
    return state.people.add(
        skill=skill,
        specialty=specialty,
        employer=np.full(n, lab),
        comp_usd=comp,
        unvested_usd=grant * rng.uniform(low, high, n),
        tenure_months=rng.integers(0, pop.initial_tenure_max_months, n),
        hired_step=np.zeros(n, dtype=np.int32),
        **draw_preferences(rng, pop, n),
    )


def draw_specialties(rng: np.random.Generator, mix: tuple[float, ...], n: int) -> np.ndarray:
    """``rng.choice(len(mix), size=n, p=mix)``, the same draws (numpy's: the cumulative
    shares over their total, searched at ``n`` uniforms from the right) without
    choice's checks of ``mix``, which the config validates (some 10 us a call).
    """
    cdf = np.cumsum(mix, dtype=float)
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(n), side="right")


def add_graduates(state: MarketState, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` new graduates join the job pool at their reservation pay; returns rows."""
    pop = state.pop
    specialty = draw_specialties(rng, pop.graduate_mix, n)
    return state.people.add(
        skill=pop.graduate_skill_factor * draw_skill(rng, pop, n),
        specialty=specialty,
        employer=np.full(n, Employer.POOL),
        comp_usd=np.full(n, pop.graduate_reservation_usd),
        unvested_usd=np.zeros(n),
        tenure_months=np.zeros(n, dtype=np.int32),
        hired_step=np.full(n, -1, dtype=np.int32),
        **draw_preferences(rng, pop, n),
    )
