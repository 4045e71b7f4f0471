"""The PRIM adapter finds a known box; feature scores rank the right parameter."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from experiments.sweeps.discovery import discover, feature_scores


def toy():
    rng = np.random.default_rng(np.random.SeedSequence(3))
    x = pd.DataFrame({k: rng.uniform(0, 1, 800) for k in "abc"})
    return x, ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()


def test_prim_finds_the_known_box():
    x, y = toy()
    box = discover(x, y)
    lims = box.limits.set_index("parameter")
    assert set(lims.index) == {"a", "b"}  # c is not restricted
    assert lims.loc["a", "low"] == pytest.approx(0.6, abs=0.05)
    assert lims.loc["b", "high"] == pytest.approx(0.3, abs=0.08)
    assert box.coverage > 0.8 and box.density > 0.8


def test_feature_scores_rank_the_driver_first():
    x, _ = toy()
    scores = feature_scores(x, {"y": (3 * x["a"] + 0.1 * x["c"]).to_numpy()})
    assert scores.sort_values("score").iloc[-1]["parameter"] == "a"
