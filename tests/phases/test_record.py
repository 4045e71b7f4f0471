import numpy as np
import pytest

from market.codes import Employer
from market.phases.record import group_quantiles, record


def test_one_row_per_lab_with_pay_quantiles_and_missing_gpus_per_researcher(make_state):
    people = [{"employer": 0, "comp_usd": c} for c in (100.0, 200.0, 300.0, 400.0)]
    people += [{"employer": 1, "specialty": 1, "comp_usd": 50.0}]
    people += [{"employer": int(Employer.POOL), "comp_usd": 1e9}]
    st = make_state([{"name": "A", "gpus_h100e": 400.0}, {"name": "B"}], people)
    record(st)
    rows = st.ledger.lab_records()
    assert rows["lab"].tolist() == ["A", "B"]
    assert rows["headcount"].tolist() == [4, 1]
    assert rows["comp_median_usd"][0] == pytest.approx(np.quantile([100, 200, 300, 400], 0.5))
    assert rows["comp_p90_usd"][0] == pytest.approx(np.quantile([100, 200, 300, 400], 0.9))
    assert rows["gpus_per_researcher"][0] == pytest.approx(100.0)
    assert np.isnan(rows["gpus_per_researcher"][1])  # no researchers at B


def test_group_quantiles_match_numpy_per_group():
    values = np.array([5.0, 1.0, 3.0, 10.0, 20.0])
    out = group_quantiles(values.copy(), np.array([0, 3, 3, 5]), (0.5, 0.9))
    np.testing.assert_array_equal(out[0], np.quantile([5.0, 1.0, 3.0], [0.5, 0.9]))
    assert np.isnan(out[1]).all()
    np.testing.assert_array_equal(out[2], np.quantile([10.0, 20.0], [0.5, 0.9]))
