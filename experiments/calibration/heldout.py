"""Held-out lab figures: measured by every validation run, compared outside the project.

Lab-specific two-year retention of hires and lab-to-lab flow ratios are judged against
public figures that the project deliberately does not hold: they are never fitted, never
training patterns and have no observed value here (``patterns.toml`` cannot declare them
as training either: :data:`~experiments.calibration.patterns.HELD_OUT_KINDS`). The
validation report prints the model's values with 95% intervals so that a reviewer can
set them against the figures kept elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.calibration.metrics import RunData, evaluate
from experiments.calibration.report import seed_summary
from experiments.calibration.validation import simulated_text
from experiments.sweeps.tables import t_interval

PREFIX = "heldout_"
"""Column prefix of the held-out values in the per-seed validation table."""


@dataclass(frozen=True)
class HeldOut:
    """One held-out quantity: a metric of :mod:`experiments.calibration.metrics`."""

    id: str
    metric: str
    description: str
    unit: str


HELD_OUT: tuple[HeldOut, ...] = (
    *(
        HeldOut(
            f"retention_{key}",
            f"retention_24m:{lab}",
            f"{lab}: share of its hires still there 24 months later",
            "share",
        )
        for key, lab in (
            ("openai", "OpenAI"),
            ("anthropic", "Anthropic"),
            ("deepmind", "Google DeepMind"),
            ("meta", "Meta"),
        )
    ),
    HeldOut(
        "flow_openai_to_anthropic",
        "flow_ratio:OpenAI>Anthropic",
        "moves OpenAI -> Anthropic over Anthropic -> OpenAI (+0.5 each), whole run",
        "ratio",
    ),
    HeldOut(
        "flow_deepmind_to_anthropic",
        "flow_ratio:Google DeepMind>Anthropic",
        "moves Google DeepMind -> Anthropic over the reverse (+0.5 each), whole run",
        "ratio",
    ),
)


def heldout_metrics(run: RunData) -> dict[str, float]:
    """Every held-out quantity of one run, keyed ``heldout_<id>``."""
    return {PREFIX + h.id: evaluate(h.metric, run) for h in HELD_OUT}


def heldout_section(per_seed: pd.DataFrame) -> list[str]:
    """Markdown rows: the model's held-out values (mean, 95% t interval, seed range)."""
    lines = [
        "## Held-out lab figures (compared outside the project)",
        "",
        "Lab-specific two-year retention of hires and lab-to-lab flow ratios are never "
        "fitted and the project holds no observed value for them: they are judged "
        "against public figures kept outside it. The model's values:",
        "",
        "| quantity | metric | simulated: mean [2.5-97.5% of seeds] (95% CI of the mean) |",
        "|---|---|---|",
    ]
    for h in HELD_OUT:
        col = PREFIX + h.id
        x = per_seed[col].to_numpy(dtype=float) if col in per_seed else np.array([np.nan])
        mean, lo, hi = seed_summary(x)
        _, _, ci_low, ci_high = t_interval(x)
        row = {"unit": h.unit, "sim_mean": mean, "sim_lo": lo, "sim_hi": hi}
        text = (
            simulated_text({**row, "ci_low": ci_low, "ci_high": ci_high})
            if np.isfinite(mean)
            else "no data (the run is too short)"
        )
        lines.append(f"| {h.description} | `{h.metric}` | {text} |")
    return [*lines, ""]
