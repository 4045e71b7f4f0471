"""Issue 15 (reliability), ``talent-market run``: one test or more per defect number.

Result folders are one unit (1-3), output never escapes ``results/`` (5), bad input is
one line and exit 2 (6-12, 14), the same seed gives the same Parquet bytes (13).
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import textwrap

import pytest

import market
from market.io import results
from market.io.results import output_lock, read_parquet_metadata, safe_folder_name


def run_tiny(cli, tiny_file, out, *extra):
    return cli("run", "-s", tiny_file, "--out", out, "-q", *extra)


def folder_bytes(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- 1: a run replaces the folder as one unit; leftovers are removed ---------------------
def test_defect_01_new_run_replaces_old_one_whole_and_leftovers_go(cli, rel, tiny_file, tmp_path):
    """Defect 1: the old run is swapped out in one step; staging folders of killed
    writers (new and old naming) are deleted by the next run.
    """
    out = tmp_path / "s"
    assert run_tiny(cli, tiny_file, out, "--seed", "1").code == 0
    (tmp_path / ".s.staging-deadbeef").mkdir()
    (tmp_path / ".s.staging-deadbeef" / "labs.csv").write_text("partial")
    (tmp_path / ".s.ab12cd34").mkdir()  # what the old writer left on SIGTERM
    assert run_tiny(cli, tiny_file, out, "--seed", "2").code == 0
    meta = rel.assert_one_whole_run(out)
    assert meta["seed"] == {"seed": 2}
    assert read_parquet_metadata(out / "labs.parquet")["seed"] == {"seed": 2}
    assert rel.leftovers(out) == []


def test_defect_01_two_rename_fallback_and_its_repair(cli, rel, tiny_file, tmp_path, monkeypatch):
    """Defect 1, where RENAME_EXCHANGE is missing: two renames, and a kill between them
    (no folder, the old run aside) is repaired by the next writer.
    """
    out = tmp_path / "s"
    assert run_tiny(cli, tiny_file, out, "--seed", "1").code == 0
    monkeypatch.setattr(results, "exchange_paths", lambda a, b: False)
    assert run_tiny(cli, tiny_file, out, "--seed", "2").code == 0
    assert rel.assert_one_whole_run(out)["seed"] == {"seed": 2}
    aside = tmp_path / ".s.old-0123abcd"
    out.rename(aside)  # the instant between the two renames
    with output_lock(out):
        assert rel.assert_one_whole_run(out)["seed"] == {"seed": 2}
    assert rel.leftovers(out) == []


def test_renameat2_exchange_swaps_two_folders(tmp_path):
    """The atomic swap itself (skipped where the kernel or file system lacks it)."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "y").write_text("b")
    if not results.exchange_paths(a, b):
        pytest.skip("renameat2(RENAME_EXCHANGE) not available here")
    assert (a / "y").exists() and (b / "x").exists()


# -- 2: one writer at a time -------------------------------------------------------------
def test_defect_02_second_writer_is_refused_with_one_line(cli, rel, tiny_file, tmp_path):
    """Defect 2: while another process holds the folder's lock, ``run`` exits 2 with one
    line before simulating, and the folder is untouched.
    """
    out = tmp_path / "s"
    assert run_tiny(cli, tiny_file, out, "--seed", "1").code == 0
    before = folder_bytes(out)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys
                from market.io.results import output_lock
                with output_lock({str(out)!r}):
                    print("locked", flush=True)
                    sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        second = run_tiny(cli, tiny_file, out, "--seed", "2")
        second.assert_clean_failure()
        assert "being written by another run" in second.err and "--out" in second.err
        assert folder_bytes(out) == before
    finally:
        holder.communicate("", timeout=30)
    assert run_tiny(cli, tiny_file, out, "--seed", "2").code == 0  # lock released
    assert rel.leftovers(out) == []


# -- 3: no stale file of another run -------------------------------------------------------
def test_defect_03_csv_run_after_parquet_run_leaves_no_parquet(cli, rel, tiny_file, tmp_path):
    """Defect 3: ``--seed 1`` (both formats) then ``--seed 2 --formats csv``."""
    out = tmp_path / "s"
    assert run_tiny(cli, tiny_file, out, "--seed", "1").code == 0
    assert run_tiny(cli, tiny_file, out, "--seed", "2", "--formats", "csv").code == 0
    meta = rel.assert_one_whole_run(out)
    assert meta["seed"] == {"seed": 2}
    assert not list(out.glob("*.parquet"))


def test_defect_03_folder_with_other_files_is_not_replaced(cli, tiny_file, tmp_path):
    """Defect 3's swap replaces whole folders, so a folder holding anything but run files
    (a user's notes, a subfolder) is refused before the run and left as it is.
    """
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    res = run_tiny(cli, tiny_file, out)
    res.assert_clean_failure()
    assert "notes.txt" in res.err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


# -- 5: output never escapes results/ -----------------------------------------------------
@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("/srv/elsewhere", "srv-elsewhere"),
        ("../../x", "x"),
        ("..", "run"),
        ("a/../../b", "a-b"),
        ("[/] weird name", "weird-name"),
    ],
)
def test_defect_05_default_output_stays_under_results(
    cli, rel, tiny_file, tmp_path, monkeypatch, name, folder
):
    """Defect 5: the scenario name (from --set or a TOML file) is sanitised into one
    folder name under ``results/``.
    """
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    data = rel.tiny_dict()
    data["name"] = name
    scenario = rel.write_toml(tmp_path / "named.toml", data)
    assert cli("run", "-s", scenario, "-q").code == 0
    assert sorted(p.name for p in work.iterdir()) == ["results"]
    assert [p.name for p in (work / "results").iterdir()] == [folder]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["named.toml", "work"]
    assert safe_folder_name(name) == folder


# -- 6: non-finite and extreme numbers ----------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("market.capability_phi=-inf", "market.capability_phi: must be a finite number"),
        ("market.capability_phi=-1e308", "market.capability_phi: must be >= -10"),
        ("population.graduate_mix=[nan,0.5,0.5]", "population.graduate_mix[0]: must be a finite"),
        ("population.pref_dispersion=1e-308", "population.pref_dispersion: must be 0 or"),
        ("labs.A.gpus_h100e=nan", "labs.A.gpus_h100e: must be a finite number >= 0"),
        ("market.compute_ref_h100e=inf", "market.compute_ref_h100e: must be a finite"),
        ("market.talent_ref=1e-308", "market.talent_ref: must be >= 0.001"),
    ],
)
def test_defect_06_non_finite_numbers_are_refused(cli, tiny_file, tmp_path, setting, field):
    """Defect 6: NaN, infinities and values that overflow the model are one line."""
    res = run_tiny(cli, tiny_file, tmp_path / "o", "--set", setting)
    res.assert_clean_failure()
    assert field in res.err
    assert not (tmp_path / "o").exists()


# -- 7: user text is never markup ---------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--scenario", "[/]"], "'[/]' is neither a file"),
        (["--set", "market.sigma=[/]"], "(got '[/]')"),
        (["--set", "labs.[red]Meta.gpus_h100e=1"], "unknown lab '[red]Meta'"),
        (["--out", "[bold]x[/]", "--formats", "[/]"], "(got '[/]')"),
    ],
)
def test_defect_07_brackets_in_user_text_are_printed_as_typed(
    cli, tiny_file, tmp_path, args, words
):
    """Defect 7: ``[/]`` and ``[red]`` in user input reach the error line unchanged."""
    res = cli("run", "-s", tiny_file, *args) if args[0] != "--scenario" else cli("run", *args)
    res.assert_clean_failure()
    assert words in res.err


def test_defect_07_markup_in_lab_and_scenario_names_runs(cli, rel, tmp_path):
    """Defect 7: names with brackets run, and the summary prints them as they are."""
    data = rel.tiny_dict()
    data["name"] = "[/]odd"
    data["labs"][0]["name"] = "[red]Meta"
    data["labs"][0]["ties"] = []
    scenario = rel.write_toml(tmp_path / "m.toml", data)
    res = cli(
        "run", "-s", scenario, "--out", tmp_path / "[/]o", "--set", "labs.[red]Meta.mission=0.9"
    )
    assert res.code == 0, res.err
    assert "[red]Meta" in res.out and "[/]odd" in res.out
    assert rel.assert_one_whole_run(tmp_path / "[/]o")["parameters"]["labs"][0]["mission"] == 0.9


# -- 8: unwritable output fails before the simulation ---------------------------------------
@pytest.mark.parametrize("where", ["/proc/x", "file/sub"])
def test_defect_08_unwritable_out_fails_before_running(
    cli, tiny_file, tmp_path, monkeypatch, where
):
    """Defect 8: ``/proc/x`` and a path under a file are refused before any month runs."""
    (tmp_path / "file").write_text("")
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr("market.cli.run_scenario", lambda *a, **k: calls.append(1))
    res = run_tiny(cli, tiny_file, where)
    res.assert_clean_failure()
    assert "--out" in res.err and calls == []


def test_defect_08_full_disk_is_one_line_and_keeps_the_old_run(
    cli, tiny_file, tmp_path, monkeypatch
):
    """Defect 8: a write error (here ENOSPC) is one line; the previous run stays whole."""
    out = tmp_path / "s"
    assert run_tiny(cli, tiny_file, out, "--seed", "1").code == 0
    before = folder_bytes(out)

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(results, "_write_synced", full)
    res = run_tiny(cli, tiny_file, out, "--seed", "2")
    res.assert_clean_failure()
    assert "No space left on device" in res.err
    assert folder_bytes(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- 10: rescaling names --engineers and its limit ----------------------------------------------
def test_defect_10_too_many_engineers_names_the_option_and_the_limit(cli, tmp_path):
    """Defect 10: ``--engineers 10000000`` blames ``--engineers`` and says the most that
    works; that number itself is accepted.
    """
    res = cli("run", "--engineers", "10000000", "--out", tmp_path / "o")
    res.assert_clean_failure()
    assert res.err.startswith("error: --engineers: at most ")
    base = market.load_scenario("frontier-2025")
    largest, _field = base.largest_scale()
    assert f"{largest:,}" in res.err
    assert base.scaled(largest).n_engineers <= largest + len(base.labs)
    with pytest.raises(market.ScenarioError, match="at most"):
        base.scaled(largest + 1_000)


# -- 11: booleans are not numbers, 6.7 is not an integer -------------------------------------
@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("steps=true", "steps: must be a number, not a boolean"),
        ("labs.A.gpus_h100e=true", "labs.A.gpus_h100e: must be a number, not a boolean"),
        ("labs.A.headcount.research=6.7", "fractional part"),
        ("steps=6.7", "fractional part"),
        ("market.infra_enabled=1", "must be true or false, not a number"),
        ("events=[{at=true, field='sigma', value=1.0}]", "events[0].at: must be a step number"),
        ("events=[{at=1, field='sigma', value=true}]", "must be a number, not a boolean"),
    ],
)
def test_defect_11_booleans_and_fractions_are_refused(cli, tiny_file, tmp_path, setting, words):
    """Defect 11: ``true`` for a number, a number for a switch and 6.7 for an integer."""
    res = run_tiny(cli, tiny_file, tmp_path / "o", "--set", setting)
    res.assert_clean_failure()
    assert words in res.err


# -- 12: locations written as --set paths, messages short ----------------------------------
@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"labs.1.name": 5}, "error: labs[1].name: input should be a valid string (got 5)"),
        ({"events": [{"at": 2.5, "field": "sigma", "value": 1.0}]}, "error: events[0].at: must be"),
        ({"population": {"graduate_mix": [0.5, 0.5]}}, "population.graduate_mix: has too few"),
        ({"labs.0.policy": {"vesting_cliff_months": 50, "vesting_months": 10}}, "labs.A.policy:"),
        ({"labs.0.headcount": 3}, "labs.A.headcount: must be a table of fields (got 3)"),
    ],
)
def test_defect_12_locations_read_like_set_paths(cli, rel, tmp_path, change, words):
    """Defect 12: ``labs[1].name``, ``events[0].at`` (no ``.[1]``, no ``.str``), no
    doubled prefixes, no whole tables in the message.
    """
    data = rel.tiny_dict()
    for key, value in change.items():
        if key.startswith("labs."):
            _, i, field = key.split(".")
            data["labs"][int(i)][field] = value
        else:
            data[key] = value
    res = cli("run", "-s", rel.write_toml(tmp_path / "x.toml", data), "--out", tmp_path / "o")
    res.assert_clean_failure()
    assert words in res.err
    assert ".[" not in res.err and ".str" not in res.err and len(res.err) < 300


@pytest.mark.parametrize("setting", ["=3", "market.=1", "labs.A.=2", ".x=1", "market..sigma=1"])
def test_defect_12_empty_path_parts_are_named(cli, tiny_file, tmp_path, setting):
    """Defect 12: no ``unknown field ''``."""
    res = run_tiny(cli, tiny_file, tmp_path / "o", "--set", setting)
    res.assert_clean_failure()
    assert "''" not in res.err and "--set" in res.err


def test_defect_12_long_values_are_cut(cli, tiny_file, tmp_path):
    """Defect 12: a huge value is quoted in at most a few dozen characters."""
    res = run_tiny(cli, tiny_file, tmp_path / "o", "--set", "market.sigma=" + "x" * 10_000)
    res.assert_clean_failure()
    assert len(res.err) < 200


# -- 13: same seed, same bytes ----------------------------------------------------------------
def test_defect_13_same_seed_gives_byte_identical_files(cli, rel, tiny_file, tmp_path):
    """Defect 13: every Parquet and CSV file is byte-identical for the same seed; the
    run's times are in ``metadata.json`` only.
    """
    for name in ("a", "b"):
        assert run_tiny(cli, tiny_file, tmp_path / name, "--seed", "5").code == 0
    a, b = folder_bytes(tmp_path / "a"), folder_bytes(tmp_path / "b")
    assert a.keys() == b.keys() and any(n.endswith(".parquet") for n in a)
    for name in a:
        if name != "metadata.json":
            assert a[name] == b[name], name
    meta = read_parquet_metadata(tmp_path / "a" / "labs.parquet")
    assert not {"started_utc", "finished_utc"} & set(meta)
    assert "started_utc" in rel.assert_one_whole_run(tmp_path / "a")


# -- 14: Ctrl-C, nonsense, Infinity, huge descriptions -------------------------------------------
def test_defect_14_ctrl_c_is_one_line_and_changes_nothing(cli, tiny_file, tmp_path, monkeypatch):
    """Defect 14: Ctrl-C during ``run`` prints one line, exits 130, keeps the old run."""
    out = tmp_path / "s"
    assert run_tiny(cli, tiny_file, out).code == 0
    before = folder_bytes(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("market.cli.run_scenario", interrupted)
    res = run_tiny(cli, tiny_file, out, "--seed", "3")
    assert res.code == 130
    assert res.err.strip().splitlines() == [f"error: interrupted: {out} was not changed"]
    assert folder_bytes(out) == before


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("market.utilisation_min=0.95", "market.utilisation_min: must be <= utilisation_max"),
        ("labs.A.ties=['A']", "labs.A.ties: a lab cannot be tied to itself"),
        (
            "labs.*.headcount={research=0, infrastructure=0, product=0}",
            "labs: every lab has headcount 0",
        ),
    ],
)
def test_defect_14_nonsense_is_refused(cli, tiny_file, tmp_path, setting, words):
    """Defect 14: min above max, a lab tied to itself, a market without people."""
    res = run_tiny(cli, tiny_file, tmp_path / "o", "--set", setting)
    res.assert_clean_failure()
    assert words in res.err


def test_defect_14_metadata_is_strict_json_and_descriptions_stay_out_of_parquet(rel, tmp_path):
    """Defect 14: no ``Infinity`` in metadata.json; a long description is written once
    (metadata.json), not into every Parquet file; a 50 MB one is refused.
    """
    data = rel.tiny_dict()
    data["description"] = "d" * 15_000
    sc = market.build_scenario(data)
    result = market.run_scenario(sc, seed=1)
    result.metadata["odd"] = [float("inf"), float("nan"), {"x": -float("inf")}]
    results.write_run(result, tmp_path / "o")
    meta = rel.assert_one_whole_run(tmp_path / "o")
    assert meta["odd"] == [None, None, {"x": None}]
    assert meta["parameters"]["description"] == "d" * 15_000
    for path in (tmp_path / "o").glob("*.parquet"):
        assert b"d" * 1_000 not in path.read_bytes()
    data["description"] = "d" * 50_000_000
    with pytest.raises(market.ScenarioError, match="description: string should have at most"):
        market.build_scenario(data)


def test_metadata_json_lists_exactly_the_files(rel, cli, tiny_file, tmp_path):
    """Defects 1 and 3: ``files`` in metadata.json is what the folder holds."""
    assert run_tiny(cli, tiny_file, tmp_path / "o", "--formats", "parquet").code == 0
    meta = rel.assert_one_whole_run(tmp_path / "o")
    assert sorted(meta["files"]) == sorted(f"{t}.parquet" for t in market.TABLE_NAMES)
    assert json.loads((tmp_path / "o" / "metadata.json").read_text())["tables"]
