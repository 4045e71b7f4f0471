"""Does OpenAI's 2025 compute build-out pull infrastructure people from Tesla, xAI and
the big-tech/fintech pool?

Runs the frontier-2025 scenario with and without OpenAI's compute ramp (the scenario's
OpenAI events on ``gpus_h100e`` / ``gpu_growth_per_year`` before 2027) over the same
seeds (paired: seed ``i`` of both variants shares its random stream at the start), and
counts infrastructure hires into OpenAI by source lab from the start of the ramp to
``--until`` (default December 2027, a year after the ramp ends; the scenario runs ten
years, but later hires have little to do with the 2025 ramp); "senior" means the top
quarter of infrastructure skill at the start.
Prints the table and writes it as CSV with per-seed counts.

Intervals: for each variant the mean over seeds and the 95% confidence interval of the
mean (t distribution); for the difference (ramp minus no ramp) the same over the paired
per-seed differences.

Usage::

    python -m experiments.infra_buildout                  # 20 seeds x 2 variants
    python -m experiments.infra_buildout --quick          # 4 seeds, 6,000 people
    python -m experiments.infra_buildout --seeds 40 --out results/infra_buildout
    python -m experiments.infra_buildout --until 2034-12  # the whole ten-year run
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import market
from market.codes import HIRE_REASONS
from market.errors import ScenarioError
from market.io import load_scenario

RAMP_FIELDS = ("gpus_h100e", "gpu_growth_per_year")
FOCUS = ("Tesla", "xAI", "Big tech & fintech")
"""The sources the 2025 news named (Robinhood-style shops are in the pool)."""
POOL_LABEL = "(graduates and job pool)"


def ramp_events(scenario: market.Scenario) -> list[int]:
    """Indices of the events that make up OpenAI's compute ramp (before 2027)."""
    cutoff = scenario.month_to_step("2027-01")
    return [
        i
        for i, e in enumerate(scenario.events)
        if e.lab == "OpenAI" and e.field in RAMP_FIELDS and scenario.event_step(e) < cutoff
    ]


def without_ramp(scenario: market.Scenario) -> market.Scenario:
    """The scenario with OpenAI's compute-ramp events removed."""
    drop = set(ramp_events(scenario))
    if not drop:
        raise ScenarioError("events", "the scenario has no OpenAI compute-ramp event")
    data = scenario.model_dump()
    data["events"] = [e for i, e in enumerate(data["events"]) if i not in drop]
    return market.build_scenario(data)


def ramp_start(scenario: market.Scenario) -> int:
    """Step of the first ramp event."""
    return min(scenario.event_step(scenario.events[i]) for i in ramp_events(scenario))


def infra_hires(scenario: market.Scenario, seed: np.random.SeedSequence, start: int) -> dict:
    """Infrastructure hires into OpenAI from ``start`` on, by source (all and senior)."""
    result = market.run_scenario(scenario, seed=seed, keep_model=True)
    moves = result.tables["moves"]
    model = result.model
    infra_start = model.people.skill[: scenario.n_engineers][
        model.people.specialty[: scenario.n_engineers] == 1
    ]
    senior_skill = float(np.quantile(infra_start, 0.75))
    hires = moves[
        (moves["to_lab"] == "OpenAI")
        & (moves["specialty"] == "infrastructure")
        & moves["reason"].isin(HIRE_REASONS)
        & (moves["step"] >= start)
    ]
    source = hires["from_lab"].replace("", POOL_LABEL)
    labs = result.tables["labs"]
    last = labs[labs["step"] == labs["step"].max()].set_index("lab")
    return {
        "all": source.value_counts().to_dict(),
        "senior": source[hires["skill"] >= senior_skill].value_counts().to_dict(),
        "openai_utilisation_end": float(last.loc["OpenAI", "utilisation"]),
        "openai_infra_end": float(last.loc["OpenAI", "infrastructure"]),
    }


def _task(args: tuple[str, market.Scenario, np.random.SeedSequence, int, int]):
    variant, scenario, seed, start, index = args
    return variant, index, infra_hires(scenario, seed, start)


def run(
    scenario: market.Scenario, n_seeds: int, root_seed: int, workers: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-seed counts (long table) and extras for both variants."""
    variants = {"ramp": scenario, "no_ramp": without_ramp(scenario)}
    start = ramp_start(scenario)
    seeds = np.random.SeedSequence(root_seed).spawn(n_seeds)
    tasks = [(v, sc, s, start, i) for v, sc in variants.items() for i, s in enumerate(seeds)]
    rows, extras = [], []
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_task, t) for t in tasks]
        for done, fut in enumerate(as_completed(futures), start=1):
            variant, index, res = fut.result()
            for level in ("all", "senior"):
                for src, n in res[level].items():
                    rows.append(
                        {
                            "variant": variant,
                            "seed": index,
                            "level": level,
                            "source": src,
                            "hires": n,
                        }
                    )
            extras.append(
                {
                    "variant": variant,
                    "seed": index,
                    "openai_utilisation_end": res["openai_utilisation_end"],
                    "openai_infra_end": res["openai_infra_end"],
                }
            )
            print(
                f"  run {done}/{len(tasks)} ({time.perf_counter() - began:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    per_seed = pd.DataFrame(rows, columns=["variant", "seed", "level", "source", "hires"])
    return per_seed, pd.DataFrame(extras)


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of the mean."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2 or values.std(ddof=1) == 0:
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def summarise(per_seed: pd.DataFrame, n_seeds: int) -> pd.DataFrame:
    """Mean and 95% CI per variant and for the paired difference, by level and source."""
    full = (
        per_seed.pivot_table(
            index=["level", "source", "seed"],
            columns="variant",
            values="hires",
            aggfunc="sum",
            fill_value=0,
        )
        .reindex(columns=["ramp", "no_ramp"], fill_value=0)
        .reset_index()
    )
    out = []
    for (level, source), group in full.groupby(["level", "source"]):
        g = group.set_index("seed")[["ramp", "no_ramp"]].reindex(range(n_seeds), fill_value=0)
        ramp, base = g["ramp"].to_numpy(float), g["no_ramp"].to_numpy(float)
        r, b, d = _ci(ramp), _ci(base), _ci(ramp - base)
        out.append(
            {
                "level": level,
                "source": source,
                "ramp_mean": r[0],
                "ramp_lo": r[1],
                "ramp_hi": r[2],
                "no_ramp_mean": b[0],
                "no_ramp_lo": b[1],
                "no_ramp_hi": b[2],
                "diff_mean": d[0],
                "diff_lo": d[1],
                "diff_hi": d[2],
            }
        )
    df = pd.DataFrame(out)
    return df.sort_values(["level", "ramp_mean"], ascending=[True, False], ignore_index=True)


def print_table(summary: pd.DataFrame, extras: pd.DataFrame, scenario: market.Scenario) -> None:
    """Human-readable answer."""
    start = scenario.step_to_month(ramp_start(scenario))
    end = scenario.step_to_month(scenario.steps)
    print(f"\nInfrastructure hires into OpenAI by source, {start} to {end}")
    print("mean over seeds [95% CI of the mean]; diff = ramp - no ramp, paired by seed\n")
    width = max(28, *(len(s) + 2 for s in summary["source"]))  # spin-out names are long
    for level in ("all", "senior"):
        sub = summary[summary["level"] == level]
        title = "all infrastructure hires" if level == "all" else "senior (top-quartile skill)"
        print(f"{title}:")
        print(f"  {'source':{width}s} {'with ramp':>22s} {'without ramp':>22s} {'diff':>24s}")
        for r in sub.itertuples(index=False):
            mark = " *" if r.source in FOCUS else ""
            print(
                f"  {r.source + mark:{width}s} "
                f"{r.ramp_mean:7.1f} [{r.ramp_lo:5.1f},{r.ramp_hi:6.1f}] "
                f"{r.no_ramp_mean:7.1f} [{r.no_ramp_lo:5.1f},{r.no_ramp_hi:6.1f}] "
                f"{r.diff_mean:+7.1f} [{r.diff_lo:+6.1f},{r.diff_hi:+6.1f}]"
            )
        print()
    ex = extras.groupby("variant")[["openai_utilisation_end", "openai_infra_end"]].mean()
    print("OpenAI at the end (mean over seeds):")
    print(ex.round(2).to_string())
    print("* = sources named in the 2025 news (Tesla, xAI, Robinhood-style shops in the pool)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="frontier-2025", help="built-in name or TOML file")
    ap.add_argument("--seeds", type=int, default=20, help="replications per variant")
    ap.add_argument("--steps", type=int, default=None, help="months (overrides --until)")
    ap.add_argument(
        "--until",
        default="2027-12",
        help="last month counted, YYYY-MM (default 2027-12; the run stops there)",
    )
    ap.add_argument("--root-seed", type=int, default=20250701, help="root of SeedSequence")
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    ap.add_argument(
        "--out", type=Path, default=Path("results/infra_buildout"), help="CSV output folder"
    )
    ap.add_argument("--quick", action="store_true", help="4 seeds, 6,000 people (smoke test)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run both variants, print and export; returns the exit code."""
    args = parse_args(argv)
    try:
        scenario = load_scenario(args.scenario)
        if args.steps is not None:
            scenario = scenario.truncated(args.steps)
        else:
            try:
                last = scenario.month_to_step(args.until)
            except ValueError as exc:
                raise ScenarioError("--until", str(exc)) from None
            if not 1 <= last <= scenario.steps:
                raise ScenarioError(
                    "--until",
                    f"must lie within the run ({scenario.start} to "
                    f"{scenario.step_to_month(scenario.steps)}), got {args.until}",
                )
            scenario = scenario.truncated(last)
        without_ramp(scenario)
        if args.seeds < 2:
            raise ScenarioError("--seeds", "must be >= 2 for an interval")
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    n_seeds = args.seeds
    if args.quick:
        n_seeds = min(n_seeds, 4)
        scenario = scenario.scaled(6000)
    began = time.perf_counter()
    print(
        f"infra_buildout: {scenario.name}, {n_seeds} seeds x 2 variants x "
        f"{scenario.steps} months, {args.workers} workers",
        file=sys.stderr,
    )
    per_seed, extras = run(scenario, n_seeds, args.root_seed, args.workers)
    summary = summarise(per_seed, n_seeds)
    print_table(summary, extras, scenario)
    args.out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(args.out / "infra_hires_by_source.csv", index=False)
    per_seed.to_csv(args.out / "infra_hires_per_seed.csv", index=False)
    extras.to_csv(args.out / "openai_end_state.csv", index=False)
    print(f"wrote {args.out}/ in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
