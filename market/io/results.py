"""Write a run's tables as Parquet and CSV with a JSON metadata sidecar, as one unit.

A result folder always holds one whole run. :func:`write_run` stages every file in a
hidden sibling folder (``.NAME.staging-XXXX``), then swaps it with the old folder in one
atomic ``renameat2(RENAME_EXCHANGE)`` (Linux; elsewhere two renames whose rare gap is
repaired on the next write), then deletes the old run. A lock file (``.NAME.lock``)
keeps two writers out of one folder, and staging leftovers of a killed writer are
removed by the next one. Parquet files carry no timestamps, so the same seed gives the
same bytes; the times of a run are in ``metadata.json`` only.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import math
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
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
RESULTS_ROOT = Path("results")
VOLATILE_KEYS = frozenset({"started_utc", "finished_utc", "written_utc"})
"""Metadata kept out of Parquet files so that equal runs give equal bytes."""
BULKY_PARAMETER_KEYS = ("description", "sources")
"""Free text that ``metadata.json`` keeps once and Parquet files leave out."""
_STAGING = ".staging-"
_OLD = ".old-"
_HELD: dict[Path, int] = {}
"""Output folders locked by this process: path -> lock file descriptor."""


# -- names and paths ----------------------------------------------------------------------
def safe_folder_name(name: str, fallback: str = "run") -> str:
    """``name`` as one safe folder name: no separators, no ``..``, no leading dot.

    Runs of characters other than letters, digits, ``.``, ``_`` and ``-`` separate
    parts; each part loses its leading and trailing dots, and the non-empty parts are
    joined with ``-`` (at most 80 characters). ``"/srv/elsewhere"`` -> ``"srv-elsewhere"``,
    ``"../../x"`` -> ``"x"``, ``".."`` -> ``fallback``.
    """
    parts = (part.strip(".") for part in re.split(r"[^A-Za-z0-9._-]+", str(name)))
    cleaned = "-".join(p for p in parts if p)[:80].strip("._-")
    return cleaned or fallback


def default_output(name: str, under: str | Path = RESULTS_ROOT) -> Path:
    """The default output folder of a run or sweep called ``name``: ``under/<safe name>``."""
    return Path(under) / safe_folder_name(name)


def check_writable(
    out_dir: str | Path, option: str = "--out", *, whole_folder: bool = True
) -> Path:
    """Check, before any work, that a result folder can be written at ``out_dir``.

    Creates nothing that stays: the nearest existing ancestor must be a folder in which
    a temporary folder can be made. Returns the absolute path that will be written
    (a symbolic link to a folder is followed).

    Args:
        out_dir: the folder.
        option: the option named in errors.
        whole_folder: the folder is replaced as a whole (a run), so an existing one must
            hold nothing but run files; False for folders written file by file (sweeps).

    Raises:
        ScenarioError: naming ``option``, if the path is a file, sits under a file, or
            its folder is not writable (read-only, ``/proc``, no permission).

    """
    out = _resolved(out_dir)
    if out.exists() and not out.is_dir():
        raise ScenarioError(option, f"{out} exists and is not a folder")
    ancestor = out.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ScenarioError(option, f"cannot create {out}: {ancestor} is not a folder")
    try:
        Path(tempfile.mkdtemp(prefix=".talent-market-check-", dir=ancestor)).rmdir()
    except OSError as exc:
        raise ScenarioError(
            option,
            f"cannot create a folder in {ancestor} ({exc.strerror or exc}); "
            f"choose another {option}",
        ) from None
    if whole_folder and out.is_dir():
        _check_replaceable(out, option)
    elif out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise ScenarioError(option, f"cannot write to {out}: permission denied")
    return out


def _resolved(out_dir: str | Path) -> Path:
    out = Path(os.path.abspath(out_dir))
    return Path(os.path.realpath(out)) if out.is_symlink() else out


def _check_replaceable(out: Path, option: str) -> None:
    """A folder may be replaced by a new run only if it holds nothing but run files."""
    for entry in out.iterdir():
        is_run_file = entry.is_file() and (
            entry.name == "metadata.json" or entry.suffix in (".parquet", ".csv")
        )
        if not is_run_file:
            raise ScenarioError(
                option,
                f"{out} holds {entry.name!r}, which is not part of a run; a new run replaces "
                "the whole folder, so choose an empty or new folder",
            )


# -- the lock -------------------------------------------------------------------------
@contextlib.contextmanager
def output_lock(out_dir: str | Path, option: str = "--out") -> Iterator[Path]:
    """Hold the writer's lock of result folder ``out_dir``; yield its absolute path.

    The lock is ``flock`` on ``.NAME.lock`` beside the folder, so a killed writer never
    leaves a stale lock. Leftovers of killed writers (staging and old folders) are
    removed once the lock is held. Re-entrant within one process.

    Raises:
        ScenarioError: another process is writing the same folder, or it is unwritable.

    """
    out = check_writable(out_dir, option)
    if out in _HELD:
        yield out
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.lock"
    fd = _acquire(lock_path, out, option)
    _HELD[out] = fd
    try:
        _recover(out)
        yield out
    finally:
        del _HELD[out]
        with contextlib.suppress(OSError):
            lock_path.unlink()  # while still locked: the next writer makes a fresh one
        os.close(fd)


def _acquire(lock_path: Path, out: Path, option: str) -> int:
    """Open and ``flock`` the lock file, retrying if a finishing writer unlinked it."""
    for _ in range(100):
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise ScenarioError(
                option,
                f"{out} is being written by another run (pid {holder}); "
                f"wait for it to finish or choose another {option}",
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)  # the file was replaced between open and flock: try the new one
    raise ScenarioError(option, f"cannot lock {lock_path}")  # pragma: no cover


def _leftovers(out: Path) -> list[Path]:
    """Staging and old folders of ``out`` left by writers that were killed."""
    pattern = re.compile(
        rf"^\.{re.escape(out.name)}(\.[a-z0-9_]{{8}}|{_STAGING}[a-z0-9_]+|{_OLD}[a-z0-9_]+)$"
    )
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries if pattern.match(p.name) and p.is_dir())


def _recover(out: Path) -> None:
    """Put back an old run if a two-rename swap was cut between its renames, then
    delete every staging or old folder of ``out``.
    """
    leftovers = _leftovers(out)
    if not out.exists():
        whole = [p for p in leftovers if _OLD in p.name and (p / "metadata.json").is_file()]
        if whole:
            os.rename(whole[-1], out)
            leftovers.remove(whole[-1])
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)


# -- writing ----------------------------------------------------------------------------
def json_safe(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (valid JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def metadata_json(metadata: dict[str, Any]) -> str:
    """``metadata`` as strict JSON text (no ``NaN`` or ``Infinity``), keys sorted."""
    return json.dumps(json_safe(metadata), indent=2, sort_keys=True, default=str, allow_nan=False)


def parquet_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """What a Parquet file keeps of the run metadata: no timestamps, no free text."""
    kept = {k: v for k, v in metadata.items() if k not in VOLATILE_KEYS}
    params = kept.get("parameters")
    if isinstance(params, dict):
        kept["parameters"] = {k: v for k, v in params.items() if k not in BULKY_PARAMETER_KEYS}
    return kept


def table_to_parquet_bytes(df: pd.DataFrame, metadata: dict[str, Any]) -> bytes:
    """Parquet bytes of ``df`` with ``metadata`` (JSON) in the schema metadata.

    Timestamps and the scenario's description and sources are left out (see
    :func:`parquet_metadata`), so equal tables and provenance give equal bytes.
    """
    table = pa.Table.from_pandas(df, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[METADATA_KEY] = json.dumps(
        json_safe(parquet_metadata(metadata)), sort_keys=True, default=str, allow_nan=False
    ).encode()
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
    """Write every table of ``result`` into ``out_dir`` plus ``metadata.json``, as one unit.

    The whole run is staged in a sibling folder and swapped in atomically, so at every
    instant ``out_dir`` holds either the previous run or this one, whole, and never a
    file of another run. ``metadata.json`` lists the files (``files``) and tables.

    Raises:
        ScenarioError: an unknown format, an unwritable or locked ``out_dir``, a folder
            that holds other files, or a write error such as a full disk.

    """
    formats = tuple(formats)
    for fmt in formats:
        if fmt not in FORMATS:
            raise ScenarioError("formats", f"unknown format {fmt!r}; allowed: {FORMATS}")
    with output_lock(out_dir) as out:
        staging = _sibling_folder(out, _STAGING)
        try:
            names = _stage(result, staging, formats)
            _swap_in(staging, out)
        except OSError as exc:
            raise ScenarioError(
                "--out", f"cannot write {out}: {exc.strerror or exc}; the folder is unchanged"
            ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return [out / n for n in [*names, "metadata.json"]]


def _sibling_folder(out: Path, tag: str) -> Path:
    """A new hidden folder ``.NAME<tag>XXXXXXXX`` beside ``out`` (permissions per umask)."""
    while True:
        path = out.parent / f".{out.name}{tag}{secrets.token_hex(4)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:  # pragma: no cover - 1 in 4 billion
            continue


def _stage(result: RunResult, staging: Path, formats: tuple[str, ...]) -> list[str]:
    names: list[str] = []
    for name, df in result.tables.items():
        if "parquet" in formats:
            data = table_to_parquet_bytes(df, {**result.metadata, "table": name})
            _write_synced(staging / f"{name}.parquet", data)
            names.append(f"{name}.parquet")
        if "csv" in formats:
            _write_synced(staging / f"{name}.csv", table_to_csv_bytes(df))
            names.append(f"{name}.csv")
    meta = {**result.metadata, "tables": sorted(result.tables), "files": names}
    _write_synced(staging / "metadata.json", metadata_json(meta).encode("utf-8"))
    _fsync_dir(staging)
    return names


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(staging: Path, out: Path) -> None:
    """Make ``staging`` the folder at ``out``; the old run (if any) is deleted after."""
    if not out.exists():
        os.rename(staging, out)
    elif exchange_paths(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the old run
    else:  # two renames; _recover() repairs a kill between them
        aside = _sibling_folder(out, _OLD)
        os.rename(out, aside)  # replaces the empty folder just made
        os.rename(staging, out)
        shutil.rmtree(aside, ignore_errors=True)
    _fsync_dir(out.parent)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange_paths(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False, having changed nothing, where the system or file system cannot.
    """
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))
