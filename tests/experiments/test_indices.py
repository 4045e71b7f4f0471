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
