"""What are the seed's infrastructure hires worth to OpenAI, and what does losing them
cost xAI and Tesla?

In July 2025 OpenAI's scaling team hired David Lau (Tesla), Uday Ruddarraju and Mike
Dalton (xAI, Colossus) and Angela Fan (Meta) (frontier-2025's ``move`` event of
2025-07). This script runs frontier-2025 with infrastructure leadership on
(``market.infra_leadership_enabled``) with that event ("hires") and with the four
staying where they were ("no hires": the event is replaced by moves to their own
labs, so they are held there until the same month in both variants and the pair
differs only by the move), over the same seeds (paired: replicate ``r`` of both
variants uses child ``r`` of ``SeedSequence(--root-seed)``), and reports for OpenAI,
xAI and Tesla from the move to ``--until``:

* effective compute (online GPUs x utilisation x efficiency, H100e, mean over months),
* the time to bring new GPUs online (1 / the monthly bring-up share, months, mean),
* capability at the end,

each variant's mean with a 95% t interval over seeds and the paired difference with
its interval; and what the same money would buy: the four's pay over the window in
GPUs at the model's GPU price (``market.spinout_gpu_cost_usd``), at OpenAI's
utilisation. A one-at-a-time sensitivity (``--oat``) repeats the paired comparison
with each leadership parameter at a low and a high value.

GPU figures are reported in full-scale units (divided by the rescaling factor).
Named people are not rescaled, so at a reduced ``--engineers`` their weight is
exaggerated: answers need full scale (the default); ``--quick`` is a smoke run.

Usage::

    python -m experiments.infra_leaders                    # 20 seeds, full scale, OAT
    python -m experiments.infra_leaders --quick            # smoke run
    python -m experiments.infra_leaders --seeds 10 --no-oat --until 2026-12
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

import market
from experiments.infra_buildout import until_step
from experiments.sweeps import figures, script
from experiments.sweeps.console import ScenarioName, Seeds, Until
from experiments.sweeps.design import DesignFile
from experiments.sweeps.runner import SweepOutcome
from experiments.sweeps.tables import t_interval
from market.errors import ScenarioError
from market.io import load_scenario

BUYER = "OpenAI"
LOSERS = ("xAI", "Tesla")
LABS = (BUYER, *LOSERS)
ROOT_SEED = 20250708
METRICS = ("eff_compute", "bring_up_months", "capability_end")
METRIC_TEXT = {
    "eff_compute": "effective compute, mean (H100e, full scale)",
    "bring_up_months": "months to bring new GPUs online, mean",
    "capability_end": "capability at the end",
}
OAT: tuple[tuple[str, float, float], ...] = (
    ("market.infra_leader_skill", 15.0, 40.0),
    ("market.infra_leader_half_saturation", 2.0, 8.0),
    ("market.infra_leader_scale_exponent", 0.25, 0.75),
    ("market.infra_leaderless_share", 0.1, 0.6),
    ("market.bring_up_max_per_month", 0.3, 0.9),
)
"""(path, low, high) of the one-at-a-time sensitivity (defaults in MarketConfig)."""


def hire_events(scenario: market.Scenario) -> list[int]:
    """Indices of the ``move`` events that bring named people to OpenAI."""
    return [i for i, e in enumerate(scenario.events) if e.kind == "move" and e.to_lab == BUYER]


def without_hires(scenario: market.Scenario) -> market.Scenario:
    """The scenario with each hire event replaced by moves of its people to their own
    labs (no-ops that keep them held until the same month).
    """
    drop = hire_events(scenario)
    if not drop:
        raise ScenarioError("events", f"the scenario has no named move to {BUYER}")
    home = {p.name: p.lab for p in scenario.people}
    data = scenario.model_dump()
    events = []
    for i, raw in enumerate(data["events"]):
        if i not in drop:
            events.append(raw)
            continue
        for name in raw["names"]:
            events.append({**raw, "names": [name], "to_lab": home[name], "note": "stays"})
    data["events"] = events
    return market.build_scenario(data)


def hire_step(scenario: market.Scenario) -> int:
    """Step of the first hire event."""
    return min(scenario.event_step(scenario.events[i]) for i in hire_events(scenario))


def hired_pay(scenario: market.Scenario) -> float:
    """Declared annual pay of the people the hire events move (USD/year, unscaled)."""
    names = {n for i in hire_events(scenario) for n in scenario.events[i].names}
    return float(sum(p.comp_usd for p in scenario.people if p.name in names))


def measure(
    scenario: market.Scenario, seed: np.random.SeedSequence, start: int, full_people: int
) -> dict[str, float]:
    """The sweep ``measure``: per lab of :data:`LABS`, effective compute and bring-up
    months (means over steps ``start``..end) and capability at the end.
    """
    result = market.run_scenario(scenario, seed=seed)
    labs = result.tables["labs"]
    scale = scenario.n_engineers / full_people
    window = labs[labs["step"] >= start]
    out: dict[str, float] = {}
    for lab in LABS:
        rows = window[window["lab"] == lab]
        eff = rows["gpus_h100e"] * rows["utilisation"] * _efficiency(scenario, lab) / scale
        out[f"eff_compute.{lab}"] = float(eff.mean())
        out[f"bring_up_months.{lab}"] = float(rows["bring_up_months"].mean())
        out[f"capability_end.{lab}"] = float(rows["capability"].iloc[-1])
        out[f"utilisation.{lab}"] = float(rows["utilisation"].mean())
    return out


def _efficiency(scenario: market.Scenario, lab: str) -> float:
    return scenario.lab(lab).efficiency


def design(
    variant: str,
    scenario: str,
    seeds: int,
    steps: int,
    engineers: int | None,
    measure_options: dict[str, Any],
    points: list[dict[str, Any]],
) -> DesignFile:
    """One variant: a list sweep (the default point first, then the OAT points)."""
    return DesignFile.model_validate(
        {
            "name": f"infra_leaders-{variant}",
            "description": f"What the 2025 infra hires are worth, {variant}",
            "scenario": scenario,
            "n_engineers": engineers,
            "steps": steps,
            "replications": seeds,
            "root_seed": ROOT_SEED,
            "measure": "experiments.infra_leaders:measure",
            "measure_options": measure_options,
            "design": {"kind": "list", "points": points},
        }
    )


def oat_points(enabled: bool) -> list[dict[str, Any]]:
    """The default point, then each OAT parameter at its low and high value."""
    points: list[dict[str, Any]] = [{}]
    if enabled:
        points += [{path: value} for path, low, high in OAT for value in (low, high)]
    return points


def point_label(point: dict[str, Any]) -> str:
    """``default`` or ``<field>=<value>``."""
    if not point:
        return "default"
    ((path, value),) = point.items()
    return f"{path.split('.')[-1]}={value:g}"


def summarise(hires: pd.DataFrame, none: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Per point, metric and lab: each variant's mean [95% CI] and the paired
    difference (hires - no hires) [95% CI].
    """
    keys = ["point", "replicate"]
    both = hires.merge(none, on=keys, suffixes=("", "__none"))
    rows = []
    for point, group in both.groupby("point"):
        for metric in (*METRICS, "utilisation"):
            for lab in LABS:
                col = f"{metric}.{lab}"
                h = t_interval(group[col].to_numpy(float))
                n = t_interval(group[f"{col}__none"].to_numpy(float))
                d = t_interval((group[col] - group[f"{col}__none"]).to_numpy(float))
                rows.append(
                    {
                        "point": int(point),
                        "setting": labels[int(point)],
                        "metric": metric,
                        "lab": lab,
                        "hires_mean": h[0],
                        "hires_lo": h[2],
                        "hires_hi": h[3],
                        "none_mean": n[0],
                        "none_lo": n[2],
                        "none_hi": n[3],
                        "diff_mean": d[0],
                        "diff_lo": d[2],
                        "diff_hi": d[3],
                        "n": len(group),
                    }
                )
    return pd.DataFrame(rows)


def gpu_equivalent(
    summary: pd.DataFrame, pay_per_year: float, months: int, gpu_price: float
) -> pd.DataFrame:
    """What the hires' pay over the window buys in GPUs, and those GPUs' effective
    compute at OpenAI's utilisation without the hires, beside the hires' own gain.
    """
    base = summary[(summary["point"] == 0) & (summary["lab"] == BUYER)].set_index("metric")
    gpus = pay_per_year * months / 12 / gpu_price
    util = float(base.loc["utilisation", "none_mean"])
    gain = base.loc["eff_compute"]
    return pd.DataFrame(
        [
            {
                "pay_usd_per_year": pay_per_year,
                "months": months,
                "gpu_price_usd": gpu_price,
                "gpus_bought": gpus,
                "eff_compute_of_gpus": gpus * util,
                "eff_compute_gain_of_hires": gain["diff_mean"],
                "gain_lo": gain["diff_lo"],
                "gain_hi": gain["diff_hi"],
            }
        ]
    )


def answer_lines(summary: pd.DataFrame, money: pd.DataFrame, start: str, end: str) -> list[str]:
    """The printed answer: the default point's table, the GPU comparison, the OAT."""
    lines = [
        f"The 2025-07 hires (Lau, Ruddarraju, Dalton, Fan) with infrastructure leadership "
        f"on, {start} to {end}; mean [95% CI], diff = hires - no hires, paired by seed",
    ]
    default = summary[summary["point"] == 0]
    for metric in METRICS:
        lines += ["", f"{METRIC_TEXT[metric]}:"]
        for r in default[default["metric"] == metric].itertuples(index=False):
            hires_ci = script.ci(r.hires_lo, r.hires_hi, ",.2f")
            diff_ci = script.ci(r.diff_lo, r.diff_hi, "+,.2f")
            lines.append(
                f"  {r.lab:8s} hires {r.hires_mean:12,.2f} {hires_ci}"
                f"  no hires {r.none_mean:12,.2f}  diff {r.diff_mean:+12,.2f} {diff_ci}"
            )
    m = money.iloc[0]
    lines += [
        "",
        f"The same money: ${m.pay_usd_per_year / 1e6:.1f}M/yr of pay over {m.months} months "
        f"buys {m.gpus_bought:,.0f} GPUs at ${m.gpu_price_usd:,.0f}, i.e. "
        f"{m.eff_compute_of_gpus:,.0f} effective H100e at OpenAI's utilisation, against "
        f"{m.eff_compute_gain_of_hires:+,.0f} {script.ci(m.gain_lo, m.gain_hi, '+,.0f')} from "
        "the hires.",
    ]
    oat = summary[(summary["metric"] == "eff_compute") & (summary["lab"] == BUYER)]
    if len(oat) > 1:
        lines += ["", "OpenAI's effective-compute gain by leadership setting (OAT):"]
        for r in oat.itertuples(index=False):
            diff_ci = script.ci(r.diff_lo, r.diff_hi, "+,.0f")
            lines.append(f"  {r.setting:34s} {r.diff_mean:+12,.0f} {diff_ci}")
    return lines


@script.command
def main(
    harness: script.Harness,
    scenario: ScenarioName = "frontier-2025",
    seeds: Seeds = 20,
    until: Until = "2027-12",
    engineers: Annotated[
        int | None,
        typer.Option(min=100, help="Rescale to this many people (default: full scale)."),
    ] = None,
    oat: Annotated[
        bool, typer.Option(help="Also vary each leadership parameter one at a time.")
    ] = True,
) -> None:
    """Run both variants over the same seeds; report the hires' worth and its cost."""
    try:
        base = load_scenario(scenario)
        last = until_step(base, until)
        led = base.with_overrides({"market.infra_leadership_enabled": True}).truncated(last)
        hires_sc, none_sc = led, without_hires(led)
        start = hire_step(led)
    except ScenarioError as exc:
        script.fail(str(exc))
        return
    points = oat_points(oat)
    options = {"start": start, "full_people": base.n_engineers}
    root = harness.out_dir("infra_leaders")
    outcomes: dict[str, SweepOutcome] = {}
    for variant, sc in (("hires", hires_sc), ("no_hires", none_sc)):
        spec = design(variant, scenario, seeds, last, engineers, options, points)
        outcomes[variant] = harness.run(spec, out=root / variant, base=sc)
    labels = [point_label(p) for p in points]
    summary = summarise(outcomes["hires"].wide, outcomes["no_hires"].wide, labels)
    run_steps = outcomes["hires"].design.file.steps or last
    months = max(run_steps - start + 1, 0)
    money = gpu_equivalent(summary, hired_pay(led), months, led.market.spinout_gpu_cost_usd)
    top = dataclasses.replace(outcomes["hires"], out_dir=root)
    script.save_table(top, "infra_leaders_summary", summary)
    script.save_table(top, "infra_leaders_money", money)
    default = summary[(summary["point"] == 0) & (summary["metric"] == "eff_compute")]
    fig = figures.bars_with_errors(
        default.assign(err=lambda d: (d["diff_hi"] - d["diff_lo"]) / 2),
        "lab",
        "diff_mean",
        "err",
        title="Effective compute gained (OpenAI) and lost (xAI, Tesla) by the 2025-07 hires",
        y_title="H100e, hires - no hires (paired by seed, 95% CI)",
    )
    figures.save_figure(fig, root, "infra_leaders_diff")
    end = led.step_to_month(run_steps)
    script.answer(top, answer_lines(summary, money, led.step_to_month(start), end))


if __name__ == "__main__":
    typer.run(main)
