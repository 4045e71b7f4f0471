"""Does OpenAI's 2025 compute build-out pull infrastructure people from Tesla, xAI and
the big-tech/fintech pool?

Runs the frontier-2025 scenario with and without OpenAI's compute ramp (the scenario's
OpenAI events on ``gpus_h100e`` / ``gpu_growth_per_year`` before 2027) over the same
seeds (paired: seed ``i`` of both variants shares its random stream at the start), and
counts infrastructure hires into OpenAI by source lab from the start of the ramp to
``--until`` (default December 2027, a year after the ramp ends; the scenario runs ten
years, but later hires have little to do with the 2025 ramp); "senior" means the top
quarter of infrastructure skill at the start.
Spin-out labs are pooled as one source (``spin-outs``): each name is a different lab
in each seed.

Runs on the sweep machinery: two one-point sweeps with the same seeds (replicate ``r``
of both uses child ``r`` of ``SeedSequence(--root-seed)``), ``out/ramp`` and
``out/no_ramp``, whose ``measure`` is :func:`measure`; the paired summary, figure and
answer go into ``--out`` (default ``results/infra_buildout``).

Intervals: for each variant the mean over seeds and the 95% confidence interval of the
mean (t distribution); for the difference (ramp minus no ramp) the same over the paired
per-seed differences.

Usage::

    python -m experiments.infra_buildout                  # 20 seeds x 2 variants
    python -m experiments.infra_buildout --quick          # smoke run
    python -m experiments.infra_buildout --seeds 40 --out results/infra_buildout
    python -m experiments.infra_buildout --until 2034-12  # the whole ten-year run
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import typer

import market
from experiments.sweeps import figures, script
from experiments.sweeps.analysis import paired_difference
from experiments.sweeps.console import ScenarioName, Seeds, Until
from experiments.sweeps.design import DesignFile
from experiments.sweeps.runner import SweepOutcome
from experiments.sweeps.tables import t_interval
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


SPIN_OUTS = "spin-outs"
LEVELS = ("all", "senior")
ROOT_SEED = 20250701


def sources(scenario: market.Scenario) -> list[str]:
    """Every source a hire can come from: the scenario's labs, the pool, spin-outs."""
    return [*scenario.lab_names, POOL_LABEL, SPIN_OUTS]


def measure(
    scenario: market.Scenario, seed: np.random.SeedSequence, start: int
) -> dict[str, float]:
    """The sweep ``measure``: infrastructure hires into OpenAI from step ``start`` on,
    by source (``hires_all.<source>``, ``hires_senior.<source>``, spin-outs pooled),
    and OpenAI's utilisation and infrastructure headcount at the end.
    """
    result = market.run_scenario(scenario, seed=seed, keep_model=True)
    moves = result.tables["moves"]
    model = result.model
    assert model is not None  # keep_model=True
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
    known = set(scenario.lab_names)
    source = hires["from_lab"].replace("", POOL_LABEL)
    source = source.where(source.isin(known | {POOL_LABEL}), SPIN_OUTS)
    out: dict[str, float] = {}
    for level, chosen in (("all", source), ("senior", source[hires["skill"] >= senior_skill])):
        counts = chosen.value_counts()
        for name in sources(scenario):
            out[f"hires_{level}.{name}"] = float(counts.get(name, 0))
    labs = result.tables["labs"]
    last = labs[labs["step"] == labs["step"].max()].set_index("lab")
    out["openai_utilisation_end"] = float(last.loc["OpenAI", "utilisation"])
    out["openai_infra_end"] = float(last.loc["OpenAI", "infrastructure"])
    return out


def until_step(base: market.Scenario, until: str) -> int:
    """The step of ``--until`` (a month ``YYYY-MM`` within the run).

    Raises:
        ScenarioError: on ``--until``, for a malformed month or one outside the run.

    """
    try:
        last = base.month_to_step(until)
    except ValueError as exc:
        raise ScenarioError("--until", str(exc)) from None
    if not 1 <= last <= base.steps:
        raise ScenarioError(
            "--until",
            f"must lie within the run ({base.start} to "
            f"{base.step_to_month(base.steps)}), got {until}",
        )
    return last


def design(variant: str, scenario: str, seeds: int, steps: int, start: int) -> DesignFile:
    """One variant: a one-point sweep of ``seeds`` replications."""
    return DesignFile.model_validate(
        {
            "name": f"infra_buildout-{variant}",
            "description": f"OpenAI infrastructure hires by source, {variant}",
            "scenario": scenario,
            "steps": steps,
            "replications": seeds,
            "root_seed": ROOT_SEED,
            "measure": "experiments.infra_buildout:measure",
            "measure_options": {"start": start},
            "design": {"kind": "list", "points": [{}]},
        }
    )


def summarise(ramp: pd.DataFrame, no_ramp: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% CI per variant and for the paired difference, by level and source."""
    both = pd.concat([ramp.assign(point=0), no_ramp.assign(point=1)], ignore_index=True)
    rows = []
    for column in [c for c in ramp.columns if c.startswith("hires_")]:
        level, _, source = column.removeprefix("hires_").partition(".")
        r = t_interval(ramp[column].to_numpy(float))
        b = t_interval(no_ramp[column].to_numpy(float))
        d = paired_difference(both, column, baseline_point=1).set_index("point").loc[0]
        rows.append(
            {
                "level": level,
                "source": source,
                "ramp_mean": r[0],
                "ramp_lo": r[2],
                "ramp_hi": r[3],
                "no_ramp_mean": b[0],
                "no_ramp_lo": b[2],
                "no_ramp_hi": b[3],
                "diff_mean": d["diff"],
                "diff_lo": d["diff_low"],
                "diff_hi": d["diff_high"],
            }
        )
    df = pd.DataFrame(rows)
    return df.sort_values(["level", "ramp_mean"], ascending=[True, False], ignore_index=True)


def answer_lines(
    summary: pd.DataFrame, extras: pd.DataFrame, scenario: market.Scenario
) -> list[str]:
    """The printed answer: the table per level, OpenAI's end state."""
    start = scenario.step_to_month(ramp_start(scenario))
    end = scenario.step_to_month(scenario.steps)
    lines = [
        f"Infrastructure hires into OpenAI by source, {start} to {end}",
        "mean over seeds [95% CI of the mean]; diff = ramp - no ramp, paired by seed",
    ]
    width = max(28, *(len(s) + 2 for s in summary["source"]))
    for level in LEVELS:
        sub = summary[
            (summary["level"] == level) & (summary["ramp_mean"] + summary["no_ramp_mean"] > 0)
        ]
        title = "all infrastructure hires" if level == "all" else "senior (top-quartile skill)"
        lines += ["", f"{title}:"]
        lines.append(
            f"  {'source':{width}s} {'with ramp':>22s} {'without ramp':>22s} {'diff':>24s}"
        )
        for r in sub.itertuples(index=False):
            mark = " *" if r.source in FOCUS else ""
            lines.append(
                f"  {r.source + mark:{width}s} "
                f"{r.ramp_mean:7.1f} {script.ci(r.ramp_lo, r.ramp_hi, '5.1f')} "
                f"{r.no_ramp_mean:7.1f} {script.ci(r.no_ramp_lo, r.no_ramp_hi, '5.1f')} "
                f"{r.diff_mean:+7.1f} {script.ci(r.diff_lo, r.diff_hi, '+6.1f')}"
            )
    lines += ["", "OpenAI at the end (mean over seeds):"]
    lines += extras.round(2).to_string().splitlines()
    lines.append(
        "* = sources named in the 2025 news (Tesla, xAI, Robinhood-style shops in the pool)"
    )
    return lines


@script.command
def main(
    harness: script.Harness,
    scenario: ScenarioName = "frontier-2025",
    seeds: Seeds = 20,
    until: Until = "2027-12",
) -> None:
    """Run both variants over the same seeds and report OpenAI's infra hires by source."""
    try:
        base = load_scenario(scenario)
        last = until_step(base, until)
        ramp_sc = base.truncated(last)
        no_ramp_sc = without_ramp(ramp_sc)
        start = ramp_start(ramp_sc)
    except ScenarioError as exc:
        script.fail(str(exc))
        return
    root = harness.out_dir("infra_buildout")
    outcomes: dict[str, SweepOutcome] = {}
    for variant, sc in (("ramp", ramp_sc), ("no_ramp", no_ramp_sc)):
        spec = design(variant, scenario, seeds, last, start)
        outcomes[variant] = harness.run(spec, out=root / variant, base=sc)
    ramp, no_ramp = (outcomes[v].wide for v in ("ramp", "no_ramp"))
    summary = summarise(ramp, no_ramp)
    extras = pd.DataFrame(
        {
            v: o.wide[["openai_utilisation_end", "openai_infra_end"]].mean()
            for v, o in outcomes.items()
        }
    ).T
    top = dataclasses.replace(outcomes["ramp"], out_dir=root)  # summary files go in --out
    script.save_table(top, "infra_hires_by_source", summary)
    script.save_table(top, "openai_end_state", extras.reset_index(names="variant"))
    everyone = summary[summary["level"] == "all"].assign(
        err=lambda d: (d["diff_hi"] - d["diff_lo"]) / 2
    )
    fig = figures.bars_with_errors(
        everyone[everyone["ramp_mean"] + everyone["no_ramp_mean"] > 0],
        "source",
        "diff_mean",
        "err",
        title="Extra infrastructure hires into OpenAI caused by its compute ramp (95% CI)",
        y_title="hires with ramp - without (paired by seed)",
    )
    figures.save_figure(fig, root, "infra_hires_diff")
    script.answer(top, answer_lines(summary, extras, outcomes["ramp"].design.scenario_for({})))


if __name__ == "__main__":
    typer.run(main)
