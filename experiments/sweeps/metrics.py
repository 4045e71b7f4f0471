"""Outcome metrics of one run, offered by name.

Each metric maps a run's tables to numbers. Per-lab metrics give one column per lab of
the base scenario, named ``metric.Lab``; spin-out labs founded during the run are
pooled as ``metric.spin-outs`` where that makes sense, so every run has the same columns.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from market.errors import ScenarioError
from market.tables import BETWEEN_LABS

SPIN_OUTS = "spin-outs"
Tables = dict[str, pd.DataFrame]
MetricFn = Callable[[Tables, list[str]], dict[str, float]]


def _per_lab(
    df: pd.DataFrame, column: str, labs: list[str], pool: str | None = "sum"
) -> dict[str, float]:
    values = dict(zip(df["lab"], df[column].astype(float), strict=True))
    out = {lab: float(values.get(lab, np.nan)) for lab in labs}
    if pool is not None:
        others = [v for lab, v in values.items() if lab not in out]
        out[SPIN_OUTS] = float(np.nansum(others)) if others else 0.0
    return out


def _last_step(tables: Tables) -> pd.DataFrame:
    labs = tables["labs"]
    return labs[labs["step"] == labs["step"].max()]


def talent_share(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Share of all research skill per lab at the end (spin-outs pooled)."""
    return _per_lab(tables["summary"], "talent_share", labs)


def researchers(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Research headcount per lab at the end (people; spin-outs pooled)."""
    return _per_lab(tables["summary"], "research", labs)


def research_hhi(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Herfindahl index of research talent: sum of squared talent shares (0..1),
    over every lab including each spin-out separately.
    """
    shares = tables["summary"]["talent_share"].astype(float).to_numpy()
    return {"": float(np.nansum(shares**2))}


def capability_gap(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Relative capability lead of the first lab over the second at the end:
    capability_1 / capability_2 - 1.
    """
    caps = np.sort(tables["summary"]["capability"].astype(float).to_numpy())[::-1]
    return {"": float(caps[0] / caps[1] - 1.0) if len(caps) > 1 and caps[1] > 0 else np.nan}


def capability(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Capability index per lab at the end (spin-outs: the highest one)."""
    out = _per_lab(tables["summary"], "capability", labs, pool=None)
    s = tables["summary"]
    others = s.loc[~s["lab"].isin(labs), "capability"].astype(float)
    out[SPIN_OUTS] = float(others.max()) if len(others) else np.nan
    return out


def net_flow(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Poached in minus poached out per lab over the run (people)."""
    return _per_lab(tables["summary"], "net_flow", labs)


def comp_median_usd(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Median total comp per lab at the last step (USD/year)."""
    return _per_lab(_last_step(tables), "comp_median_usd", labs, pool=None)


def comp_p99_usd(tables: Tables, labs: list[str]) -> dict[str, float]:
    """99th percentile of total comp per lab at the last step (USD/year)."""
    return _per_lab(_last_step(tables), "comp_p99_usd", labs, pool=None)


def retention_24m(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Share of hires still at the lab 24 months later (NaN if no hires in window)."""
    return _per_lab(tables["retention"], "retention_24m", labs, pool=None)


def spin_outs(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Number of spin-out labs founded during the run."""
    names = set(tables["labs"]["lab"].unique())
    return {"": float(len(names - set(labs)))}


def between_lab_moves_per_year(tables: Tables, labs: list[str]) -> dict[str, float]:
    """Changes of employer between labs (poached or spin-out) per year of the run."""
    moves = tables["moves"]
    years = max(int(tables["labs"]["step"].max()), 1) / 12
    return {"": float(moves["reason"].isin(BETWEEN_LABS).sum()) / years}


METRICS: dict[str, MetricFn] = {
    "talent_share": talent_share,
    "research_hhi": research_hhi,
    "capability_gap": capability_gap,
    "capability": capability,
    "researchers": researchers,
    "net_flow": net_flow,
    "comp_median_usd": comp_median_usd,
    "comp_p99_usd": comp_p99_usd,
    "retention_24m": retention_24m,
    "spin_outs": spin_outs,
    "between_lab_moves_per_year": between_lab_moves_per_year,
}
"""Every metric by name, in the column order of the runs table."""

SERIES_COLUMNS: tuple[str, ...] = (
    "headcount",
    "research",
    "infrastructure",
    "product",
    "research_skill",
    "hires",
    "departures",
    "payroll_usd",
    "budget_usd",
    "deficit_usd",
    "comp_median_usd",
    "comp_p90_usd",
    "comp_p99_usd",
    "gpus_h100e",
    "gpus_per_researcher",
    "utilisation",
    "research_output",
    "capability",
)
"""Columns of the per-step labs table that ``series`` may keep."""


def validate_metrics(names: list[str] | None) -> list[str]:
    """The metric names to compute (all by default); unknown names are an error."""
    if names is None:
        return list(METRICS)
    if not names:
        raise ScenarioError("metrics", f"empty list; choose from {', '.join(METRICS)}")
    for name in names:
        if name not in METRICS:
            raise ScenarioError("metrics", f"unknown metric {name!r}; known: {', '.join(METRICS)}")
    return list(dict.fromkeys(names))


def validate_series(columns: list[str]) -> list[str]:
    """Check per-step series columns against the labs table."""
    for col in columns:
        if col not in SERIES_COLUMNS:
            raise ScenarioError(
                "series", f"unknown column {col!r}; known: {', '.join(SERIES_COLUMNS)}"
            )
    return list(dict.fromkeys(columns))


def compute_metrics(tables: Tables, labs: list[str], names: list[str]) -> dict[str, float]:
    """Named metrics of one run as a flat ``{column: value}`` dict."""
    out: dict[str, float] = {}
    for name in names:
        for key, value in METRICS[name](tables, labs).items():
            out[f"{name}.{key}" if key else name] = value
    return out
