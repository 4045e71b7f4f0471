"""What makes a result reproducible: versions, git commit, seed, timestamps."""

from __future__ import annotations

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
