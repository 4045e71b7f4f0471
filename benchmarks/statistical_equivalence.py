"""Check that the working tree gives the same distribution of outcomes as a git revision.

For changes that alter random streams, where ``benchmarks/equivalence.py`` (bit-identical
tables) no longer applies. Runs a set of replications once with the package from a
temporary ``git worktree`` of ``--ref`` and once with the working tree, each side in a
fresh subprocess, and compares every outcome metric across seeds:

* **frontier-2025**, ``--seeds`` runs with the seeds of ``experiments/validate.py``
  (spawned from ``SeedSequence(ROOT_SEED)``): every pattern, held-out lab figure and
  sanity check of :func:`experiments.validate.measure` (columns ``frontier:<key>``);
* **a generic market** (20 labs, 20,000 engineers, 120 months), ``--generic-seeds`` runs:
  people at labs, moves by reason, median and mean pay, number of labs, the three
  largest headcounts and total research output at the end (columns ``generic:<name>``).

Both sides run the scenario text and the patterns file of ``--ref`` (of ``--ref-dir``),
so that someone editing the working copy's inputs does not make the sides differ.

Per metric: the two means, their difference, the standardized difference (over the
pooled sd), Welch's t-test of the means, the Brown-Forsythe test of the spreads (a
change that keeps the mean but fattens a tail) and Holm's adjustment over both tests of
every tested metric. Verdicts: ``same``, ``DIFFERENT`` (either Holm p < ``--alpha``, or
constant on both sides at different values), ``constant`` (constant and equal on both
sides) and ``MISSING`` (absent or all NaN on one side only, or far more NaN values on
one side). The table goes to ``--out`` (CSV); the exit status is 1 if any metric is
DIFFERENT or MISSING.

Power is modest (about 50 metrics tested, each twice, so Holm's first step is at alpha /
100; the figures below are for alpha / 50 and a little optimistic): with
20 frontier and 10 generic runs a side, a shift of one frontier metric by 1.3 pooled sd
is flagged half the time (1.6 sd: 80%), of one generic metric by 2.1 sd (2.5 sd: 80%);
the defaults (40 and 20 runs) shrink these by about 1/sqrt(2), to ~0.9 and ~1.5 sd; 6
and 4 runs a side give 3.2 and 5.4 sd. A ``same`` verdict is no proof of equality.

Usage::

    python benchmarks/statistical_equivalence.py --ref 9061e0d       # 40 + 20 runs a side
    python benchmarks/statistical_equivalence.py --ref HEAD --seeds 6 --generic-seeds 4
    python benchmarks/statistical_equivalence.py --ref-dir OLD --new-dir NEW --alpha 0.05
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from revisions import (
    REPO,
    add_revision_arguments,
    reference_checkout,
    run_with_packages,
    text_at,
)

SCENARIO_FILE = "market/scenarios/frontier-2025.toml"
PATTERNS_FILE = "experiments/calibration/patterns.toml"
GENERIC: dict = {"n_labs": 20, "n_engineers": 20_000}
"""``TalentMarket`` keywords of the generic market (``rng`` added per run)."""
GENERIC_STEPS = 120
GENERIC_ROOT_SEED = 1
"""The generic runs' seeds are ``SeedSequence(GENERIC_ROOT_SEED).generate_state(M)``."""
MAX_NAN_GAP = 0.5
"""MISSING when one side's count of non-NaN values is below this share of the other's."""
OUT = REPO / "benchmarks/out/statistical_equivalence.csv"
COLUMNS = [
    "verdict",
    "ref_mean",
    "new_mean",
    "diff",
    "std_diff",
    "p",
    "spread_p",
    "holm_p",
    "ref_sd",
    "new_sd",
    "n_ref",
    "n_new",
]

CHILD = r"""
import pickle, sys, time
import numpy as np
import pandas as pd
import experiments, market
from experiments.validate import measure
from market.codes import MOVE_REASONS
from market.tables import build_tables

def generic_metrics(model):
    tables = build_tables(model)
    labs = tables["labs"]
    end = labs[labs["step"] == labs["step"].max()]
    emp = model.people.view("employer")
    pay = model.people.view("comp_usd")[emp >= 0]
    moves = tables["moves"]["reason"].value_counts()
    top = np.sort(end["headcount"].to_numpy())[::-1][:3]
    out = {
        "people_at_labs_end": end["headcount"].sum(),
        **{f"moves_{r}": moves.get(r, 0) for r in MOVE_REASONS},
        "pay_median_end": np.median(pay) if len(pay) else np.nan,
        "pay_mean_end": end["payroll_usd"].sum() / end["headcount"].sum(),
        "labs_end": len(end),
        **{f"headcount_top{i + 1}_end": top[i] if i < len(top) else np.nan for i in range(3)},
        "research_output_end": end["research_output"].sum(),
    }
    return {f"generic:{k}": float(v) for k, v in out.items()}

job = pickle.loads(sys.stdin.buffer.read())
side = job["side"]
scenario = market.load_scenario_text(job["scenario"], "frontier-2025 at --ref")
rows = {}
n = len(job["frontier_seeds"])
for i, seed in enumerate(job["frontier_seeds"]):
    t0 = time.perf_counter()
    values = measure(scenario, seed, patterns=job["patterns"])
    rows[f"frontier/{i}"] = {f"frontier:{k}": float(v) for k, v in values.items()}
    print(f"{side}: frontier {i + 1}/{n} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
n = len(job["generic_seeds"])
for i, seed in enumerate(job["generic_seeds"]):
    t0 = time.perf_counter()
    model = market.TalentMarket(**job["generic"], rng=seed)
    for _ in range(job["generic_steps"]):
        model.step()
    rows[f"generic/{seed}"] = generic_metrics(model)
    print(f"{side}: generic {i + 1}/{n} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
frame = pd.DataFrame.from_dict(rows, orient="index")
files = (market.__file__, experiments.__file__)
sys.stdout.buffer.write(pickle.dumps((files, frame)))
"""


def run_side(source: Path, job: dict) -> pd.DataFrame:
    """Run ``job`` with the ``market`` and ``experiments`` packages found in ``source``."""
    # stderr passes through: progress and warnings
    files, frame = run_with_packages(source, CHILD, job, show_stderr=True)
    for file in files:
        assert Path(file).resolve().is_relative_to(source), f"{file} is not from {source}"
    return frame


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (same order as ``p``; no NaN allowed)."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    stepped = (len(p) - np.arange(len(p))) * p[order]
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(stepped), 1.0)
    return adjusted


def compare(ref: pd.DataFrame, new: pd.DataFrame, alpha: float = 0.01) -> pd.DataFrame:
    """One row per metric (column of ``ref`` or ``new``; rows of each are runs), sorted by p.

    Columns: ``verdict``, ``ref_mean``, ``new_mean``, ``diff`` (new - ref), ``std_diff``
    (diff over the pooled sd), ``p`` (Welch's t-test of the means), ``spread_p``
    (Brown-Forsythe: Levene's test about the medians), ``holm_p`` (the smaller of the
    metric's two p-values after Holm's adjustment over both tests of every tested
    metric), ``ref_sd``, ``new_sd``, ``n_ref``, ``n_new`` (non-NaN values). NaN
    values are dropped; a metric is MISSING if it is absent or all NaN on one side only,
    or one side has fewer than :data:`MAX_NAN_GAP` times the other's non-NaN values, or
    fewer than two values without being constant on both sides. Metrics constant on both
    sides are ``constant`` if equal (or all NaN on both sides), else DIFFERENT (p = 0).
    """
    from scipy import stats

    rows: dict[str, dict] = {}
    for metric in sorted(set(ref.columns) | set(new.columns)):
        row: dict = {**dict.fromkeys(COLUMNS, np.nan), "verdict": ""}  # "": tested
        rows[metric] = row
        if metric not in ref.columns or metric not in new.columns:
            row["verdict"] = "MISSING"
            continue
        a = ref[metric].to_numpy(dtype=float)
        b = new[metric].to_numpy(dtype=float)
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        row.update(n_ref=len(a), n_new=len(b))
        if len(a):
            row.update(ref_mean=a.mean(), ref_sd=a.std(ddof=1) if len(a) > 1 else np.nan)
        if len(b):
            row.update(new_mean=b.mean(), new_sd=b.std(ddof=1) if len(b) > 1 else np.nan)
        if not len(a) and not len(b):
            row["verdict"] = "constant"
            continue
        if min(len(a), len(b)) < MAX_NAN_GAP * max(len(a), len(b)) or not (len(a) and len(b)):
            row["verdict"] = "MISSING"
            continue
        diff = row["diff"] = b.mean() - a.mean()
        if np.ptp(a) == 0 and np.ptp(b) == 0:
            equal = a[0] == b[0]
            row.update(std_diff=0.0 if equal else np.copysign(np.inf, diff))
            row.update(p=np.nan if equal else 0.0, holm_p=np.nan if equal else 0.0)
            row["verdict"] = "constant" if equal else "DIFFERENT"
            continue
        if min(len(a), len(b)) < 2:
            row["verdict"] = "MISSING"
            continue
        pooled = np.sqrt(
            ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
        )
        row["std_diff"] = diff / pooled
        row["p"] = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        spread = stats.levene(a, b, center="median").pvalue  # NaN if both spreads are 0
        row["spread_p"] = 1.0 if np.isnan(spread) else float(spread)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)
    table.index.name = "metric"
    tested = table["verdict"] == ""
    both = holm(table.loc[tested, ["p", "spread_p"]].to_numpy(dtype=float).ravel())
    table.loc[tested, "holm_p"] = both.reshape(-1, 2).min(axis=1) if both.size else []
    table.loc[tested, "verdict"] = np.where(
        table.loc[tested, "holm_p"] < alpha, "DIFFERENT", "same"
    )
    table[["n_ref", "n_new"]] = table[["n_ref", "n_new"]].fillna(0).astype(int)
    return table.sort_values(["holm_p", "p", "metric"], na_position="last", kind="stable")


def summary(table: pd.DataFrame, alpha: float) -> str:
    """One line: how many metrics, which are DIFFERENT (and MISSING, if any)."""
    different = table.index[table["verdict"] == "DIFFERENT"].tolist()
    missing = table.index[table["verdict"] == "MISSING"].tolist()
    line = (
        f"{len(table)} metrics, {len(different)} DIFFERENT at Holm alpha={alpha:g}: "
        f"{', '.join(different) or 'none'}"
    )
    if missing:
        line += f"; {len(missing)} MISSING: {', '.join(missing)}"
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_revision_arguments(parser)
    parser.add_argument("--seeds", type=int, default=40, help="frontier-2025 runs per side")
    parser.add_argument("--generic-seeds", type=int, default=20, help="generic runs per side")
    parser.add_argument("--alpha", type=float, default=0.01, help="family-wise level (Holm)")
    parser.add_argument("--out", type=Path, default=OUT, help="the comparison table (CSV)")
    args = parser.parse_args()

    from experiments.validate import ROOT_SEED
    from market.io.atomic import atomic_write_text

    with tempfile.TemporaryDirectory(prefix="tm-stat-") as tmp:
        patterns = Path(tmp) / "patterns.toml"
        patterns.write_text(text_at(PATTERNS_FILE, args.ref, args.ref_dir), encoding="utf-8")
        job = {
            "scenario": text_at(SCENARIO_FILE, args.ref, args.ref_dir),
            "patterns": str(patterns),
            "frontier_seeds": np.random.SeedSequence(ROOT_SEED).spawn(args.seeds),
            "generic": GENERIC,
            "generic_steps": GENERIC_STEPS,
            "generic_seeds": [
                int(s)
                for s in np.random.SeedSequence(GENERIC_ROOT_SEED).generate_state(
                    args.generic_seeds
                )
            ],
        }
        t0 = time.perf_counter()
        with reference_checkout(args.ref, args.ref_dir) as tree:
            ref = run_side(tree, {**job, "side": "ref"})
        t1 = time.perf_counter()
        new = run_side(args.new_dir.resolve(), {**job, "side": "new"})
        t2 = time.perf_counter()

    table = compare(ref, new, args.alpha)
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(table.to_string(float_format=lambda x: f"{x:.4g}"))
    print(f"ref {t1 - t0:.0f} s, new {t2 - t1:.0f} s")
    print(summary(table, args.alpha))
    atomic_write_text(args.out, table.to_csv())
    return 1 if table["verdict"].isin(["DIFFERENT", "MISSING"]).any() else 0


if __name__ == "__main__":
    raise SystemExit(main())
