"""Who leads the infrastructure: per-lab leader units and the team's capped skill.

An infrastructure person leads if their skill is at least ``infra_leader_skill`` or
they were declared ``role = "leader"``. A lab's leader units are
``sum(max(s, s_L) / s_L)`` over its leaders; its team skill, which drives the
Michaelis-Menten part of utilisation, is ``sum(min(s, s_L))`` over all its
infrastructure staff, so a leader counts once on the team and otherwise through
leadership (:func:`market.production.led_utilisation`).
"""

from __future__ import annotations

import numpy as np

from market.codes import Specialty
from market.config import MarketConfig
from market.people import People


def is_leader(skill: np.ndarray, declared: np.ndarray, cfg: MarketConfig) -> np.ndarray:
    """Whether infrastructure people of ``skill`` (and declared role) lead."""
    return (np.asarray(skill) >= cfg.infra_leader_skill) | np.asarray(declared, dtype=bool)


def leader_units(skill: np.ndarray, cfg: MarketConfig) -> np.ndarray:
    """Leader units of leaders of ``skill``: ``max(s, s_L) / s_L`` (1 at the threshold)."""
    s_l = cfg.infra_leader_skill
    return np.maximum(np.asarray(skill, dtype=float), s_l) / s_l


def team_skill(skill: np.ndarray, cfg: MarketConfig) -> np.ndarray:
    """A person's contribution to the team's skill: ``min(s, s_L)``."""
    return np.minimum(np.asarray(skill, dtype=float), cfg.infra_leader_skill)


def leadership_sums(
    people: People, n_labs: int, cfg: MarketConfig, cache: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per lab: leader units and capped team skill of the infrastructure staff.

    Zeros when leadership is off. ``cache`` (the aggregate cache) skips the pass when
    the people's version and the threshold are unchanged.
    """
    if not cfg.infra_leadership_enabled:
        return np.zeros(n_labs), np.zeros(n_labs)
    key = (people.version, cfg.infra_leader_skill, n_labs)
    if cache is not None and cache.get("leadership_key") == key:
        return cache["leadership"]
    emp = people.view("employer")
    rows = np.flatnonzero((emp >= 0) & (people.view("specialty") == Specialty.INFRASTRUCTURE))
    lab = emp[rows].astype(np.intp)
    s = people.skill[rows]
    lead = is_leader(s, people.leader[rows], cfg)
    units = np.bincount(lab[lead], weights=leader_units(s[lead], cfg), minlength=n_labs)
    team = np.bincount(lab, weights=team_skill(s, cfg), minlength=n_labs)
    out = (units.astype(float), team.astype(float))
    if cache is not None:
        cache.update(leadership_key=key, leadership=out)
    return out
