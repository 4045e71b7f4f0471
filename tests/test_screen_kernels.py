"""The compiled screening kernels (``market.bidding``: the mover's columns, non-compete
terms, acceptance pay; ``market.phases.search``: the acceptance score and the bid
groups) give bit-identical results to the numpy forms they replace, on random inputs
with pool rows, paid and unpaid leave, NaN and infinities. No timings here.
"""

from __future__ import annotations

import numpy as np
import pytest

import market
from market import bidding
from market.bidding import PolicyArrays, acceptance_pay, bid_ceiling, noncompete_and_forfeit
from market.phases.search import _acceptance_score, _bid_groups, _top_per_group, top_per_group
from market.valuation import amenity

# The inputs hold NaN and infinities on purpose (numpy warns where they combine).
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _python(fn):
    """The Python function of a kernel (itself when ``NUMBA_DISABLE_JIT=1``)."""
    return getattr(fn, "py_func", fn)


def _noncompete_numpy(comp_usd, unvested_usd, rows, inc_lab, months_of, paid_of, h, share):
    """``noncompete_and_forfeit`` as numpy (its form before the kernel)."""
    employed = inc_lab >= 0
    safe_inc = np.where(employed, inc_lab, 0)
    months = np.where(employed, months_of[safe_inc], 0.0)
    paid = employed & paid_of[safe_inc]
    delay = np.maximum(0.0, 1 - np.where(paid, months, 0.0) / (12 * h))
    unpaid_pay = np.where(paid, 0.0, months) / 12 * comp_usd[rows]
    return delay, unvested_usd[rows] + unpaid_pay * share


def _columns(rng, n_rows, n_labs):
    comp = rng.pareto(2.0, n_rows) * 2e5
    comp[:3] = [np.inf, np.nan, 0.0]
    unvested = rng.pareto(2.0, n_rows) * 1e5
    months = rng.choice([0.0, 3.0, 6.0, 12.0, 30.0, 100.0], n_labs)
    months[0] = np.nan
    paid = rng.random(n_labs) < 0.5
    return comp, unvested, months, paid


@pytest.mark.parametrize("seed", range(4))
def test_noncompete_pairs_is_the_numpy_form(seed):
    rng = np.random.default_rng(seed)
    n_rows, n_labs, n = 300, 6, 2000
    comp, unvested, months, paid = _columns(rng, n_rows, n_labs)
    rows = rng.integers(0, n_rows, n)
    inc = rng.integers(-2, n_labs, n)
    want = _noncompete_numpy(comp, unvested, rows, inc, months, paid, 2.0, 0.5)
    for fn in (bidding._noncompete_pairs, _python(bidding._noncompete_pairs)):
        got = fn(rows, inc, comp, unvested, months, paid, 24.0, 0.5)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    empty = np.empty(0, dtype=np.int64)
    got = bidding._noncompete_pairs(empty, empty, comp, unvested, months, paid, 24.0, 0.5)
    assert got[0].shape == got[1].shape == (0,)


@pytest.mark.parametrize("seed", range(3))
def test_mover_columns_are_the_gathered_columns(seed):
    rng = np.random.default_rng(seed)
    n_rows, n_labs, n = 400, 5, 3000
    comp, unvested, months, paid = _columns(rng, n_rows, n_labs)
    employer = rng.integers(-2, n_labs, n_rows).astype(np.int32)
    rows = rng.integers(0, n_rows, n)
    args = (rows, employer, comp, unvested, months, paid, 24.0, 0.5)
    inc = employer[rows].astype(np.int64)
    want = (
        inc >= 0,
        np.where(inc >= 0, inc, 0),
        comp[rows],
        *_noncompete_numpy(comp, unvested, rows, inc, months, paid, 2.0, 0.5),
    )
    for fn in (bidding._mover_columns, _python(bidding._mover_columns)):
        got = fn(*args)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
            assert g.dtype == w.dtype or g.dtype == np.int64


def test_gap_exponent_and_need_are_the_numpy_forms():
    rng = np.random.default_rng(5)
    n = 1000
    employed = rng.random(n) < 0.7
    here, there = rng.normal(size=(2, n))
    here[:3], there[3:6] = [np.nan, np.inf, -np.inf], [np.nan, np.inf, -np.inf]
    want = np.where(employed, here, 0.0) - there + 0.02
    for fn in (bidding._gap_exponent, _python(bidding._gap_exponent)):
        np.testing.assert_array_equal(fn(employed, here, there, 0.02), want)
    comp, gap, one_off = rng.pareto(2.0, (3, n))
    gap[:2], one_off[2:4] = [np.inf, np.nan], [np.inf, np.nan]
    for fn in (bidding._need, _python(bidding._need)):
        np.testing.assert_array_equal(fn(comp, gap, one_off, 2.0), comp * gap + one_off / 2.0)


@pytest.fixture(scope="module")
def model():
    m = market.TalentMarket(n_labs=6, n_engineers=1500, rng=3)
    for _ in range(4):
        m.step()
    labs = m.state.labs
    labs.noncompete_months[:] = [0.0, 6.0, 12.0, 3.0, 40.0, 9.0]
    labs.garden_leave_paid[:] = [0, 1, 0, 1, 1, 0]
    return m


def test_acceptance_pay_is_the_numpy_form(model):
    st = model.state
    p, cfg, agg = st.people, st.cfg, st.lab_state
    rng = np.random.default_rng(0)
    rows = rng.choice(np.flatnonzero(p.employer[: p.n] >= -1), 2000)
    labs = rng.integers(0, st.n_labs, len(rows))
    pol = PolicyArrays.of(st.labs, cfg)
    inc_lab = p.employer[rows].astype(np.int64)
    employed = inc_lab >= 0
    assert employed.any() and not employed.all()
    gamma = cfg.allocation_gamma
    safe = np.where(employed, inc_lab, 0)
    here = amenity(agg, p, rows, safe, np.ones(len(rows), bool), gamma)
    there = amenity(agg, p, rows, labs, np.zeros(len(rows), bool), gamma)
    delay, one_off = _noncompete_numpy(
        p.comp_usd,
        p.unvested_usd,
        rows,
        inc_lab,
        pol.noncompete_months,
        pol.garden_leave_paid,
        cfg.switch_cost_horizon_years,
        cfg.noncompete_cost_share,
    )
    assert (delay < 1).any() and (one_off > p.unvested_usd[rows]).any()
    gap = np.exp(np.where(employed, here, 0.0) - there + cfg.move_threshold)
    need = p.comp_usd[rows] * gap + one_off / cfg.switch_cost_horizon_years
    out = bidding.PairValues(np.empty(0))
    got_need, got_delay = acceptance_pay(agg, p, rows, labs, pol, cfg, out=out)
    np.testing.assert_array_equal(got_need, need)
    np.testing.assert_array_equal(got_delay, delay)
    for g, w in ((out.here, here), (out.there, there), (out.delay, delay), (out.one_off, one_off)):
        np.testing.assert_array_equal(g, w)
    nc = noncompete_and_forfeit(p, rows, inc_lab, pol, cfg)
    np.testing.assert_array_equal(nc[0], delay)
    np.testing.assert_array_equal(nc[1], one_off)


@pytest.mark.parametrize("seed", range(4))
def test_acceptance_score_is_the_numpy_form(seed):
    rng = np.random.default_rng(seed)
    n_rows, n_labs, n = 300, 5, 3000
    pol = PolicyArrays(*[np.ones(n_labs)] * 11)
    pol.pay_multiplier = rng.random(n_labs) + 0.5
    pol.star_pay_multiplier = rng.random(n_labs) + 1.0
    pol.pay_cap_usd = np.array([np.inf, 5e5, 1e6, np.nan, 8e5])
    headroom = np.array([1e6, -1e5, np.nan, 3e6, 0.0])
    skill = rng.pareto(2.0, n_rows)
    skill[:4] = np.nan
    rows, labs = rng.integers(0, n_rows, n), rng.integers(0, n_labs, n)
    value = rng.pareto(1.5, n) * 4e5
    value[:5] = [np.nan, np.inf, 0.0, -0.0, 1e300]
    need = rng.pareto(1.5, n) * 3e5
    need[5:9] = [np.nan, np.inf, 0.0, -np.inf]
    delay = rng.choice([1.0, 0.75, 0.0, np.nan], n, p=[0.7, 0.2, 0.05, 0.05])
    star = skill[rows] >= 1.5
    with np.errstate(all="ignore"):
        ceiling = bid_ceiling(value, labs, star, delay, pol, headroom)
        want = np.where(ceiling >= need, value * delay - need, -np.inf)
    args = (
        value,
        need,
        delay,
        labs,
        rows,
        skill,
        1.5,
        pol.pay_multiplier,
        pol.star_pay_multiplier,
        pol.pay_cap_usd,
        headroom,
    )
    specialty = rng.integers(0, 3, n_rows).astype(np.int8)
    want_group = _bid_groups(want, labs, rows, specialty, n_labs, 15)
    for fn in (_acceptance_score, _python(_acceptance_score)):
        score, group = fn(*args, specialty, n_labs, 15)
        np.testing.assert_array_equal(score, want)
        np.testing.assert_array_equal(group, want_group)
    assert np.isneginf(want).any() and np.isfinite(want).any()


@pytest.mark.parametrize("seed", range(4))
def test_bid_groups_then_top_per_group_is_top_of_the_bids(seed):
    # The screen's ranking: the pairs scored above -inf, ranked within their
    # (specialty, lab) group; the rest in an extra group that keeps none.
    rng = np.random.default_rng(seed)
    n_rows, n_labs, n = 200, 4, 1500
    specialty = rng.integers(0, 3, n_rows).astype(np.int8)
    rows, labs = rng.integers(0, n_rows, n), rng.integers(0, n_labs, n)
    score = rng.integers(0, 20, n).astype(float)  # ties
    score[rng.random(n) < 0.2] = -np.inf
    score[rng.random(n) < 0.05] = np.nan
    k = rng.integers(0, 6, (3, n_labs)).ravel()
    group = specialty[rows].astype(np.int64) * n_labs + labs
    bid = np.flatnonzero(score > -np.inf)
    want = np.zeros(n, dtype=bool)
    want[bid] = top_per_group(group[bid], score[bid], k, n_labs)
    for fn in (_bid_groups, _python(_bid_groups)):
        got_group = fn(score, labs, rows, specialty, n_labs, len(k))
        np.testing.assert_array_equal(got_group[bid], group[bid])
        assert (np.delete(got_group, bid) == len(k)).all()
        got = _top_per_group(got_group, score, np.append(k, 0.0).astype(float))
        np.testing.assert_array_equal(got, want)
    empty = np.empty(0, dtype=np.int64)
    assert _bid_groups(np.empty(0), empty, empty, specialty, n_labs, len(k)).shape == (0,)
