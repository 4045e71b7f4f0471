"""Offers built from screening's pair values equal offers computed from scratch."""

import dataclasses

import numpy as np
import pytest

import market.model as mm
from market import TalentMarket, load_scenario
from market.bidding import PolicyArrays, make_offers


def _month_up_to_search(model: TalentMarket):
    """One month's phases up to search, as ``TalentMarket.step`` runs them."""
    st, rng = model.state, model.rng
    model.steps += 1
    st.begin_month(model.steps)
    mm.apply_events(st, model.schedule_of_events, rng)
    mm.grow(st)
    mm.produce(st)
    mm.lay_off(st)
    mm.age_and_vest(st)
    mm.enter(st, rng)
    pulls = mm.spin_out(st, rng)
    st.refresh()
    vacancies = mm.post_vacancies(st)
    return st, mm.search(st, rng, pulls, vacancies)


def _assert_same(a, b) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if dataclasses.is_dataclass(x):
            _assert_same(x, y)
        elif x is None or y is None:
            assert x is None and y is None, f.name
        else:
            np.testing.assert_array_equal(x, y, err_msg=f.name, strict=True)


@pytest.mark.parametrize("screen_by_acceptance", [True, False])
def test_offers_with_screen_values_equal_offers_from_scratch(screen_by_acceptance):
    sc = load_scenario("frontier-2025")
    market = sc.market.model_copy(update={"screen_by_acceptance": screen_by_acceptance})
    sc = sc.model_copy(update={"market": market})
    model = TalentMarket(scenario=sc, n_engineers=3000, rng=5)
    for _ in range(3):
        model.step()
    st, cands = _month_up_to_search(model)
    assert cands.values is not None and len(cands) > 0
    assert (cands.values.here is not None) == screen_by_acceptance
    cfg = st.cfg
    pol = PolicyArrays.of(st.labs, cfg)
    args = (st.lab_state, st.people, cands.labs, cands.rows, pol, cfg, st.price)
    extra = (st.star_skill, st.pop.comp_skill_elasticity)
    _assert_same(make_offers(*args, *extra, pre=cands.values), make_offers(*args, *extra))


def test_allocation_factor_by_rule_from_the_definition():
    # Lab 0 equal (a = 1), lab 1 skill-weighted (s / mean s)^g, lab 2 top teams
    # (s^2 / mean s^2)^g; lab 3 has no researchers yet, so its mean is the person's own.
    from market.valuation import allocation_factor

    state = type("S", (), {})()
    state.allocation = np.array([0, 1, 2, 1])
    state.research_headcount = np.array([2, 2, 2, 0])
    state.research_s1 = np.array([4.0, 4.0, 4.0, 0.0])
    state.research_s2 = np.array([10.0, 10.0, 10.0, 0.0])
    labs = np.array([0, 1, 2, 3, 1])
    skill = np.array([4.0, 4.0, 4.0, 3.0, 1.0])
    a = allocation_factor(state, labs, skill, 0.5)
    assert a.tolist() == pytest.approx([1.0, 2.0**0.5, (16 / 5) ** 0.5, 1.0, 0.5**0.5])
    one_rule = allocation_factor(state, np.array([1, 3]), np.array([4.0, 3.0]), 0.5)
    assert one_rule.tolist() == pytest.approx([2.0**0.5, 1.0])
