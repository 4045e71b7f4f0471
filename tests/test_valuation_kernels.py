"""The compiled marginal values are the numpy composition they replace, bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import market as tm
from market.people import INFRASTRUCTURE, PRODUCT, RESEARCH
from market.production import monetisation
from market.valuation import (
    PersonTerms,
    _led_compute,
    _output,
    _utilisation,
    allocation_factor,
    amenity,
    amenity_here_and_there,
    compute_per_head,
    marginal_value,
)


def _output_change(c1, t1, c0, t0, cfg):
    """``_output(c1, t1) - _output(c0, t0)``, both evaluated in one (elementwise) call."""
    n = len(c1)
    both = _output(np.concatenate([c1, c0]), np.concatenate([t1, t0]), cfg)
    return both[:n] - both[n:]


def _marginal_value_reference(state, people, rows, labs, incumbent, cfg, price):
    """``marginal_value`` as numpy masks and gathers, one specialty at a time."""
    skill = people.skill[rows]
    spec = people.specialty[rows]
    inc = incumbent.astype(float)
    compute = (state.gpus * state.util * state.efficiency)[labs]
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
        h, m = cfg.product_half_saturation, cfg.product_max_uplift
        prod_with = state.product[lp] + skill[p] * (1 - inc[p])
        d_mon[p] = monetisation(prod_with, h, m) - monetisation(prod_with - skill[p], h, m)
    value = price * (state.monetise[labs] * d_out + out * d_mon)
    return np.maximum(value, 0.0)


def _market(market: dict):
    """A stepped generic market and its lab state."""
    sc = tm.generic_scenario(6, 900).with_overrides(
        {"steps": 1, **{f"market.{k}": v for k, v in market.items()}}
    )
    model = tm.TalentMarket(scenario=sc, rng=4)
    model.step()
    return model, model.state.lab_state


@pytest.mark.parametrize(
    "market",
    [
        {},
        {"sigma": 1.0},
        {"sigma": 0.0, "allocation_gamma": 0.0},
        {"infra_enabled": False},
        {"infra_leadership_enabled": True},
    ],
)
@pytest.mark.parametrize("equal", [False, True])
def test_marginal_values_are_the_numpy_composition(market, equal, with_every_rule_and_an_empty_lab):
    """Random pairs of people and labs, incumbents and not, under every allocation rule
    (or the equal rule everywhere: no ``**``), at a lab without researchers, GPUs or
    product staff; also no pairs and one specialty only."""
    model, agg = _market(market)
    agg = _rules(with_every_rule_and_an_empty_lab(agg), equal)
    cfg, people, n_labs = model.cfg, model.state.people, agg.n_labs
    rng = np.random.default_rng(6)
    n = 3000
    rows = rng.integers(0, people.n, n)
    labs = rng.integers(0, n_labs, n)
    incumbent = rng.random(n) < 0.4
    spec = people.view("specialty")
    cases = [
        (rows, labs, incumbent),
        (rows[:0], labs[:0], incumbent[:0]),
        *(
            (rows[spec[rows] == s], labs[spec[rows] == s], incumbent[spec[rows] == s])
            for s in range(3)
        ),
    ]
    for r, j, inc in cases:
        for price in (1.0, 2.9e6):
            got = marginal_value(agg, people, r, j, inc, cfg, price)
            want = _marginal_value_reference(agg, people, r, j, inc, cfg, price)
            np.testing.assert_array_equal(got, want)
    everyone = marginal_value(agg, people, rows, labs, incumbent, cfg, 1.0)
    assert np.count_nonzero(everyone) > n // 4  # not trivially zero


def _amenity_reference(state, people, rows, labs, incumbent, gamma):
    """``compute_per_head`` and ``amenity`` as numpy masks and gathers."""
    terms = PersonTerms.of(people, rows)
    n_r = state.research_headcount[labs] + (1 - incumbent.astype(float))
    base = state.gpus[labs] * state.util[labs] / np.maximum(n_r, 1)
    factor = np.ones(len(rows))
    is_r = terms.is_research
    if is_r.any():
        factor[is_r] = allocation_factor(state, labs[is_r], terms.skill[is_r], gamma)
    cph = base * factor
    value = (
        terms.w_compute * (np.log(np.maximum(cph, 1e-3)) - state.reference_log_compute)
        + terms.w_mission * (state.mission[labs] - state.reference_mission)
        + terms.w_colleagues * state.log_colleagues[labs]
    )
    return cph, value


@pytest.mark.parametrize("gamma", [0.0, 0.25, 1.0])
@pytest.mark.parametrize("equal", [False, True])
def test_amenities_are_the_numpy_composition(gamma, equal, with_every_rule_and_an_empty_lab):
    model, agg = _market({})
    agg = _rules(with_every_rule_and_an_empty_lab(agg), equal)
    people = model.state.people
    rng = np.random.default_rng(8)
    n = 3000
    rows = rng.integers(0, people.n, n)
    labs = rng.integers(0, agg.n_labs, n)
    incumbent = rng.random(n) < 0.4
    for r, j, inc in ((rows, labs, incumbent), (rows[:0], labs[:0], incumbent[:0])):
        cph, value = _amenity_reference(agg, people, r, j, inc, gamma)
        np.testing.assert_array_equal(compute_per_head(agg, people, r, j, inc, gamma), cph)
        np.testing.assert_array_equal(amenity(agg, people, r, j, inc, gamma), value)
    full = compute_per_head(agg, people, rows, labs, incumbent, gamma)
    assert np.unique(full).size > (10 if gamma == 0 or equal else 100)  # not constant
    # each person at one lab as an incumbent and at another joining, in one pass
    here = np.where(incumbent, labs, rng.integers(0, agg.n_labs, n))
    for r, h, j in ((rows, here, labs), (rows[:0], here[:0], labs[:0])):
        got = amenity_here_and_there(agg, people, r, h, j, gamma)
        want_here = amenity(agg, people, r, h, np.ones(len(r), bool), gamma)
        want_there = amenity(agg, people, r, j, np.zeros(len(r), bool), gamma)
        np.testing.assert_array_equal(got[0], want_here)
        np.testing.assert_array_equal(got[1], want_there)


@pytest.mark.parametrize("odd", [[0.0, 1e300, 1e-300, 5.0], [0.0, np.nan, np.inf, 1e-300]])
def test_amenities_by_lab_with_odd_fleets(odd):
    """Without allocation by skill each pair reads its lab's log compute per head
    (:func:`market.valuation._here_and_there_inputs`): the same numbers as two
    :func:`amenity` calls with no, NaN, infinite and tiny fleets, a lab without
    researchers and one with a fraction of one."""
    model, agg = _market({})
    n_labs = agg.n_labs
    gpus = agg.gpus.astype(float).copy()
    gpus[:4] = odd
    heads = agg.headcount.astype(float).copy()
    heads[RESEARCH, 4] = 0.0
    heads[RESEARCH, 5 % n_labs] = 0.4
    agg = dataclasses.replace(
        agg, allocation=np.zeros(n_labs, dtype=np.int64), gpus=gpus, headcount=heads
    )
    assert not agg.allocates_by_skill
    people = model.state.people
    rng = np.random.default_rng(10)
    rows = rng.integers(0, people.n, 2000)
    here, there = rng.integers(0, n_labs, 2000), rng.integers(0, n_labs, 2000)
    got = amenity_here_and_there(agg, people, rows, here, there, 0.5)
    want_here = amenity(agg, people, rows, here, np.ones(2000, bool), 0.5)
    want_there = amenity(agg, people, rows, there, np.zeros(2000, bool), 0.5)
    np.testing.assert_array_equal(got[0], want_here)
    np.testing.assert_array_equal(got[1], want_there)
    assert np.isnan(odd).any() or np.isfinite(got[1]).sum() > 1000


def _rules(agg, equal):
    """``agg`` as it is (every rule), or with the equal rule at every lab."""
    if not equal:
        assert agg.allocates_by_skill
        return agg
    agg = dataclasses.replace(agg, allocation=np.zeros(agg.n_labs, dtype=np.int64))
    assert not agg.allocates_by_skill
    return agg


def test_person_terms_are_the_gathered_columns():
    from market.valuation import COMPUTE_PREF_BY_SPECIALTY

    model, _ = _market({})
    people = model.state.people
    rows = np.random.default_rng(9).integers(0, people.n, 2000)
    for r in (rows, rows[:0]):
        terms = PersonTerms.of(people, r)
        spec = people.specialty[r]
        np.testing.assert_array_equal(terms.skill, people.skill[r])
        np.testing.assert_array_equal(terms.is_research, spec == RESEARCH)
        want = people.w_compute[r] * COMPUTE_PREF_BY_SPECIALTY[spec]
        np.testing.assert_array_equal(terms.w_compute, want)
        np.testing.assert_array_equal(terms.w_mission, people.w_mission[r])
        np.testing.assert_array_equal(terms.w_colleagues, people.w_colleagues[r])
        assert terms.is_research.dtype == bool


def test_lab_means_are_the_numpy_forms():
    """Labs with nobody, one person, a NaN skill sum, tiny and huge means."""
    from market.valuation import _lab_means

    rng = np.random.default_rng(5)
    n = 40
    headcount = rng.integers(0, 4, (3, n)).astype(float)
    headcount[:, :3] = 0.0
    headcount[:, 3] = [0.0, 1.0, 0.0]
    payroll, retention = rng.lognormal(13, 1, n), rng.random(n)
    skill_sum = rng.lognormal(0, 3, n) * headcount.sum(axis=0)
    skill_sum[5], skill_sum[6], skill_sum[7] = np.nan, 1e-300, 1e300
    market_mean = np.float64(1.3)
    total, pay, mean, relative = _lab_means(headcount, payroll, retention, skill_sum, market_mean)
    want_total = headcount.sum(axis=0)
    want_mean = skill_sum / np.maximum(want_total, 1)
    for got, want in (
        (total, want_total),
        (pay, payroll * (1 + retention)),
        (mean, want_mean),
        (relative, np.maximum(want_mean, 1e-12) / market_mean),
    ):
        assert np.array_equal(got.view(np.int64), want.view(np.int64))


def test_normalised_inputs_are_output_s_numpy_inputs():
    """Zero and infinite fleets, zero utilisation or talent."""
    from market.valuation import _normalised_inputs

    rng = np.random.default_rng(6)
    n = 30
    gpus, util, eff, talent = (rng.lognormal(0, 3, n) for _ in range(4))
    gpus[:2], util[2], talent[3], gpus[4] = 0.0, 0.0, 0.0, np.inf
    x, y = _normalised_inputs(gpus, util, eff, talent, 1000.0, 3.0)
    for got, want in ((x, gpus * util * eff / 1000.0), (y, talent / 3.0)):
        assert np.array_equal(got.view(np.int64), want.view(np.int64))
