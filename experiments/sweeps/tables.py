"""Final sweep tables: long and tidy, one NA convention, numpy dtypes.

``runs``            one row per run: run_id, point, replicate, seed_entropy,
                    seed_spawn_key, one column per parameter (its dotted path),
                    n_event_overrides (scheduled events the point's changes affect).
``outcomes``        one row per (run, metric, lab): run_id, point, replicate, the
                    parameters, metric, lab, value. Market-wide metrics have no lab.
``aggregate``       one row per (design point, metric, lab): the parameters, n, mean,
                    std, ci95_low/ci95_high (t interval of the mean) and q025/q975 (2.5%
                    and 97.5% quantiles of the runs).
``series``          per-step lab columns for every run, with the run's point, replicate
                    and parameters (only if the design asks).
``event_overrides`` one row per (design point, scheduled event) that the point's
                    changes affect: what the precedence rule did to it.

Dtypes: ids and names are strings; point, replicate, n, n_event_overrides and integer
parameters int64 (never pandas' nullable Int64); real parameters and every value
float64; boolean parameters bool. **Missing** is one thing everywhere: null in Parquet
(NaN for numbers), an empty cell in CSV, NaN/None in pandas; it means "not defined for
this run" (e.g. retention of a lab with no hires, the lab of a market-wide metric).

Written as Parquet (metadata in the schema) and CSV (UTF-8, comma-separated, a header
row, no index, ``.`` decimals, empty cells for missing), atomically. The metadata holds
the design, root seed, versions and git commit but no timestamps, so a resumed sweep
writes the same bytes as an uninterrupted one; timestamps go to ``metadata.json`` only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from experiments.sweeps.design import ResolvedDesign
from market.io.atomic import atomic_write_bytes, atomic_write_text
from market.io.results import table_to_csv_bytes, table_to_parquet_bytes
from market.provenance import git_commit, package_versions, utc_now

ID_COLUMNS = ("run_id", "point", "replicate", "seed_entropy", "seed_spawn_key")
KEY_COLUMNS = ("run_id", "point", "replicate")
OUTCOME_COLUMNS = ("metric", "lab", "value")
FILE_MODE = 0o644
"""Permissions of the written tables (readable by everyone, like a run's files)."""


def metric_columns(wide: pd.DataFrame, design: ResolvedDesign) -> list[str]:
    """The metric columns of a wide (one row per run) table, in table order."""
    skip = {*ID_COLUMNS, *design.parameter_names}
    return [c for c in wide.columns if c not in skip]


def split_metric(column: str) -> tuple[str, str | None]:
    """``researchers.Meta`` -> ("researchers", "Meta"); ``research_hhi`` -> (..., None)."""
    metric, _, lab = column.partition(".")
    return metric, (lab or None)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """(mean, std, low, high) of a t confidence interval for the mean; NaNs dropped."""
    x = values[~np.isnan(values)]
    n = len(x)
    if n == 0:
        return (np.nan, np.nan, np.nan, np.nan)
    mean = float(np.mean(x))
    if n == 1:
        return (mean, np.nan, np.nan, np.nan)
    std = float(np.std(x, ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * std / np.sqrt(n)
    return (mean, std, mean - half, mean + half)


def _typed(df: pd.DataFrame, design: ResolvedDesign) -> pd.DataFrame:
    return df.astype({k: v for k, v in design.parameter_dtypes.items() if k in df})


def runs_table(wide: pd.DataFrame, design: ResolvedDesign) -> pd.DataFrame:
    """One row per run: ids, seed, parameters and the number of overwritten events."""
    out = wide[[*ID_COLUMNS, *design.parameter_names]].copy()
    counts = np.array([len(items) for items in design.event_overrides], dtype=np.int64)
    points = out["point"].to_numpy(dtype=np.int64)
    out["n_event_overrides"] = counts[points] if len(counts) else np.zeros(len(out), np.int64)
    return _typed(out.astype({"point": "int64", "replicate": "int64"}), design)


def outcomes_table(wide: pd.DataFrame, design: ResolvedDesign) -> pd.DataFrame:
    """Long per-run outcomes: (run_id, point, replicate, parameters..., metric, lab, value)."""
    keys = [*KEY_COLUMNS, *design.parameter_names]
    metrics = metric_columns(wide, design)
    n_runs, n_metrics = len(wide), len(metrics)
    out = wide[keys].loc[wide.index.repeat(n_metrics)].reset_index(drop=True)
    split = [split_metric(c) for c in metrics]
    out["metric"] = [m for m, _ in split] * n_runs
    out["lab"] = pd.Series([lab for _, lab in split] * n_runs, dtype=object)
    out["value"] = wide[metrics].to_numpy(dtype=float).reshape(-1)
    return _typed(out.astype({"point": "int64", "replicate": "int64"}), design)


def wide_outcomes(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The long ``outcomes`` table back to one row per run and a ``metric.lab`` column
    per outcome (the shape the paired-difference and index helpers take).
    """
    column = outcomes["metric"].where(
        outcomes["lab"].isna(), outcomes["metric"] + "." + outcomes["lab"].fillna("")
    )
    values = (
        outcomes.assign(column=column)
        .pivot_table(index="run_id", columns="column", values="value", dropna=False)
        .reindex(columns=list(dict.fromkeys(column)))
    )
    keys = outcomes[list(KEY_COLUMNS)].drop_duplicates("run_id").set_index("run_id")
    wide = keys.join(values).reset_index()
    wide.columns.name = None
    return wide


def aggregate(outcomes: pd.DataFrame, design: ResolvedDesign) -> pd.DataFrame:
    """Mean, std, 95% interval of the mean and 2.5-97.5% quantiles per point, metric
    and lab (long).
    """
    rows = []
    keys = ["point", "metric", "lab"]
    for (point, metric, lab), group in outcomes.groupby(keys, sort=False, dropna=False):
        params = {name: group[name].iloc[0] for name in design.parameter_names}
        values = group["value"].to_numpy(dtype=float)
        mean, std, low, high = t_interval(values)
        finite = values[~np.isnan(values)]
        q025, q975 = (
            (float(np.quantile(finite, 0.025)), float(np.quantile(finite, 0.975)))
            if len(finite)
            else (np.nan, np.nan)
        )
        rows.append(
            {
                "point": point,
                **params,
                "metric": metric,
                "lab": None if pd.isna(lab) else lab,
                "n": len(finite),
                "mean": mean,
                "std": std,
                "ci95_low": low,
                "ci95_high": high,
                "q025": q025,
                "q975": q975,
            }
        )
    df = pd.DataFrame(rows).sort_values("point", kind="stable", ignore_index=True)
    df["lab"] = df["lab"].astype(object)
    return _typed(df.astype({"point": "int64", "n": "int64"}), design)


def series_table(series: pd.DataFrame, runs: pd.DataFrame, design: ResolvedDesign) -> pd.DataFrame:
    """Per-step series with each run's point, replicate and parameters beside run_id."""
    keys = runs[[*KEY_COLUMNS, *design.parameter_names]]
    merged = keys.merge(series, on="run_id", how="right", validate="one_to_many")
    return _typed(merged, design)


def event_overrides_table(design: ResolvedDesign) -> pd.DataFrame:
    """One row per (design point, affected scheduled event), with the point's parameters."""
    columns = [
        "point",
        *design.parameter_names,
        "event",
        "path",
        "at",
        "outcome",
        "event_value",
        "user_value",
        "new_value",
    ]
    rows = []
    for row in design.overridden_events():
        rows.append({**row, **design.parameter_values(row["point"])})
    df = pd.DataFrame(rows, columns=columns)
    for col in ("event_value", "user_value", "new_value"):
        numeric = pd.to_numeric(df[col], errors="coerce")
        df[col] = numeric if numeric.notna().sum() == df[col].notna().sum() else df[col].astype(str)
    return _typed(df.astype({"point": "int64", "event": "int64"}), design)


def table_metadata(design: ResolvedDesign) -> dict[str, Any]:
    """Provenance stored with every final table (no timestamps)."""
    return {
        "design": design.describe(),
        "root_seed": design.file.root_seed,
        "versions": package_versions(),
        "git_commit": git_commit(),
    }


def write_extra_table(
    out: Path,
    name: str,
    df: pd.DataFrame,
    design: ResolvedDesign,
    extra: dict[str, Any] | None = None,
) -> list[Path]:
    """Write one more result table (Parquet + CSV) beside the sweep tables."""
    meta = {**table_metadata(design), "table": name, "smoke_run": design.quick, **(extra or {})}
    paths = [out / f"{name}.parquet", out / f"{name}.csv"]
    atomic_write_bytes(paths[0], table_to_parquet_bytes(df, meta))
    atomic_write_bytes(paths[1], table_to_csv_bytes(df))
    for path in paths:
        os.chmod(path, FILE_MODE)
    return paths


def write_tables(
    out: Path, tables: dict[str, pd.DataFrame], design: ResolvedDesign, extra: dict[str, Any]
) -> list[Path]:
    """Write each table as Parquet and CSV, then ``metadata.json`` last."""
    meta = table_metadata(design)
    written = []
    for name, df in tables.items():
        pq_path, csv_path = out / f"{name}.parquet", out / f"{name}.csv"
        atomic_write_bytes(pq_path, table_to_parquet_bytes(df, {**meta, "table": name}))
        atomic_write_bytes(csv_path, table_to_csv_bytes(df))
        written += [pq_path, csv_path]
    for path in written:
        os.chmod(path, FILE_MODE)
    sidecar = {**meta, **extra, "tables": sorted(tables), "written_utc": utc_now()}
    atomic_write_text(out / "metadata.json", json.dumps(sidecar, indent=2, default=str))
    os.chmod(out / "metadata.json", FILE_MODE)
    return [*written, out / "metadata.json"]
