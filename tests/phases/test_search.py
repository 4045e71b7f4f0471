import numpy as np

from market.codes import Employer
from market.phases.search import search

NONE = (np.empty(0, np.int64), np.empty(0, np.int64))


def test_pairs_exclude_own_employer_gone_people_and_people_below_the_bar(make_state):
    people = [{"employer": 0, "skill": 1.0 + i} for i in range(10)]
    people += [{"employer": 1, "skill": 1.0 + i} for i in range(10)]
    people += [{"employer": int(Employer.GONE), "skill": 100.0}]
    st = make_state(
        [{"name": "A", "policy": {"hiring_bar_quantile": 0.5}}, {"name": "B"}],
        people,
        market={"candidates_per_lab": 200},
    )
    cands = search(st, np.random.default_rng(3), NONE)
    emp = st.people.employer[cands.rows]
    assert len(cands) > 0
    assert (emp != cands.labs).all() and (emp != Employer.GONE).all()
    bar = st.skill_quantile(0.5)
    a_bids = cands.labs == 0
    assert a_bids.any() and (st.people.skill[cands.rows[a_bids]] >= bar).all()
    pairs = set(zip(cands.labs.tolist(), cands.rows.tolist(), strict=True))
    assert len(pairs) == len(cands)  # one pair per (lab, person)


def test_spin_out_pulls_come_first_and_are_the_only_pairs_without_offers(make_state):
    st = make_state(
        [{"name": "A"}, {"name": "B"}],
        [{"employer": 0}, {"employer": 0}],
        market={"offers_enabled": False},
    )
    pulls = (np.array([1, 1]), np.array([0, 1]))
    cands = search(st, np.random.default_rng(0), pulls)
    assert cands.labs.tolist() == [1, 1] and cands.rows.tolist() == [0, 1]
    assert cands.spin.all()


def test_labs_without_headroom_do_not_search(make_state):
    people = [{"employer": 0, "comp_usd": 1e6}] + [{"employer": 1} for _ in range(5)]
    st = make_state(
        [{"name": "A", "budget_usd": 1e5}, {"name": "B"}], people, market={"candidates_per_lab": 50}
    )
    cands = search(st, np.random.default_rng(0), NONE)
    assert len(cands) > 0 and (cands.labs == 1).all()
