"""Other revisions of this repository for the comparison scripts: a temporary
``git worktree`` of a revision (:func:`worktree`; :func:`reference_checkout`: that or
a given directory), a file's text at a revision
(:func:`text_at`) and a script run with the packages of a checkout
(:func:`run_with_packages`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A temporary ``git worktree`` of revision ``rev``, removed on exit."""
    with tempfile.TemporaryDirectory(prefix="tm-ref-") as tmp:
        tree = Path(tmp) / "ref"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(tree), rev],
            cwd=REPO,
            check=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=True
            )


@contextlib.contextmanager
def reference_checkout(ref: str | None, ref_dir: Path | None) -> Iterator[Path]:
    """The reference checkout, resolved: ``ref_dir`` if given, else a temporary
    :func:`worktree` of revision ``ref``."""
    if ref_dir is not None:
        yield ref_dir.resolve()
        return
    assert ref is not None, "give a revision or a directory"
    with worktree(ref) as tree:
        yield tree.resolve()


def text_at(path: str, ref: str, ref_dir: Path | None = None) -> str:
    """The text of repository file ``path`` in ``ref_dir``, else at git revision ``ref``."""
    if ref_dir is not None:
        return (ref_dir / path).read_text(encoding="utf-8")
    return subprocess.run(
        ["git", "show", f"{ref}:{path}"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout


def add_revision_arguments(parser: argparse.ArgumentParser) -> None:
    """``--ref`` / ``--ref-dir`` (the reference package) and ``--new-dir`` (the one
    under test), as the comparison scripts take them."""
    parser.add_argument("--ref", default="HEAD", help="git revision to compare against")
    parser.add_argument(
        "--ref-dir",
        type=Path,
        help="a directory holding the reference `market` package (instead of --ref)",
    )
    parser.add_argument(
        "--new-dir",
        type=Path,
        default=REPO,
        help="the directory holding the `market` package under test (default: this checkout)",
    )


def run_with_packages(source: Path, script: str, job: Any, *, show_stderr: bool) -> Any:
    """Run ``script`` in a fresh Python with the packages of checkout ``source`` first on
    the path (and ``source`` as working directory): ``job`` pickled to its stdin, its
    stdout unpickled. Its stderr passes through if ``show_stderr``, else is shown only
    if it fails; a failure exits naming ``source``.
    """
    proc = subprocess.run(
        [sys.executable, "-c", script],
        input=pickle.dumps(job),
        stdout=subprocess.PIPE,
        stderr=None if show_stderr else subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(source)},
        cwd=source,
        check=False,
    )
    if proc.returncode:
        if proc.stderr:
            sys.stderr.write(proc.stderr.decode())
        raise SystemExit(f"runs failed with the package in {source}")
    return pickle.loads(proc.stdout)
