import pytest

from market.codes import Employer
from market.phases.vesting import age_and_vest


def test_tenure_grows_and_equity_vests_only_after_the_cliff(make_state):
    policy = {"vesting_months": 48, "vesting_cliff_months": 12, "equity_share": 0.25}
    st = make_state(
        [{"name": "A", "policy": policy}, {"name": "B"}],
        [
            {"comp_usd": 120_000.0, "unvested_usd": 1000.0, "tenure_months": 5},
            {"comp_usd": 120_000.0, "unvested_usd": 1000.0, "tenure_months": 20},
            {"employer": int(Employer.POOL), "tenure_months": 2, "unvested_usd": 7.0},
            {"employer": int(Employer.GONE), "tenure_months": 9},
        ],
    )
    age_and_vest(st)
    p = st.people
    assert p.tenure_months[:4].tolist() == [6, 21, 3, 9]
    accrual = 0.25 * 120_000 / 12
    assert p.unvested_usd[0] == pytest.approx(1000.0 + accrual)  # before the cliff
    assert p.unvested_usd[1] == pytest.approx(1000.0 * (1 - 1 / 48) + accrual)
    assert p.unvested_usd[2] == 7.0  # not employed: nothing vests or accrues
