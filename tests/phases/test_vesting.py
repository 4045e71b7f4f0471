import numpy as np
import pytest

from market.codes import Employer
from market.phases.vesting import age_and_vest, vesting_share


def test_tenure_grows_and_equity_vests_only_after_the_cliff(make_state):
    policy = {
        "vesting_months": 48,
        "vesting_cliff_months": 12,
        "equity_share": 0.25,
        "retention_bonus_frac": 0.12,
    }
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
    retention = 0.12 * 120_000 / 12  # retention grants accrue; equity_share does not
    assert p.unvested_usd[0] == pytest.approx(1000.0 + retention)  # before the cliff
    # month 21 of 48: the balance vests over the 28 months left (this one included)
    assert p.unvested_usd[1] == pytest.approx(1000.0 * 27 / 28 + retention)
    assert p.unvested_usd[2] == 7.0  # not employed: nothing vests or accrues


def test_vesting_share_by_month_of_tenure():
    # 48 months, 12-month cliff: 0 before, 12/48 at the cliff, then the rest evenly,
    # and 2/48 of the balance a month past the schedule (refresh grants).

    tenure = np.array([1, 11, 12, 13, 47, 48, 60])
    share = vesting_share(tenure, np.full(7, 48.0), np.full(7, 12.0))
    assert share.tolist() == pytest.approx([0, 0, 0.25, 1 / 36, 1 / 2, 1, 2 / 48])
    # no cliff: linear from month 1
    assert vesting_share(np.array([1]), np.array([48.0]), np.array([0.0]))[0] == 1 / 48


def test_vesting_table_is_kept_while_the_schedules_stay():
    """The last table is returned again (read-only) for the same schedules, and a new
    one, equal to a fresh computation, when a schedule changes."""
    from market.phases.vesting import vesting_table

    months, cliff = np.array([48.0, 36.0]), np.array([12.0, 0.0])
    table, last = vesting_table(months, cliff)
    again, _ = vesting_table(months.copy(), cliff.copy())
    assert again is table and not table.flags.writeable
    months[1] = 24.0
    changed, last2 = vesting_table(months, cliff)
    assert changed is not table and last2 == last
    tenure = np.tile(np.arange(last + 1, dtype=np.int32), 2)
    lab = np.repeat(np.arange(2), last + 1)
    np.testing.assert_array_equal(changed, vesting_share(tenure, months[lab], cliff[lab]))
