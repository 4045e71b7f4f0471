"""Interleaved A/B timing of two ``market`` packages (e.g. ``main`` against a branch).

Ratios from two invocations of ``run.py`` drift on a shared machine, so this runs the
same case with package A, then B, then A, ... (each a fresh ``run.py`` child, with
its warm-up) and reports the minimum and median CPU time of the 120 steps, end to
end (construction + steps + tables) and per phase, for each side.

Usage::

    python benchmarks/ab.py --a-ref main                   # main against this checkout
    python benchmarks/ab.py --a-dir OLD --b-dir NEW --case 100k --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from revisions import reference_checkout
from run import FLOOR_PEOPLE, FRONTIER, REPO, STEPS, spawn

CASES = {
    "frontier": {"n_engineers": 0, "steps": STEPS, "seed": 1, "scenario": FRONTIER},
    "100k": {"n_engineers": 100_000, "steps": STEPS, "seed": 1},
    "10k": {"n_engineers": 10_000, "steps": STEPS, "seed": 1},
    # frontier-2025 with almost nobody in it: the per-month overhead
    "floor": {"n_engineers": FLOOR_PEOPLE, "steps": STEPS, "seed": 1, "scenario": FRONTIER},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a-ref", help="git revision for side A (a temporary worktree)")
    parser.add_argument("--a-dir", type=Path, help="directory holding side A's package")
    parser.add_argument("--b-dir", type=Path, default=REPO, help="side B (default: here)")
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if (args.a_ref is None) == (args.a_dir is None):
        parser.error("give one of --a-ref and --a-dir")
    with reference_checkout(args.a_ref, args.a_dir) as a_dir:
        for case in args.case or ["frontier"]:
            compare(case, a_dir, args.b_dir.resolve(), args.rounds)
    return 0


def compare(case: str, a_dir: Path, b_dir: Path, rounds: int) -> None:
    """Alternate A and B ``rounds`` times on ``case``; print the CPU-time table."""
    runs: dict[str, list[dict]] = {"A": [], "B": []}
    for _ in range(rounds):
        for side, source in (("A", a_dir), ("B", b_dir)):
            runs[side].append(spawn("market", source, **CASES[case]))
    print(f"\n{case}: {rounds} rounds, A = {a_dir}, B = {b_dir} (CPU-s, min / median)")
    rows = [("steps", "run_cpu_s"), ("end to end", "total_cpu_s")]
    phases = sorted(
        {p for r in runs["A"] + runs["B"] for p in r["phases_cpu_s"]},
        key=lambda p: -statistics.median(r["phases_cpu_s"].get(p, 0.0) for r in runs["A"]),
    )
    print(f"{'':28} {'A min':>8} {'B min':>8} {'A med':>8} {'B med':>8} {'A/B':>6}")
    for label, key in rows:
        _line(label, [r[key] for r in runs["A"]], [r[key] for r in runs["B"]])
    for p in phases:
        a = [r["phases_cpu_s"].get(p, 0.0) for r in runs["A"]]
        b = [r["phases_cpu_s"].get(p, 0.0) for r in runs["B"]]
        _line(p, a, b)


def _line(label: str, a: list[float], b: list[float]) -> None:
    ratio = min(a) / min(b) if min(b) > 0 else float("nan")
    print(
        f"{label:28} {min(a):8.3f} {min(b):8.3f} {statistics.median(a):8.3f} "
        f"{statistics.median(b):8.3f} {ratio:6.2f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
