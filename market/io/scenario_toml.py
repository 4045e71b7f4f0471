"""Scenario files: load a built-in scenario by name or a user's TOML file; dump to TOML."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import tomli_w

from market.config import Scenario, build_scenario
from market.errors import ScenarioError

BUILTIN_PACKAGE = "market.scenarios"


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with the package."""
    files = resources.files(BUILTIN_PACKAGE).iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name (``frontier-2025``) or a TOML file by path.

    Raises:
        ScenarioError: the file is missing, is not TOML, or fails validation.

    """
    text, origin = _read(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("scenario", f"{origin} is not valid TOML: {exc}") from None
    return build_scenario(data)


def load_scenario_text(text: str, origin: str = "uploaded file") -> Scenario:
    """A scenario from TOML text (an upload, a test)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("scenario", f"{origin} is not valid TOML: {exc}") from None
    return build_scenario(data)


def _read(name_or_path: str | Path) -> tuple[str, str]:
    name = str(name_or_path)
    if name in builtin_scenarios():
        res = resources.files(BUILTIN_PACKAGE).joinpath(f"{name}.toml")
        return res.read_text(encoding="utf-8"), f"built-in scenario {name!r}"
    path = Path(name_or_path)
    if not path.is_file():
        raise ScenarioError(
            "scenario",
            f"{name!r} is neither a file nor a built-in scenario "
            f"(built-ins: {', '.join(builtin_scenarios())})",
        )
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except UnicodeDecodeError:
        raise ScenarioError("scenario", f"{path} is not a text (TOML) file") from None


def scenario_to_toml(scenario: Scenario) -> str:
    """TOML text that :func:`load_scenario` reads back into an equal scenario."""
    return tomli_w.dumps(scenario.model_dump(mode="json", exclude_none=True))
