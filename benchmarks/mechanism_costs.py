"""What each mechanism costs: frontier-2025 end to end with one switch changed at a time.

Every variant is the calibrated scenario with one override (a mechanism switched off, or
another contact rate), run end to end (construction + 120 steps + tables) in this
process after a warm-up run of every variant, round after round so that the variants
share the machine's state. Prints the median CPU time, its ratio to the baseline, the
person-steps (people in the market at the start of each month) and CPU nanoseconds per
person-step. A variant that changes the market's size moves the last column without
making a month cheaper.

Usage::

    python benchmarks/mechanism_costs.py            # 3 rounds, seed 1 (~1 minute)
    python benchmarks/mechanism_costs.py --rounds 5 --seed 2
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

import market
from market.codes import Employer
from market.tables import build_tables

SCENARIO = "frontier-2025"
SWITCHES = (
    "counter_offers_enabled",
    "option_value_enabled",
    "spinouts_enabled",
    "layoffs_enabled",
    "screen_by_acceptance",
    "one_offer_per_vacancy",
    "price_follows_budgets",
    "budget_growth_monthly",
    "infra_enabled",
    "lapsed_fallback",
    "graduates_enabled",
    "attrition_enabled",
)
CONTACT_RATES = (5.0, 20.0)


def variants() -> dict[str, dict[str, Any]]:
    """The baseline and one override per variant, by name."""
    out: dict[str, dict[str, Any]] = {"baseline": {}}
    out.update({f"{s}=off": {f"market.{s}": False} for s in SWITCHES})
    out.update(
        {f"contacts_per_vacancy={q:g}": {"market.contacts_per_vacancy": q} for q in CONTACT_RATES}
    )
    return out


def run_once(
    scenario: market.Scenario, seed: int, n_engineers: int | None = None
) -> tuple[float, int]:
    """CPU seconds end to end and person-steps (counted outside the timed region)."""
    counted = 0.0
    start = time.process_time()
    model = market.TalentMarket(scenario=scenario, n_engineers=n_engineers, rng=seed)
    person_steps = 0
    for _ in range(model.config.steps):
        c = time.process_time()
        person_steps += int(np.count_nonzero(model.state.people.view("employer") != Employer.GONE))
        counted += time.process_time() - c
        model.step()
    build_tables(model)
    return time.process_time() - start - counted, person_steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of every variant (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    base = market.load_scenario(SCENARIO)
    scenarios = {name: base.with_overrides(ov) if ov else base for name, ov in variants().items()}
    for sc in scenarios.values():  # compile every variant's kernels before timing
        run_once(sc, args.seed + 10_000, n_engineers=1_000)
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in scenarios}
    for _ in range(args.rounds):
        for name, sc in scenarios.items():
            results[name].append(run_once(sc, args.seed))
    base_cpu = statistics.median(cpu for cpu, _ in results["baseline"])
    print(f"{SCENARIO}, seed {args.seed}, median of {args.rounds} runs a variant")
    print(f"{'variant':32} {'CPU-s':>7} {'vs base':>8} {'person-steps':>13} {'ns/person-step':>15}")
    for name, runs in results.items():
        cpu = statistics.median(c for c, _ in runs)
        steps = runs[0][1]  # the same seed gives the same market every round
        print(f"{name:32} {cpu:7.3f} {cpu / base_cpu:8.2f} {steps:13,d} {cpu / steps * 1e9:15.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
