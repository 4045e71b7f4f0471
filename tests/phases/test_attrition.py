import numpy as np
import pytest

from market.codes import Employer
from market.phases.attrition import attrite, bernoulli_rows


def test_everyone_employed_leaves_at_rate_one_with_a_ledger_row(make_state):
    st = make_state(
        [{"name": "A"}, {"name": "B"}],
        [{"employer": 0}, {"employer": 1}, {"employer": int(Employer.POOL)}],
        population={"attrition_per_year": 1.0},
    )
    attrite(st, np.random.default_rng(0))
    assert st.people.employer[:3].tolist() == [Employer.GONE, Employer.GONE, Employer.POOL]
    moves = st.ledger.move_records()
    assert sorted(moves["from_lab"].tolist()) == [0, 1]
    assert (moves["to_lab"] == -1).all()
    assert st.departures[:2].tolist() == [1, 1]


def test_switch_off_keeps_everyone(make_state):
    st = make_state(
        [{"name": "A"}, {"name": "B"}],
        [{}],
        population={"attrition_per_year": 1.0},
        market={"attrition_enabled": False},
    )
    attrite(st, np.random.default_rng(0))
    assert st.people.employer[0] == 0


def test_a_held_person_and_people_outside_labs_never_leave(make_state):
    st = make_state(
        [{"name": "A"}],
        [{"employer": 0}, {"employer": 0}, {"employer": int(Employer.POOL)}],
        population={"attrition_per_year": 1.0},
        step=3,
    )
    st.people.held_until[0] = 5
    attrite(st, np.random.default_rng(0))
    assert st.people.employer[:3].tolist() == [0, Employer.GONE, Employer.POOL]


def test_each_employed_person_leaves_at_the_monthly_hazard(make_state):
    """1 - (1 - 0.3)^(1/12) = 0.02928 a month: over 200 months x the 366 employed of
    400 people (73,200 trials, everyone put back each month) the share leaving is
    within 4 s.e. of it, and the pool never leaves.
    """
    people = [{"employer": j % 3 - 1 if j % 4 == 0 else j % 2} for j in range(400)]
    st = make_state([{"name": "A"}, {"name": "B"}], people, population={"attrition_per_year": 0.3})
    start = st.people.employer[:400].copy()
    employed = int((start >= 0).sum())
    assert employed == 366
    rng, left = np.random.default_rng(7), 0
    for _ in range(200):
        attrite(st, rng)
        left += int((st.people.employer[:400] == Employer.GONE).sum())
        assert (st.people.employer[:400][start < 0] == start[start < 0]).all()
        st.people.employer[:400] = start
    hazard = 1 - 0.7 ** (1 / 12)
    trials = 200 * employed
    assert abs(left / trials - hazard) < 4 * np.sqrt(hazard * (1 - hazard) / trials)


def test_bernoulli_rows_edges():
    rng = np.random.default_rng(0)
    assert bernoulli_rows(rng, 0, 0.5).size == 0
    assert bernoulli_rows(rng, 10, 0.0).size == 0
    np.testing.assert_array_equal(bernoulli_rows(rng, 5, 1.0), np.arange(5))


@pytest.mark.parametrize("batch", [None, 2])
def test_bernoulli_rows_select_each_row_independently_at_p(batch):
    """Over 2,000 draws of n = 50 at p = 0.1, by the default batch and by batches of 2
    gaps (several a draw): every row's frequency within 4.5 s.e. of p, rows
    ascending, unique and in range, and the count's variance that of a binomial.
    """
    rng, n, p, reps = np.random.default_rng(3), 50, 0.1, 2000
    hits, counts = np.zeros(n), []
    for _ in range(reps):
        rows = bernoulli_rows(rng, n, p, batch)
        assert (np.diff(rows) > 0).all() and (rows.size == 0 or (rows[0] >= 0 and rows[-1] < n))
        hits[rows] += 1
        counts.append(rows.size)
    se = np.sqrt(p * (1 - p) / reps)
    assert np.abs(hits / reps - p).max() < 4.5 * se
    assert abs(np.var(counts) / (n * p * (1 - p)) - 1) < 0.15
