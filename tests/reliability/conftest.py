"""Helpers for the reliability tests of issue 15: a tiny scenario, the CLI called in
this process (fast, the same code path as the console script) and checks that a result
folder holds exactly one whole run.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import tomli_w

from market.cli import main

TINY: dict[str, Any] = {
    "name": "tiny",
    "steps": 3,
    "labs": [
        {
            "name": "A",
            "gpus_h100e": 1e4,
            "budget_usd": 5e7,
            "headcount": {"research": 5, "infrastructure": 3, "product": 2},
            "ties": ["B"],
        },
        {
            "name": "B",
            "kind": "academia",
            "gpus_h100e": 1e3,
            "budget_usd": 2e7,
            "headcount": {"research": 4, "product": 2},
        },
    ],
}
"""Two labs, 16 people: a run takes a few hundredths of a second."""


def tiny_dict() -> dict[str, Any]:
    """A deep copy of :data:`TINY`."""
    return copy.deepcopy(TINY)


@dataclass
class Outcome:
    """What one in-process CLI call did."""

    code: int
    out: str
    err: str

    def assert_clean_failure(self) -> None:
        """Exit code 2 and exactly one line ``error: ...`` on stderr, no traceback."""
        lines = self.err.strip().splitlines()
        assert self.code == 2, (self.code, self.err, self.out)
        assert len(lines) == 1 and lines[0].startswith("error: "), self.err
        assert "Traceback" not in self.err + self.out


def invoke(*args: str | Path) -> Outcome:
    """Call the console-script entry point in this process and capture its output.

    Any exception other than ``SystemExit`` propagates: that would be a traceback.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Outcome(code, out.getvalue(), err.getvalue())


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as TOML (NaN and infinities included) to ``path``."""
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def strict_json(text: str) -> Any:
    """Parse JSON, refusing ``NaN`` and ``Infinity`` (not JSON)."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def assert_one_whole_run(folder: Path) -> dict[str, Any]:
    """``folder`` holds exactly the files its ``metadata.json`` lists; return the metadata."""
    meta = strict_json((folder / "metadata.json").read_text(encoding="utf-8"))
    present = sorted(p.name for p in folder.iterdir())
    assert present == sorted([*meta["files"], "metadata.json"]), (present, meta["files"])
    return meta


def leftovers(folder: Path) -> list[str]:
    """Hidden staging, old or lock entries of ``folder`` in its parent."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


@pytest.fixture(scope="session")
def cli() -> Callable[..., Outcome]:
    """:func:`invoke` (session-scoped so hypothesis tests can use it)."""
    return invoke


@pytest.fixture(scope="session")
def rel() -> SimpleNamespace:
    """The helpers of this module, for test modules (which cannot import a conftest)."""
    return SimpleNamespace(
        tiny_dict=tiny_dict,
        write_toml=write_toml,
        strict_json=strict_json,
        assert_one_whole_run=assert_one_whole_run,
        leftovers=leftovers,
        invoke=invoke,
    )


@pytest.fixture(scope="session")
def tiny_file(tmp_path_factory) -> Path:
    """The tiny scenario as a TOML file."""
    return write_toml(tmp_path_factory.mktemp("tiny") / "tiny.toml", tiny_dict())
