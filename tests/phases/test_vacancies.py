"""Vacancies by specialty: hand-computed with Leontief output (sigma = 0), no product
uplift and no infrastructure limit, so a researcher of skill 1 adds
``min(C, (T + 1) / talent_ref) - min(C, T / talent_ref)`` to output.
"""

import numpy as np
import pytest

from market.codes import Specialty
from market.config import MarketConfig
from market.phases.vacancies import contacts_per_vacancy, post_vacancies

MARKET = {
    "sigma": 0.0,
    "infra_enabled": False,  # utilisation 0.9
    "product_max_uplift": 0.0,
    "compute_ref_h100e": 1000.0,
    "talent_ref": 10.0,
    "vacancy_rate_max": 1.0,
    "vacancy_rate_per_surplus": 10.0,  # surplus (400k - 300k) / 300k = 1/3: rate 1
    "vacancy_headroom_share": 0.5,
    "contacts_per_vacancy": 2.0,
    "matching_elasticity": 1.0,  # no congestion: 2 contacts per vacancy
}


def two_labs(make_state, budget_a: float, poaching: float = 1.0, **market):
    # A: C = 1000 x 0.9 / 1000 = 0.9, T / talent_ref = 5 / 10 = 0.5, so its 1st..4th
    # extra researcher adds 0.1 each and the 5th adds nothing. B: C = 0.09 < 0.5, so
    # an extra researcher adds nothing there.
    people = [{"employer": j} for j in (0, 1) for _ in range(5)]  # skill 1, pay 300k
    st = make_state(
        [
            {
                "name": "A",
                "gpus_h100e": 1000.0,
                "budget_usd": budget_a,
                "policy": {"poaching_intensity": poaching},
            },
            {"name": "B", "gpus_h100e": 100.0, "budget_usd": 1e9},
        ],
        people,
        market={**MARKET, **market},
    )
    st.price = 4e6  # 0.1 of output is worth 400k a year, above the 300k going wage
    return st


def test_lab_posts_vacancies_while_a_typical_hire_is_worth_the_wage(make_state):
    st = two_labs(make_state, budget_a=1e9)
    v = post_vacancies(st)
    research = int(Specialty.RESEARCH)
    assert v.wanted[research].tolist() == [4, 0]  # B's marginal value is 0 < wage
    assert v.counts[research].tolist() == [4, 0]
    # nobody works in infrastructure or product: no going wage, no vacancies there
    assert v.counts[1:].sum() == 0
    assert not v.budget_limited.any()
    assert v.contacts_per_vacancy == pytest.approx(2.0)


def test_a_lower_wage_or_value_changes_the_count(make_state):
    st = two_labs(make_state, budget_a=1e9)
    st.price = 2e6  # 0.1 of output is now worth 200k < 300k: no vacancies anywhere
    assert post_vacancies(st).counts.sum() == 0


def test_vacancy_rate_rises_with_the_surplus_of_a_hire(make_state):
    # rate = 0.6 x 1/3 = 0.2 of A's five researchers: one vacancy, though four hires
    # are worth the wage
    st = two_labs(make_state, budget_a=1e9, vacancy_rate_per_surplus=0.6)
    v = post_vacancies(st)
    assert v.counts[0].tolist() == [1, 0]
    st = two_labs(make_state, budget_a=1e9, vacancy_rate_per_surplus=1.5)  # rate 0.5
    assert post_vacancies(st).counts[0, 0] == 2  # 2.5 rounds to even: 2


def test_headroom_caps_vacancies(make_state):
    # payroll 5 x 300k = 1.5M; headroom 1.2M, of which half (0.6M) funds vacancies:
    # two at the 300k going wage, though four are wanted
    st = two_labs(make_state, budget_a=1.5e6 + 1.2e6)
    v = post_vacancies(st)
    assert v.wanted[0, 0] == 4 and v.counts[0, 0] == 2
    assert v.budget_limited.tolist() == [True, False]


def test_extra_search_costs_budget(make_state):
    # poaching intensity 2: each vacancy buys 2 x (2 - 1) = 2 extra contacts at 50k,
    # so a vacancy costs 300k + 100k; 0.6M funds one
    st = two_labs(
        make_state, budget_a=1.5e6 + 1.2e6, poaching=2.0, recruiting_cost_per_contact_usd=5e4
    )
    assert post_vacancies(st).counts[0, 0] == 1


def test_switched_off_gives_no_vacancies(make_state):
    st = two_labs(make_state, budget_a=1e9, vacancies_enabled=False)
    assert post_vacancies(st) is None


def test_contacts_per_vacancy_follow_the_matching_function():
    cfg = MarketConfig(contacts_per_vacancy=2.0, matching_elasticity=0.5, reference_tightness=0.01)
    # theta = 4 / 100 = 0.04 = 4 x the reference: 2 x 4^(0.5 - 1) = 1 contact
    assert contacts_per_vacancy(4, 100, cfg) == pytest.approx(1.0)
    # at the reference tightness, the configured number
    assert contacts_per_vacancy(1, 100, cfg) == pytest.approx(2.0)
    # never more contacts than searchers: 50 vacancies, 100 searchers -> <= 2 each
    assert contacts_per_vacancy(50, 100, cfg) <= 2.0
    assert contacts_per_vacancy(0, 100, cfg) == 0.0


def test_vacancies_are_funded_against_the_lowest_recent_budget(make_state):
    from market.phases.vacancies import recent_min_budget

    st = two_labs(make_state, budget_a=1.5e6 + 1.2e6, vacancy_budget_memory_months=3)
    # months 1 and 2 were recorded with A's budget at 2.1M and 2.7M: this month's
    # 2.7M (a one-off rise) does not fund vacancies, 2.1M does: headroom 0.6M, half
    # of it 0.3M, one vacancy at 300k
    for step, budget in ((1, 2.1e6), (2, 2.7e6)):
        st.ledger.add_lab_records({"step": np.full(2, step), "budget_usd": np.array([budget, 1e9])})
    st.step = 3
    assert recent_min_budget(st, 3).tolist() == [2.1e6, 1e9]
    assert recent_min_budget(st, 2).tolist() == [2.7e6, 1e9]  # month 1 forgotten
    assert post_vacancies(st).counts[0, 0] == 1


def test_a_lab_paying_above_the_going_wage_budgets_its_own_pay(make_state):
    from market.phases.vacancies import going_rates, hire_cost

    st = two_labs(make_state, budget_a=1e9)
    st.people.comp_usd[:5] = 600_000.0  # A pays its researchers 600k, B 300k
    st.people.touch()
    st.refresh()
    p = st.people
    wage, _ = going_rates(p.view("comp_usd"), p.view("skill"), p.view("specialty"))
    assert wage[0] == pytest.approx(450_000.0)  # the market median of 300k and 600k
    cost = hire_cost(st, wage)
    assert cost[0].tolist() == pytest.approx([600_000.0, 450_000.0])


def test_vacancy_planning_runs_with_infrastructure_leadership_on():
    """The pseudo-lab state of vacancy planning carries the leadership columns, one per
    (specialty, lab) pair, so a run with leadership on plans vacancies (regression: the
    columns were left at one per lab)."""
    import dataclasses

    import market
    from market.phases.vacancies import representatives, with_extra_hires

    sc = market.generic_scenario(3, 300).with_overrides(
        {"steps": 3, "market.infra_leadership_enabled": True}
    )
    model = market.TalentMarket(scenario=sc, rng=1)
    agg = model.state.lab_state
    rep = representatives(np.array([1.5, 1.5, 1.5]))
    extra = np.ones(3 * agg.n_labs)
    pseudo = with_extra_hires(agg, rep, extra, model.cfg)
    for f in ("gpus", "util", "leaders", "team", "backlog", "bring_up"):
        assert len(getattr(pseudo, f)) == 3 * agg.n_labs, f
    infra = np.arange(agg.n_labs) + agg.n_labs  # the infrastructure pseudo-labs
    assert np.all(pseudo.team[infra] > agg.team)  # a typical infra hire adds team skill
    assert np.array_equal(pseudo.leaders[infra], agg.leaders)  # ... and is not a leader
    assert dataclasses.is_dataclass(pseudo)
    for _ in range(3):
        model.step()
    assert model.steps == 3
