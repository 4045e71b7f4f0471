"""A sweep killed with SIGKILL mid-way resumes, redoes no finished run, and ends with
the same tables as an uninterrupted sweep."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from experiments.sweeps.runner import run_sweep
from market.errors import ScenarioError

POLL_TIMEOUT_S = 120


def stored_runs(out):
    try:
        return set(json.loads((out / "manifest.json").read_text())["runs"])
    except (FileNotFoundError, json.JSONDecodeError):
        return set()


def wait_for_runs(out, at_least, proc):
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while time.monotonic() < deadline:
        if len(stored_runs(out)) >= at_least:
            return
        if proc.poll() is not None:
            pytest.fail(f"sweep exited early: {proc.stderr.read().decode()[-500:]}")
        time.sleep(0.05)  # polling interval; the condition above is the synchronisation
    pytest.fail(f"no {at_least} stored runs within {POLL_TIMEOUT_S} s")


@pytest.fixture
def resume_design(make_design):
    # 24 runs of one year each; one run per batch so the store grows run by run
    return make_design(
        replications=6,
        design={
            "kind": "factorial",
            "parameters": [
                {"path": "labs.Meta.policy.pay_multiplier", "values": [1.0, 2.0]},
                {"path": "market.sigma", "values": [0.5, 1.0]},
            ],
        },
    )


def test_kill_9_then_resume(resume_design, design_file, design_dict, tmp_path):
    data = design_dict(
        replications=6,
        design=resume_design.file.design.model_dump(exclude_none=True),
    )
    path = design_file(tmp_path / "d.toml", data)
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "experiments.cli", str(path), "--workers", "1"]
    cmd += ["--batch-runs", "1", "--quiet", "--out", str(killed)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        wait_for_runs(killed, 3, proc)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    before = stored_runs(killed)
    assert 3 <= len(before) < resume_design.n_runs, "the sweep must be killed mid-way"
    assert not (killed / "runs.parquet").exists()

    resumed = run_sweep(resume_design, killed)
    assert resumed.reused == len(before)
    assert not set(resumed.executed) & before, "a finished run was redone"
    assert len(resumed.executed) == resume_design.n_runs - len(before)

    clean = run_sweep(resume_design, tmp_path / "clean")
    assert len(clean.executed) == resume_design.n_runs
    for name in ("runs", "outcomes", "aggregate", "series", "event_overrides"):
        pd.testing.assert_frame_equal(resumed.tables[name], clean.tables[name])
        pq = f"{name}.parquet"
        assert (killed / pq).read_bytes() == (tmp_path / "clean" / pq).read_bytes()
        assert (killed / f"{name}.csv").read_bytes() == (
            tmp_path / "clean" / f"{name}.csv"
        ).read_bytes()

    # a third run with everything stored runs nothing
    again = run_sweep(resume_design, killed)
    assert again.executed == [] and again.reused == resume_design.n_runs


def test_corrupt_shard_and_stray_file_are_handled(tiny, tmp_path):
    out = tmp_path / "out"
    first = run_sweep(tiny, out, batch_runs=2)
    manifest = json.loads((out / "manifest.json").read_text())
    name, shard = next(iter(manifest["shards"].items()))
    (out / "shards" / shard["runs_file"]).write_bytes(b"garbage")
    stray = out / "shards" / ".half-written.parquet.tmp"
    stray.write_bytes(b"x")
    second = run_sweep(tiny, out, batch_runs=2)
    assert sorted(second.executed) == sorted(shard["run_ids"])
    assert second.warnings and name in second.warnings[0]
    assert not stray.exists()
    pd.testing.assert_frame_equal(first.tables["runs"], second.tables["runs"])


def test_other_design_in_same_folder_is_refused(tiny, make_design, tmp_path):
    out = tmp_path / "out"
    run_sweep(tiny, out)
    other = make_design(root_seed=99)
    with pytest.raises(ScenarioError, match="different design"):
        run_sweep(other, out)


def test_runs_of_other_model_code_are_not_resumed(tiny, tmp_path, monkeypatch):
    """A store written by other code (another code digest) is refused with a one-line
    error naming --out, not silently mixed with new runs; the same code resumes."""
    from market import provenance

    out = tmp_path / "out"
    first = run_sweep(tiny, out)
    assert run_sweep(tiny, out).reused == len(first.wide)
    monkeypatch.setattr(provenance, "code_digest", lambda: "0123456789abcdef")
    with pytest.raises(ScenarioError, match="other model code") as err:
        run_sweep(tiny, out)
    assert "--out" in str(err.value) and "0123456789abcdef" in str(err.value)
    assert "\n" not in str(err.value)


def test_code_digest_follows_the_source(tmp_path):
    from market.provenance import code_digest, source_digest

    (tmp_path / "market" / "sub").mkdir(parents=True)
    (tmp_path / "market" / "a.py").write_text("x = 1\n")
    (tmp_path / "market" / "sub" / "b.py").write_text("y = 2\n")
    (tmp_path / "market" / "notes.md").write_text("not code\n")
    before = source_digest(tmp_path, ("market", "experiments"))
    assert before == source_digest(tmp_path, ("market", "experiments"))
    (tmp_path / "market" / "notes.md").write_text("changed\n")
    assert source_digest(tmp_path, ("market", "experiments")) == before
    (tmp_path / "market" / "sub" / "b.py").write_text("y = 3\n")
    assert source_digest(tmp_path, ("market", "experiments")) != before
    assert len(code_digest()) == 16 and code_digest() == code_digest()
