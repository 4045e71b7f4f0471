"""Reading the declared calibration inputs (TOML files) with one-line errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from market.errors import ScenarioError

HERE = Path(__file__).parent
"""Where the default input files live."""


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """The TOML table in ``path``; a ScenarioError (field ``what``) if unreadable."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(what, f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(what, f"{path} is not a text (TOML) file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(what, f"{path} is not valid TOML: {exc}") from None


def validated[M: BaseModel](model: type[M], data: dict[str, Any], what: str) -> M:
    """``model`` validated from ``data``; the first error as a one-line ScenarioError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in err["loc"])
        where = f"{what}.{where}".replace(".[", "[") if where else what
        if err["type"] == "value_error":
            message = str(err.get("ctx", {}).get("error", err["msg"]))
        elif err["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        elif err["type"] == "missing":
            message = "is required"
        else:
            message = f"{err['msg'].lower()} (got {err.get('input')!r})"
        raise ScenarioError(where, message) from None
