"""Write a run's tables as Parquet and CSV with a JSON metadata sidecar, atomically."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from market.errors import ScenarioError

if TYPE_CHECKING:
    from market.runner import RunResult

FORMATS = ("parquet", "csv")
METADATA_KEY = b"talent_market"


def table_to_parquet_bytes(df: pd.DataFrame, metadata: dict[str, Any]) -> bytes:
    """Parquet bytes of ``df`` with ``metadata`` (JSON) in the schema metadata."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[METADATA_KEY] = json.dumps(metadata, sort_keys=True).encode()
    table = table.replace_schema_metadata(schema_meta)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def table_to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV bytes that a spreadsheet opens cleanly (UTF-8, no index, ISO numbers)."""
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def read_parquet_metadata(path: str | Path) -> dict[str, Any]:
    """The run metadata stored in a Parquet file written by this module."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[METADATA_KEY])


def write_run(
    result: RunResult, out_dir: str | Path, formats: Iterable[str] = FORMATS
) -> list[Path]:
    """Write every table of ``result`` into ``out_dir`` plus ``metadata.json``.

    All files are first written into a temporary folder beside ``out_dir`` and then
    moved in one by one with ``os.replace``, ``metadata.json`` last, so an interrupted
    write never leaves a half-written file and a folder with ``metadata.json`` is
    complete.
    """
    formats = tuple(formats)
    for fmt in formats:
        if fmt not in FORMATS:
            raise ScenarioError("formats", f"unknown format {fmt!r}; allowed: {FORMATS}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ScenarioError("out", f"{out} exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        names: list[str] = []
        for name, df in result.tables.items():
            if "parquet" in formats:
                (staging / f"{name}.parquet").write_bytes(
                    table_to_parquet_bytes(df, {**result.metadata, "table": name})
                )
                names.append(f"{name}.parquet")
            if "csv" in formats:
                (staging / f"{name}.csv").write_bytes(table_to_csv_bytes(df))
                names.append(f"{name}.csv")
        meta = {**result.metadata, "tables": sorted(result.tables), "files": names}
        (staging / "metadata.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
        out.mkdir(exist_ok=True)
        (out / "metadata.json").unlink(missing_ok=True)  # marks the folder incomplete
        for name in [*names, "metadata.json"]:
            (staging / name).replace(out / name)
        return [out / n for n in [*names, "metadata.json"]]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
