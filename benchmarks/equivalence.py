"""Check that the working tree gives bit-identical results to a git revision.

Runs a fixed set of cases (generic markets of several sizes and seeds, parameter
variants, the calibrated frontier-2025 scenario scaled) once with the package from a
temporary ``git worktree`` of ``--ref`` and once with the working tree, each in a fresh
subprocess, then compares every table frame by frame with
``pandas.testing.assert_frame_equal(check_exact=True)`` (plus the DataCollector's
model variables).

Usage::

    python benchmarks/equivalence.py --ref 9061e0d          # the default case list
    python benchmarks/equivalence.py --ref HEAD --big       # also 100,000 engineers
    python benchmarks/equivalence.py --ref main --ref-cache benchmarks/out/ref.pkl
                                            # reference tables kept for the next check
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from revisions import (
    REPO,
    add_revision_arguments,
    reference_checkout,
    run_with_packages,
    text_at,
)

FRONTIER = "<frontier-2025 at --ref>"
"""Placeholder: replaced by the TOML text of the scenario at ``--ref``, so that both
sides run the same scenario while someone edits the working copy."""

# (label, kwargs for TalentMarket, steps)
CASES: list[tuple[str, dict, int]] = [
    *[
        (f"generic-20x{n}-s{seed}", {"n_labs": 20, "n_engineers": n, "rng": seed}, 120)
        for n in (1_000, 5_000, 20_000)
        for seed in (1, 2, 3)
    ],
    ("generic-8x2000-sigma1", {"n_engineers": 2000, "sigma": 1.0, "rng": 4}, 120),
    ("generic-8x2000-leontief", {"n_engineers": 2000, "sigma": 0.0, "rng": 5}, 60),
    (
        "generic-8x3000-gamma0-star2",
        {"n_engineers": 3000, "allocation_gamma": 0.0, "star_targeting": 2.0, "rng": 6},
        120,
    ),
    (
        "generic-10x3000-no-layoffs-no-counters",
        {
            "n_labs": 10,
            "n_engineers": 3000,
            "layoffs_enabled": False,
            "counter_offers_enabled": False,
            "rng": 7,
        },
        120,
    ),
    (
        "generic-20x4000-spinouts",
        {"n_labs": 20, "n_engineers": 4000, "spinout_rate_per_year": 0.2, "rng": 8},
        120,
    ),
    # the other screening, leadership and undirected-search paths
    (
        "generic-12x6000-screen-v2",
        {"n_labs": 12, "n_engineers": 6000, "screen_by_acceptance": False, "rng": 11},
        120,
    ),
    (
        "generic-12x6000-leadership",
        {"n_labs": 12, "n_engineers": 6000, "infra_leadership_enabled": True, "rng": 12},
        120,
    ),
    (
        "generic-12x6000-no-vacancies",
        {"n_labs": 12, "n_engineers": 6000, "vacancies_enabled": False, "rng": 13},
        120,
    ),
    *[
        (f"frontier-{n}-s{seed}", {"scenario": FRONTIER, "n_engineers": n, "rng": seed}, 0)
        for n in (5_000, 30_000)
        for seed in (1, 2)
    ],
]
FAST = {"generic-20x1000-s1", "generic-20x20000-s2", "generic-20x4000-spinouts", "frontier-5000-s1"}
BIG_CASES = [("generic-20x100000-s1", {"n_labs": 20, "n_engineers": 100_000, "rng": 1}, 120)]

CHILD = r"""
import pickle, sys
import market
from market.tables import build_tables
cases = pickle.loads(sys.stdin.buffer.read())
out = {}
for label, kwargs, steps in cases:
    if isinstance(kwargs.get("scenario"), str) and "\n" in kwargs["scenario"]:
        kwargs = {**kwargs, "scenario": market.load_scenario_text(kwargs["scenario"])}
    model = market.TalentMarket(**kwargs)
    for _ in range(steps or model.config.steps):
        model.step()
    tables = build_tables(model)
    tables["datacollector"] = model.datacollector.get_model_vars_dataframe()
    out[label] = (market.__file__, tables)
sys.stdout.buffer.write(pickle.dumps(out))
"""


def run_cases(source: Path, cases: list) -> dict:
    """Run ``cases`` with the ``market`` package found in ``source``."""
    return run_with_packages(source, CHILD, cases, show_stderr=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_revision_arguments(parser)
    parser.add_argument("--fast", action="store_true", help="a few cases only")
    parser.add_argument(
        "--ref-cache",
        type=Path,
        help="pickle of the reference tables: read if it holds these cases, else written",
    )
    parser.add_argument("--big", action="store_true", help="add a 100,000-engineer run")
    args = parser.parse_args()

    cases = CASES + (BIG_CASES if args.big else [])
    if args.fast:
        cases = [c for c in cases if c[0] in FAST]
    frontier = text_at("market/scenarios/frontier-2025.toml", args.ref, args.ref_dir)
    cases = [
        (label, {**kw, "scenario": frontier} if kw.get("scenario") is FRONTIER else kw, steps)
        for label, kw, steps in cases
    ]
    source = str(args.ref_dir.resolve()) if args.ref_dir else _commit(args.ref)
    ref = _cached(args.ref_cache, source, cases)
    if ref is None:
        with reference_checkout(args.ref, args.ref_dir) as tree:
            ref = run_cases(tree, cases)
        if args.ref_cache:
            args.ref_cache.write_bytes(pickle.dumps((source, cases, ref)))
    new = run_cases(args.new_dir.resolve(), cases)
    return compare(cases, ref, new)


def _commit(rev: str) -> str:
    """The commit hash of git revision ``rev``."""
    return subprocess.run(
        ["git", "rev-parse", rev], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()


def _cached(path: Path | None, source: str, cases: list) -> dict | None:
    """The reference tables stored in ``path`` if they were computed for ``cases`` with
    the same reference (commit hash, or ``--ref-dir``)."""
    if path is None or not path.exists():
        return None
    stored_source, stored_cases, ref = pickle.loads(path.read_bytes())
    return ref if (stored_source, stored_cases) == (source, cases) else None


def compare(cases: list, ref: dict, new: dict) -> int:
    """Compare every table of every case; print one line per case; 1 if any differ."""
    import pandas as pd

    failures = 0
    for label, _, _ in cases:
        before = failures
        ref_file, ref_tables = ref[label]
        new_file, new_tables = new[label]
        assert ref_file != new_file, "both runs imported the same package"
        for name, frame in ref_tables.items():
            try:
                pd.testing.assert_frame_equal(new_tables[name], frame, check_exact=True)
            except AssertionError as err:
                failures += 1
                print(f"DIFF {label} {name}: {str(err).splitlines()[0:3]}")
        rows = {name: len(frame) for name, frame in new_tables.items()}
        print(f"{'ok  ' if failures == before else 'FAIL'} {label}: {rows}")
    print("IDENTICAL" if not failures else f"{failures} table(s) differ")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
