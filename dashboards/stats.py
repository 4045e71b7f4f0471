"""Numbers behind the replication views: bands over seeds, per-lab driver series and
paired differences between two sets of seeds. Pure pandas/numpy, no plotting.

Replications run seeds ``s, s+1, ...``; a baseline and a current run with the same
first seed and count are paired seed by seed (common random numbers), so the spread
of the per-seed differences measures the noise of the *difference*, which is smaller
than the noise of either run.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from market.codes import BETWEEN_LABS, OUTSIDE_SECTOR

SPINOUTS = "Spin-outs"
ADDITIVE = frozenset(
    {
        "headcount",
        "research",
        "infrastructure",
        "product",
        "hires",
        "departures",
        "payroll_usd",
        "budget_usd",
        "gpus_h100e",
        "net_flow",
        "talent_share",
        "layoffs",
        "hires_between_labs",
        "hires_graduates",
        "hires_rehired",
    }
)
"""Columns that add up when spin-outs are merged into one group (others: median)."""


def lab_group(name: str) -> str:
    """The display group of a lab name: spin-outs are merged, others kept."""
    return SPINOUTS if str(name).startswith("Spin-out") else str(name)


def pool_labs(table: pd.DataFrame) -> list[str]:
    """Labs that are outside pools (kind academia or infra: universities, the wider
    tech and finance market), from any table with ``lab`` and ``kind`` columns.
    """
    if "kind" not in table:
        return []
    return sorted(set(table.loc[table["kind"].isin(OUTSIDE_SECTOR), "lab"]))


def grouped(table: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """``table`` with spin-outs merged into one row per ``keys`` (sums or medians)."""
    df = table.assign(lab=table["lab"].map(lab_group))
    values = [
        c for c in df.columns if c not in (*keys, "lab") and pd.api.types.is_numeric_dtype(df[c])
    ]
    agg = {c: "sum" if c in ADDITIVE else "median" for c in values}
    return df.groupby([*keys, "lab"], sort=False).agg(agg).reset_index()


def bands(frames: Sequence[pd.DataFrame], column: str) -> pd.DataFrame:
    """Per lab group and step: mean, min and max of ``column`` over the seeds.

    Each frame is one seed's per-step lab table (columns step, lab, ``column``, and
    ``month`` if present). Returns columns lab, step, x (month or step), mean, lo, hi.
    """
    parts = []
    for rep, df in enumerate(frames):
        keys = ["step", "month"] if "month" in df else ["step"]
        g = grouped(df[[*keys, "lab", column]], keys)
        parts.append(g.assign(rep=rep))
    df = pd.concat(parts, ignore_index=True)
    x = "month" if "month" in df else "step"
    out = df.groupby(["lab", "step", x] if x != "step" else ["lab", "step"], sort=False)[column]
    res = out.agg(mean="mean", lo="min", hi="max").reset_index()
    return res.assign(x=res[x]).sort_values(["lab", "step"]).reset_index(drop=True)


def driver_frame(labs: pd.DataFrame, moves: pd.DataFrame) -> pd.DataFrame:
    """One seed's per-step lab drivers: budget, payroll, utilisation from ``labs``;
    layoffs and hires by reason (from other labs, graduates, rehired from the pool)
    counted from ``moves``.
    """
    keep = ["step", "month", "lab", "budget_usd", "payroll_usd", "utilisation"]
    out = labs[[c for c in keep if c in labs]].copy()
    counts = {
        "layoffs": (moves["reason"] == "layoff", "from_lab"),
        "hires_between_labs": (moves["reason"].isin(BETWEEN_LABS), "to_lab"),
        "hires_graduates": (moves["reason"] == "graduate_hire", "to_lab"),
        "hires_rehired": (moves["reason"] == "rehire", "to_lab"),
    }
    for name, (mask, side) in counts.items():
        per = moves.loc[mask].groupby(["step", side]).size().rename(name)
        per.index = per.index.set_names(["step", "lab"])
        out = out.merge(per.reset_index(), on=["step", "lab"], how="left")
        out[name] = out[name].fillna(0).astype(int)
    return out


def paired_differences(
    baseline: Sequence[pd.DataFrame], current: Sequence[pd.DataFrame], metrics: Sequence[str]
) -> pd.DataFrame:
    """Per lab (spin-outs merged) and metric: baseline and current means over seeds, the
    mean paired difference (current - baseline, seed i with seed i) and its 95%
    t-interval; ``<m>_noise`` is True when the interval holds 0 (the change is within
    noise), None with a single pair.

    Labs follow the baseline's order, then labs only in the current run.
    """
    n = min(len(baseline), len(current))
    base = [grouped(df, []).set_index("lab") for df in baseline[:n]]
    cur = [grouped(df, []).set_index("lab") for df in current[:n]]
    labs = list(dict.fromkeys([*base[0].index, *cur[0].index])) if n else []
    out = pd.DataFrame({"lab": labs})
    for m in metrics:
        b = _stack(base, labs, m)
        c = _stack(cur, labs, m)
        d = c - b
        mean, lo, hi = _t_interval(d)
        out[f"{m}_baseline"] = _row_nanmean(b)
        out[f"{m}_current"] = _row_nanmean(c)
        out[f"{m}_delta"], out[f"{m}_lo"], out[f"{m}_hi"] = mean, lo, hi
        noise = [
            None if not np.isfinite(x) else bool(a <= 0 <= z)
            for x, a, z in zip(lo, lo, hi, strict=True)
        ]
        out[f"{m}_noise"] = pd.Series(noise, dtype=object)
    out.attrs["pairs"] = n
    return out


def _stack(frames: Sequence[pd.DataFrame], labs: list[str], metric: str) -> np.ndarray:
    cols = [
        pd.to_numeric(f[metric], errors="coerce").reindex(labs).to_numpy(float)
        if metric in f
        else np.full(len(labs), np.nan)
        for f in frames
    ]
    return np.column_stack(cols) if cols else np.empty((len(labs), 0))


def _row_nanmean(a: np.ndarray) -> np.ndarray:
    """Mean of each row over its finite values (NaN for a row with none)."""
    if a.shape[1] == 0:
        return np.full(len(a), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=1)


def _t_interval(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise mean and 95% t-interval of paired differences (NaN below two pairs)."""
    k = np.isfinite(d).sum(axis=1)
    mean = _row_nanmean(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(d, axis=1, ddof=1) if d.shape[1] > 1 else np.full(len(d), np.nan)
    half = sps.t.ppf(0.975, np.maximum(k - 1, 1)) * sd / np.sqrt(np.maximum(k, 1))
    half = np.where(k > 1, half, np.nan)
    return mean, mean - half, mean + half
