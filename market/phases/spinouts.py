"""Phase 7: star researchers found labs that try to pull former colleagues."""

from __future__ import annotations

import numpy as np

from market.codes import Reason, Specialty
from market.config import Headcount, LabConfig, Policy
from market.moves import move
from market.state import MarketState

Pulls = tuple[np.ndarray, np.ndarray]
"""(new lab, person row) pairs: the colleagues each new lab will bid for this month."""


def spin_out(state: MarketState, rng: np.random.Generator) -> Pulls:
    """Each star (skill above the initial ``star_quantile``) founds a lab with monthly
    hazard from ``spinout_rate_per_year``, while there is room under ``max_labs``.
    Returns the pairs of new labs and the ``spinout_pull`` best research and
    infrastructure colleagues at the parent, which they bid for in this month's search.
    """
    none: Pulls = (np.empty(0, np.int64), np.empty(0, np.int64))
    cfg, p = state.cfg, state.people
    if not cfg.spinouts_enabled or cfg.spinout_rate_per_year <= 0:
        return none
    room = cfg.max_labs - state.n_labs
    if room <= 0:
        return none
    emp = p.view("employer")
    spec = p.view("specialty")
    stars = np.flatnonzero(
        (emp >= 0) & (spec == Specialty.RESEARCH) & (p.view("skill") >= state.star_skill)
    )
    hazard = 1 - (1 - cfg.spinout_rate_per_year) ** (1 / 12)
    founders = stars[rng.random(len(stars)) < hazard][:room]
    pull_labs, pull_rows = [], []
    for row in founders:
        parent = int(emp[row])
        new = found_lab(state, parent)
        move(state, np.array([row]), new, np.array([p.comp_usd[row]]), Reason.SPIN_OUT)
        state.ties[new, parent] = cfg.tie_bias * cfg.spinout_tie_multiplier
        colleagues = np.flatnonzero((emp == parent) & (spec != Specialty.PRODUCT))
        top = colleagues[np.argsort(-p.skill[colleagues], kind="stable")]
        top = top[: cfg.spinout_pull]
        pull_labs.append(np.full(len(top), new))
        pull_rows.append(top)
    if not pull_labs:
        return none
    return np.concatenate(pull_labs), np.concatenate(pull_rows)


def found_lab(state: MarketState, parent: int) -> int:
    """Add a spin-out of lab ``parent`` to the lab table; returns its index.

    It raises ``spinout_funding_usd``: ``spinout_gpu_share`` of it buys GPUs at
    ``spinout_gpu_cost_usd``, ``spinout_budget_share`` becomes its annual payroll
    budget; it inherits the parent's efficiency, pay-band floor and
    ``spinout_capability_share`` of its capability.
    """
    cfg, labs = state.cfg, state.labs
    state.spinouts_founded += 1
    funding = cfg.spinout_funding_usd
    origin = labs.origins[parent]
    parent_policy = labs.policies[parent]
    config = LabConfig(
        name=f"Spin-out {state.spinouts_founded} ({origin})",
        kind="startup",
        gpus_h100e=cfg.spinout_gpu_share * funding / cfg.spinout_gpu_cost_usd,
        gpu_growth_per_year=cfg.spinout_gpu_growth_per_year,
        budget_usd=cfg.spinout_budget_share * funding,
        budget_growth_per_year=cfg.spinout_budget_growth_per_year,
        efficiency=float(labs.efficiency[parent]),
        mission=cfg.spinout_mission,
        capability=cfg.spinout_capability_share * float(labs.capability[parent]),
        headcount=Headcount(),
        policy=Policy(
            counter_offer="exceed",
            equity_share=cfg.spinout_equity_share,
            compute_allocation="top_teams",
            hiring_bar_quantile=max(
                cfg.spinout_hiring_bar_quantile, parent_policy.hiring_bar_quantile
            ),
            pay_band_floor=parent_policy.pay_band_floor,
        ),
    )
    index = labs.add(config, founded_step=state.step, origin=origin)
    state.ties[index, :] = 1.0
    return index
