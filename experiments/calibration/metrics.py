"""Metric functions over one run's tables: the simulated side of every pattern.

Each metric takes a :class:`RunData` (the run's result tables, a pay snapshot and the
end-of-run people columns) and an optional argument string (``name:arg`` in
``patterns.toml``, e.g. ``retention_24m:Anthropic``) and returns one float (NaN when
the run has no data for it, e.g. a 24-month run has no two-year retention).

*Big labs* are the labs of kind frontier or big_tech (the seven large labs of
frontier-2025); *employers* add the startups (spin-outs included); academia and the
big-tech/fintech pool (kind infra) are the outside sector.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

import market
from market.codes import BETWEEN_LABS, HIRE_REASONS
from market.model import TalentMarket
from market.tables import build_tables

SNAPSHOT_MONTH = "2025-12"
"""People-level pay statistics are taken at the end of 2025 (or at the run's end)."""
BIG_KINDS = ("frontier", "big_tech")
EMPLOYER_KINDS = ("frontier", "big_tech", "startup")


@dataclass
class RunData:
    """What the metrics read from one finished run."""

    model: TalentMarket
    tables: dict[str, pd.DataFrame]
    snapshot: dict[str, np.ndarray]
    """People columns (employer, comp_usd) at :data:`SNAPSHOT_MONTH`."""

    @property
    def kinds(self) -> dict[str, str]:
        """Lab name -> kind (spin-outs included)."""
        return {lab.name: lab.kind for lab in self.model.labs}

    def labs_of(self, kinds: tuple[str, ...]) -> list[str]:
        """Names of the labs of these kinds."""
        return [name for name, kind in self.kinds.items() if kind in kinds]

    def between_moves(self) -> pd.DataFrame:
        """Changes of employer between two labs (poached, spin_out)."""
        moves = self.tables["moves"]
        return moves[moves["reason"].isin(BETWEEN_LABS)]

    def years(self) -> float:
        """Length of the run in years."""
        return self.model.steps / 12


def run_data(scenario: market.Scenario, seed: np.random.SeedSequence) -> RunData:
    """Run one seed to the end, keeping the pay snapshot on the way."""
    model = TalentMarket(scenario=scenario, rng=seed)
    snap_step = min(max(scenario.month_to_step(SNAPSHOT_MONTH), 1), scenario.steps)
    snapshot: dict[str, np.ndarray] = {}
    for step in range(1, scenario.steps + 1):
        model.step()
        if step == snap_step:
            snapshot = {k: model.people.view(k).copy() for k in ("employer", "comp_usd")}
    return RunData(model, build_tables(model), snapshot)


Metric = Callable[[RunData, str], float]
METRICS: dict[str, Metric] = {}
"""Metric name -> function (filled by :func:`metric`)."""


def metric(fn: Metric) -> Metric:
    """Register ``fn`` under its name."""
    METRICS[fn.__name__] = fn
    return fn


def evaluate(name: str, run: RunData) -> float:
    """The value of metric ``name`` (``base`` or ``base:arg``) on ``run``."""
    base, _, arg = name.partition(":")
    try:
        value = float(METRICS[base](run, arg))
    except (KeyError, IndexError, ZeroDivisionError):
        return float("nan")
    return value if np.isfinite(value) else float("nan")


def _mean_headcount(run: RunData, labs: list[str]) -> float:
    labs_t = run.tables["labs"]
    rows = labs_t[(labs_t["step"] > 0) & labs_t["lab"].isin(labs)]
    return float(rows.groupby("step")["headcount"].sum().mean()) if len(rows) else np.nan


def _in_period(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    """Rows whose month starts with ``period`` ('' = all; '2025' or '2025-06..2025-11')."""
    if not period:
        return frame
    if ".." in period:
        lo, hi = period.split("..")
        return frame[frame["month"].between(lo, hi)]
    return frame[frame["month"].str.startswith(period)]


# -- general labour-market moments -------------------------------------------------
def _months_in(run: RunData, period: str) -> int:
    """Months of the run inside ``period`` (see :func:`_in_period`)."""
    return len(_in_period(run.tables["labs"].drop_duplicates("month").iloc[1:], period))


@metric
def job_to_job_rate(run: RunData, arg: str) -> float:
    """Annual job-to-job moves out of a lab group per head (arg ``group[,period]``, group
    ``big`` or ``employers``; default the whole run).
    """
    group, _, period = arg.partition(",")
    labs = run.labs_of(EMPLOYER_KINDS if group == "employers" else BIG_KINDS)
    moves = _in_period(run.between_moves(), period)
    out = moves[moves["from_lab"].isin(labs) & (moves["to_lab"] != moves["from_lab"])]
    labs_t = _in_period(run.tables["labs"][run.tables["labs"]["step"] > 0], period)
    head = labs_t[labs_t["lab"].isin(labs)].groupby("step")["headcount"].sum().mean()
    return len(out) / (_months_in(run, period) / 12) / head


@metric
def median_tenure_years(run: RunData, arg: str) -> float:
    """Median years with the current employer at the end (arg: ``big`` or ``employers``)."""
    labs = run.labs_of(EMPLOYER_KINDS if arg == "employers" else BIG_KINDS)
    codes = [run.model.lab_names.index(name) for name in labs]
    p = run.model.people
    employed = np.isin(p.view("employer"), codes)
    return float(np.median(p.view("tenure_months")[employed]) / 12) if employed.any() else np.nan


@metric
def median_pay_ratio(run: RunData, arg: str) -> float:
    """Median new/old pay on job-to-job moves (arg ``group[,period]``; group ``big``:
    between two big labs, stars (top 1% of skill among movers) apart; ``all`` or empty:
    every move between labs).
    """
    group, _, period = arg.partition(",")
    moves = _in_period(run.between_moves(), period)
    moves = moves[moves["old_comp_usd"] > 0]
    if group == "big":
        big = run.labs_of(BIG_KINDS)
        moves = moves[moves["from_lab"].isin(big) & moves["to_lab"].isin(big)]
        if len(moves):
            moves = moves[moves["skill"] < moves["skill"].quantile(0.99)]
    ratio = moves["new_comp_usd"] / moves["old_comp_usd"]
    return float(ratio.median()) if len(ratio) else np.nan


@metric
def counter_share(run: RunData, arg: str) -> float:
    """Share of accepted outside approaches that end with the worker staying on a
    counter-offer: countered / (countered + poached) (arg: optional period).
    """
    reasons = _in_period(run.tables["moves"], arg)["reason"]
    countered, poached = (reasons == "countered").sum(), (reasons == "poached").sum()
    total = countered + poached
    return float(countered / total) if total else np.nan


@metric
def attrition_rate(run: RunData, arg: str) -> float:
    """Exits from the market (attrition) per employed person-year, all labs."""
    moves = run.tables["moves"]
    exits = (moves["reason"] == "attrition").sum()
    return exits / run.years() / _mean_headcount(run, list(run.model.lab_names))


# -- lab-specific patterns ---------------------------------------------------------
@metric
def retention_24m(run: RunData, arg: str) -> float:
    """Share of a lab's hires still there 24 months later (``retention`` table)."""
    table = run.tables["retention"].set_index("lab")
    return float(table.loc[arg, "retention_24m"])


@metric
def flow_ratio(run: RunData, arg: str) -> float:
    """Moves A -> B over moves B -> A (arg ``A>B``), with 0.5 added to both counts so
    that a flow with no reverse move stays finite (Haldane's correction).
    """
    a, b = arg.split(">")
    moves = run.between_moves()
    ab = ((moves["from_lab"] == a) & (moves["to_lab"] == b)).sum()
    ba = ((moves["from_lab"] == b) & (moves["to_lab"] == a)).sum()
    return float((ab + 0.5) / (ba + 0.5))


@metric
def headcount_ratio(run: RunData, arg: str) -> float:
    """Headcount of a lab at month 2 over month 1 (arg ``lab,YYYY-MM,YYYY-MM``)."""
    lab, first, second = arg.split(",")
    head = run.tables["labs"].set_index(["month", "lab"])["headcount"]
    return float(head.loc[(second, lab)] / head.loc[(first, lab)])


@metric
def headcount(run: RunData, arg: str) -> float:
    """Headcount of a lab at a month (arg ``lab,YYYY-MM``)."""
    lab, month = arg.split(",")
    return float(run.tables["labs"].set_index(["month", "lab"])["headcount"].loc[(month, lab)])


@metric
def lab_column(run: RunData, arg: str) -> float:
    """A column of the labs table for a lab at a month (arg ``lab,YYYY-MM,column``;
    column ``pay_per_head`` is payroll over headcount).
    """
    lab, month, column = arg.split(",")
    row = run.tables["labs"].set_index(["month", "lab"]).loc[(month, lab)]
    if column == "pay_per_head":
        return float(row["payroll_usd"] / row["headcount"]) if row["headcount"] else np.nan
    return float(row[column])


@metric
def lab_moves(run: RunData, arg: str) -> float:
    """Moves of a lab in a period (arg ``lab,out|in,period``): ``out`` counts job-to-job
    departures to other labs (poached, spin_out), ``in`` every hire into the lab.
    """
    lab, direction, period = arg.split(",")
    moves = _in_period(run.tables["moves"], period)
    if direction == "out":
        out = moves["reason"].isin(BETWEEN_LABS) & (moves["from_lab"] == lab)
        return float((out & (moves["to_lab"] != lab)).sum())
    if direction == "in":
        return float((moves["reason"].isin(HIRE_REASONS) & (moves["to_lab"] == lab)).sum())
    raise KeyError(direction)


@metric
def moves_between(run: RunData, arg: str) -> float:
    """Job-to-job moves from lab A to lab B in a period (arg ``A>B,period``)."""
    pair, _, period = arg.partition(",")
    a, b = pair.split(">")
    moves = _in_period(run.between_moves(), period)
    return float(((moves["from_lab"] == a) & (moves["to_lab"] == b)).sum())


@metric
def hire_share_from(run: RunData, arg: str) -> float:
    """Share of a lab's hires in a period coming from the listed labs
    (arg ``to_lab,period,from1|from2|...``).
    """
    lab, period, sources = arg.split(",")
    hires = run.tables["moves"]
    hires = _in_period(hires[hires["reason"].isin(HIRE_REASONS) & (hires["to_lab"] == lab)], period)
    return float(hires["from_lab"].isin(sources.split("|")).mean()) if len(hires) else np.nan


@metric
def graduate_share(run: RunData, arg: str) -> float:
    """New graduates as a share of the hires of a lab kind in a period (arg ``kind,period``)."""
    kind, _, period = arg.partition(",")
    moves = run.tables["moves"]
    hires = moves[moves["reason"].isin(HIRE_REASONS) & moves["to_lab"].isin(run.labs_of((kind,)))]
    hires = _in_period(hires, period)
    return float((hires["reason"] == "graduate_hire").mean()) if len(hires) else np.nan


@metric
def largest_team_move(run: RunData, arg: str) -> float:
    """Most people moving from one lab to another lab in one month (a team move)."""
    moves = run.between_moves()
    moves = moves[moves["from_lab"] != moves["to_lab"]]
    if not len(moves):
        return 0.0
    return float(moves.groupby(["month", "from_lab", "to_lab"]).size().max())


@metric
def burst_ratio(run: RunData, arg: str) -> float:
    """Monthly hires of a lab in period 2 over period 1 (arg ``lab,A..B,C..D``)."""
    lab, before, during = arg.split(",")
    moves = run.tables["moves"]
    hires = moves[moves["reason"].isin(HIRE_REASONS) & (moves["to_lab"] == lab)]

    def rate(period: str) -> float:
        lo, hi = period.split("..")
        months = (int(hi[:4]) - int(lo[:4])) * 12 + int(hi[5:]) - int(lo[5:]) + 1
        return len(_in_period(hires, period)) / months

    return rate(during) / rate(before)


@metric
def max_hire_pay(run: RunData, arg: str) -> float:
    """Largest pay accepted by a hire of a lab in a period (arg ``lab,period``)."""
    lab, _, period = arg.partition(",")
    moves = run.tables["moves"]
    hires = _in_period(moves[moves["reason"].isin(HIRE_REASONS) & (moves["to_lab"] == lab)], period)
    return float(hires["new_comp_usd"].max()) if len(hires) else 0.0


@metric
def pay_stat(run: RunData, arg: str) -> float:
    """A pay statistic of a lab's staff at the snapshot (arg ``lab,stat``; stat is
    median, mean_with_retention, max or count_10m).
    """
    lab, stat = arg.split(",")
    code = run.model.lab_names.index(lab)
    comp = run.snapshot["comp_usd"][run.snapshot["employer"] == code]
    if not comp.size:
        return np.nan
    if stat == "median":
        return float(np.median(comp))
    if stat == "max":
        return float(comp.max())
    if stat == "count_10m":
        return float((comp >= 10e6).sum())
    retention = run.model.labs[code].policy.retention_bonus_frac
    return float(comp.mean() * (1 + retention))


@metric
def compute_pull_rho(run: RunData, arg: str) -> float:
    """Spearman correlation across big labs of GPUs per researcher at the start with net
    research inflow (poached in - out, per starting researcher) up to a month (arg).
    """
    until = arg or "2026-12"
    labs_t = run.tables["labs"]
    start = labs_t[labs_t["step"] == 0].set_index("lab")
    moves = run.between_moves()
    research = moves[(moves["specialty"] == "research") & (moves["month"] <= until)]
    inflow = research.groupby("to_lab").size()
    outflow = research.groupby("from_lab").size()
    big = [lab for lab in run.labs_of(BIG_KINDS) if lab in start.index]
    net = pd.Series(
        [(inflow.get(b, 0) - outflow.get(b, 0)) / max(start.loc[b, "research"], 1) for b in big]
    )
    gpr = pd.Series([start.loc[b, "gpus_per_researcher"] for b in big])
    rx, ry = gpr.rank(), net.rank()
    if rx.std() == 0 or ry.std() == 0:
        return np.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def measure_all(run: RunData, metric_names: list[str]) -> dict[str, float]:
    """Every named metric on one run."""
    return {name: evaluate(name, run) for name in metric_names}
