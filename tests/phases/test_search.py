import numpy as np
import pytest

from market.codes import Employer
from market.phases.search import search
from market.valuation import marginal_value

NONE = (np.empty(0, np.int64), np.empty(0, np.int64))


def unit_value(st, row: int, lab: int) -> float:
    """What person ``row`` would be worth to ``lab`` at a price of 1."""
    one = np.array([row])
    return float(
        marginal_value(
            st.lab_state, st.people, one, np.array([lab]), np.zeros(1, bool), st.cfg, 1.0
        )[0]
    )


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


def test_search_follows_vacancies_by_specialty_and_reaches_the_pool(make_state):
    from market.codes import Specialty
    from market.phases.vacancies import Vacancies

    infra = int(Specialty.INFRASTRUCTURE)
    people = [{"employer": 0, "specialty": s} for s in (0, 1, 2) for _ in range(20)]
    people += [{"employer": int(Employer.POOL), "specialty": s} for s in (0, 1) for _ in range(20)]
    st = make_state([{"name": "A"}, {"name": "B"}], people, market={"one_offer_per_vacancy": False})
    counts = np.zeros((3, 2), dtype=np.int64)
    counts[infra, 1] = 10  # B wants infrastructure people only; A posts nothing
    v = Vacancies(counts, counts.copy(), np.zeros(2, bool), contacts_per_vacancy=3.0)
    cands = search(st, np.random.default_rng(1), NONE, v)
    assert len(cands) > 0
    assert (cands.labs == 1).all()
    assert (st.people.specialty[cands.rows] == infra).all()
    # laid-off people and graduates in the pool are reached, as well as A's staff
    emp = st.people.employer[cands.rows]
    assert (emp == Employer.POOL).any() and (emp == 0).any()
    # about q x V = 30 draws (some repeat): never more pairs than draws could give
    assert len(cands) <= 60


def test_no_vacancies_no_search(make_state):
    from market.phases.vacancies import Vacancies

    st = make_state([{"name": "A"}, {"name": "B"}], [{"employer": 0}, {"employer": 1}])
    zero = np.zeros((3, 2), dtype=np.int64)
    v = Vacancies(zero, zero, np.zeros(2, bool), contacts_per_vacancy=3.0)
    assert len(search(st, np.random.default_rng(0), NONE, v)) == 0


def test_a_lab_bids_once_per_vacancy_for_the_best_candidates_it_met(make_state):
    from market.codes import Specialty
    from market.phases.vacancies import Vacancies

    infra = int(Specialty.INFRASTRUCTURE)
    # Same skill everywhere, so the same value to B: the best candidates are the
    # cheapest, the pool's (reservation pay 100k against 300k at A).
    people = [{"employer": 0, "specialty": infra} for _ in range(30)]
    people += [{"employer": int(Employer.POOL), "specialty": infra, "comp_usd": 1e5}] * 30
    people += [{"employer": 1} for _ in range(10)]  # B's researchers, whom infra serves
    st = make_state([{"name": "A"}, {"name": "B"}], people)
    st.price = 1e6 / unit_value(st, 30, 1)  # each is worth 1M to B: everyone affordable
    counts = np.zeros((3, 2), dtype=np.int64)
    counts[infra, 1] = 4
    v = Vacancies(counts, counts.copy(), np.zeros(2, bool), contacts_per_vacancy=5.0)
    cands = search(st, np.random.default_rng(2), NONE, v)
    assert len(cands) == 4  # ~20 met, one bid per vacancy
    assert (st.people.employer[cands.rows] == Employer.POOL).all()


def test_acceptance_pay_is_the_pay_that_beats_staying(make_state):
    # No amenities: the least a person moves for is pay x e^threshold, plus their
    # forfeited equity spread over the horizon (H = 2 years).
    from market.bidding import PolicyArrays, acceptance_pay

    people = [{"employer": 0, "comp_usd": 400_000.0, "unvested_usd": 100_000.0}]
    people += [{"employer": int(Employer.POOL), "comp_usd": 150_000.0}]
    st = make_state([{"name": "A"}, {"name": "B"}], people, market={"move_threshold": 0.1})
    pol = PolicyArrays.of(st.labs, st.cfg)
    need, delay = acceptance_pay(
        st.lab_state, st.people, np.array([0, 1]), np.array([1, 1]), pol, st.cfg
    )
    assert need.tolist() == pytest.approx(
        [400_000.0 * np.exp(0.1) + 100_000.0 / 2, 150_000.0 * np.exp(0.1)]
    )
    assert delay.tolist() == [1.0, 1.0]


def test_a_vacancy_skips_a_candidate_it_cannot_afford_to_move(make_state):
    # B's one research vacancy meets X (a star at A on 1M, worth far more to B than Y)
    # and Y (in the pool, asking 100k). B's pay cap is 600k, below what X moves for:
    # screening by acceptance bids for Y; the v2 screen (value - pay) for X, in vain.
    from market.phases.search import screen

    people = [{"employer": 0, "skill": 6.0, "comp_usd": 1e6}]
    people += [{"employer": int(Employer.POOL), "skill": 1.0, "comp_usd": 1e5}]
    people += [{"employer": 1} for _ in range(20)]  # B's researchers
    openings = np.zeros((3, 2), dtype=np.int64)
    openings[0, 1] = 1
    labs, rows = np.array([1, 1]), np.array([0, 1])
    picks = {}
    for on in (True, False):
        st = make_state(
            [{"name": "A"}, {"name": "B", "policy": {"pay_cap_usd": 6e5}}],
            people,
            market={"screen_by_acceptance": on},
        )
        st.price = 1e6 / unit_value(st, 1, 1)  # Y is worth 1M to B
        picks[on] = screen(st, labs, rows, openings).tolist()
        value = marginal_value(
            st.lab_state, st.people, rows, labs, np.zeros(2, bool), st.cfg, st.price
        )
        assert value[0] - 1e6 > value[1] - 1e5 and value[1] > 1e5  # X looks better, Y pays off
    assert picks[True] == [False, True]
    assert picks[False] == [True, False]
