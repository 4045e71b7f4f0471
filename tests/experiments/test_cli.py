"""``talent-market sweep``: bad design files exit 2 with one line and write nothing."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.sweeps.executors import import_distributed
from market.errors import ScenarioError


def sweep(*args):
    exe = shutil.which("talent-market", path=str(Path(sys.executable).parent))
    return subprocess.run(
        [exe, "sweep", *map(str, args)], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"design": {"parameters": [{"path": "labs.Meta.policy.pay_multiplr", "values": [1]}]}},
            "unknown field 'pay_multiplr'",
        ),
        (
            {
                "design": {
                    "kind": "lhs",
                    "samples": 4,
                    "parameters": [{"path": "market.sigma", "low": 1.0, "high": 1.0}],
                }
            },
            "empty range",
        ),
        ({"replications": -2}, "replications"),
    ],
    ids=["unknown-parameter", "empty-range", "negative-replications"],
)
def test_bad_design_exits_2_with_one_line(tmp_path, design_dict, design_file, change, words):
    path = design_file(tmp_path / "bad.toml", design_dict(**change))
    out = tmp_path / "out"
    res = sweep(path, "--out", out, "--workers", "1")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in res.stderr
    assert not out.exists()


def test_missing_file_and_existing_other_sweep(tmp_path, design_dict, design_file):
    res = sweep(tmp_path / "nope.toml", "--out", tmp_path / "out")
    assert res.returncode == 2 and "cannot read" in res.stderr
    good = design_file(tmp_path / "good.toml", design_dict(steps=3, replications=1))
    ok = sweep(good, "--out", tmp_path / "out", "--workers", "1", "--quiet")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "out" / "runs.csv").exists()
    before = sorted(p.name for p in (tmp_path / "out").rglob("*"))
    other = design_file(tmp_path / "other.toml", design_dict(steps=3, replications=1, root_seed=5))
    res = sweep(other, "--out", tmp_path / "out", "--workers", "1")
    assert res.returncode == 2 and "different design" in res.stderr
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == before


def test_missing_dask_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ScenarioError, match=r"pip install 'talent-market\[dask\]'"):
        import_distributed("--scheduler")


def test_quick_script_is_a_smoke_run_with_every_output(tmp_path):
    out = tmp_path / "cvp"
    res = subprocess.run(
        [
            sys.executable,
            "experiments/compute_vs_pay.py",
            "--quick",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert res.returncode == 0, res.stderr
    answer = (out / "answer.txt").read_text()
    assert answer.startswith("SMOKE RUN") and "best split" not in answer
    assert "labs.Meta.budget_usd" in res.stderr and "dropped" in res.stderr  # overwrites reported
    for name in ("runs", "outcomes", "aggregate", "event_overrides", "split_effects"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    assert (out / "metadata.json").is_file() and (out / "capability_by_split.html").is_file()
