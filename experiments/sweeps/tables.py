"""Final sweep tables: tidy per-run outcomes, an aggregate over replications, series.

``runs``       one row per run: run_id, point, replicate, seed_entropy, seed_spawn_key,
               one column per parameter (its dotted path), one per metric.
``aggregate``  one row per (design point, metric): the parameters, n, mean, std,
               ci95_low/ci95_high (t interval of the mean) and q025/q975 (2.5% and
               97.5% quantiles of the runs).
``series``     per-step lab columns for every run (only if the design asks).

Written as Parquet (metadata in the schema) and CSV, atomically. The metadata holds the
design, root seed, versions and git commit but no timestamps, so a resumed sweep writes
the same bytes as an uninterrupted one; timestamps go to ``metadata.json`` only.
"""

from __future__ import annotations

import json
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


def metric_columns(runs: pd.DataFrame, design: ResolvedDesign) -> list[str]:
    """The metric columns of a runs table, in table order."""
    skip = {*ID_COLUMNS, *design.parameter_names}
    return [c for c in runs.columns if c not in skip]


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


def aggregate(runs: pd.DataFrame, design: ResolvedDesign) -> pd.DataFrame:
    """Mean, std, 95% interval of the mean and 2.5-97.5% quantiles per point and metric."""
    metrics = metric_columns(runs, design)
    rows = []
    for point, group in runs.groupby("point", sort=True):
        params = {name: group[name].iloc[0] for name in design.parameter_names}
        for metric in metrics:
            values = group[metric].to_numpy(dtype=float)
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
                    "n": len(finite),
                    "mean": mean,
                    "std": std,
                    "ci95_low": low,
                    "ci95_high": high,
                    "q025": q025,
                    "q975": q975,
                }
            )
    df = pd.DataFrame(rows)
    return df.astype({k: v for k, v in design.parameter_dtypes.items() if k in df})


def table_metadata(design: ResolvedDesign) -> dict[str, Any]:
    """Provenance stored with every final table (no timestamps)."""
    return {
        "design": design.describe(),
        "root_seed": design.file.root_seed,
        "versions": package_versions(),
        "git_commit": git_commit(),
    }


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
    sidecar = {**meta, **extra, "tables": sorted(tables), "written_utc": utc_now()}
    atomic_write_text(out / "metadata.json", json.dumps(sidecar, indent=2, default=str))
    return [*written, out / "metadata.json"]
