"""Phase 9: offers, counter-offers and choices (sequential auction), then settlement
within each lab's budget headroom, with one fallback round for lapsed commitments.
"""

from __future__ import annotations

import numpy as np

from market.auction import (
    BERTRAND,
    Bids,
    Incumbents,
    OptionValue,
    Outcome,
    resolve,
)
from market.bidding import Offers, PolicyArrays, make_offers
from market.codes import Reason
from market.config import MarketConfig
from market.jit import kernel, np_maximum, np_minimum
from market.labs import SIGN_ON_MONTHS
from market.moves import move
from market.phases.search import Candidates
from market.selection import counting_sort
from market.state import MarketState

HIRE_ORDER: tuple[Reason, ...] = (
    Reason.POACHED,
    Reason.GRADUATE_HIRE,
    Reason.REHIRE,
    Reason.SPIN_OUT,
)
"""Settlement order of hires (the ledger's row order within a month)."""
_POACHED, _GRADUATE_HIRE = int(Reason.POACHED), int(Reason.GRADUATE_HIRE)  # for kernels
_REHIRE, _SPIN_OUT = int(Reason.REHIRE), int(Reason.SPIN_OUT)


def clear(state: MarketState, cands: Candidates) -> None:
    """Bids (:mod:`market.bidding`), the Bertrand outcome (:mod:`market.auction`,
    Postel-Vinay & Robin 2002), budget rationing by surplus, a second round for people
    whose commitment lapsed (``lapsed_fallback``), then counters and moves.
    """
    booked = open_sign_on_month(state)
    _clear(state, cands)
    close_sign_on_month(state, booked)


def open_sign_on_month(state: MarketState) -> np.ndarray:
    """Start the month's sign-on booking and return what is booked before it: with
    ``sign_on_rolling`` the sign-ons of the last 11 months, else those of the calendar
    budget year (none in January).
    """
    labs = state.labs
    labs.sign_on_by_month[:, state.step % SIGN_ON_MONTHS] = 0.0
    if state.cfg.sign_on_rolling:
        labs.sign_on_spent_usd[:] = labs.sign_on_by_month.sum(axis=1)
    elif state.new_budget_year:
        labs.sign_on_spent_usd[:] = 0.0
    return labs.sign_on_spent_usd.copy()


def close_sign_on_month(state: MarketState, booked: np.ndarray) -> None:
    """Keep the sign-ons paid this month (the growth of ``sign_on_spent_usd`` since
    :func:`open_sign_on_month`) in this month's column of ``sign_on_by_month``.
    """
    labs = state.labs
    labs.sign_on_by_month[:, state.step % SIGN_ON_MONTHS] = labs.sign_on_spent_usd - booked


def _clear(state: MarketState, cands: Candidates) -> None:
    """:func:`clear` within the month's sign-on booking."""
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
    return _ration(
        out.winner,
        out.countered,
        out.pay,
        out.sign_on,
        offers.incumbents.comp,
        offers.inc_lab,
        offers.bid_value,
        offers.inc_value,
        bid_lab,
        pol.retention_frac,
        room,
    )


@kernel
def _ration(
    winner: np.ndarray,
    countered: np.ndarray,
    pay: np.ndarray,
    sign_on: np.ndarray,
    comp: np.ndarray,
    inc_lab: np.ndarray,
    bid_value: np.ndarray,
    inc_value: np.ndarray,
    bid_lab: np.ndarray,
    retention_frac: np.ndarray,
    room: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`ration` in one pass: the moves (``winner >= 0``), then the counters, each
    with its lab, cost ``pay * (1 + retention) + sign_on`` or ``(pay - comp) * (1 +
    retention)`` and surplus ``value - pay``; :func:`_within_budget`; the accepted costs
    summed per lab in order (``np.bincount``).
    """
    movers, counters = np.flatnonzero(winner >= 0), np.flatnonzero(countered)
    m, k = movers.shape[0], counters.shape[0]
    lab = np.empty(m + k, dtype=np.int64)
    cost, surplus = np.empty(m + k), np.empty(m + k)
    for i in range(m):
        c = movers[i]
        w = winner[c]
        j = bid_lab[w]
        lab[i] = j
        cost[i] = pay[c] * (1 + retention_frac[j]) + sign_on[c]
        surplus[i] = bid_value[w] - pay[c]
    for i in range(k):
        c = counters[i]
        j = inc_lab[c]
        lab[m + i] = j
        cost[m + i] = (pay[c] - comp[c]) * (1 + retention_frac[j])
        surplus[m + i] = inc_value[c] - pay[c]
    ok = _within_budget(lab, cost, surplus, room)
    used = np.zeros(room.shape[0])
    for i in range(m + k):
        if ok[i]:
            used[lab[i]] += cost[i]
    return movers[ok[:m]], counters[ok[m:]], used


@kernel
def _within_budget(
    lab: np.ndarray, cost: np.ndarray, priority: np.ndarray, headroom: np.ndarray
) -> np.ndarray:
    """Accept commitments per lab in order of ``priority`` (highest first, NaN last,
    ties in input order: ``np.lexsort((-priority, lab))``, here a stable sort by
    ``-priority`` then a counting sort by lab) while their costs fit ``headroom``; a
    lab's running cost is the running sum over all labs so far less its value before
    the lab's first row, as numpy's ``cumsum`` gives it. Labs ``0..len(headroom) - 1``.
    """
    ok = np.zeros(lab.shape[0], dtype=np.bool_)
    if lab.shape[0] == 0:
        return ok
    by_priority = np.argsort(-priority, kind="mergesort")
    order, _ = counting_sort(by_priority, lab, headroom.shape[0], True)
    cum = before = 0.0
    for i in range(order.shape[0]):
        o = order[i]
        if i > 0 and lab[o] != lab[order[i - 1]]:
            before = cum
        cum += cost[o]
        ok[o] = cum - before <= headroom[lab[o]] + 1e-6
    return ok


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
    bids, inc = offers.bids, offers.incumbents
    once, floored = bids.sign_on is not None, bids.min_pay is not None
    min_pay = bids.max_pay if bids.min_pay is None else bids.min_pay  # unread if not floored
    sign_on = bids.max_pay if bids.sign_on is None else bids.sign_on  # unread if not once
    who, idx, sub_bids, sub_inc = _lapsed(
        out.winner,
        out.countered,
        movers,
        counters,
        bids.cand,
        cands.labs,
        bids.max_pay,
        bids.amenity,
        bids.switch_cost,
        min_pay,
        sign_on,
        once,
        left,
        pol.retention_frac,
        offers.inc_lab,
        inc.comp,
        inc.amenity,
        inc.limit,
        inc.rule,
        inc.can_counter,
    )
    if who.size == 0:
        return out, movers, counters
    cand, max_pay, amenity, switch_cost, sub_min, sub_sign_on = sub_bids
    sub = Bids(
        cand,
        max_pay,
        amenity,
        switch_cost,
        sub_min if floored else None,
        sub_sign_on if once else None,
    )
    second = resolve(
        sub, Incumbents(*sub_inc), cfg.move_threshold, cfg.counter_match_utility, option_value
    )
    merged, winner, countered = _merge(who, idx, second, out)
    lapsed_only = Outcome(winner, merged.pay, countered, merged.sign_on, merged.floor_binds)
    movers2, counters2, _ = ration(lapsed_only, offers, pol, cands.labs, left)
    n = len(out.pay)
    return merged, _union(movers, movers2, n), _union(counters, counters2, n)


@kernel
def _lapsed(
    winner: np.ndarray,
    countered: np.ndarray,
    movers: np.ndarray,
    counters: np.ndarray,
    cand: np.ndarray,
    bid_lab: np.ndarray,
    max_pay: np.ndarray,
    amenity: np.ndarray,
    switch_cost: np.ndarray,
    min_pay: np.ndarray,
    sign_on: np.ndarray,
    once: bool,
    left: np.ndarray,
    retention_frac: np.ndarray,
    inc_lab: np.ndarray,
    comp: np.ndarray,
    inc_amenity: np.ndarray,
    limit: np.ndarray,
    rule: np.ndarray,
    can_counter: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """:func:`fall_back`'s second round, for the candidates whose commitment lapsed
    (won or countered, not accepted; ``who``, in order) only: the bids on them
    (``idx``) with their columns, each bid's candidate as its place in ``who`` and its
    maximum cut to ``max(afford, 0)`` with ``afford = (left - sign_on) / (1 +
    retention) + (switch_cost if sign_on > 0 else 0)`` (``sign_on`` 0 unless ``once``);
    their incumbents' columns, each limit cut to ``comp + left / (1 + retention)``
    (``comp`` in the pool). Each candidate's auction depends on its own bids and
    incumbent only, so this is the numpy form's round over all candidates, restricted.
    """
    n = winner.shape[0]
    accepted = np.zeros(n, dtype=np.bool_)
    accepted[movers] = True
    accepted[counters] = True
    place = np.full(n, -1, dtype=np.int64)
    L = 0
    for c in range(n):
        if (winner[c] >= 0 or countered[c]) and not accepted[c]:
            place[c] = L
            L += 1
    who = np.flatnonzero(place >= 0)
    idx = np.flatnonzero(place[cand] >= 0)
    k = idx.shape[0]
    sub_cand, sub_max = np.empty(k, dtype=np.int64), np.empty(k)
    sub_amenity, sub_switch = np.empty(k), np.empty(k)
    sub_min, sub_sign_on = np.empty(k), np.empty(k)
    for t in range(k):
        i = idx[t]
        j = bid_lab[i]
        one_off = sign_on[i] if once else 0.0
        afford = (left[j] - one_off) / (1 + retention_frac[j]) + (
            switch_cost[i] if one_off > 0 else 0.0
        )
        sub_cand[t] = place[cand[i]]
        sub_max[t] = np_minimum(max_pay[i], np_maximum(afford, 0.0))
        sub_amenity[t], sub_switch[t] = amenity[i], switch_cost[i]
        sub_min[t], sub_sign_on[t] = min_pay[i], sign_on[i]
    inc_comp, inc_am, cut = np.empty(L), np.empty(L), np.empty(L)
    inc_rule, inc_can = np.empty(L, dtype=rule.dtype), np.empty(L, dtype=np.bool_)
    for t in range(L):
        c = who[t]
        j = inc_lab[c]
        room = left[j] / (1 + retention_frac[j]) if j >= 0 else 0.0
        inc_comp[t], inc_am[t], inc_rule[t], inc_can[t] = (
            comp[c],
            inc_amenity[c],
            rule[c],
            can_counter[c],
        )
        cut[t] = np_minimum(limit[c], comp[c] + room)
    bids = (sub_cand, sub_max, sub_amenity, sub_switch, sub_min, sub_sign_on)
    return who, idx, bids, (inc_comp, inc_am, cut, inc_rule, inc_can)


def _merge(
    who: np.ndarray, idx: np.ndarray, second: Outcome, first: Outcome
) -> tuple[Outcome, np.ndarray, np.ndarray]:
    """The first round's outcome with the second's for the candidates ``who`` (its
    winners as indices into all bids, ``idx[winner]``), and the second round's winners
    and counters alone (-1 and False elsewhere).
    """
    *merged, winner, countered = _merge_columns(
        who,
        idx,
        first.winner,
        second.winner,
        first.pay,
        second.pay,
        first.countered,
        second.countered,
        first.sign_on,
        second.sign_on,
        first.floor_binds,
        second.floor_binds,
    )
    return Outcome(*merged), winner, countered


@kernel
def _merge_columns(
    who: np.ndarray,
    idx: np.ndarray,
    winner1: np.ndarray,
    winner2: np.ndarray,
    pay1: np.ndarray,
    pay2: np.ndarray,
    countered1: np.ndarray,
    countered2: np.ndarray,
    sign_on1: np.ndarray,
    sign_on2: np.ndarray,
    floor1: np.ndarray,
    floor2: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """:func:`_merge`: the first round's columns with ``who``'s from the second (row
    ``t`` for ``who[t]``), then the second's winners and counters alone.
    """
    winner, pay, sign_on = winner1.copy(), pay1.copy(), sign_on1.copy()
    countered, floor_binds = countered1.copy(), floor1.copy()
    won = np.full(winner1.shape[0], -1, dtype=np.int64)
    kept = np.zeros(winner1.shape[0], dtype=np.bool_)
    for t in range(who.shape[0]):
        c = who[t]
        won[c] = idx[winner2[t]] if winner2[t] >= 0 else -1
        kept[c] = countered2[t]
        winner[c], pay[c], sign_on[c] = won[c], pay2[t], sign_on2[t]
        countered[c], floor_binds[c] = kept[c], floor2[t]
    return winner, pay, countered, sign_on, floor_binds, won, kept


@kernel
def _union(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """``np.sort(np.concatenate([a, b]))`` of two disjoint sets of indices below ``n``."""
    mark = np.zeros(n, dtype=np.bool_)
    mark[a] = True
    mark[b] = True
    return np.flatnonzero(mark)


def settle_counters(
    state: MarketState, offers: Offers, out: Outcome, pol: PolicyArrays, counters: np.ndarray
) -> None:
    """Countered people stay on the raised pay; the raise adds to their grant."""
    if counters.size == 0:
        return
    p = state.people
    rows, lab, old, new, specialty, skill = _raise_pay(
        counters,
        offers.cands,
        offers.inc_lab,
        offers.incumbents.comp,
        out.pay,
        p.comp_usd,
        p.unvested_usd,
        p.specialty,
        p.skill,
        pol.equity_share,
        pol.vesting_months,
    )
    state.ledger.add_moves(state.step, rows, lab, lab, specialty, skill, old, new, Reason.COUNTERED)
    p.touch(rows)


@kernel
def _raise_pay(
    counters: np.ndarray,
    cands: np.ndarray,
    inc_lab: np.ndarray,
    inc_comp: np.ndarray,
    pay: np.ndarray,
    comp_usd: np.ndarray,
    unvested_usd: np.ndarray,
    specialty: np.ndarray,
    skill: np.ndarray,
    equity_share: np.ndarray,
    vesting_months: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`settle_counters`' columns: each countered candidate's row, lab, old and
    new pay, specialty and skill; their pay set to the new, and the raise's grant
    ``equity_share * (new - old) * vesting_months / 12`` added (rows are distinct).
    """
    k = counters.shape[0]
    rows, lab = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64)
    old, new = np.empty(k), np.empty(k)
    spec, sk = np.empty(k, dtype=specialty.dtype), np.empty(k)
    for i in range(k):
        c = counters[i]
        r, j = cands[c], inc_lab[c]
        rows[i], lab[i], old[i], new[i] = r, j, inc_comp[c], pay[c]
        spec[i], sk[i] = specialty[r], skill[r]
        comp_usd[r] = pay[c]
        unvested_usd[r] += equity_share[j] * (pay[c] - inc_comp[c]) * vesting_months[j] / 12
    return rows, lab, old, new, spec, sk


def settle_moves(
    state: MarketState, offers: Offers, out: Outcome, cands: Candidates, movers: np.ndarray
) -> None:
    """Winners move, by reason (poached, graduate hire, rehire, spin-out) and then by
    destination lab, in one vectorised :func:`market.moves.move`. Each buyer books its
    sign-ons once on its budget (paid in cash: not a grant, not pay; for 12 months or
    the calendar budget year, :func:`open_sign_on_month`).
    """
    if movers.size == 0:
        return
    rows, to, reason, pay = _hires(
        movers,
        out.winner,
        out.pay,
        out.sign_on,
        offers.cands,
        offers.inc_lab,
        cands.labs,
        cands.spin,
        state.people.hired_step,
        state.labs.sign_on_spent_usd,
        _HIRE_RANK,
    )
    move(state, rows, to, pay, reason)


_HIRE_RANK = np.full(max(Reason) + 1, -1, dtype=np.int64)
_HIRE_RANK[list(HIRE_ORDER)] = np.arange(len(HIRE_ORDER))
"""Each hire reason's place in :data:`HIRE_ORDER`."""


@kernel
def _hires(
    movers: np.ndarray,
    winner: np.ndarray,
    pay: np.ndarray,
    sign_on: np.ndarray,
    cands: np.ndarray,
    inc_lab: np.ndarray,
    bid_lab: np.ndarray,
    spin: np.ndarray,
    hired_step: np.ndarray,
    sign_on_spent: np.ndarray,
    rank: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`settle_moves`' hires: each mover's row, lab, reason (a spin-out's pull,
    else poached from a lab, else a graduate if never hired, else a rehire) and pay,
    sorted stably by the reason's ``rank`` and then by lab (``np.lexsort((to,
    rank[reason]))``); the sign-ons added to ``sign_on_spent`` in mover order
    (``np.add.at``).
    """
    m, n_labs = movers.shape[0], sign_on_spent.shape[0]
    rows, to = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
    reason, key = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
    for i in range(m):
        c = movers[i]
        w = winner[c]
        rows[i], to[i] = cands[c], bid_lab[w]
        sign_on_spent[to[i]] += sign_on[c]
        if spin[w]:
            reason[i] = _SPIN_OUT
        elif inc_lab[c] >= 0:
            reason[i] = _POACHED
        elif hired_step[rows[i]] < 0:
            reason[i] = _GRADUATE_HIRE
        else:
            reason[i] = _REHIRE
        key[i] = rank[reason[i]] * n_labs + to[i]
    order, _ = counting_sort(np.arange(m), key, rank.shape[0] * n_labs, True)
    return rows[order], to[order], reason[order], pay[movers[order]]
