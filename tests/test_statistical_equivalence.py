"""The comparison of ``benchmarks/statistical_equivalence.py`` on synthetic samples: no
model runs here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def stat(benchmark_script):
    return benchmark_script("statistical_equivalence")


def normal_frames(n_metrics: int = 10, runs: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two samples of ``runs`` rows from the same normal, one column per metric."""
    rng = np.random.default_rng(0)
    columns = [f"m{i}" for i in range(n_metrics)]
    ref = pd.DataFrame(rng.normal(10.0, 2.0, (runs, n_metrics)), columns=columns)
    new = pd.DataFrame(rng.normal(10.0, 2.0, (runs, n_metrics)), columns=columns)
    return ref, new


def test_same_distribution_is_same(stat):
    table = stat.compare(*normal_frames())
    assert len(table) == 10
    assert (table["verdict"] == "same").all()
    assert (table["holm_p"] >= table["p"]).all()


def test_a_three_sd_shift_in_one_metric_is_the_only_difference(stat):
    ref, new = normal_frames()
    new["m3"] += 3 * 2.0
    table = stat.compare(ref, new)
    assert table.index[table["verdict"] == "DIFFERENT"].tolist() == ["m3"]
    assert table.index[0] == "m3"  # sorted by adjusted p
    assert table.loc["m3", "diff"] == pytest.approx(new["m3"].mean() - ref["m3"].mean())
    assert 2.0 < table.loc["m3", "std_diff"] < 4.5


def test_a_four_fold_spread_with_the_same_mean_is_different(stat):
    ref, new = normal_frames(runs=40)
    new["m5"] = 10.0 + (new["m5"] - 10.0) * 4  # same mean, sd 2 -> 8
    table = stat.compare(ref, new)
    assert table.index[table["verdict"] == "DIFFERENT"].tolist() == ["m5"]
    assert table.loc["m5", "p"] > 0.01 and table.loc["m5", "spread_p"] < 1e-4


def test_constant_columns(stat):
    ref, new = normal_frames(n_metrics=2)
    ref["equal"] = new["equal"] = 5.0
    ref["unequal"], new["unequal"] = 5.0, 6.0
    table = stat.compare(ref, new)
    assert table.loc["equal", "verdict"] == "constant"
    assert table.loc["unequal", "verdict"] == "DIFFERENT"
    assert table.loc["unequal", "diff"] == 1.0
    assert (table.loc[["m0", "m1"], "verdict"] == "same").all()
    # the constant columns are not in Holm's family: two tests (mean, spread) of two
    # metrics, not of four
    p = table.loc[["m0", "m1"], ["p", "spread_p"]].to_numpy()
    assert table.loc[["m0", "m1"], "holm_p"].min() == pytest.approx(min(1.0, 4 * p.min()))


def test_nan_on_one_side_is_missing(stat):
    ref, new = normal_frames(n_metrics=3)
    new["m1"] = np.nan
    new["m2"] = new["m2"].where(new.index < 15)  # 15 of 20 values: compared
    ref["only_ref"] = 1.0
    table = stat.compare(ref, new)
    assert table.loc["m1", "verdict"] == "MISSING"
    assert table.loc["only_ref", "verdict"] == "MISSING"
    assert table.loc["m2", "verdict"] == "same"
    assert table.loc["m2", ["n_ref", "n_new"]].tolist() == [20, 15]


def test_nan_on_both_sides_or_a_large_gap(stat):
    ref, new = normal_frames(n_metrics=2)
    ref["m0"] = new["m0"] = np.nan
    new["m1"] = new["m1"].where(new.index < 5)  # 5 of 20 values
    table = stat.compare(ref, new)
    assert table.loc["m0", "verdict"] == "constant"
    assert table.loc["m1", "verdict"] == "MISSING"


def test_holm_by_hand(stat):
    np.testing.assert_allclose(stat.holm(np.array([0.01, 0.04, 0.03])), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(stat.holm(np.array([0.5, 0.001])), [0.5, 0.002])
    assert stat.holm(np.array([0.9, 0.8])).max() <= 1.0


def test_holm_matches_statsmodels(stat):
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.random.default_rng(0).uniform(0, 0.2, 25)
    np.testing.assert_allclose(stat.holm(p), multitest.multipletests(p, method="holm")[1])


def test_summary_line(stat):
    ref, new = normal_frames(n_metrics=3)
    new["m2"] += 10.0
    new["m1"] = np.nan
    line = stat.summary(stat.compare(ref, new), 0.01)
    assert line == "3 metrics, 1 DIFFERENT at Holm alpha=0.01: m2; 1 MISSING: m1"
