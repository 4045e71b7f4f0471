"""The simulated-method-of-moments distance over the training patterns only.

``J(theta) = sum_k ((mean_r m_k(theta, seed_r) - observed_k) / tolerance_k)^2`` over the
training patterns ``k`` (diagonal weights 1 / tolerance^2), the mean taken over the
common seeds ``r``. A moment with no data (NaN) costs :data:`NAN_PENALTY`. Test and
check patterns are measured in the same runs but never enter ``J``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.calibration.patterns import PatternSpec

NAN_PENALTY = 100.0
"""Cost of a training moment the run cannot compute (ten tolerances squared)."""


@dataclass(frozen=True)
class Objective:
    """The training moments: observed values and tolerances, in a fixed order."""

    ids: tuple[str, ...]
    observed: np.ndarray
    tolerance: np.ndarray

    @classmethod
    def from_patterns(cls, patterns: dict[str, PatternSpec], train: tuple[str, ...]) -> Objective:
        """The objective over the patterns listed in ``train`` (and no others)."""
        specs = [patterns[pid] for pid in train]
        return cls(
            tuple(train),
            np.array([p.observed for p in specs], dtype=float),
            np.array([p.tolerance for p in specs], dtype=float),
        )

    def moments(self, per_seed: pd.DataFrame) -> np.ndarray:
        """Mean over seeds of each training moment (NaN-aware)."""
        cols = [
            per_seed[pid].to_numpy(dtype=float) if pid in per_seed else np.array([np.nan])
            for pid in self.ids
        ]
        return np.array([np.nanmean(c) if np.isfinite(c).any() else np.nan for c in cols])

    def residuals(self, per_seed: pd.DataFrame) -> np.ndarray:
        """Standardised misses (simulated - observed) / tolerance; NaN kept."""
        return (self.moments(per_seed) - self.observed) / self.tolerance

    def value(self, per_seed: pd.DataFrame) -> float:
        """The distance J."""
        z = self.residuals(per_seed)
        return float(np.sum(np.where(np.isfinite(z), z**2, NAN_PENALTY)))
