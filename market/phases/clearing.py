"""Phase 9: offers, counter-offers and choices (sequential auction), then settlement
within each lab's budget headroom.
"""

from __future__ import annotations

import numpy as np

from market.auction import Outcome, resolve
from market.bidding import Offers, PolicyArrays, make_offers, within_budget
from market.codes import Reason
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
    Postel-Vinay & Robin 2002), budget rationing by surplus, then counters and moves.
    """
    if len(cands) == 0:
        return
    pol = PolicyArrays.of(state.labs, state.cfg)
    offers = make_offers(
        state.lab_state,
        state.people,
        cands.labs,
        cands.rows,
        pol,
        state.cfg,
        state.price,
        state.star_skill,
        state.pop.comp_skill_elasticity,
    )
    out = resolve(offers.bids, offers.incumbents, threshold=state.cfg.move_threshold)
    movers, counters = ration(out, offers, pol, cands)
    settle_counters(state, offers, out, pol, counters)
    settle_moves(state, offers, out, cands, movers)


def ration(
    out: Outcome, offers: Offers, pol: PolicyArrays, cands: Candidates
) -> tuple[np.ndarray, np.ndarray]:
    """Each lab keeps its best-surplus commitments (hires and counter raises) that fit
    its headroom. Returns the candidate indices of accepted moves and counters.
    """
    movers = np.flatnonzero(out.winner >= 0)
    counters = np.flatnonzero(out.countered)
    win = out.winner[movers]
    inc_comp = offers.incumbents.comp
    lab_of = np.concatenate([cands.labs[win], offers.inc_lab[counters]])
    cost = np.concatenate([out.pay[movers], out.pay[counters] - inc_comp[counters]]) * (
        1 + pol.retention_frac[lab_of]
    )
    surplus = np.concatenate(
        [
            offers.bid_value[win] - out.pay[movers],
            offers.inc_value[counters] - out.pay[counters],
        ]
    )
    ok = within_budget(lab_of, cost, surplus, np.maximum(offers.headroom, 0.0))
    return movers[ok[: len(movers)]], counters[ok[len(movers) :]]


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
    p.touch()
    p.unvested_usd[rows] += pol.equity_share[k] * (new - old) * pol.vesting_months[k] / 12


def settle_moves(
    state: MarketState, offers: Offers, out: Outcome, cands: Candidates, movers: np.ndarray
) -> None:
    """Winners move, by reason (poached, graduate hire, rehire, spin-out) and then by
    destination lab; one vectorised :func:`market.moves.move` per reason.
    """
    if movers.size == 0:
        return
    p = state.people
    win = out.winner[movers]
    rows = offers.cands[movers]
    to = cands.labs[win]
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
