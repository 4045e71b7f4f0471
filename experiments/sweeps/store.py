"""A resumable result store: one Parquet shard per finished batch plus a manifest.

Layout of an output folder::

    manifest.json              design digest, every stored run (parameters, seed,
                               shard) and every shard (files, sha256, run ids)
    shards/<batch>.runs.parquet
    shards/<batch>.series.parquet   (only if per-step series were asked for)

Every file is written to a temporary name and moved into place with ``os.replace``;
the manifest is rewritten the same way after each shard, so a kill at any moment
leaves a consistent store. On reopening, shards whose files are missing or whose
sha256 does not match are dropped (their runs are redone) and stray files that the
manifest does not list are deleted.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from experiments.sweeps.design import ResolvedDesign
from experiments.sweeps.plan import RunSpec
from experiments.sweeps.worker import BatchResult
from market.errors import ScenarioError
from market.io.atomic import atomic_write_bytes, atomic_write_text
from market.io.results import table_to_parquet_bytes

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
        """Raise a ScenarioError if ``root`` holds a different sweep or is not a folder.

        Reads only; writes nothing.
        """
        if self.root.exists() and not self.root.is_dir():
            raise ScenarioError("--out", f"{self.root} exists and is not a folder")
        if not self.manifest_path.exists():
            return
        try:
            old = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            raise ScenarioError(
                "--out", f"{self.manifest_path} is unreadable; delete it or choose another --out"
            ) from None
        if old.get("design_digest") != self.design.digest:
            raise ScenarioError(
                "--out",
                f"{self.root} holds results of a different design or scenario; "
                "choose another --out or delete that folder",
            )

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
        listed = {
            shard[f"{key}_file"]
            for shard in self.manifest["shards"].values()
            for key in ("runs", "series")
            if shard.get(f"{key}_file")
        }
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
        self.manifest["shards"][result.batch_id] = entry
        by_id = {run.run_id: run for run in runs}
        for rid in result.run_ids:
            run = by_id[rid]
            self.manifest["runs"][rid] = {
                "shard": result.batch_id,
                "point": run.point,
                "replicate": run.replicate,
                "parameters": run.overrides,
                "seed_entropy": run.seed_entropy,
                "seed_spawn_key": run.seed_spawn_key,
            }
        self._write_manifest()

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
