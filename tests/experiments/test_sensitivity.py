"""Sobol analysis recovers the known indices of the Ishigami function."""

import numpy as np
import pytest

from experiments.sweeps import analysis
from experiments.sweeps.design import salib_problem, sobol_matrix

A, B = 7.0, 0.1


def ishigami(x):
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices():
    """Closed-form first-order and total indices (Ishigami & Homma 1990)."""
    v1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_sobol_recovers_ishigami():
    problem = salib_problem(["x1", "x2", "x3"], [(-np.pi, np.pi)] * 3)
    x = sobol_matrix(problem, 2048, second_order=False, seed=1)
    first, pairs = analysis.sobol_table(problem, ishigami(x), second_order=False, seed=1)
    s1, st = ishigami_indices()
    assert pairs is None
    np.testing.assert_allclose(first["S1"], s1, atol=0.05)
    np.testing.assert_allclose(first["ST"], st, atol=0.05)


def test_paired_difference_uses_replicate_pairs():
    import pandas as pd

    runs = pd.DataFrame(
        {
            "point": [0, 0, 0, 1, 1, 1],
            "replicate": [0, 1, 2] * 2,
            "y": [1.0, 2.0, 3.0, 2.0, 3.5, 4.0],
        }
    )
    d = analysis.paired_difference(runs, "y").set_index("point")
    assert d.loc[1, "diff"] == pytest.approx(np.mean([1.0, 1.5, 1.0]))
    assert d.loc[1, "diff_low"] < d.loc[1, "diff"] < d.loc[1, "diff_high"]
    assert d.loc[0, "diff"] == 0
