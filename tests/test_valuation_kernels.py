"""The compiled marginal values are the numpy composition they replace, bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import market as tm
from market.people import INFRASTRUCTURE, PRODUCT, RESEARCH
from market.production import monetisation
from market.valuation import (
    _led_compute,
    _output_change,
    _utilisation,
    allocation_factor,
    marginal_value,
)


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
def test_marginal_values_are_the_numpy_composition(market):
    """Random pairs of people and labs, incumbents and not, under every allocation rule,
    at a lab without researchers, GPUs or product staff; also no pairs and one
    specialty only."""
    sc = tm.generic_scenario(6, 900).with_overrides(
        {"steps": 1, **{f"market.{k}": v for k, v in market.items()}}
    )
    model = tm.TalentMarket(scenario=sc, rng=4)
    model.step()
    cfg, agg, people = model.cfg, model.state.lab_state, model.state.people
    n_labs = agg.n_labs
    empty = np.arange(n_labs) == 1
    heads = agg.headcount.copy()
    heads[0, empty] = 0.0
    zero = np.zeros(n_labs)
    agg = dataclasses.replace(
        agg,
        allocation=np.arange(n_labs) % 3,
        headcount=heads,
        research_s1=np.where(empty, zero, agg.research_s1),
        research_s2=np.where(empty, zero, agg.research_s2),
        talent=np.where(empty, zero, agg.talent),
        product=np.where(empty, zero, agg.product),
        gpus=np.where(empty, zero, agg.gpus),
    )
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
