import numpy as np
import pytest

from market.codes import Employer, Specialty
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


def test_lab_columns_match_their_numpy_form():
    from market.phases.record import _lab_columns

    headcount = np.array([[3.0, 0.0, 0.5, 7.0, 0.0], [1.0, 2.0, 0.0, 0.0, 0.0], [0, 4, 1, 2, 0.0]])
    payroll = np.array([10.0, 5.0, np.nan, 1.0 + 1e-10, 3.0])
    budget = np.array([4.0, 5.0, 1.0, 1.0, np.inf])
    gpus = np.array([30.0, 8.0, 2.0, np.nan, 0.0])
    bring_up = np.array([0.0, 0.25, np.nan, 1e-13, 2.0])
    heads, deficit, per_researcher, months = _lab_columns(
        headcount, payroll, budget, gpus, bring_up
    )
    for s in range(3):
        np.testing.assert_array_equal(heads[s], headcount[s].astype(np.int64))
    np.testing.assert_array_equal(heads[3], headcount.sum(axis=0).astype(np.int64))
    assert heads.dtype == np.int64
    expected = np.where(payroll > budget * (1 + 1e-9), payroll - budget, 0.0)
    np.testing.assert_array_equal(deficit, expected)
    research = headcount[Specialty.RESEARCH]
    expected = np.where(research > 0, gpus / np.maximum(research, 1), np.nan)
    np.testing.assert_array_equal(per_researcher, expected)
    np.testing.assert_array_equal(months, 1.0 / np.maximum(bring_up, 1e-12))
    empty = _lab_columns(np.zeros((3, 0)), *(np.zeros(0) for _ in range(4)))
    assert [a.shape for a in empty] == [(4, 0), (0,), (0,), (0,)]
