"""Issue 15: a real Dask cluster on the loopback interface.

The test starts ``dask scheduler`` and two ``dask worker`` processes (no nanny, so a
killed worker stays dead) on 127.0.0.1 with ports the system picks, runs a sweep
through ``talent-market sweep --scheduler tcp://127.0.0.1:PORT``, SIGKILLs one worker
after the first shards are stored, and checks that the sweep finishes on the other
worker with tables byte-identical to a serial run. Every process is stopped after.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from experiments.sweeps.design import design_from_dict, resolve_design
from experiments.sweeps.executors import SerialExecutor
from experiments.sweeps.runner import run_sweep

pytest.importorskip("dask.distributed")

BIN = Path(sys.executable).parent
DESIGN = {
    "name": "dask-cluster",
    "scenario": "frontier-2025",
    "n_engineers": 300,
    "steps": 24,
    "replications": 4,
    "root_seed": 11,
    "metrics": ["researchers", "talent_share", "research_hhi"],
    "series": ["research"],
    "design": {
        "kind": "factorial",
        "parameters": [
            {"path": "labs.Meta.policy.pay_multiplier", "values": [1.0, 3.0]},
            {"path": "market.sigma", "values": [0.5, 1.5]},
        ],
    },
}
N_RUNS = 16
TABLES = ("runs", "aggregate", "series")


def wait_for(condition, what: str, seconds: float = 60.0, procs=()):
    """Poll ``condition`` until it is true; fail if a process died or time ran out."""
    deadline = time.monotonic() + seconds
    while not condition():
        for proc in procs:
            assert proc.poll() is None, f"{proc.args[:2]} exited while waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def stored_shards(out: Path) -> int:
    try:
        return len(json.loads((out / "manifest.json").read_text())["shards"])
    except (OSError, ValueError, KeyError):
        return 0


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def table_bytes(out: Path) -> dict[str, bytes]:
    return {
        f"{name}.{ext}": (out / f"{name}.{ext}").read_bytes()
        for name in TABLES
        for ext in ("parquet", "csv")
    }


def test_sweep_on_a_loopback_cluster_survives_a_killed_worker(tmp_path):
    """Issue 15: scheduler + 2 workers, one SIGKILLed mid-sweep, tables = serial."""
    toml = tmp_path / "design.toml"
    toml.write_bytes(tomli_w.dumps(DESIGN).encode())
    serial = tmp_path / "serial"
    run_sweep(resolve_design(design_from_dict(DESIGN)), serial, SerialExecutor(), batch_runs=1)

    dask = shutil.which("dask", path=str(BIN))
    assert dask, "the dask command is missing from the environment"
    scheduler_file = tmp_path / "scheduler.json"
    logs = tmp_path / "logs"
    logs.mkdir()
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> subprocess.Popen:
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([dask, *args], stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
        procs.append(proc)
        return proc

    try:
        start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        )
        wait_for(scheduler_file.exists, "the scheduler file", procs=procs)
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        workers = [
            start(
                f"worker{i}",
                "worker",
                address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
                "--name",
                f"w{i}",
            )
            for i in (1, 2)
        ]
        for i in (1, 2):
            log = logs / f"worker{i}.log"
            wait_for(lambda log=log: "Registered to" in log.read_text(), f"worker {i}", procs=procs)

        out = tmp_path / "cluster"
        exe = shutil.which("talent-market", path=str(BIN))
        sweep = subprocess.Popen(
            [
                exe,
                "sweep",
                str(toml),
                "--scheduler",
                address,
                "--out",
                str(out),
                "--batch-runs",
                "1",
                "--quiet",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(sweep)
        wait_for(lambda: stored_shards(out) >= 3, "the first shards", seconds=90, procs=[sweep])
        workers[0].kill()
        workers[0].wait()
        at_kill = stored_shards(out)
        _, stderr = sweep.communicate(timeout=120)
        assert sweep.returncode == 0, stderr
        assert at_kill < N_RUNS, "the worker was killed after the sweep had finished"
        assert workers[1].poll() is None
        assert table_bytes(out) == table_bytes(serial)
        assert stored_shards(out) == N_RUNS
    finally:
        for proc in reversed(procs):
            stop(proc)
    assert all(proc.poll() is not None for proc in procs)
