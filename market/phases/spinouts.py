"""Phase 7: star researchers found labs that try to pull former colleagues."""

from __future__ import annotations

import numpy as np

from market.codes import RESEARCH_CODE, Reason, Specialty
from market.config import Headcount, LabConfig, MarketConfig, Policy
from market.jit import kernel
from market.moves import move
from market.state import MarketState
from market.valuation import amenity_here_and_there

Pulls = tuple[np.ndarray, np.ndarray]
"""(new lab, person row) pairs: the colleagues each new lab will bid for this month."""


def spin_out(state: MarketState, rng: np.random.Generator) -> Pulls:
    """Each star (skill above the initial ``star_quantile``) founds a lab with monthly
    hazard from ``spinout_rate_per_year``, while there is room under ``max_labs``.

    The founder moves with a founding team (:func:`team_move`); the function returns
    the pairs of new labs and the ``spinout_pull`` next-best research and infrastructure
    colleagues still at the parent, which they bid for in this month's search.
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
    stars = _stars(emp, spec, p.view("skill"), float(state.star_skill))
    hazard = 1 - (1 - cfg.spinout_rate_per_year) ** (1 / 12)
    founders = stars[rng.random(len(stars)) < hazard][:room]
    parents = emp[founders].copy()
    pull_labs, pull_rows = [], []
    for row, parent in zip(founders.tolist(), parents.tolist(), strict=True):
        if emp[row] != parent:  # joined an earlier founder's team this month
            continue
        new = found_lab(state, parent)
        move(state, np.array([row]), new, np.array([p.comp_usd[row]]), Reason.SPIN_OUT)
        state.ties[new, parent] = cfg.tie_bias * cfg.spinout_tie_multiplier
        team_move(state, new, parent)
        colleagues = np.flatnonzero(emp == parent)
        colleagues = colleagues[spec[colleagues] != Specialty.PRODUCT]
        top = best_first(colleagues, p.skill, cfg.spinout_pull)
        pull_labs.append(np.full(len(top), new))
        pull_rows.append(top)
    if not pull_labs:
        return none
    return np.concatenate(pull_labs), np.concatenate(pull_rows)


@kernel
def _stars(
    employer: np.ndarray, specialty: np.ndarray, skill: np.ndarray, bar: float
) -> np.ndarray:
    """Researchers at labs with skill at least ``bar``, ascending, in one pass:
    ``np.flatnonzero((employer >= 0) & (specialty == RESEARCH) & (skill >= bar))``.
    """
    n = employer.shape[0]
    rows = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):  # a branch on the few at the bar, then none on the rest
        if skill[i] >= bar:
            rows[k] = i
            k += (employer[i] >= 0) & (specialty[i] == RESEARCH_CODE)
    return rows[:k]


def founding_team(state: MarketState, parent: int, cap: float = np.inf) -> np.ndarray:
    """The ``spinout_team_size`` colleagues a founder asks to come: the most skilled
    infrastructure people of the parent (``spinout_team_infra_share`` of the team,
    rounded) and its most skilled researchers, best first within each, among those
    paid at most the spin-out's pay ``cap`` (founders ask whom they can afford).
    """
    cfg, p = state.cfg, state.people
    n = cfg.spinout_team_size
    if n <= 0:
        return np.empty(0, np.int64)
    at_parent = np.flatnonzero(p.view("employer") == parent)
    spec = p.specialty[at_parent]
    affordable = p.comp_usd[at_parent] <= cap
    n_infra = round(n * cfg.spinout_team_infra_share)
    team = []
    for s, k in ((Specialty.INFRASTRUCTURE, n_infra), (Specialty.RESEARCH, n - n_infra)):
        rows = at_parent[(spec == s) & affordable]
        team.append(best_first(rows, p.skill, k))
    return np.concatenate(team).astype(np.int64)


def best_first(rows: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """``rows[np.argsort(-values[rows], kind="stable")][:k]`` for ``k >= 0``: the ``k``
    rows of highest value, best first, ties in row order, NaN last. Only the rows at or
    above the ``k``-th highest value (``np.partition``; all rows if that is NaN) are
    sorted: they hold the first ``k`` of the whole order, in the same order.
    """
    neg = -values[rows]
    if 0 < k < len(rows):
        kth = np.partition(neg, k - 1)[k - 1]
        if not np.isnan(kth):
            at = np.flatnonzero(neg <= kth)
            return rows[at[np.argsort(neg[at], kind="stable")][:k]]
    return rows[np.argsort(neg, kind="stable")][:k]


def team_pay_cap(budget_usd: float, team_size: int, cfg: MarketConfig) -> float:
    """Pay cap of a spin-out: ``spinout_team_pay_share x budget / (team + founder)``,
    within ``[spinout_pay_cap_min_usd, spinout_pay_cap_max_usd]``.
    """
    share = cfg.spinout_team_pay_share * budget_usd / (team_size + 1)
    return float(np.clip(share, cfg.spinout_pay_cap_min_usd, cfg.spinout_pay_cap_max_usd))


def team_move(state: MarketState, new: int, parent: int) -> tuple[int, int]:
    """The founding team of lab ``new`` (:func:`founding_team`) decides together,
    person by person, whether to come: each is offered their current pay, with a
    sign-on that buys out their unvested equity, paid from the funding not spent on
    GPUs or the payroll budget (best first while it lasts). A member comes when
    ``log(offer) + amenity`` at the spin-out is at least ``log(pay) + amenity`` at the
    parent (:func:`market.valuation.amenity`) and the offer fits the payroll budget.
    Returns (asked, joined).
    """
    cfg, p, labs = state.cfg, state.people, state.labs
    cap = float(labs.pay_cap_usd[new])
    team = founding_team(state, parent, cap)
    if team.size == 0:
        return 0, 0
    agg = state.refresh()  # the new lab, with its founder, in the aggregates
    offer = np.minimum(p.comp_usd[team], cap)
    gamma = cfg.allocation_gamma
    here, there = amenity_here_and_there(
        agg, p, team, np.full(team.size, parent), np.full(team.size, new), gamma
    )
    stay = np.log(p.comp_usd[team]) + here
    come = np.log(offer) + there
    signon_funds = max(0.0, 1 - cfg.spinout_gpu_share - cfg.spinout_budget_share)
    signon_left = signon_funds * cfg.spinout_funding_usd
    budget_left = float(labs.budget_usd[new] - agg.payroll[new])
    joined = []
    for k in np.flatnonzero(come >= stay):
        signon = float(p.unvested_usd[team[k]])
        if signon > signon_left or offer[k] > budget_left:
            continue
        signon_left -= signon
        budget_left -= float(offer[k])
        joined.append(k)
    if joined:
        idx = np.array(joined)
        move(state, team[idx], new, offer[idx], Reason.SPIN_OUT)
    return int(team.size), len(joined)


def found_lab(state: MarketState, parent: int) -> int:
    """Add a spin-out of lab ``parent`` to the lab table; returns its index.

    It raises ``spinout_funding_usd``: ``spinout_gpu_share`` of it buys GPUs at
    ``spinout_gpu_cost_usd``, ``spinout_budget_share`` becomes its annual payroll
    budget; it inherits the parent's efficiency, pay-band floor and
    ``spinout_capability_share`` of its capability; with a founding team its pay cap is
    :func:`team_pay_cap`.
    """
    cfg, labs = state.cfg, state.labs
    state.spinouts_founded += 1
    funding = cfg.spinout_funding_usd
    origin = labs.origins[parent]
    parent_policy = labs.policies[parent]
    budget = cfg.spinout_budget_share * funding
    default_cap = Policy.model_fields["pay_cap_usd"].default
    cap = (
        team_pay_cap(budget, cfg.spinout_team_size, cfg)
        if cfg.spinout_team_size > 0
        else default_cap
    )
    config = LabConfig(
        name=f"Spin-out {state.spinouts_founded} ({origin})",
        kind="startup",
        gpus_h100e=cfg.spinout_gpu_share * funding / cfg.spinout_gpu_cost_usd,
        gpu_growth_per_year=cfg.spinout_gpu_growth_per_year,
        budget_usd=budget,
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
            pay_cap_usd=cap,
        ),
    )
    index = labs.add(config, founded_step=state.step, origin=origin)
    state.ties[index, :] = 1.0
    return index
