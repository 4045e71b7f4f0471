"""The dashboard's editable fields: label, unit, allowed range and help text; the
mechanism switches.

Ranges and help text are read from the model's pydantic models (``ge``/``gt``/``le``/
``lt`` constraints, attribute docstrings), so the UI shows exactly what the server-side
validation in :meth:`market.Scenario.with_overrides` accepts. The dashboard adds its own,
tighter caps on run size (:mod:`dashboards.runs`), shown next to the controls as well.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import math
import re
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

import market
from market.errors import shown


@dataclass(frozen=True)
class FieldSpec:
    """One editable number or choice, bound to a scenario override path.

    Attributes:
        key: short id used in the UI (grid column field, no dots).
        path: override path relative to the scenario (``market.sigma``) or, for
            per-lab fields, relative to a lab (``policy.pay_multiplier``).
        label: human label.
        unit: unit shown next to the label.
        model: pydantic model that owns the field.
        field: field name in ``model``.
        step: input step for number inputs.

    """

    key: str
    path: str
    label: str
    unit: str
    model: type[BaseModel]
    field: str
    step: float | None = None

    @property
    def choices(self) -> tuple[str, ...] | None:
        """Allowed values of a choice field (a ``Literal``), else None."""
        annotation = self.model.model_fields[self.field].annotation
        if typing.get_origin(annotation) is typing.Literal:
            return tuple(typing.get_args(annotation))
        return None

    @property
    def bounds(self) -> tuple[float | None, float | None, bool, bool]:
        """``(low, high, low_open, high_open)`` from the pydantic constraints."""
        return field_bounds(self.model, self.field)

    @property
    def range_text(self) -> str:
        """The allowed range as a short human string: ``0.1–10``, ``> 0 and ≤ 1e9``."""
        if self.choices:
            return " / ".join(self.choices)
        return range_text(*self.bounds)

    @property
    def help(self) -> str:
        """The field's docstring from the model (what it means, its unit)."""
        return field_doc(self.model, self.field)

    @property
    def header(self) -> str:
        """Column header or input label: label, unit and range."""
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.label}{unit}, {self.range_text}"


GLOBAL_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "noncompete_enforcement",
        "market.noncompete_enforcement",
        "Non-compete enforcement",
        "share that binds; 0 = ban",
        market.MarketConfig,
        "noncompete_enforcement",
        0.05,
    ),
    FieldSpec(
        "sigma",
        "market.sigma",
        "Compute-talent substitution σ",
        "elasticity",
        market.MarketConfig,
        "sigma",
        0.1,
    ),
    FieldSpec(
        "graduates_per_year",
        "population.graduates_per_year",
        "Graduate inflow",
        "people/year",
        market.PopulationConfig,
        "graduates_per_year",
        100,
    ),
)
"""Market-wide controls, in display order."""

LAB_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "pay_multiplier",
        "policy.pay_multiplier",
        "Pay multiplier",
        "× valuation",
        market.Policy,
        "pay_multiplier",
        0.1,
    ),
    FieldSpec(
        "pay_cap_usd", "policy.pay_cap_usd", "Pay cap", "USD/year", market.Policy, "pay_cap_usd"
    ),
    FieldSpec(
        "counter_offer",
        "policy.counter_offer",
        "Counter-offer",
        "",
        market.Policy,
        "counter_offer",
    ),
    FieldSpec("gpus_h100e", "gpus_h100e", "GPU stock", "H100e", market.LabConfig, "gpus_h100e"),
    FieldSpec(
        "gpu_growth_per_year",
        "gpu_growth_per_year",
        "GPU growth",
        "per year, 1 = doubling",
        market.LabConfig,
        "gpu_growth_per_year",
    ),
    FieldSpec(
        "compute_allocation",
        "policy.compute_allocation",
        "Compute allocation",
        "",
        market.Policy,
        "compute_allocation",
    ),
    FieldSpec(
        "retention_bonus_frac",
        "policy.retention_bonus_frac",
        "Retention bonus",
        "× comp per year",
        market.Policy,
        "retention_bonus_frac",
    ),
)
"""Per-lab policy columns of the editable grid, in display order."""


@dataclass(frozen=True)
class SwitchSpec:
    """One mechanism switch: a boolean field of :class:`market.MarketConfig`, shown as a
    checkbox of the Mechanisms control.

    Attributes:
        key: the field's name in ``MarketConfig`` (also the checkbox's value).
        label: what the mechanism is, in plain words.
        note: what the dashboard adds to the docstring (an effect a user would not
            guess from it), or empty.

    """

    key: str
    label: str
    note: str = ""

    @property
    def path(self) -> str:
        """Override path relative to the scenario (``market.counter_offers_enabled``)."""
        return f"market.{self.key}"

    @property
    def help(self) -> str:
        """The field's docstring without its "Switch:" prefix and code quotes, the note
        and the ``--set`` path.
        """
        doc = field_doc(market.MarketConfig, self.key).removeprefix("Switch:")
        doc = " ".join(doc.replace("``", "").split())
        doc = doc[:1].upper() + doc[1:]
        return " ".join(part for part in (doc, self.note, f"({self.path})") if part)


MECHANISM_FIELDS: tuple[SwitchSpec, ...] = (
    SwitchSpec("offers_enabled", "Hiring (search and offers)"),
    SwitchSpec("counter_offers_enabled", "Counter-offers"),
    SwitchSpec("option_value_enabled", "Option value of future offers"),
    SwitchSpec("vacancies_enabled", "Vacancies steer search"),
    SwitchSpec("graduates_enabled", "Graduate entry"),
    SwitchSpec("attrition_enabled", "Attrition (leaving the market)"),
    SwitchSpec("layoffs_enabled", "Layoffs over budget"),
    SwitchSpec("spinouts_enabled", "Spin-outs by star researchers"),
    SwitchSpec("infra_enabled", "Infra talent sets utilisation"),
    SwitchSpec("infra_leadership_enabled", "Infrastructure leadership"),
)
"""The model's mechanism switches (every ``*_enabled`` field of ``MarketConfig``), in
display order: hiring, flows in and out of the market, compute.
"""

LAB_FIELD_BY_KEY: dict[str, FieldSpec] = {f.key: f for f in LAB_FIELDS}
GLOBAL_FIELD_BY_KEY: dict[str, FieldSpec] = {f.key: f for f in GLOBAL_FIELDS}
MECHANISM_BY_KEY: dict[str, SwitchSpec] = {f.key: f for f in MECHANISM_FIELDS}


def field_bounds(
    model: type[BaseModel], name: str
) -> tuple[float | None, float | None, bool, bool]:
    """``(low, high, low_open, high_open)`` of a pydantic field's numeric constraints."""
    lo = hi = None
    lo_open = hi_open = False
    for meta in model.model_fields[name].metadata:
        for attr, is_low, is_open in (("ge", 1, 0), ("gt", 1, 1), ("le", 0, 0), ("lt", 0, 1)):
            value = getattr(meta, attr, None)
            if value is None:
                continue
            if is_low:
                lo, lo_open = float(value), bool(is_open)
            else:
                hi, hi_open = float(value), bool(is_open)
    return lo, hi, lo_open, hi_open


def number_text(x: float) -> str:
    """A compact human number: 0.1, 12, 5,000, 1e+09."""
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return f"{x:,.10g}"
    return f"{x:.0e}".replace("e+0", "e").replace("e+", "e")


def range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    """``0.1–10`` for a closed range, ``> 0 and ≤ 1e9`` otherwise."""
    if lo is not None and hi is not None and not lo_open and not hi_open:
        return f"{number_text(lo)}–{number_text(hi)}"
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '≥'} {number_text(lo)}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '≤'} {number_text(hi)}")
    return " and ".join(parts) or "any"


_INT = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?[\d,]*\.?\d*(e[+-]?\d+)?$", re.IGNORECASE)


def parse_text(value: Any) -> Any:
    """A cell's text as the value it stands for: "7" -> 7, "2.5" -> 2.5, "true" ->
    True, "" -> None; anything else is kept as typed (the model then refuses it).
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text == "":
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if _INT.match(text):
        return int(text)
    try:
        return float(text.replace(",", "")) if _NUMBER.match(text) else value
    except ValueError:
        return value


def check_number(spec: FieldSpec, value: Any, where: str) -> float:
    """``value`` as a float within the field's range, else a one-line ScenarioError.

    Used for controls whose values the model would coerce (strings, booleans), so that
    a forged request gets a precise message before anything else runs.
    """
    typed = value
    value = parse_text(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise market.ScenarioError(where, f"expected a number ({spec.range_text}), got {typed!r}")
    x = float(value)
    lo, hi, lo_open, hi_open = spec.bounds
    if (
        not math.isfinite(x)
        or (lo is not None and (x < lo or (lo_open and x == lo)))
        or (hi is not None and (x > hi or (hi_open and x == hi)))
    ):
        raise market.ScenarioError(where, f"must be {spec.range_text} (got {typed!r})")
    return x


def check_switch(spec: SwitchSpec, value: Any) -> bool:
    """``value`` if it is a real boolean, else a one-line ScenarioError naming the
    field (the model would read 0, 1 or "false" as booleans).
    """
    if not isinstance(value, bool):
        raise market.ScenarioError(spec.path, f"expected true or false, got {shown(value)}")
    return value


@cache
def _attribute_docstrings(model: type[BaseModel]) -> dict[str, str]:
    """Attribute docstrings (the string literal under each field) of a model class."""
    try:
        tree = ast.parse(inspect.getsource(model))
    except (OSError, TypeError, SyntaxError):  # pragma: no cover - source not available
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, following in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def field_doc(model: type[BaseModel], name: str) -> str:
    """A field's description: pydantic's ``description`` or its attribute docstring."""
    info = model.model_fields[name]
    return info.description or _attribute_docstrings(model).get(name, "")
