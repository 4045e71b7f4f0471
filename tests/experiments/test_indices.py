"""Morris indices, seed noise and small-sample warnings through ``talent-market sweep``."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd


def test_morris_indices_and_plot_through_sweep(tmp_path, design_dict, design_file):
    data = design_dict(
        steps=6,
        replications=2,
        metrics=["research_hhi"],
        series=[],
        design={
            "kind": "morris",
            "samples": 3,
            "parameters": [
                {"path": "market.sigma", "low": 0.3, "high": 2.0},
                {"path": "labs.Meta.policy.pay_multiplier", "low": 0.5, "high": 3.0},
            ],
        },
    )
    path = design_file(tmp_path / "morris.toml", data)
    exe = shutil.which("talent-market", path=str(Path(sys.executable).parent))
    out = tmp_path / "out"
    res = subprocess.run(
        [exe, "sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    idx = pd.read_parquet(out / "morris_indices.parquet")
    assert set(idx["parameter"]) == {"market.sigma", "labs.Meta.policy.pay_multiplier"}
    assert (idx["mu_star"] >= 0).all() and {"sigma", "mu_star_conf"} <= set(idx.columns)
    noise = pd.read_parquet(out / "seed_noise.parquet")
    assert noise.loc[0, "replications"] == 2 and 0 <= noise.loc[0, "noise_share_runs"] <= 1
    assert (out / "morris_mu_star_sigma.html").is_file()
    assert "sample too small" in res.stderr  # 3 trajectories


def test_seed_noise_is_a_variance_share_from_anova_components():
    """Hand-computed: two points, two seeds each (one-way ANOVA variance components)."""
    from experiments.sweeps.indices import seed_noise

    # within-point variance 2 (both points), point means 1 and 2: variance of the means
    # 0.5 is less than within / R = 1, so no between-point variance: all of it is noise
    # (the plain ratio 2 / var(0, 2, 1, 3) = 1.2 is not a share).
    flat = pd.DataFrame({"point": [0, 0, 1, 1], "m": [0.0, 2.0, 1.0, 3.0]})
    out = seed_noise(flat, "m")
    assert out["replications"] == 2
    assert out["noise_share_runs"] == 1.0
    assert out["noise_share_means"] == 2.0  # (2 / 2) / 0.5
    # point means 1 and 11: between = 50 - 2 / 2 = 49, share 2 / 51.
    apart = pd.DataFrame({"point": [0, 0, 1, 1], "m": [0.0, 2.0, 10.0, 12.0]})
    out = seed_noise(apart, "m")
    assert out["noise_share_runs"] == 2.0 / 51.0
    assert out["noise_share_means"] == 1.0 / 50.0
