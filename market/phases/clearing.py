"""Phase 9: offers, counter-offers and choices (sequential auction), then settlement
within each lab's budget headroom, with one fallback round for lapsed commitments.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from market.auction import BERTRAND, Bids, OptionValue, Outcome, resolve
from market.bidding import Offers, PolicyArrays, make_offers, within_budget
from market.codes import Reason
from market.config import MarketConfig
from market.moves import move
from market.phases.search import Candidates
from market.state import MarketState

HIRE_ORDER: tuple[Reason, ...] = (
    Reason.POACHED,
    Reason.GRADUATE_HIRE,
    Reason.REHIRE,
    Reason.SPIN_OUT,
)
"""Settlement order of hires (the ledger's row order within a month)."""


def clear(state: MarketState, cands: Candidates) -> None:
    """Bids (:mod:`market.bidding`), the Bertrand outcome (:mod:`market.auction`,
    Postel-Vinay & Robin 2002), budget rationing by surplus, a second round for people
    whose commitment lapsed (``lapsed_fallback``), then counters and moves.
    """
    if (state.step - 1) % 12 == 0:  # a new budget year (phases/compute.py: grow)
        state.labs.sign_on_spent_usd[:] = 0.0
    if len(cands) == 0:
        return
    cfg = state.cfg
    pol = PolicyArrays.of(state.labs, cfg)
    offers = make_offers(
        state.lab_state,
        state.people,
        cands.labs,
        cands.rows,
        pol,
        cfg,
        state.price,
        state.star_skill,
        state.pop.comp_skill_elasticity,
        pre=cands.values,
    )
    ov = option_value(cfg)
    out = resolve(offers.bids, offers.incumbents, cfg.move_threshold, cfg.counter_match_utility, ov)
    room = np.maximum(offers.headroom, 0.0)
    movers, counters, used = ration(out, offers, pol, cands.labs, room)
    if cfg.lapsed_fallback:
        lapse = (movers, counters, room - used)
        out, movers, counters = fall_back(out, offers, pol, cands, lapse, cfg, ov)
    settle_counters(state, offers, out, pol, counters)
    settle_moves(state, offers, out, cands, movers)


def option_value(cfg: MarketConfig) -> OptionValue:
    """The auction's option value of future offers from the market's outside-offer,
    discount and ladder-exit rates and offer tail (:data:`BERTRAND` when switched off).
    """
    if not cfg.option_value_enabled:
        return BERTRAND
    return OptionValue.of(
        cfg.outside_offer_rate, cfg.discount_rate, cfg.ladder_exit_rate, cfg.offer_tail_scale
    )


def ration(
    out: Outcome, offers: Offers, pol: PolicyArrays, bid_lab: np.ndarray, room: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each lab keeps its best-surplus commitments (hires: annual pay with retention
    grants plus the one-off sign-on; counter raises) that fit its ``room``. Returns the
    candidate indices of accepted moves and counters and the room each lab used.
    """
    movers = np.flatnonzero(out.winner >= 0)
    counters = np.flatnonzero(out.countered)
    win = out.winner[movers]
    inc_comp = offers.incumbents.comp
    lab_of = np.concatenate([bid_lab[win], offers.inc_lab[counters]])
    cost = np.concatenate([out.pay[movers], out.pay[counters] - inc_comp[counters]]) * (
        1 + pol.retention_frac[lab_of]
    )
    cost[: len(movers)] += out.sign_on[movers]
    surplus = np.concatenate(
        [
            offers.bid_value[win] - out.pay[movers],
            offers.inc_value[counters] - out.pay[counters],
        ]
    )
    ok = within_budget(lab_of, cost, surplus, room)
    used = np.bincount(lab_of[ok], weights=cost[ok], minlength=len(room))
    return movers[ok[: len(movers)]], counters[ok[len(movers) :]], used


def fall_back(
    out: Outcome,
    offers: Offers,
    pol: PolicyArrays,
    cands: Candidates,
    lapse: tuple[np.ndarray, np.ndarray, np.ndarray],
    cfg: MarketConfig,
    option_value: OptionValue = BERTRAND,
) -> tuple[Outcome, np.ndarray, np.ndarray]:
    """Second round for candidates whose winning commitment lapsed for budget.

    With every party's offer capped by the budget that round one left it (a lapsed
    bid becomes what its lab can still afford, often nothing; a lapsed counter the raise
    the incumbent can still afford), the auction is resolved again for those candidates
    only, then rationed again: they take the best offer that still fits (the runner-up
    poacher, the incumbent's counter, or a smaller bid from the same lab), or stay as
    they are. Returns the merged outcome and all
    accepted moves and counters.

    ``lapse`` is round one's accepted moves, accepted counters and each lab's room left;
    ``option_value`` is round one's (:class:`market.auction.OptionValue`).
    """
    movers, counters, left = lapse
    accepted = np.zeros(len(out.pay), dtype=bool)
    accepted[movers] = accepted[counters] = True
    lapsed = ((out.winner >= 0) | out.countered) & ~accepted
    if not lapsed.any():
        return out, movers, counters
    bids, inc = offers.bids, offers.incumbents
    idx = np.flatnonzero(lapsed[bids.cand])
    lab = cands.labs[idx]
    # The most a lab can still offer, as an annual equivalent, so that its pay (with
    # retention grants) plus the one-off sign-on fits what it has left.
    one_off = np.zeros(len(idx)) if bids.sign_on is None else bids.sign_on[idx]
    afford = (left[lab] - one_off) / (1 + pol.retention_frac[lab]) + np.where(
        one_off > 0, bids.switch_cost[idx], 0.0
    )
    sub = Bids(
        cand=bids.cand[idx],
        max_pay=np.minimum(bids.max_pay[idx], np.maximum(afford, 0.0)),
        amenity=bids.amenity[idx],
        switch_cost=bids.switch_cost[idx],
        min_pay=None if bids.min_pay is None else bids.min_pay[idx],
        sign_on=None if bids.sign_on is None else bids.sign_on[idx],
    )
    employed = offers.inc_lab >= 0
    safe_inc = np.where(employed, offers.inc_lab, 0)
    inc_left = np.where(employed, left[safe_inc] / (1 + pol.retention_frac[safe_inc]), 0.0)
    inc2 = replace(inc, limit=np.minimum(inc.limit, inc.comp + inc_left))
    second = resolve(sub, inc2, cfg.move_threshold, cfg.counter_match_utility, option_value)
    winner = np.full(len(second.winner), -1)
    won = second.winner >= 0
    winner[won] = idx[second.winner[won]]
    second = replace(second, winner=np.where(lapsed, winner, -1))
    second.countered &= lapsed
    movers2, counters2, _ = ration(second, offers, pol, cands.labs, left)
    merged = Outcome(
        winner=np.where(lapsed, second.winner, out.winner),
        pay=np.where(lapsed, second.pay, out.pay),
        countered=np.where(lapsed, second.countered, out.countered),
        sign_on=np.where(lapsed, second.sign_on, out.sign_on),
        floor_binds=np.where(lapsed, second.floor_binds, out.floor_binds),
    )
    return (
        merged,
        np.sort(np.concatenate([movers, movers2])),
        np.sort(np.concatenate([counters, counters2])),
    )


def settle_counters(
    state: MarketState, offers: Offers, out: Outcome, pol: PolicyArrays, counters: np.ndarray
) -> None:
    """Countered people stay on the raised pay; the raise adds to their grant."""
    if counters.size == 0:
        return
    p = state.people
    rows = offers.cands[counters]
    k = offers.inc_lab[counters]
    old = offers.incumbents.comp[counters]
    new = out.pay[counters]
    state.ledger.add_moves(
        state.step, rows, k, k, p.specialty[rows], p.skill[rows], old, new, Reason.COUNTERED
    )
    p.comp_usd[rows] = new
    p.touch(rows)
    p.unvested_usd[rows] += pol.equity_share[k] * (new - old) * pol.vesting_months[k] / 12


def settle_moves(
    state: MarketState, offers: Offers, out: Outcome, cands: Candidates, movers: np.ndarray
) -> None:
    """Winners move, by reason (poached, graduate hire, rehire, spin-out) and then by
    destination lab; one vectorised :func:`market.moves.move` per reason. Each buyer
    books its sign-ons once on this budget year (paid in cash: not a grant, not pay).
    """
    if movers.size == 0:
        return
    p = state.people
    win = out.winner[movers]
    rows = offers.cands[movers]
    to = cands.labs[win]
    np.add.at(state.labs.sign_on_spent_usd, to, out.sign_on[movers])
    from_pool = offers.inc_lab[movers] < 0
    never_hired = p.hired_step[rows] < 0
    hire = np.where(
        from_pool, np.where(never_hired, Reason.GRADUATE_HIRE, Reason.REHIRE), Reason.POACHED
    )
    reason = np.where(cands.spin[win], Reason.SPIN_OUT, hire)
    order = np.lexsort((to, reason))  # stable: people keep their order within
    rows, to, reason, pay = rows[order], to[order], reason[order], out.pay[movers][order]
    for code in HIRE_ORDER:
        sel = reason == code
        if sel.any():
            move(state, rows[sel], to[sel], pay[sel], code)
