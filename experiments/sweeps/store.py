"""A resumable result store: one Parquet shard per finished batch plus a manifest.

Layout of an output folder::

    manifest.json              design digest, code digest, every stored run
                               (parameters, seed, shard) and every shard (files,
                               sha256, run ids)
    shards/<batch>.runs.parquet
    shards/<batch>.series.parquet   (only if per-step series were asked for)

Every file is written to a temporary name and moved into place with ``os.replace``;
the manifest is rewritten the same way after each shard, so a kill at any moment
leaves a consistent store. On reopening, shards whose files are missing or whose
sha256 does not match are dropped (their runs are redone) and stray files that the
manifest does not list are deleted.

A manifest that is not what this module writes (hand-edited, truncated, a shard without
its runs or runs without their shard) is a one-line error naming the defect and the
repair: ``talent-market sweep DESIGN --repair`` rebuilds the manifest from the shard
files (:meth:`Store.repair`), keeping every shard that belongs to the design and
dropping the rest.

A folder whose runs were made by other model code (another
:func:`market.provenance.code_digest`: the source of ``market`` and ``experiments`` or
the numpy, scipy, mesa or pandas version changed) is refused, as is one of another
design: resuming it would mix runs of two models in one table.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from experiments.sweeps.design import ResolvedDesign
from experiments.sweeps.plan import RunSpec
from experiments.sweeps.worker import BatchResult
from market import provenance
from market.errors import ScenarioError
from market.io.atomic import atomic_write_bytes, atomic_write_text
from market.io.results import METADATA_KEY, table_to_parquet_bytes

MANIFEST = "manifest.json"
SHARDS = "shards"
FORMAT_VERSION = 1


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return sha256_bytes(path.read_bytes())


class Store:
    """The shards and manifest of one sweep in folder ``root``."""

    def __init__(self, root: str | Path, design: ResolvedDesign) -> None:
        self.root = Path(root)
        self.design = design
        self.manifest: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "design_digest": design.digest,
            "code_digest": provenance.code_digest(),
            "design": design.describe(),
            "runs": {},
            "shards": {},
        }

    @property
    def manifest_path(self) -> Path:
        """Where the manifest lives."""
        return self.root / MANIFEST

    @property
    def shard_dir(self) -> Path:
        """Where the shards live."""
        return self.root / SHARDS

    # -- opening ------------------------------------------------------------------
    def check_compatible(self) -> None:
        """Raise a ScenarioError if ``root`` holds a different sweep, is not a folder,
        or its manifest is damaged (the message says how to repair it).

        Reads only; writes nothing.
        """
        if self.root.exists() and not self.root.is_dir():
            raise ScenarioError("--out", f"{self.root} exists and is not a folder")
        if self.shard_dir.exists() and not self.shard_dir.is_dir():
            raise self._damaged(f"{self.shard_dir} is not a folder")
        if not self.manifest_path.exists():
            return
        old = self._read_manifest()
        if old.get("design_digest") != self.design.digest:
            raise ScenarioError(
                "--out",
                f"{self.root} holds results of a different design or scenario; "
                "choose another --out or delete that folder",
            )
        made_by, now = old.get("code_digest", "not recorded"), self.manifest["code_digest"]
        if made_by != now:
            raise ScenarioError(
                "--out",
                f"{self.root} holds runs made by other model code (code digest {made_by}, "
                f"now {now}); choose another --out or delete that folder to run them again",
            )
        problem = manifest_problem(old)
        if problem:
            raise self._damaged(f"{self.manifest_path} {problem}")

    def _read_manifest(self) -> dict[str, Any]:
        try:
            old = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise self._damaged(f"{self.manifest_path} is unreadable") from None
        if not isinstance(old, dict):
            raise self._damaged(f"{self.manifest_path} is not a JSON object")
        return old

    def _damaged(self, what: str) -> ScenarioError:
        return ScenarioError(
            "--out",
            f"{what}; rebuild the manifest from the shards with: "
            f"talent-market sweep DESIGN --out {self.root} --repair",
        )

    def repair(self, plan: list[RunSpec]) -> list[str]:
        """Rebuild the manifest from the shard files; return what was kept and dropped.

        A shard is kept if its Parquet file reads, was written for this design, names
        its batch in its file name, holds only runs of ``plan`` that no kept shard
        holds, and has its series file when the design keeps series. Every other
        file in ``shards/`` is deleted (a ``shards`` file is removed too). Refuses a
        folder whose readable manifest belongs to another design.
        """
        if self.root.exists() and not self.root.is_dir():
            raise ScenarioError("--out", f"{self.root} exists and is not a folder")
        old: dict[str, Any] = {}
        if self.manifest_path.exists():
            with contextlib.suppress(ScenarioError):  # unreadable: the shards decide
                old = self._read_manifest()
        if old.get("design_digest") not in (None, self.design.digest):
            raise ScenarioError(
                "--out",
                f"{self.root} holds results of a different design or scenario; "
                "--repair keeps only shards of the design given, so choose the "
                "design that made this folder",
            )
        notes: list[str] = []
        if self.shard_dir.exists() and not self.shard_dir.is_dir():
            self.shard_dir.unlink()
            notes.append(f"removed {self.shard_dir}, a file where the shards folder belongs")
        self.manifest = {**self.manifest, "runs": {}, "shards": {}}
        by_id = {run.run_id: run for run in plan}
        files = sorted(self.shard_dir.glob("*.runs.parquet")) if self.shard_dir.is_dir() else []
        for path in files:
            problem = self._adopt(path, by_id)
            if problem:
                notes.append(f"dropped {path.name}: {problem}")
        if self.shard_dir.is_dir():
            listed = self._listed_files()
            for path in sorted(self.shard_dir.iterdir()):
                if path.name not in listed:
                    if path.is_dir():
                        shutil.rmtree(path)
                    else:
                        path.unlink()
        self._write_manifest()
        notes.append(
            f"manifest rebuilt: {len(self.manifest['shards'])} shards, "
            f"{len(self.manifest['runs'])} of {len(plan)} runs kept"
        )
        return notes

    def _adopt(self, path: Path, by_id: dict[str, RunSpec]) -> str | None:
        """Add the shard whose runs file is ``path`` to the manifest, or say why not."""
        try:
            data = path.read_bytes()
            table = pq.read_table(io.BytesIO(data))
            meta = json.loads((table.schema.metadata or {})[METADATA_KEY])
            run_ids = list(dict.fromkeys(table.column("run_id").to_pylist()))
        except Exception:  # any damage: pyarrow, JSON, a missing key or column
            return "unreadable"
        if not isinstance(meta, dict) or meta.get("design_digest") != self.design.digest:
            return "written for another design"
        batch = meta.get("batch")
        if not isinstance(batch, str) or path.name != f"{batch}.runs.parquet":
            return "its file name does not match its batch"
        unknown = [rid for rid in run_ids if rid not in by_id]
        if unknown or not run_ids:
            return "holds runs that are not in this design"
        if any(rid in self.manifest["runs"] for rid in run_ids):
            return "holds runs another shard already holds"
        entry: dict[str, Any] = {
            "run_ids": run_ids,
            "seconds": 0.0,
            "runs_file": path.name,
            "runs_sha256": sha256_bytes(data),
        }
        if self.design.file.series:
            series = self.shard_dir / f"{batch}.series.parquet"
            try:
                series_data = series.read_bytes()
                pq.read_table(io.BytesIO(series_data))
            except Exception:
                return "its series file is missing or unreadable"
            entry["series_file"] = series.name
            entry["series_sha256"] = sha256_bytes(series_data)
        self._register(batch, entry, [by_id[rid] for rid in run_ids])
        return None

    def _listed_files(self) -> set[str]:
        return {
            shard[f"{key}_file"]
            for shard in self.manifest["shards"].values()
            for key in ("runs", "series")
            if shard.get(f"{key}_file")
        }

    def load(self) -> list[str]:
        """Load an existing manifest, verify shards, delete strays; return warnings."""
        self.check_compatible()
        warnings: list[str] = []
        if self.manifest_path.exists():
            self.manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        bad = []
        for name, shard in self.manifest["shards"].items():
            for key in ("runs", "series"):
                file = shard.get(f"{key}_file")
                if file is None:
                    continue
                path = self.shard_dir / file
                if not path.is_file() or sha256_file(path) != shard[f"{key}_sha256"]:
                    bad.append(name)
                    break
        for name in bad:
            warnings.append(f"shard {name} is missing or corrupt; its runs will be redone")
            for run in self.manifest["shards"].pop(name)["run_ids"]:
                self.manifest["runs"].pop(run, None)
        listed = self._listed_files()
        if self.shard_dir.is_dir():
            for path in sorted(self.shard_dir.iterdir()):
                if path.name not in listed:
                    path.unlink(missing_ok=True)
        if bad:
            self._write_manifest()
        return warnings

    # -- queries ------------------------------------------------------------------
    def done_run_ids(self) -> set[str]:
        """Ids of runs stored in a verified shard."""
        return set(self.manifest["runs"])

    def missing(self, plan: list[RunSpec]) -> list[RunSpec]:
        """Runs of ``plan`` not yet stored, in plan order."""
        done = self.done_run_ids()
        return [run for run in plan if run.run_id not in done]

    # -- writing ------------------------------------------------------------------
    def add(self, result: BatchResult, runs: list[RunSpec]) -> None:
        """Store one finished batch: shard file(s) first, then the manifest."""
        meta = {"batch": result.batch_id, "design_digest": self.design.digest}
        entry: dict[str, Any] = {"run_ids": list(result.run_ids), "seconds": result.seconds}
        tables = {"runs": result.runs, "series": result.series}
        for key, df in tables.items():
            if df is None:
                continue
            data = table_to_parquet_bytes(df, {**meta, "table": key})
            file = f"{result.batch_id}.{key}.parquet"
            atomic_write_bytes(self.shard_dir / file, data)
            entry[f"{key}_file"] = file
            entry[f"{key}_sha256"] = sha256_bytes(data)
        by_id = {run.run_id: run for run in runs}
        self._register(result.batch_id, entry, [by_id[rid] for rid in result.run_ids])
        self._write_manifest()

    def _register(self, batch: str, entry: dict[str, Any], runs: list[RunSpec]) -> None:
        self.manifest["shards"][batch] = entry
        for run in runs:
            self.manifest["runs"][run.run_id] = {
                "shard": batch,
                "point": run.point,
                "replicate": run.replicate,
                "parameters": run.overrides,
                "seed_entropy": run.seed_entropy,
                "seed_spawn_key": run.seed_spawn_key,
            }

    def _write_manifest(self) -> None:
        self.manifest["runs"] = dict(sorted(self.manifest["runs"].items()))
        text = json.dumps(self.manifest, indent=1, sort_keys=False, default=str)
        atomic_write_text(self.manifest_path, text)

    # -- reading ------------------------------------------------------------------
    def read(self, key: str = "runs") -> pd.DataFrame | None:
        """All stored rows of table ``key`` ("runs" or "series"), sorted by run."""
        frames = []
        for shard in self.manifest["shards"].values():
            file = shard.get(f"{key}_file")
            if file:
                data = (self.shard_dir / file).read_bytes()
                frames.append(pq.read_table(io.BytesIO(data)).to_pandas())
        if not frames:
            return None
        df = pd.concat(frames, ignore_index=True)
        # Each run's rows sit together in one shard, so a stable sort keeps their order.
        return df.sort_values("run_id", kind="stable").reset_index(drop=True)


def manifest_problem(manifest: dict[str, Any]) -> str | None:
    """What is wrong with a manifest's structure, or None if it is what :class:`Store`
    writes: ``runs`` and ``shards`` tables, each shard listing its runs file, sha256 and
    run ids, and every run stored in exactly the shard that lists it.
    """
    runs, shards = manifest.get("runs"), manifest.get("shards")
    for key, value in (("runs", runs), ("shards", shards)):
        if not isinstance(value, dict):
            return (
                f"has no {key!r} table" if value is None else f"has a {key!r} that is not a table"
            )
    assert isinstance(runs, dict) and isinstance(shards, dict)
    listed: dict[str, str] = {}
    for name, shard in shards.items():
        if not isinstance(shard, dict):
            return f"lists shard {name!r} without its files"
        ids = shard.get("run_ids")
        if not (isinstance(ids, list) and ids and all(isinstance(r, str) for r in ids)):
            return f"lists shard {name!r} without its run ids"
        for key in ("runs", "series"):
            file, digest = shard.get(f"{key}_file"), shard.get(f"{key}_sha256")
            if (key == "runs" or file is not None) and not (
                isinstance(file, str)
                and file
                and Path(file).name == file
                and isinstance(digest, str)
            ):
                return f"lists shard {name!r} with a bad {key} file entry"
        for rid in ids:
            if rid in listed:
                return f"lists run {rid!r} in two shards"
            listed[rid] = name
    for rid, shard_name in listed.items():
        run = runs.get(rid)
        if not isinstance(run, dict):
            return f"lists run {rid!r} in shard {shard_name!r} but not among its runs"
        if run.get("shard") != shard_name:
            return f"stores run {rid!r} in shard {run.get('shard')!r}, but {shard_name!r} holds it"
    orphans = [rid for rid in runs if rid not in listed]
    if orphans:
        return f"lists {len(orphans)} runs (e.g. {orphans[0]!r}) that no shard holds"
    return None
