"""Each mechanism does what the design says, and switching it off removes it."""

from __future__ import annotations

import numpy as np
import pytest

import market
from market.bidding import PolicyArrays, pay_band
from market.people import INFRASTRUCTURE, POOL, RESEARCH
from market.tables import build_tables
from market.valuation import marginal_value


def run(sc: market.Scenario, seed: int, steps: int | None = None):
    model = market.TalentMarket(scenario=sc, rng=seed)
    for _ in range(steps or sc.steps):
        model.step()
    return model, build_tables(model)


def test_same_researcher_is_worth_more_at_a_gpu_rich_lab(two_labs):
    model = market.TalentMarket(scenario=two_labs(), rng=1)
    row = np.flatnonzero(model.people.view("specialty") == RESEARCH)
    values = marginal_value(
        model.state.lab_state,
        model.people,
        np.repeat(row, 2),
        np.array([0, 1]),
        np.array([False, True]),
        model.cfg,
        model.price,
    )
    assert values[0] > values[1] > 0  # lab 0 has 8x the GPUs


def test_infrastructure_talent_makes_gpus_useful():
    sc = market.generic_scenario(4, 400)
    model = market.TalentMarket(scenario=sc, rng=1)
    infra = np.flatnonzero(model.people.view("specialty") == INFRASTRUCTURE)
    lab0 = infra[model.people.employer[infra] == 0]
    before = model.state.lab_state
    model.people.employer[lab0] = POOL  # lab 0 loses its infra team
    model.people.touch()
    after = model.state.refresh()
    assert after.util[0] < before.util[0]
    assert after.util[0] == pytest.approx(sc.market.utilisation_min)
    assert after.output[0] < before.output[0]


def poached_counts(sc: market.Scenario, seeds=range(6), steps=24) -> np.ndarray:
    counts = []
    for seed in seeds:
        _, tables = run(sc, seed, steps)
        counts.append((tables["moves"]["reason"] == "poached").sum())
    return np.array(counts, dtype=float)


def clearly_more(a: np.ndarray, b: np.ndarray) -> bool:
    """Mean of a exceeds mean of b by more than two standard errors of the difference."""
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return a.mean() - b.mean() > 2 * se


def clearly_more_paired(a: np.ndarray, b: np.ndarray) -> bool:
    """Runs paired by seed (common random numbers): the mean of ``a - b`` exceeds two
    standard errors of that mean.
    """
    d = a - b
    return d.mean() > 2 * d.std(ddof=1) / np.sqrt(len(d))


def test_noncompete_enforcement_cuts_mobility():
    # 24 months: counted once (unpaid leave, a one-off cost to the mover), 12 months cut
    # mobility here by only ~3%, too little for six seeds to tell apart. Mobility is
    # counted as moves out of the firms bound by the clauses (as Marx, Strumsky &
    # Fleming count inventors leaving employers): labs fill the same funded vacancies
    # from academia instead, so all poaching moves together barely change (measured,
    # 30 seeds: out of firms -36%, all poaching -1%).
    base = market.generic_scenario(5, 500).with_overrides(
        {"steps": 24, "labs.*.policy.noncompete_months": 24}
    )
    seeds = range(20)  # moves per run are few with one bid per vacancy: more seeds
    sc = {on: base.with_overrides({"market.noncompete_enforcement": on}) for on in (1.0, 0.0)}
    enforced = moves_out_of_firms(sc[1.0], seeds)
    banned = moves_out_of_firms(sc[0.0], seeds)
    # Marx, Strumsky & Fleming (2009) measured ~8% less inventor mobility under
    # enforcement: the model must show a cut, of that order rather than a collapse.
    assert clearly_more_paired(banned, enforced)
    assert banned.mean() < 2 * enforced.mean()


def moves_out_of_firms(sc: market.Scenario, seeds=range(6), steps=24) -> np.ndarray:
    """Job-to-job moves out of the labs that are firms (not the outside sector)."""
    counts = []
    for seed in seeds:
        model, tables = run(sc, seed, steps)
        firms = [lab.name for lab in model.labs if lab.kind not in ("academia", "infra")]
        moves = tables["moves"]
        counts.append(((moves["reason"] == "poached") & moves["from_lab"].isin(firms)).sum())
    return np.array(counts, dtype=float)


def test_unvested_equity_cuts_mobility():
    # Forfeited equity raises what a person at a firm needs to move, so fewer of them
    # move; vacancies are filled from the outside sector instead (total hires barely
    # change under directed search), so the count is of moves out of firms.
    base = market.generic_scenario(5, 500).with_overrides({"steps": 24})
    seeds = range(12)
    no_equity = moves_out_of_firms(base.with_overrides({"labs.*.policy.equity_share": 0.0}), seeds)
    heavy = moves_out_of_firms(base.with_overrides({"labs.*.policy.equity_share": 0.9}), seeds)
    assert clearly_more_paired(no_equity, heavy)


def test_switching_offers_off_stops_poaching_and_counters():
    sc = market.generic_scenario(4, 300).with_overrides(
        {"steps": 12, "market.offers_enabled": False, "market.spinouts_enabled": False}
    )
    _, tables = run(sc, 1)
    moves = tables["moves"]
    assert not moves["reason"].isin(["poached", "countered", "rehire"]).any()
    # Only the outside sector still takes in unhired graduates.
    assert set(moves.loc[moves["reason"] == "graduate_hire", "to_lab"]) <= {"Academia"}


def test_unhired_graduates_go_to_academia_or_leave():
    sc = market.generic_scenario(4, 400).with_overrides(
        {"steps": 14, "population.graduates_per_year": 1200, "market.offers_enabled": False}
    )
    _, tables = run(sc, 2)
    into_academia = tables["moves"][tables["moves"]["reason"] == "graduate_hire"]
    assert len(into_academia) > 0
    assert (into_academia["step"] > sc.population.pool_months).all()
    academia = tables["labs"][tables["labs"]["lab"] == "Academia"]
    assert (academia["payroll_usd"] <= academia["budget_usd"] * (1 + 1e-9)).all()
    off = sc.with_overrides({"market.outside_absorbs_graduates": False})
    _, tables_off = run(off, 2)
    assert (tables_off["moves"]["reason"] != "graduate_hire").all()


def test_counter_offers_switch():
    sc = market.generic_scenario(4, 400).with_overrides({"steps": 12})
    _, on = run(sc, 2)
    _, off = run(sc.with_overrides({"market.counter_offers_enabled": False}), 2)
    assert (on["moves"]["reason"] == "countered").sum() > 0
    assert (off["moves"]["reason"] == "countered").sum() == 0


def test_spin_outs_create_labs_that_pull_former_colleagues():
    sc = market.generic_scenario(4, 800).with_overrides(
        {"steps": 12, "market.spinout_rate_per_year": 0.9, "market.star_quantile": 0.95}
    )
    model, tables = run(sc, 3)
    new_labs = [lab for lab in model.labs if lab.kind == "startup"]
    assert new_labs, "no spin-out founded"
    spin = tables["moves"][tables["moves"]["reason"] == "spin_out"]
    for lab in new_labs:
        joined = spin[spin["to_lab"] == lab.name]
        assert len(joined) >= 1
        # Founders and early joiners come from the lab the spin-out descends from
        # (or from an earlier spin-out of it).
        sources = set(joined["from_lab"])
        assert any(lab.origin in s for s in sources)
    off = sc.with_overrides({"market.spinouts_enabled": False})
    model_off, _ = run(off, 3)
    assert len(model_off.labs) == len(sc.labs)
    assert model.spinouts_founded <= sc.market.max_labs - len(sc.labs)


def test_graduates_enter_and_get_hired():
    sc = market.generic_scenario(4, 400).with_overrides(
        {"steps": 12, "population.graduates_per_year": 600}
    )
    model, tables = run(sc, 5)
    assert model.people.n > 400
    grads = tables["moves"][tables["moves"]["reason"] == "graduate_hire"]
    assert len(grads) > 0 and (grads["from_lab"] == "").all()
    off = sc.with_overrides({"market.graduates_enabled": False})
    model_off, tables_off = run(off, 5)
    assert model_off.people.n == 400
    assert (tables_off["moves"]["reason"] != "graduate_hire").all()


def test_attrition_rate_matches_its_parameter():
    sc = market.generic_scenario(4, 2000).with_overrides(
        {
            "steps": 12,
            "population.attrition_per_year": 0.2,
            "market.offers_enabled": False,
            "market.layoffs_enabled": False,
            "market.spinouts_enabled": False,
        }
    )
    _, tables = run(sc, 6)
    left = (tables["moves"]["reason"] == "attrition").sum()
    assert 0.2 * 2000 * 0.75 < left < 0.2 * 2000 * 1.25


def test_events_fire_at_their_step_and_revert():
    sc = market.generic_scenario(3, 200).with_overrides({"steps": 12})
    data = sc.model_dump()
    data["events"] = [
        {"at": "2025-04", "lab": "Lab1", "field": "pay_multiplier", "value": 3.0, "months": 2},
        {"at": 6, "lab": "Lab2", "field": "gpus_h100e", "value": 1e6},
        {"at": 5, "field": "noncompete_enforcement", "value": 0.0},
    ]
    model = market.TalentMarket(scenario=market.build_scenario(data), rng=1)
    seen = []
    for _ in range(8):
        model.step()
        seen.append(
            (
                model.labs[0].policy.pay_multiplier,
                model.labs[1].gpus_h100e,
                model.cfg.noncompete_enforcement,
            )
        )
    multipliers = [s[0] for s in seen]
    assert multipliers == [1.0, 1.0, 1.0, 3.0, 3.0, 1.0, 1.0, 1.0]  # steps 4-5 only
    gpus = [s[1] for s in seen]
    assert gpus[4] < 1e6 <= gpus[5]  # set at step 6, then grows
    assert [s[2] for s in seen][3:5] == [1.0, 0.0]


def test_capability_feeds_next_years_budget():
    sc = market.generic_scenario(4, 400).with_overrides(
        {"steps": 13, "market.budget_feedback": 2.0, "market.spinouts_enabled": False}
    )
    _, tables = run(sc, 1)
    labs = tables["labs"]
    start = labs[labs["step"] == 12].set_index("lab")
    end = labs[labs["step"] == 13].set_index("lab")
    growth_budget = end["budget_usd"] / start["budget_usd"]
    growth_cap = (
        labs[labs["step"] == 12].set_index("lab")["capability"]
        / labs[labs["step"] == 0].set_index("lab")["capability"]
    )
    # The lab that out-progressed the market gets the larger budget increase.
    assert growth_budget.idxmax() == growth_cap.idxmax()
    assert growth_budget.idxmin() == growth_cap.idxmin()


def test_star_pay_multiplier_lifts_offers_to_stars_only(two_labs):
    sc = two_labs()
    base = market.TalentMarket(scenario=sc, rng=3)
    row = int(np.flatnonzero(base.people.view("specialty") == RESEARCH)[0])
    base.step()
    plain_pay = float(base.people.comp_usd[row])
    # Poacher A values stars 4x; with the incumbent B capped low, A pays B's max either
    # way, so make B the star-lover instead: its counter limit rises, and so the price.
    data = sc.model_dump()
    data["labs"][1]["policy"]["star_pay_multiplier"] = 1.5
    data["market"]["star_quantile"] = 0.5  # the one researcher is a star
    star = market.TalentMarket(scenario=market.build_scenario(data), rng=3)
    star.step()
    assert float(star.people.comp_usd[row]) == pytest.approx(1.5 * plain_pay, rel=1e-9)


def test_hiring_bar_keeps_labs_from_bidding_below_it():
    sc = market.generic_scenario(4, 600).with_overrides(
        {"steps": 12, "labs.*.policy.hiring_bar_quantile": 0.8}
    )
    model, tables = run(sc, 4)
    hires = tables["moves"][tables["moves"]["reason"].isin(["poached", "rehire"])]
    assert len(hires) > 0
    assert (hires["skill"] >= model.state.skill_quantile(0.8)).all()


def test_recruiting_scales_with_staff_and_campus_intake_hires_graduates():
    base = market.generic_scenario(4, 800).with_overrides(
        {"steps": 12, "population.graduates_per_year": 400, "market.vacancies_enabled": False}
    )
    flat = poached_counts(base, seeds=range(3), steps=12)
    scaled = poached_counts(
        base.with_overrides({"market.candidates_per_100_staff": 5.0}), seeds=range(3), steps=12
    )
    assert clearly_more(scaled, flat)
    _, plain = run(base, 1)
    _, campus = run(base.with_overrides({"labs.*.policy.graduate_intake_per_100_staff": 3.0}), 1)

    def grads_hired_by_labs(tables):
        moves = tables["moves"]
        return ((moves["reason"] == "graduate_hire") & (moves["to_lab"] != "Academia")).sum()

    assert grads_hired_by_labs(campus) > 2 * grads_hired_by_labs(plain)


def test_pay_band_floor_follows_its_formula_and_lifts_new_hire_pay():
    sc = market.generic_scenario(4, 600).with_overrides(
        {"steps": 12, "labs.*.policy.pay_band_floor": 0.9}
    )
    model = market.TalentMarket(scenario=sc, rng=8)
    labs = np.array([0, 1, 2, 1])
    skill = np.array([1.0, 2.0, 3.0, 10.0])
    pol = PolicyArrays.of(model.state.labs, model.cfg)
    st = model.state.lab_state
    floor = pay_band(st, labs, skill, pol, model.pop.comp_skill_elasticity)
    mean_pay = st.payroll / st.headcount.sum(axis=0)
    expected = 0.9 * mean_pay[labs] * (skill / st.skill_mean[labs])
    np.testing.assert_allclose(floor, expected)
    # Over a run, new hires at commercial labs (poached or from the pool) are paid more
    # with a band than without. (Few graduates are hired here: each vacancy bids for
    # the best candidate it meets, rarely a graduate.)
    _, banded = run(sc, 8)
    _, plain = run(sc.with_overrides({"labs.*.policy.pay_band_floor": 0.0}), 8)

    def hire_pay(tables):
        moves = tables["moves"]
        new_hire = moves["reason"].isin(["poached", "graduate_hire", "rehire"])
        hires = moves[new_hire & (moves["to_lab"] != "Academia")]
        assert len(hires) > 0
        return hires["new_comp_usd"].median()

    assert hire_pay(banded) > hire_pay(plain)


def test_pool_is_an_average_outside_option():
    """A graduate's reservation pay is not undercut by a lab's ordinary amenities: the
    amenity of a lab at the market's reference compute and mission is zero."""
    model = market.TalentMarket(n_labs=4, n_engineers=400, rng=1)
    st = model.state.lab_state
    researchers = st.headcount[RESEARCH].sum()
    assert st.reference_log_compute == pytest.approx(
        np.log((st.gpus * st.util).sum() / researchers)
    )
    assert min(st.mission) <= st.reference_mission <= max(st.mission)
