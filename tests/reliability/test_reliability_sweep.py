"""Issue 15 (reliability), ``talent-market sweep``: manifest defects with a repair (4, 9),
bad design files and options as one line (7, 9, 11, 12), folder names (5).
"""

from __future__ import annotations

import json
import shutil

import pytest

DESIGN = {
    "name": "rel",
    "scenario": "frontier-2025",
    "n_engineers": 24,
    "steps": 2,
    "replications": 2,
    "root_seed": 3,
    "metrics": ["researchers", "talent_share"],
    "design": {"kind": "factorial", "parameters": [{"path": "market.sigma", "values": [0.5, 1.5]}]},
}
N_RUNS = 4


def design_data(**changes):
    data = json.loads(json.dumps(DESIGN))
    data.update(changes)
    return data


@pytest.fixture(scope="session")
def design_path(rel, tmp_path_factory):
    return rel.write_toml(tmp_path_factory.mktemp("design") / "rel.toml", design_data())


@pytest.fixture(scope="session")
def sweep(cli):
    def run(design, out, *extra):
        return cli(
            "sweep", design, "--out", out, "--workers", "1", "--batch-runs", "1", "-q", *extra
        )

    return run


@pytest.fixture(scope="session")
def clean_sweep(sweep, design_path, tmp_path_factory):
    """One clean sweep (4 runs, 4 shards), made once."""
    out = tmp_path_factory.mktemp("clean") / "ref"
    assert sweep(design_path, out).code == 0
    return out


@pytest.fixture
def reference(clean_sweep, tmp_path):
    """A copy of the clean sweep to damage, and the bytes of its final tables."""
    out = tmp_path / "ref"
    shutil.copytree(clean_sweep, out)
    return out, table_bytes(out)


def table_bytes(folder):
    return {p.name: p.read_bytes() for p in folder.glob("*.parquet")} | {
        p.name: p.read_bytes() for p in folder.glob("*.csv")
    }


def edit_manifest(folder, change):
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps(change(manifest)))


def drop_one_run(m):
    m["runs"].pop(sorted(m["runs"])[0])
    return m


def drop_one_shard(m):
    m["shards"].pop(sorted(m["shards"])[0])
    return m


def set_key(key, value):
    def change(m):
        m[key] = value
        return m

    return change


def without(key):
    def change(m):
        m.pop(key)
        return m

    return change


DEFECTS = {
    "shard-without-its-runs": drop_one_run,
    "runs-without-their-shard": drop_one_shard,
    "no-shards-key": without("shards"),
    "no-runs-key": without("runs"),
    "null-shards": set_key("shards", None),
    "shards-a-list": set_key("shards", []),
    "whole-manifest-a-list": lambda m: [],
    "whole-manifest-null": lambda m: None,
}


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defects_04_09_manifest_defect_is_one_line_then_repair_rebuilds(
    sweep, design_path, reference, rel, defect
):
    """Defects 4 and 9: every manifest defect is one line naming ``--repair``; the repair
    rebuilds the manifest from the shards, reruns only what is missing, and the tables
    are byte-identical to a clean sweep.
    """
    out, expected = reference
    edit_manifest(out, DEFECTS[defect])
    res = sweep(design_path, out)
    res.assert_clean_failure()
    assert "--repair" in res.err and "manifest" in res.err
    repaired = sweep(design_path, out, "--repair")
    assert repaired.code == 0, repaired.err
    assert "manifest rebuilt: 4 shards, 4 of 4 runs kept" in repaired.err
    assert table_bytes(out) == expected
    again = sweep(design_path, out)
    assert again.code == 0 and f"resumed: {N_RUNS} runs reused, 0 run now" in again.err


def test_defect_09_shards_folder_is_a_file(sweep, design_path, reference):
    """Defect 9: ``shards`` being a file is one line; --repair removes it and reruns."""
    out, expected = reference
    for path in (out / "shards").iterdir():
        path.unlink()
    (out / "shards").rmdir()
    (out / "shards").write_text("not a folder")
    sweep(design_path, out).assert_clean_failure()
    repaired = sweep(design_path, out, "--repair")
    assert repaired.code == 0, repaired.err
    assert (out / "shards").is_dir() and table_bytes(out) == expected


def test_repair_drops_orphans_and_foreign_shards(sweep, design_path, reference, rel, tmp_path):
    """Repair keeps only the shards of this design: a corrupt shard, a stray file and a
    shard of another design are dropped (their runs are redone).
    """
    out, expected = reference
    shards = sorted((out / "shards").iterdir())
    shards[0].write_bytes(b"garbage")
    (out / "shards" / "stray.txt").write_text("x")
    other = rel.write_toml(tmp_path / "other.toml", design_data(root_seed=99))
    assert sweep(other, tmp_path / "other").code == 0
    foreign = sorted((tmp_path / "other" / "shards").iterdir())[1]
    assert foreign.name == shards[1].name  # same runs, other seeds: only the design differs
    shards[1].write_bytes(foreign.read_bytes())
    (out / "manifest.json").write_text("{ not json")
    repaired = sweep(design_path, out, "--repair")
    assert repaired.code == 0, repaired.err
    assert f"dropped {shards[0].name}: unreadable" in repaired.err
    assert f"dropped {shards[1].name}: written for another design" in repaired.err
    assert "resumed: 2 runs reused, 2 run now" in repaired.err
    assert not (out / "shards" / "stray.txt").exists()
    assert table_bytes(out) == expected


def test_repair_refuses_a_folder_of_another_design(sweep, design_path, reference, rel, tmp_path):
    """--repair never turns another design's results into this one's."""
    out, _ = reference
    other = rel.write_toml(tmp_path / "other.toml", design_data(root_seed=99))
    res = sweep(other, out, "--repair")
    res.assert_clean_failure()
    assert "different design" in res.err


@pytest.mark.parametrize(
    ("content", "extra", "words"),
    [
        (bytes(range(256)), [], "not a text (TOML) file"),
        (None, ["--scheduler", "garbage://x"], "--scheduler: expected a Dask scheduler address"),
        (None, ["--scheduler", "tcp://127.0.0.1:99999"], "--scheduler: expected"),
        ({"design": {"kind": "list"}}, [], "needs at least one [[design.points]] table"),
        ({"replications": True}, [], "replications: must be a number, not a boolean"),
        ({"n_engineers": True}, [], "n_engineers: must be a number, not a boolean"),
        ({"steps": 6.7}, [], "steps: input should be a valid integer"),
        (
            {"design": {"kind": "factorial", "parameters": [{"path": "steps", "values": [6.7]}]}},
            [],
            "fractional part",
        ),
        ({"scenario": "nope"}, [], "error: scenario: 'nope' is neither"),
        (
            {
                "design": {
                    "kind": "lhs",
                    "samples": 2,
                    "parameters": [{"path": "market.sigma", "low": float("nan"), "high": 1.0}],
                }
            },
            [],
            "finite number",
        ),
    ],
    ids=[
        "binary",
        "garbage-scheduler",
        "bad-port",
        "list-without-points",
        "bool-replications",
        "bool-engineers",
        "fractional-steps",
        "fractional-steps-value",
        "unknown-scenario",
        "nan-bound",
    ],
)
def test_defects_07_09_11_12_bad_design_or_option_is_one_line(
    sweep, rel, tmp_path, content, extra, words
):
    """Defects 7, 9, 11, 12: binary files, a bad scheduler, ``[[design.points]]`` kept
    intact, booleans and 6.7 for integers, no ``scenario: scenario:``; nothing written.
    """
    (tmp_path / "[").mkdir()
    path = tmp_path / "[/]d.toml"  # the folder "[" and the file "]d.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        changes = content or {}
        rel.write_toml(path, design_data(**changes))
    out = tmp_path / "out"
    res = sweep(path, out, *extra)
    res.assert_clean_failure()
    assert words in res.err
    if isinstance(content, bytes):
        assert "[/]d.toml" in res.err
    assert "scenario: scenario:" not in res.err
    assert not out.exists()


def test_defect_05_sweep_default_folder_stays_under_results(cli, rel, tmp_path, monkeypatch):
    """Defect 5: a design named ``../../x`` writes to ``results/sweeps/x``."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    path = rel.write_toml(tmp_path / "d.toml", design_data(name="../../x", replications=1))
    res = cli("sweep", path, "--workers", "1", "-q")
    assert res.code == 0, res.err
    assert [p.name for p in (work / "results" / "sweeps").iterdir()] == ["x"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.toml", "work"]


def test_defect_08_unwritable_sweep_folder_fails_first(sweep, design_path):
    """Defect 8 for sweeps: ``/proc/x`` is one line before any run."""
    res = sweep(design_path, "/proc/x")
    res.assert_clean_failure()
    assert "--out" in res.err
