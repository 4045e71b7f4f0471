"""Benchmark harness: throughput, scaling, construction, memory, data-collection share
and sweep throughput of the talent-market model, against Mesa's BoltzmannWealth example
measured in the same invocation (issues 6 and 9): generic markets of 1k-100k engineers,
the calibrated frontier-2025 run end to end, and 1,000,000 engineers (full mode, or
``--quick --million``). Targets are judged on CPU time; wall-time twins are reported.

Every timed model run happens in a fresh subprocess (``--child``), so peak RSS is per
run and one run cannot warm or pollute another; each child first runs a small warm-up
model (imports, numpy dispatch caches), then the timed one. Reported figures are the
median over runs with min-max.

Usage::

    python benchmarks/run.py --quick            # ~2 minutes, no 1M case
    python benchmarks/run.py --quick --million  # quick plus the 1M case
    python benchmarks/run.py                    # full: more runs, 1M case, 200-run sweep
    python benchmarks/run.py --check            # exit 1 if any target fails
    python benchmarks/run.py --profile          # also profile a 100k and a frontier run
    python benchmarks/run.py --source DIR       # benchmark the `market` package in DIR
                                                # (e.g. a git worktree of an older commit)

Results go to ``benchmarks/results.{json,csv}`` (``results-quick`` with ``--quick``;
``--out``/``--tag`` to change; ``benchmarks/out/`` is git-ignored for scratch runs).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STEPS = 120
WARM_UP_STEPS = 24
"""Months of the 1,000-person warm-up model each child runs before the timed one."""
N_LABS = 20
PHASES = (
    "apply_events",
    "grow",
    "produce",
    "lay_off",
    "age_and_vest",
    "enter",
    "spin_out",
    "post_vacancies",
    "search",
    "clear",
    "attrite",
    "record",
)
BOLTZMANN_N, BOLTZMANN_SIDE, BOLTZMANN_STEPS = 1_000, 32, 100
"""Boltzmann baseline: 1,000 agents on a 32 x 32 grid (about one agent per cell, as in
the example's default 100 on 10 x 10), 100 steps, with its own data collection."""

FRONTIER = "frontier-2025"
FLOOR_PEOPLE = 500
"""frontier-2025 rescaled to this many people: what a month costs with (almost) nobody
in it, the per-month overhead no per-person speed-up removes (the ``floor`` rows)."""
MILLION = 1_000_000
TARGETS = {
    "ratio_vs_boltzmann_frontier": 40.0,
    "ratio_vs_boltzmann_100k": 50.0,
    "peak_rss_1m_mib": 4096.0,
    "scaling_1m_over_100k": 12.0,
}


# -- children (one timed run each, fresh process) --------------------------------------
def child_market(
    n_engineers: int, steps: int, seed: int, scenario: str | None = None
) -> dict[str, Any]:
    """Construct, run and tabulate one model; time phases, refresh and data collection.

    ``scenario=None`` is the generic 20-lab market of ``n_engineers``; a scenario name
    (``"frontier-2025"``) runs that calibrated scenario at its own size and length.
    """
    import numpy as np

    import market
    import market.model
    from market.codes import Employer
    from market.tables import build_tables

    def make(n: int | None, rng: int) -> Any:
        if scenario is None:
            return market.TalentMarket(n_labs=N_LABS, n_engineers=n, rng=rng)
        sc = market.load_scenario(scenario)
        return market.TalentMarket(scenario=sc, n_engineers=n, rng=rng)

    # Two years, so that the kernels first used after month 12 (the yearly review,
    # stale pool members from month 14, layoffs, spin-outs) are loaded before timing,
    # as a sweep worker has them loaded after its first run.
    warm = make(1_000, seed + 10_000)
    for _ in range(WARM_UP_STEPS):
        warm.step()
    build_tables(warm)
    del warm

    t0, c0 = time.perf_counter(), time.process_time()
    # A scenario runs at its own size unless ``n_engineers`` rescales it (the floor case).
    model = make(n_engineers if scenario is None else (n_engineers or None), seed)
    construct, construct_cpu = time.perf_counter() - t0, time.process_time() - c0
    if scenario is not None:
        steps = model.config.steps

    phase_time: dict[str, float] = defaultdict(float)
    phase_cpu: dict[str, float] = defaultdict(float)
    where = {"phase": None, "last": None}

    def wrap(inner: Any, key: Any) -> Any:
        # ``key`` may be a callable naming the bucket at call time (refresh).
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            name = key() if callable(key) else key
            t, c = time.perf_counter(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                phase_time[name] += time.perf_counter() - t
                phase_cpu[name] += time.process_time() - c

        return wrapper

    def phase(name: str) -> Any:
        inner = wrap(getattr(market.model, name), name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            where["phase"] = name
            try:
                return inner(*args, **kwargs)
            finally:
                where["phase"], where["last"] = None, name

        return wrapper

    def refresh_bucket() -> str:
        # Called by step() itself (after spin_out, after attrite) or inside a phase
        # (produce, lay_off): the latter is also counted in that phase's time.
        if where["phase"] is not None:
            return f"refresh_in_{where['phase']}"
        return "refresh_end_of_month" if where["last"] == "attrite" else "refresh_pre_search"

    # Timing lives only in this child: the phase functions are looked up in the
    # market.model namespace by step(), the rest are instance attributes.
    for name in PHASES:
        setattr(market.model, name, phase(name))
    st = model.state
    st.refresh = wrap(st.refresh, refresh_bucket)
    model.ledger.add_moves = wrap(model.ledger.add_moves, "ledger_add_moves")
    model.ledger.add_lab_records = wrap(model.ledger.add_lab_records, "ledger_add_lab_records")
    model.datacollector.collect = wrap(model.datacollector.collect, "datacollector_collect")

    run = run_cpu = 0.0
    person_steps = 0
    for _ in range(steps):
        # People in the market (employed or in the pool) at the start of the month,
        # counted outside the timed step.
        person_steps += int(np.count_nonzero(st.people.view("employer") != Employer.GONE))
        t0, c0 = time.perf_counter(), time.process_time()
        model.step()
        run += time.perf_counter() - t0
        run_cpu += time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    tables = build_tables(model)
    build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    # Recording: record() (incl. add_lab_records), the DataCollector, add_moves
    # (called from the phases that move people) and build_tables.
    data = (
        phase_time["record"]
        + phase_time["datacollector_collect"]
        + phase_time["ledger_add_moves"]
        + build
    )
    data_cpu = (
        phase_cpu["record"]
        + phase_cpu["datacollector_collect"]
        + phase_cpu["ledger_add_moves"]
        + build_cpu
    )
    peak = _peak_rss_mib()  # before anything below could allocate
    return {
        "scenario": scenario or "generic",
        "n_engineers": n_engineers if scenario is None else int(model.config.n_engineers),
        "steps": steps,
        "seed": seed,
        "person_steps": person_steps,
        "construct_s": construct,
        "construct_cpu_s": construct_cpu,
        "run_s": run,
        "tables_s": build,
        "total_s": construct + run + build,
        "run_cpu_s": run_cpu,
        "tables_cpu_s": build_cpu,
        "total_cpu_s": construct_cpu + run_cpu + build_cpu,
        "data_collection_s": data,
        "data_collection_share": data / (run + build),
        "data_collection_share_cpu": data_cpu / (run_cpu + build_cpu),
        "data_collection_share_incl_state": (data + phase_time["refresh_end_of_month"])
        / (run + build),
        "phases_s": dict(phase_time),
        "phases_cpu_s": dict(phase_cpu),
        "final_labs": len(model.labs),
        "people_rows": int(model.people.n),
        "people_in_market_end": int(np.count_nonzero(st.people.view("employer") != Employer.GONE)),
        # Full passes over everyone among the refreshes (the others update by rows).
        "lab_sums_full_passes": getattr(st._cache, "full_passes", None),  # older cores
        "moves": len(tables["moves"]),
        # model.agents is never read: it would build one Engineer per person (lazily)
        # and inflate time and RSS; people_in_market_end is the same count, from numpy.
        "peak_rss_mib": peak,
    }


def child_boltzmann(n: int, side: int, steps: int, seed: int) -> dict[str, Any]:
    """One run of Mesa's BoltzmannWealth example."""
    from mesa.examples import BoltzmannWealth
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario

    warm = BoltzmannWealth(BoltzmannScenario(n=100, width=10, height=10, rng=seed + 10_000))
    for _ in range(10):
        warm.step()
    t0 = time.perf_counter()
    model = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=seed))
    construct = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    run, run_cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "n_agents": n,
        "steps": steps,
        "construct_s": construct,
        "run_s": run,
        "run_cpu_s": run_cpu,
        "agent_steps_per_s": n * steps / run,
        "agent_steps_per_cpu_s": n * steps / run_cpu,
        "peak_rss_mib": _peak_rss_mib(),
    }


def _peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sweep_task(seed: int) -> int:
    """One sweep run: 2,000 engineers x 120 steps + tables (returns the move count)."""
    import market
    from market.tables import build_tables

    model = market.TalentMarket(n_engineers=2_000, n_labs=N_LABS, rng=seed)
    for _ in range(STEPS):
        model.step()
    return len(build_tables(model)["moves"])


def child_sweep(workers: int, runs: int) -> dict[str, Any]:
    """Runs per minute for ``runs`` sweep runs on ``workers`` local processes."""
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        moves = list(pool.map(_sweep_task, range(1, runs + 1)))
    elapsed = time.perf_counter() - t0
    return {
        "workers": workers,
        "runs": runs,
        "elapsed_s": elapsed,
        "runs_per_min": runs / elapsed * 60,
        "moves_total": sum(moves),
    }


def child_batch_run() -> dict[str, Any]:
    """The Mesa API check from the issue: batch_run with 2 processes still works."""
    import mesa

    import market

    t0 = time.perf_counter()
    rows = mesa.batch_run(
        market.TalentMarket,
        {"n_engineers": [500, 1000]},
        rng=[1, 2],
        max_steps=12,
        number_processes=2,
        display_progress=False,
    )
    return {"rows": len(rows), "elapsed_s": time.perf_counter() - t0}


def child_profile(
    n_engineers: int, steps: int, out: str, scenario: str | None = None
) -> dict[str, Any]:
    """pyinstrument profile of one run (construction, steps, tables)."""
    from pyinstrument import Profiler

    import market
    from market.tables import build_tables

    profiler = Profiler(interval=0.001)
    profiler.start()
    if scenario is None:
        model = market.TalentMarket(n_labs=N_LABS, n_engineers=n_engineers, rng=1)
    else:
        model = market.TalentMarket(scenario=market.load_scenario(scenario), rng=1)
        steps = model.config.steps
    for _ in range(steps):
        model.step()
    build_tables(model)
    profiler.stop()
    Path(out).write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    Path(out).with_suffix(".html").write_text(profiler.output_html())
    return {"profile": out}


CHILDREN = {
    "market": child_market,
    "boltzmann": child_boltzmann,
    "sweep": child_sweep,
    "batch_run": child_batch_run,
    "profile": child_profile,
}


def spawn(kind: str, source: Path | None, **kwargs: Any) -> dict[str, Any]:
    """Run one child in a fresh interpreter and return its JSON result."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(kwargs)],
        capture_output=True,
        text=True,
        env=env,
        cwd=source or REPO,
        check=False,
    )
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"child {kind} {kwargs} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- parent ---------------------------------------------------------------------------
def summarise(values: list[float]) -> dict[str, float]:
    """Median, min and max."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def paired_ratio(
    rates: list[float], runs: list[dict[str, Any]], fallback: float
) -> dict[str, float]:
    """Each run's rate over the rate of the Boltzmann run made just before it
    (``boltzmann_cpu``), summarised; a run without one is divided by ``fallback``.
    """
    return summarise(
        [r / x.get("boltzmann_cpu", fallback) for r, x in zip(rates, runs, strict=True)]
    )


def machine() -> dict[str, Any]:
    """Where and with what the benchmark ran."""
    import mesa
    import numpy
    import pandas

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "market"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "mesa": mesa.__version__,
        "git_commit": commit + ("+dirty(market/)" if dirty else ""),
        "load_avg_start": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="talent-market benchmark (issues 6 and 9)")
    parser.add_argument("--quick", action="store_true", help="fewer runs (~1-2 minutes)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target fails")
    parser.add_argument(
        "--profile", action="store_true", help="profile one 100k and one frontier run"
    )
    parser.add_argument(
        "--million",
        action="store_true",
        help="with --quick: also run the 1,000,000-engineer case (always run in full mode)",
    )
    parser.add_argument("--source", type=Path, help="directory holding the market package")
    parser.add_argument("--out", type=Path, default=HERE, help="results directory")
    parser.add_argument(
        "--tag", help="results file stem (default: results, or results-quick with --quick)"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, kwargs = args.child
        print(json.dumps(CHILDREN[kind](**json.loads(kwargs))))
        return 0

    quick = args.quick
    tag = args.tag or ("results-quick" if quick else "results")
    repeats = {1_000: 3, 10_000: 3, 100_000: 1} if quick else {1_000: 5, 10_000: 5, 100_000: 5}
    sweep_runs = 8 if quick else 200
    info = machine()
    info["mode"] = "quick" if quick else "full"
    info["source"] = str(args.source or REPO)
    print(f"talent-market benchmark ({info['mode']}) on {info['cpu']}, {info['cores']} cores")
    started = time.perf_counter()

    boltz: list[dict[str, Any]] = []

    def paired(kind: str, **kwargs: Any) -> dict[str, Any]:
        """A timed run right after a Boltzmann run (its ``boltzmann_cpu`` rate): the
        pair sees the same machine, so their ratio does not drift with the VM's load.
        """
        base = spawn(
            "boltzmann",
            args.source,
            n=BOLTZMANN_N,
            side=BOLTZMANN_SIDE,
            steps=BOLTZMANN_STEPS,
            seed=len(boltz) + 1,
        )
        boltz.append(base)
        return {
            **spawn(kind, args.source, **kwargs),
            "boltzmann_cpu": base["agent_steps_per_cpu_s"],
        }

    sizes: dict[int, list[dict[str, Any]]] = {}
    for n, r in repeats.items():
        sizes[n] = [paired("market", n_engineers=n, steps=STEPS, seed=s) for s in range(1, r + 1)]
        med = statistics.median(x["run_s"] for x in sizes[n])
        print(f"  {n:>7,} engineers: run {med:.2f} s ({n * STEPS / med:,.0f} engineer-steps/s)")

    frontier = [
        paired("market", n_engineers=0, steps=STEPS, seed=s, scenario=FRONTIER)
        for s in range(1, 4 if quick else 6)
    ]
    med = statistics.median(x["total_cpu_s"] for x in frontier)
    print(f"  {FRONTIER}: construction + run + tables {med:.2f} CPU-s")
    floor = [
        spawn(
            "market", args.source, n_engineers=FLOOR_PEOPLE, steps=STEPS, seed=s, scenario=FRONTIER
        )
        for s in range(1, 4 if quick else 6)
    ]
    med = statistics.median(x["total_cpu_s"] for x in floor)
    print(f"  {FRONTIER} at {FLOOR_PEOPLE} people (per-month floor): {med:.2f} CPU-s")
    boltz_rate = summarise([b["agent_steps_per_s"] for b in boltz])
    print(
        f"  Boltzmann {BOLTZMANN_N} agents ({len(boltz)} runs, one before each timed market "
        f"run): {boltz_rate['median']:,.0f} agent-steps/s"
    )
    if not quick or args.million:
        sizes[MILLION] = [
            spawn("market", args.source, n_engineers=MILLION, steps=STEPS, seed=s)
            for s in range(1, 2)
        ]
        med = statistics.median(x["total_cpu_s"] for x in sizes[MILLION])
        print(f"  {MILLION:,} engineers: construction + run + tables {med:.1f} CPU-s")

    sweeps = {w: spawn("sweep", args.source, workers=w, runs=sweep_runs) for w in (1, 2)}
    for w, s in sweeps.items():
        print(
            f"  sweep {s['runs']} runs x 2,000 engineers, {w} worker(s): "
            f"{s['runs_per_min']:.1f} runs/min"
        )
    batch = spawn("batch_run", args.source)
    if args.profile:
        for name, kw in (
            ("profile-100k.txt", {"n_engineers": 100_000}),
            ("profile-frontier.txt", {"n_engineers": 0, "scenario": FRONTIER}),
        ):
            prof = HERE / name
            spawn("profile", args.source, steps=STEPS, out=str(prof), **kw)
            print(f"  profile written to {_shown(prof)} (+ .html)")

    rows = build_rows(sizes, frontier, boltz, sweeps, batch, floor)
    info["load_avg_end"] = os.getloadavg()
    info["wall_s"] = round(time.perf_counter() - started, 1)
    info["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    print_table(rows, info)
    write(args.out, tag, rows, info, sizes, frontier, boltz, sweeps, batch, floor)
    failed = [r["metric"] for r in rows if r["pass"] is False]
    if failed:
        print(f"FAILED: {', '.join(failed)}")
    return 1 if args.check and failed else 0


def label(n: int) -> str:
    """1k, 100k, 1m."""
    return f"{n // 1_000_000}m" if n >= 1_000_000 else f"{n // 1000}k"


def build_rows(
    sizes: dict[int, list[dict[str, Any]]],
    frontier: list[dict[str, Any]],
    boltz: list[dict[str, Any]],
    sweeps: dict[int, dict[str, Any]],
    batch: dict[str, Any],
    floor: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The result table: one row per measured quantity, with target and PASS/FAIL.

    Targets are judged on CPU time (``time.process_time``; every run is single-threaded,
    so CPU time is the wall time the run would take on a free core); the wall-time
    figure is always reported in the row next to it (``_wall``).
    """
    rows: list[dict[str, Any]] = []

    def row(metric: str, stats: dict[str, float], unit: str, target: str = "", ok: Any = None):
        rows.append({"metric": metric, "unit": unit, **stats, "target": target, "pass": ok})

    def ratio_of(stats: dict[str, float], base: float) -> dict[str, float]:
        return {k: stats[k] / base for k in ("median", "min", "max")}

    def time_ratio(a: list[float], b: list[float]) -> dict[str, float]:
        ta, tb = summarise(a), summarise(b)
        return {
            "median": ta["median"] / tb["median"],
            "min": ta["min"] / tb["max"],
            "max": ta["max"] / tb["min"],
        }

    def target(metric: str, stats: dict[str, float], unit: str, op: str, key: str = "median"):
        lim = TARGETS[metric]
        ok = stats[key] >= lim if op == ">=" else stats[key] <= lim
        row(metric, stats, unit, f"{op} {lim:g}", ok)

    boltz_rate = summarise([b["agent_steps_per_s"] for b in boltz])
    boltz_cpu = summarise([b["agent_steps_per_cpu_s"] for b in boltz])
    row("boltzmann_agent_steps_per_s", boltz_rate, "agent-steps/s")
    row("boltzmann_agent_steps_per_cpu_s", boltz_cpu, "agent-steps/CPU-s")

    # The calibrated scenario, end to end (construction + 120 steps + build_tables),
    # in person-steps: people in the market at the start of each month, summed.
    fr_wall = summarise([x["person_steps"] / x["total_s"] for x in frontier])
    fr_cpu = summarise([x["person_steps"] / x["total_cpu_s"] for x in frontier])
    row("frontier_end_to_end_s", summarise([x["total_s"] for x in frontier]), "s (wall)")
    row(
        "frontier_end_to_end_cpu_s",
        summarise([x["total_cpu_s"] for x in frontier]),
        "CPU-s (construction + 120 steps + tables)",
    )
    row("frontier_person_steps_per_s", fr_wall, "person-steps/s (wall, end to end)")
    row("frontier_person_steps_per_cpu_s", fr_cpu, "person-steps/CPU-s (end to end)")
    row("ratio_vs_boltzmann_frontier_wall", ratio_of(fr_wall, boltz_rate["median"]), "x (wall)")
    target(
        "ratio_vs_boltzmann_frontier",
        paired_ratio(
            [x["person_steps"] / x["total_cpu_s"] for x in frontier], frontier, boltz_cpu["median"]
        ),
        "x (CPU time; median of each run over the Boltzmann run just before it)",
        ">=",
    )
    row(
        "peak_rss_frontier_mib",
        summarise([x["peak_rss_mib"] for x in frontier]),
        "MiB",
    )
    if floor:
        # The per-month overhead: frontier-2025 at FLOOR_PEOPLE people, end to end. Even
        # at zero cost per person the full run could not beat ``ceiling``.
        floor_cpu = summarise([x["total_cpu_s"] for x in floor])
        row("frontier_floor_cpu_s", floor_cpu, f"CPU-s at {FLOOR_PEOPLE} people (end to end)")
        row(
            "frontier_floor_share",
            {
                k: floor_cpu[k] / summarise([x["total_cpu_s"] for x in frontier])["median"]
                for k in ("median", "min", "max")
            },
            "floor / full frontier CPU time (information)",
        )
        person_steps = statistics.median(x["person_steps"] for x in frontier)
        row(
            "ratio_vs_boltzmann_frontier_ceiling",
            {
                "median": person_steps / floor_cpu["median"] / boltz_cpu["median"],
                "min": person_steps / floor_cpu["max"] / boltz_cpu["median"],
                "max": person_steps / floor_cpu["min"] / boltz_cpu["median"],
            },
            "x: the ratio at zero cost per person (information)",
        )
    row(
        "data_collection_share_frontier_cpu",
        summarise([x["data_collection_share_cpu"] for x in frontier]),
        "share of CPU time (information)",
    )

    # Generic 20-lab markets: engineer-steps = N x 120 over the 120 step() calls
    # (construction and tables excluded), as in issue 6; end_to_end counts them.
    for n, runs in sizes.items():
        k = label(n)
        wall = summarise([n * x["steps"] / x["run_s"] for x in runs])
        cpu = summarise([n * x["steps"] / x["run_cpu_s"] for x in runs])
        row(f"market_{k}_engineer_steps_per_s", wall, "engineer-steps/s")
        row(f"market_{k}_engineer_steps_per_cpu_s", cpu, "engineer-steps/CPU-s")
        e2e = summarise([n * x["steps"] / x["total_cpu_s"] for x in runs])
        row(f"market_{k}_end_to_end_per_cpu_s", e2e, "engineer-steps/CPU-s (incl. build+tables)")
        ps = summarise([x["person_steps"] / x["total_cpu_s"] for x in runs])
        row(f"market_{k}_person_steps_per_cpu_s", ps, "person-steps/CPU-s (end to end)")
        row(f"ratio_vs_boltzmann_{k}_wall", ratio_of(wall, boltz_rate["median"]), "x (wall)")
        ratio = paired_ratio(
            [n * x["steps"] / x["run_cpu_s"] for x in runs], runs, boltz_cpu["median"]
        )
        unit = "x (CPU time; median of each run over the Boltzmann run just before it)"
        if n == 100_000:
            target("ratio_vs_boltzmann_100k", ratio, unit, ">=")
        else:
            row(f"ratio_vs_boltzmann_{k}", ratio, unit)
    if 10_000 in sizes and 100_000 in sizes:
        row(
            "scaling_100k_over_10k_wall",
            time_ratio([x["run_s"] for x in sizes[100_000]], [x["run_s"] for x in sizes[10_000]]),
            "time ratio, 120 steps (wall)",
        )
        row(
            "scaling_100k_over_10k",
            time_ratio(
                [x["run_cpu_s"] for x in sizes[100_000]], [x["run_cpu_s"] for x in sizes[10_000]]
            ),
            "time ratio, 120 steps (CPU)",
        )
    if MILLION in sizes and 100_000 in sizes:
        big, mid = sizes[MILLION], sizes[100_000]
        row(
            "scaling_1m_over_100k_wall",
            time_ratio([x["total_s"] for x in big], [x["total_s"] for x in mid]),
            "time ratio, end to end (wall)",
        )
        row(
            "scaling_1m_over_100k_steps_only",
            time_ratio([x["run_cpu_s"] for x in big], [x["run_cpu_s"] for x in mid]),
            "time ratio, 120 steps (CPU)",
        )
        target(
            "scaling_1m_over_100k",
            time_ratio([x["total_cpu_s"] for x in big], [x["total_cpu_s"] for x in mid]),
            "time ratio, end to end (CPU)",
            "<=",
        )
    for n, runs in sizes.items():
        k = label(n)
        row(f"construct_{k}_s", summarise([x["construct_s"] for x in runs]), "s (wall)")
        row(f"construct_{k}_cpu_s", summarise([x["construct_cpu_s"] for x in runs]), "CPU-s")
        rss = summarise([x["peak_rss_mib"] for x in runs])
        if n == MILLION:
            target("peak_rss_1m_mib", rss, "MiB (max over runs)", "<=", key="max")
        else:
            row(f"peak_rss_{k}_mib", rss, "MiB")
        row(
            f"data_collection_share_{k}_cpu",
            summarise([x["data_collection_share_cpu"] for x in runs]),
            "share of CPU time (steps+tables)",
        )
        row(
            f"data_collection_share_{k}_incl_state",
            summarise([x["data_collection_share_incl_state"] for x in runs]),
            "share incl. end-of-month refresh (wall)",
        )
    for w, s in sweeps.items():
        rpm = s["runs_per_min"]
        row(
            f"sweep_runs_per_min_{w}w",
            {"median": rpm, "min": rpm, "max": rpm},
            f"runs/min ({s['runs']} runs, wall)",
        )
    speedup = sweeps[2]["runs_per_min"] / sweeps[1]["runs_per_min"]
    row("sweep_speedup_2w", {"median": speedup, "min": speedup, "max": speedup}, "x")
    ok = batch["rows"] == 2 * 2  # one row per run (data_collection_period=-1)
    row(
        "mesa_batch_run_ok",
        {"median": batch["rows"], "min": batch["rows"], "max": batch["rows"]},
        "rows",
        "= 4",
        ok,
    )
    return rows


def _fmt(v: float) -> str:
    if abs(v) >= 1e4:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}"


def print_table(rows: list[dict[str, Any]], info: dict[str, Any]) -> None:
    """Fixed-width table on stdout."""
    head = f"{'metric':36} {'median':>12} {'min':>12} {'max':>12}  {'target':>8}  result"
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        verdict = {True: "PASS", False: "FAIL", None: ""}[r["pass"]]
        print(
            f"{r['metric']:36} {_fmt(r['median']):>12} {_fmt(r['min']):>12} "
            f"{_fmt(r['max']):>12}  {r['target']:>8}  {verdict}"
        )
    print(
        f"\nload average start {info['load_avg_start']}, end {info['load_avg_end']}; "
        f"wall {info['wall_s']} s"
    )


def write(
    out: Path, tag: str, rows, info, sizes, frontier, boltz, sweeps, batch, floor=None
) -> None:
    """``<tag>.json`` (everything, raw runs included) and ``<tag>.csv`` (the table)."""
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": info,
        "targets": TARGETS,
        "table": rows,
        "runs": {str(n): runs for n, runs in sizes.items()},
        "frontier": frontier,
        "frontier_floor": floor or [],
        "boltzmann": boltz,
        "sweeps": {str(w): s for w, s in sweeps.items()},
        "batch_run": batch,
    }
    (out / f"{tag}.json").write_text(json.dumps(payload, indent=2) + "\n")
    with (out / f"{tag}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["metric", "unit", "median", "min", "max", "target", "pass"]
        )
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {_shown(out / f'{tag}.json')} and .csv")


def _shown(path: Path) -> Path:
    """``path`` relative to the repository when it is inside it, else as given."""
    try:
        return path.resolve().relative_to(REPO)
    except ValueError:
        return path


if __name__ == "__main__":
    raise SystemExit(main())
