"""The performance rewrites (issue 6) give bit-identical results to the straightforward
code they replaced. No timings here: speed is checked by ``benchmarks/run.py``; whole-run
table equality against an older revision by ``benchmarks/equivalence.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import market
from market.codes import ALLOCATION_RULES
from market.people import GONE, INFRASTRUCTURE, POOL, PRODUCT, RESEARCH
from market.phases.record import group_quantiles
from market.search import group_order
from market.tables import _months, build_tables
from market.valuation import aggregate


def reference_aggregate_sums(people, n_labs, allocation, g):
    """The per-specialty bincounts of the original ``aggregate`` (before issue 6)."""
    emp = people.view("employer")
    at_lab = np.flatnonzero(emp >= 0)
    lab = emp[at_lab]
    s = people.skill[at_lab]
    spec = people.specialty[at_lab]
    headcount = np.zeros((3, n_labs))
    sums = {}
    for code in (RESEARCH, INFRASTRUCTURE, PRODUCT):
        mask = spec == code
        headcount[code] = np.bincount(lab[mask], minlength=n_labs)
        sums[code] = np.bincount(lab[mask], weights=s[mask], minlength=n_labs)
    is_r = spec == RESEARCH
    r_lab, r_s = lab[is_r], s[is_r]
    s2 = np.bincount(r_lab, weights=r_s**2, minlength=n_labs)
    talent = sums[RESEARCH].copy()
    if g > 0 and np.any(allocation > 0):
        n_r = np.maximum(headcount[RESEARCH], 1)
        m1 = np.maximum(sums[RESEARCH] / n_r, 1e-12)
        m2 = np.maximum(s2 / n_r, 1e-12)
        sg1 = np.bincount(r_lab, weights=r_s ** (1 + g), minlength=n_labs)
        sg2 = np.bincount(r_lab, weights=r_s ** (1 + 2 * g), minlength=n_labs)
        talent = np.select([allocation == 1, allocation == 2], [sg1 / m1**g, sg2 / m2**g], talent)
    return headcount, sums, s2, talent


@pytest.fixture(scope="module")
def spun_out_model():
    """A market with spin-outs (top_teams allocation) and a mix of rules."""
    model = market.TalentMarket(n_labs=10, n_engineers=3_000, spinout_rate_per_year=0.3, rng=11)
    for _ in range(30):
        model.step()
    return model


@pytest.mark.parametrize("gamma", [0.0, 0.25, 1.0])
def test_aggregate_matches_reference_bitwise(spun_out_model, gamma):
    model = spun_out_model
    labs = model.labs
    allocation = np.array([ALLOCATION_RULES.index(lab.policy.compute_allocation) for lab in labs])
    allocation[::3] = 1  # some skill-weighted labs too
    cfg = model.cfg.model_copy(update={"allocation_gamma": gamma})
    st = aggregate(
        model.people,
        gpus=np.array([lab.gpus_h100e for lab in labs]),
        efficiency=np.array([lab.efficiency for lab in labs]),
        allocation=allocation,
        mission=np.array([lab.mission for lab in labs]),
        retention_frac=np.zeros(len(labs)),
        cfg=cfg,
    )
    headcount, sums, s2, talent = reference_aggregate_sums(
        model.people, len(labs), allocation, gamma
    )
    assert (allocation == 2).any() and (allocation == 1).any()
    np.testing.assert_array_equal(st.headcount, headcount)
    np.testing.assert_array_equal(st.research_s1, sums[RESEARCH])
    np.testing.assert_array_equal(st.infra, sums[INFRASTRUCTURE])
    np.testing.assert_array_equal(st.product, sums[PRODUCT])
    np.testing.assert_array_equal(st.research_s2, s2)
    np.testing.assert_array_equal(st.talent, talent)


def test_group_order_is_the_stable_sort(spun_out_model):
    people, n_labs = spun_out_model.people, len(spun_out_model.labs)
    rows, bounds = group_order(people, n_labs)
    emp = people.view("employer")
    expect_rows = np.flatnonzero(emp != GONE)
    grp = np.where(emp[expect_rows] == POOL, n_labs, emp[expect_rows])
    np.testing.assert_array_equal(rows, expect_rows[np.argsort(grp, kind="stable")])
    np.testing.assert_array_equal(
        bounds, np.concatenate([[0], np.cumsum(np.bincount(grp, minlength=n_labs + 1))])
    )


@pytest.mark.parametrize("seed", range(40))
def test_group_quantiles_match_numpy_bitwise(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, rng.choice([3, 40, 2_000]), rng.integers(1, 9))
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    values = [
        rng.lognormal(12, 1, bounds[-1]),
        rng.integers(0, 4, bounds[-1]) * 1e5,  # ties
        np.round(rng.pareto(2.2, bounds[-1]) * 3e5, 2),
    ][seed % 3]
    q = (0.5, 0.9, 0.99)
    got = group_quantiles(values.copy(), bounds, q)
    for j in range(len(sizes)):
        seg = values[bounds[j] : bounds[j + 1]]
        if seg.size:
            np.testing.assert_array_equal(got[j], np.quantile(seg, q))
        else:
            assert np.isnan(got[j]).all()


def test_group_quantiles_with_nan_fall_back_to_numpy():
    values = np.array([1.0, np.nan, 3.0, 4.0, 5.0])
    bounds = np.array([0, 3, 5])
    got = group_quantiles(values.copy(), bounds, (0.5,))
    np.testing.assert_array_equal(got[:, 0], [np.nan, 4.5])


def test_months_per_distinct_step_match_per_row(spun_out_model):
    steps = spun_out_model.ledger.move_records()["step"]
    assert _months(spun_out_model, steps) == [
        spun_out_model.config.step_to_month(int(s)) for s in steps
    ]
    assert _months(spun_out_model, steps[:0]) == []


def test_engineers_stay_mesa_agents(spun_out_model):
    model = spun_out_model
    in_market = int((model.people.view("employer") != GONE).sum())
    engineers = model.agents_by_type[market.Engineer]
    assert len(engineers) == in_market
    assert len(model.agents) == in_market + len(model.labs)
    one = next(iter(engineers))
    assert one.active and one.skill == model.people.skill[one.row]
    assert set(build_tables(model)) == set(market.TABLE_NAMES)


def test_cached_aggregates_equal_fresh_ones_at_every_refresh():
    """The version-keyed cache (people unchanged since the last refresh) never serves
    stale sums: at each refresh of a run with layoffs, spin-outs and counters, the
    cached result equals a refresh with the cache emptied."""
    import dataclasses

    from market.state import MarketState

    checked = []
    original = MarketState.refresh

    def paranoid(self):
        cached = original(self)
        self._cache.clear()
        fresh = original(self)
        for f in dataclasses.fields(fresh):
            np.testing.assert_array_equal(getattr(cached, f.name), getattr(fresh, f.name))
        checked.append(self.step)
        return fresh

    MarketState.refresh = paranoid
    try:
        model = market.TalentMarket(
            n_labs=6, n_engineers=2_000, spinout_rate_per_year=0.9, rng=5, steps=24
        )
        cut = model.config.labs[0].budget_usd * 0.5
        model.state.labs.budget_usd[0] = cut  # forces layoffs at lab 0
        for _ in range(24):
            model.step()
    finally:
        MarketState.refresh = original
    assert len(checked) > 3 * 24
    assert model.spinouts_founded > 0
