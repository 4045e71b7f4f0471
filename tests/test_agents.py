"""Mesa idioms: agents, AgentSets, DataCollector, engineers as views of the columns."""

from __future__ import annotations

import pickle

import numpy as np

import market
from market.people import GONE


def test_labs_and_engineers_are_mesa_agents():
    model = market.TalentMarket(n_labs=4, n_engineers=200, rng=2)
    labs = model.agents_by_type[market.Lab]
    engineers = model.agents_by_type[market.Engineer]
    assert len(labs) == 4
    assert len(engineers) == 200
    # AgentSet methods work on the views.
    researchers = engineers.select(lambda a: a.specialty == "research")
    assert 0 < len(researchers) < 200
    skills = np.array(engineers.get("skill"))
    np.testing.assert_array_equal(skills, model.people.view("skill")[: len(skills)])
    first = next(iter(engineers))
    assert first.employer is model.labs[int(model.people.employer[first.row])]
    assert first.comp_usd == model.people.comp_usd[first.row]


def test_views_follow_the_columns_and_leavers_are_removed():
    model = market.TalentMarket(n_labs=4, n_engineers=300, attrition_per_year=0.5, rng=4)
    for _ in range(6):
        model.step()
    gone = np.flatnonzero(model.people.view("employer") == GONE)
    assert gone.size > 0
    engineers = model.agents_by_type[market.Engineer]
    rows = {a.row for a in engineers}
    assert rows.isdisjoint(gone.tolist())
    in_market = np.flatnonzero(model.people.view("employer") != GONE)
    assert rows == set(in_market.tolist())
    assert all(a.active for a in engineers)
    # A later read follows the columns again: new entrants get views, leavers lose them.
    model.step()
    rows_after = {a.row for a in model.agents_by_type[market.Engineer]}
    assert rows_after == set(np.flatnonzero(model.people.view("employer") != GONE).tolist())


def test_datacollector_reports_each_step_and_model_pickles():
    model = market.TalentMarket(n_labs=3, n_engineers=150, rng=9)
    for _ in range(5):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 6  # initial state + 5 steps
    assert list(frame.columns) == ["headcount", "moves", "research_hhi", "labs"]
    assert frame["research_hhi"].between(0, 1).all()
    clone = pickle.loads(pickle.dumps(model))
    clone.step()
    assert clone.steps == 6
