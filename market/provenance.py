"""What makes a result reproducible: versions, git commit, seed, timestamps."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

PACKAGES = ("talent-market", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic")


def utc_now() -> str:
    """Current UTC time, ISO 8601 with a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@cache
def package_versions() -> dict[str, str]:
    """Python and the versions of the packages a result depends on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@cache
def git_commit() -> str:
    """The source tree's commit (with ``-dirty`` if modified), or ``unknown``."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        )
        if sha.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


CODE_PACKAGES = ("market", "experiments")
"""The source folders whose code decides a stored run's outcome (the model and the
experiments' measures)."""
CODE_DEPENDENCIES = ("numpy", "scipy", "mesa", "pandas")
"""Packages whose version can change a run's random numbers or arithmetic."""


def source_digest(root: Path, packages: tuple[str, ...]) -> str:
    """SHA-256 over the path and bytes of every ``.py`` file under ``root / package``
    for each package (sorted; missing folders add nothing).
    """
    h = hashlib.sha256()
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


@cache
def code_digest() -> str:
    """A short digest of the code behind a result: the source of :data:`CODE_PACKAGES`
    and the versions of :data:`CODE_DEPENDENCIES`. A stored sweep made with another
    digest is not resumed (``experiments.sweeps.store``).
    """
    versions = package_versions()
    h = hashlib.sha256(source_digest(Path(__file__).resolve().parents[1], CODE_PACKAGES).encode())
    for name in CODE_DEPENDENCIES:
        h.update(f"{name}={versions.get(name, 'unknown')}\n".encode())
    return h.hexdigest()[:16]


def describe_seed(seed: int | np.random.SeedSequence) -> dict[str, Any]:
    """A JSON-friendly description from which ``seed`` can be rebuilt exactly.

    Integers stay integers. A SeedSequence keeps its entropy (as a string: it can
    exceed 64 bits) and its spawn key as a comma-separated string.
    """
    if isinstance(seed, np.random.SeedSequence):
        return {
            "entropy": str(seed.entropy),
            "spawn_key": ",".join(str(k) for k in seed.spawn_key),
        }
    return {"seed": int(seed)}


def seed_from_description(desc: dict[str, Any]) -> int | np.random.SeedSequence:
    """Inverse of :func:`describe_seed`."""
    if "seed" in desc:
        return int(desc["seed"])
    key = tuple(int(k) for k in str(desc.get("spawn_key", "")).split(",") if k != "")
    return np.random.SeedSequence(int(desc["entropy"]), spawn_key=key)
