"""Every Mesa idiom the README promises, as a test (engineers are views made on demand)."""

from __future__ import annotations

import mesa
import numpy as np

import market
from market.codes import Employer


def test_readme_python_snippet_runs():
    result = market.run_scenario(market.load_scenario("frontier-2025").scaled(500), seed=1, steps=2)
    assert not result.tables["summary"].empty
    model = market.TalentMarket(n_labs=8, n_engineers=1000, sigma=0.5, rng=42)
    model.step()
    researchers = model.agents_by_type[market.Engineer].select(lambda e: e.specialty == "research")
    expected = (model.people.view("specialty") == 0) & (model.people.view("employer") != -2)
    assert len(researchers) == int(expected.sum())
    frame = mesa.batch_run(
        market.TalentMarket,
        {"n_engineers": [500, 1000]},
        rng=[1, 2],
        max_steps=3,
        display_progress=False,
    )
    assert len({(r["n_engineers"], r["rng"]) for r in frame}) == 4


def test_no_engineer_objects_until_someone_asks():
    model = market.TalentMarket(n_labs=4, n_engineers=500, rng=1)
    for _ in range(3):
        model.step()
    assert model._engineers == {}  # the run itself never made one
    assert len(model.agents_by_type[market.Engineer]) == int(
        (model.people.view("employer") != Employer.GONE).sum()
    )
    assert len(model._engineers) > 0


def test_agentset_agg_do_and_groupby_work_on_the_views():
    model = market.TalentMarket(n_labs=4, n_engineers=300, rng=3)
    engineers = model.agents_by_type[market.Engineer]
    assert engineers.agg("comp_usd", sum) == np.sum(model.people.view("comp_usd"))
    seen = []
    engineers.do(lambda a: seen.append(a.row))
    assert sorted(seen) == list(range(300))
    by_specialty = engineers.groupby("specialty")
    assert set(by_specialty.groups) == {"research", "infrastructure", "product"}
    labs = model.agents_by_type[market.Lab]
    assert [lab.name for lab in labs] == model.lab_names
    assert set(model.agent_types) == {market.Lab, market.Engineer}
    assert len(model.agents) == len(labs) + len(engineers)


def test_datacollector_agent_reporters_follow_the_people():
    model = market.TalentMarket(n_labs=4, n_engineers=200, attrition_per_year=0.5, rng=5)
    dc = mesa.DataCollector(agenttype_reporters={market.Engineer: {"comp": "comp_usd"}})
    dc.collect(model)
    for _ in range(4):
        model.step()
    dc.collect(model)
    frame = dc.get_agenttype_vars_dataframe(market.Engineer)
    last = frame.xs(frame.index.get_level_values(0).max(), level=0)
    in_market = np.flatnonzero(model.people.view("employer") != Employer.GONE)
    assert len(in_market) < model.people.n  # some left, some entered
    np.testing.assert_array_equal(
        np.sort(last["comp"].to_numpy()), np.sort(model.people.comp_usd[in_market])
    )
    assert len(frame.xs(frame.index.get_level_values(0).min(), level=0)) == 200


def test_labs_are_views_of_the_lab_table_including_spin_outs():
    model = market.TalentMarket(n_labs=6, n_engineers=2000, spinout_rate_per_year=0.9, rng=5)
    for _ in range(12):
        model.step()
    assert len(model.labs) == len(model.state.labs) > 6
    lab = model.labs[-1]
    assert lab.name.startswith("Spin-out") and lab.kind == "startup"
    assert lab.gpus_h100e == model.state.labs.gpus_h100e[-1]
    assert lab.founded_step > 0
