"""Serial, process pool and Dask give identical tables for the same design and seed."""

import pandas as pd
import pytest

from experiments.sweeps.executors import (
    DaskExecutor,
    ProcessPoolExecutor,
    SerialExecutor,
    make_executor,
)
from experiments.sweeps.runner import batch_size, run_sweep
from market.errors import ScenarioError

TABLES = ("runs", "outcomes", "aggregate", "series")


@pytest.fixture(scope="module")
def serial_result(tmp_path_factory, make_design):
    design = make_design()
    out = tmp_path_factory.mktemp("serial")
    return design, out, run_sweep(design, out, SerialExecutor())


def assert_same_tables(a, b):
    assert set(a.tables) == set(b.tables) == {*TABLES, "event_overrides"}
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    for name in TABLES:
        file = f"{name}.parquet"
        assert (a.out_dir / file).read_bytes() == (b.out_dir / file).read_bytes()


def test_serial_tables_have_every_run(serial_result):
    design, _, outcome = serial_result
    runs, wide = outcome.tables["runs"], outcome.wide
    assert list(runs["run_id"]) == sorted(runs["run_id"]) and len(runs) == design.n_runs
    assert wide["researchers.Meta"].nunique() > 1  # runs differ
    n_columns = len(wide.columns) - 7  # ids and the two parameters
    assert len(outcome.tables["outcomes"]) == design.n_runs * n_columns
    assert len(outcome.tables["aggregate"]) == len(design.points) * n_columns


def test_process_pool_matches_serial(serial_result, tmp_path):
    design, _, serial = serial_result
    with ProcessPoolExecutor(2) as pool:
        pooled = run_sweep(design, tmp_path / "pool", pool, batch_runs=1)
    assert_same_tables(serial, pooled)


@pytest.mark.parametrize("processes", [True, False], ids=["processes", "threads"])
def test_dask_local_cluster_matches_serial(serial_result, tmp_path, processes):
    pytest.importorskip("dask.distributed")
    design, _, serial = serial_result
    with DaskExecutor(n_workers=2, processes=processes) as ex:
        assert ex.workers == 2
        dasked = run_sweep(design, tmp_path / "dask", ex, batch_runs=2)
    assert_same_tables(serial, dasked)


def test_batches_hold_half_a_second_of_work():
    assert batch_size(0.01, 1000, 2) >= 50
    assert batch_size(10.0, 1000, 2) == 6  # 60 s cap
    assert batch_size(1.0, 8, 2) == 1  # balance: several tasks per worker
    assert batch_size(1.0, 0, 2) == 0


def test_make_executor_choices():
    assert isinstance(make_executor(1), SerialExecutor)
    pool = make_executor(2)
    assert isinstance(pool, ProcessPoolExecutor) and pool.workers == 2
    with pytest.raises(ScenarioError, match="not both"):
        make_executor(scheduler="tcp://x:1", dask_local=2)


def _alive(proc) -> bool:
    import psutil

    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_killing_a_sweep_leaves_no_worker_processes(tmp_path, design_dict, design_file):
    import shutil
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    psutil = pytest.importorskip("psutil")
    path = design_file(tmp_path / "long.toml", design_dict(replications=60, steps=24))
    exe = shutil.which("talent-market", path=str(Path(sys.executable).parent))
    args = [exe, "sweep", path, "--workers", "2", "--batch-runs", "1", "--quiet"]
    proc = subprocess.Popen(
        [*map(str, args), "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 90
    workers: list = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = [c for c in parent.children(recursive=True) if _alive(c)]
        shards = tmp_path / "out" / "shards"
        if len(workers) >= 2 and shards.is_dir() and any(shards.iterdir()):
            break  # the pool is up and working
        time.sleep(0.05)
    assert proc.poll() is None and len(workers) >= 2, "the sweep must be killed mid-way"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    left = [w.pid for w in workers if _alive(w)]
    for pid in left:  # clean up before failing, so a failure leaves nothing behind
        psutil.Process(pid).kill()
    assert not left, f"worker processes {left} outlived the killed sweep"
