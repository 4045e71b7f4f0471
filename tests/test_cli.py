"""The ``talent-market run`` command: outputs, metadata, and clean failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import market
from market.cli import main
from market.io.results import read_parquet_metadata

CLI = [sys.executable, "-c", "from market.cli import main; main()"]
GOOD_LAB = """
[[labs]]
name = "{name}"
kind = "frontier"
gpus_h100e = {gpus}
budget_usd = 5e8
headcount = {{ research = 40, infrastructure = 20, product = 20 }}
"""


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_in_process(capsys, monkeypatch):
    """Call the console-script entry point in this process (fast, same code path)."""

    def invoke(*args: str, cwd: Path) -> Outcome:
        monkeypatch.chdir(cwd)
        monkeypatch.setenv("COLUMNS", "160")
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return invoke


def write_scenario(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def valid_toml() -> str:
    return (
        'name = "tiny"\nsteps = 6\n'
        + GOOD_LAB.format(name="A", gpus=1e5)
        + GOOD_LAB.format(name="B", gpus=2e4)
    )


def test_run_writes_all_tables_metadata_and_summary(tmp_path):
    scenario = write_scenario(tmp_path, valid_toml())
    out = tmp_path / "out"
    proc = run_cli(
        "run", "--scenario", str(scenario), "--seed", "7", "--out", str(out), "-q", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    for name in market.TABLE_NAMES:
        pq = pd.read_parquet(out / f"{name}.parquet")
        csv = pd.read_csv(out / f"{name}.csv", keep_default_na=False, na_values=[""])
        assert list(pq.columns) == list(csv.columns)
        assert len(pq) == len(csv)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["seed"] == {"seed": 7}
    assert meta["steps"] == 6 and meta["scenario"] == "tiny"
    assert meta["parameters"]["labs"][0]["name"] == "A"
    assert {"mesa", "numpy", "pandas", "python"} <= set(meta["versions"])
    assert meta["git_commit"] and meta["started_utc"].endswith("Z")
    assert read_parquet_metadata(out / "labs.parquet")["seed"] == {"seed": 7}
    # The summary table is printed with the columns the issue asks for.
    for header in (
        "people",
        "median comp",
        "GPUs/researcher",
        "hires",
        "departures",
        "net flow",
        "2-yr retention",
        "capability",
    ):
        assert header in proc.stdout
    assert "A" in proc.stdout and "B" in proc.stdout
    # Issue 13 item 6: the header says "seed 7", the net-flow column says what it counts.
    assert "seed 7" in proc.stdout and "{'seed'" not in proc.stdout
    assert "poached in - out" in proc.stdout
    # No temporary files are left behind.
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_rerun_with_same_seed_reproduces_tables(tmp_path, run_in_process):
    scenario = write_scenario(tmp_path, valid_toml())
    for out in ("a", "b"):
        assert (
            run_cli(
                "run", "-s", str(scenario), "--seed", "3", "--out", out, "-q", cwd=tmp_path
            ).returncode
            == 0
        )
    for name in market.TABLE_NAMES:
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "a" / f"{name}.parquet"),
            pd.read_parquet(tmp_path / "b" / f"{name}.parquet"),
        )
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (
            tmp_path / "b" / f"{name}.csv"
        ).read_bytes()


BAD_INPUTS = {
    "negative GPUs": (
        valid_toml().replace("gpus_h100e = 20000.0", "gpus_h100e = -5"),
        "labs.B.gpus_h100e: must be >= 0",
    ),
    "unknown counter-offer rule": (
        valid_toml() + '\n[labs.policy]\ncounter_offer = "outbid"\n',
        "counter_offer: must be one of",
    ),
    "unknown policy field": (
        valid_toml() + "\n[labs.policy]\nsigning_bonus = 3\n",
        "labs.B.policy.signing_bonus: unknown field",
    ),
    "missing lab field": (
        valid_toml().replace("budget_usd = 5e8\n", "", 1),
        "labs.A.budget_usd: required field is missing",
    ),
    "not TOML": ("this is { not toml", "is not valid TOML"),
    "event for unknown lab": (
        valid_toml() + '\n[[events]]\nat = 2\nlab = "Nope"\nfield = "pay_multiplier"\nvalue = 2\n',
        "unknown lab 'Nope'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_scenarios_exit_2_with_one_line_and_write_nothing(tmp_path, run_in_process, case):
    body, expected = BAD_INPUTS[case]
    scenario = write_scenario(tmp_path, body)
    out = tmp_path / "out"
    result = run_in_process("run", "--scenario", str(scenario), "--out", str(out), cwd=tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert not out.exists()


def test_bad_scenario_end_to_end_in_a_real_process(tmp_path):
    scenario = write_scenario(tmp_path, BAD_INPUTS["negative GPUs"][0])
    proc = run_cli("run", "--scenario", str(scenario), "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: labs.B.gpus_h100e: must be >= 0 and <= 1e+08 (got -5)"
    ]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--scenario", "nope.toml"], "neither a file nor a built-in scenario"),
        (["--set", "market.sigma=9"], "market.sigma: must be >= 0 and <= 3 (got 9)"),
        (["--set", "labs.Nobody.gpus_h100e=1"], "unknown lab 'Nobody'"),
        (["--set", "sigma"], "expected PATH=VALUE"),
        (
            ["--set", "market.contacts_per_vacancy=5", "--set", "market.vacancies_enabled=false"],
            "market.contacts_per_vacancy: has no effect while market.vacancies_enabled = false",
        ),
        (["--formats", "xlsx"], "--formats: allowed: parquet, csv"),
        (["--engineers", "5"], "--engineers: must be >="),
        (["--steps", "0"], "Invalid value for '--steps'"),
        (["--seed", "-1"], "Invalid value for '--seed'"),
        (["--colour", "red"], "No such option: --colour"),
    ],
)
def test_bad_options_exit_2(tmp_path, run_in_process, args, expected):
    result = run_in_process("run", *args, cwd=tmp_path)
    assert result.exit_code == 2, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert expected in result.stderr
    assert not (tmp_path / "results").exists()


def test_binary_file_is_a_clear_error(tmp_path, run_in_process):
    path = tmp_path / "blob.toml"
    path.write_bytes(bytes(range(256)))
    result = run_in_process("run", "--scenario", str(path), cwd=tmp_path)
    assert result.exit_code == 2
    assert "not a text (TOML) file" in result.stderr or "not valid TOML" in result.stderr


def test_scenarios_command_lists_and_prints_builtins(tmp_path, run_in_process):
    result = run_in_process("scenarios", cwd=tmp_path)
    assert result.exit_code == 0 and "frontier-2025" in result.stdout.split()
    result = run_in_process("scenarios", "frontier-2025", cwd=tmp_path)
    assert result.exit_code == 0
    assert market.load_scenario_text(result.stdout) == market.load_scenario("frontier-2025")


def test_python_dash_m_market_is_the_command(tmp_path):
    """``python -m market`` runs the same command line as ``talent-market``: help, and a
    user mistake as one line with exit code 2."""
    env = {**os.environ, "COLUMNS": "160"}
    ok = subprocess.run(
        [sys.executable, "-m", "market", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0 and "scenarios" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "market", "run", "--steps", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "error: Invalid value for '--steps': Input should be greater than or equal to 1"
    ]
