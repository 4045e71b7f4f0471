import numpy as np

from market.codes import Employer
from market.phases.attrition import attrite


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
