"""Long-run sanity checks (Dec 2034): plausibility bands with no observation behind them.

Reported beside the validation, never counted as validation: the reference has no
figures beyond 2026. Each check is a band we chose (with the failure it guards against);
its value is read from the end of a run that reaches 2030 or later (NaN otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from market.model import TalentMarket
from market.people import POOL

FRONTIER_SEVEN = (
    "OpenAI",
    "Anthropic",
    "Google DeepMind",
    "Meta",
    "Microsoft",
    "xAI",
    "Tesla",
)


@dataclass(frozen=True)
class Pattern:
    """One sanity check: its band and what a pass and a fail mean."""

    key: str
    name: str
    observed: str
    source: str
    low: float
    high: float
    unit: str
    kind: str
    comment_match: str
    comment_mismatch: str


SANITY: tuple[Pattern, ...] = (
    Pattern(
        "outside_pool_2034",
        "Academia & outside plus job pool, Dec 2034 / Jan 2025",
        "sanity: the reservoir labs hire from is not drained",
        "none (round 1 saw it drain to ~0 in 10-year runs)",
        0.5,
        3.0,
        "ratio",
        "sanity check",
        "The outside reservoir stays at least half its January-2025 size.",
        "The outside reservoir drains (or swells) over ten years.",
    ),
    Pattern(
        "utilisation_2034",
        "Median GPU utilisation of the seven large labs, Dec 2034",
        "sanity: not collapsed to the floor (0.1) as in round 1",
        "none (ODD 7.2; floor utilisation_min = 0.1)",
        0.2,
        0.9,
        "ratio",
        "sanity check",
        "Utilisation falls as fleets grow ~10-50x but stays well above the floor.",
        "Utilisation collapses towards the floor: infrastructure teams do not keep up.",
    ),
    Pattern(
        "median_pay_2034",
        "Median pay of the seven large labs, Dec 2034 / Jan 2025 (median over labs)",
        "sanity: pay neither collapses to academic levels nor explodes",
        "none (no pay figures beyond 2025)",
        0.6,
        2.5,
        "ratio",
        "sanity check",
        "Lab pay levels stay within a plausible band over ten years.",
        "Lab pay levels drift far from their 2025 level.",
    ),
    Pattern(
        "headcount_2034",
        "Technical staff employed (all labs), Dec 2034 / Jan 2025",
        "sanity: roughly stable or growing (graduates ~2,500/yr vs 5%/yr attrition)",
        "none (assumptions in frontier-2025.toml)",
        0.9,
        2.0,
        "ratio",
        "sanity check",
        "The modelled workforce grows modestly, as graduate inflow exceeds attrition.",
        "The modelled workforce shrinks or balloons.",
    ),
    Pattern(
        "spinouts_per_year",
        "Spin-outs founded per year, 2025-2034",
        "about one notable lab a year (Anthropic 2021, Mistral 2023, SSI and Thinking "
        "Machines 2024-25)",
        "reference, mobility section (a loose count)",
        0.3,
        3.0,
        "count",
        "sanity check",
        "Stars found new labs at about the historical rate.",
        "Spin-outs are far more or less frequent than the historical rate.",
    ),
    Pattern(
        "median_pay_2034_min",
        "Lowest Dec 2034 / Jan 2025 median pay among the seven large labs",
        "sanity: no large lab's pay collapses towards academic levels",
        "none (round 2 saw OpenAI's median fall to ~$120k without bars or floors)",
        0.6,
        2.5,
        "ratio",
        "sanity check",
        "Every large lab keeps its median within the band.",
        "At least one large lab's median drifts below 0.6x its 2025 level: hires from "
        "academia and the job pool pull it down.",
    ),
    Pattern(
        "median_pay_2034_max",
        "Highest Dec 2034 / Jan 2025 median pay among the seven large labs",
        "sanity: no large lab's pay explodes",
        "none (no pay figures beyond 2025)",
        0.6,
        2.5,
        "ratio",
        "sanity check",
        "No large lab's median more than 2.5x its 2025 level.",
        "At least one large lab's median ends above 2.5x its 2025 level.",
    ),
    Pattern(
        "spinout_min_median_2034",
        "Lowest median pay at a spin-out of a commercial lab, Dec 2034",
        "sanity: spin-outs of frontier and big-tech labs pay like startups, not below graduate pay",
        "none (round 2 saw sub-$100k medians at frontier spin-outs)",
        100e3,
        20e6,
        "usd",
        "sanity check",
        "Spin-outs of commercial labs keep medians above a graduate's $150k-level pay.",
        "Some spin-out of a commercial lab pays a median below $100k.",
    ),
    Pattern(
        "spinout_max_gpr_2034",
        "Highest GPUs per researcher at a spin-out / highest at the seven large labs, Dec 2034",
        "sanity: a spin-out's compute per researcher is of the same order as the "
        "GPU-richest large lab's",
        "none (round 2 saw ~3 million H100e per researcher at a DeepMind spin-out)",
        0.0,
        3.0,
        "ratio",
        "sanity check",
        "Spin-outs' compute per researcher stays within 3x the richest large lab's.",
        "Some spin-out has far more compute per researcher than any large lab.",
    ),
    Pattern(
        "openai_headcount_2034",
        "OpenAI technical staff, Dec 2034 / Jan 2025",
        "sanity: the plan of 8,000 employees by end 2026 (~5,600 technical) is not "
        "overshot by an order of magnitude",
        "none (Verge/WSJ/FT give the 2026 target only)",
        1.0,
        6.0,
        "ratio",
        "sanity check",
        "OpenAI grows, but not by more than ~6x its January-2025 technical staff.",
        "OpenAI grows by more than 6x: it keeps hiring from academia and the pool as "
        "its budget compounds with capability.",
    ),
    Pattern(
        "infra_pool_2034",
        "Big tech & fintech pool headcount, Dec 2034 / Jan 2025",
        "sanity: the pool (Apple, Amazon, fintech engineers) is not drained",
        "none (a stand-in for a much larger outside industry)",
        0.5,
        2.0,
        "ratio",
        "sanity check",
        "The big-tech/fintech pool keeps at least half its size.",
        "The big-tech/fintech pool loses more than half its people: the labs poach from "
        "it and it replaces few of them (it has no campus channel and a 5%/yr budget).",
    ),
)
"""Long-run checks with no observation behind them: reported, not counted as validation."""


def long_run_metrics(model: TalentMarket, tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """Sanity checks at the end of a long run (NaN when the run ends before 2030)."""
    labs = tables["labs"]
    last_step = int(labs["step"].max())
    if model.config.step_to_month(last_step) < "2030-01":
        return {p.key: np.nan for p in SANITY}
    start = labs[labs["step"] == 0].set_index("lab")
    end = labs[labs["step"] == last_step].set_index("lab")
    academia = [lab.name for lab in model.labs if lab.kind == "academia"]
    pool_end = float((model.people.view("employer") == POOL).sum())
    big = list(FRONTIER_SEVEN)
    pay_ratio = end.loc[big, "comp_median_usd"] / start.loc[big, "comp_median_usd"]
    founded = sum(lab.name.startswith("Spin-out") for lab in model.labs)
    kind_of = {lab.name: lab.kind for lab in model.labs}
    spin = [
        lab.name
        for lab in model.labs
        if lab.name.startswith("Spin-out")
        and kind_of.get(lab.origin) != "academia"
        and end.loc[lab.name, "research"] > 0
    ]
    spin_median = end.loc[spin, "comp_median_usd"].min() if spin else np.nan
    spin_gpr = (
        end.loc[spin, "gpus_per_researcher"].max() / end.loc[big, "gpus_per_researcher"].max()
        if spin
        else np.nan
    )
    return {
        "outside_pool_2034": (end.loc[academia, "headcount"].sum() + pool_end)
        / start.loc[academia, "headcount"].sum(),
        "utilisation_2034": float(end.loc[big, "utilisation"].median()),
        "median_pay_2034": float(pay_ratio.median()),
        "headcount_2034": float(end["headcount"].sum() / start["headcount"].sum()),
        "spinouts_per_year": founded / (last_step / 12),
        "openai_headcount_2034": float(
            end.loc["OpenAI", "headcount"] / start.loc["OpenAI", "headcount"]
        ),
        "infra_pool_2034": float(
            end.loc["Big tech & fintech", "headcount"]
            / start.loc["Big tech & fintech", "headcount"]
        ),
        "median_pay_2034_min": float(pay_ratio.min()),
        "median_pay_2034_max": float(pay_ratio.max()),
        "spinout_min_median_2034": float(spin_median),
        "spinout_max_gpr_2034": float(spin_gpr),
    }
