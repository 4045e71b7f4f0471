"""The market state that every phase reads and writes.

One object holds the people columns, the lab table, search ties, the move ledger and
the month's counters; the phases in :mod:`market.phases` are functions of it and of
the model's random generator. Derived per-lab aggregates (:class:`LabState`: head
counts, effective talent, utilisation, output, payroll) are recomputed explicitly by
:meth:`MarketState.refresh` at the points of the schedule where a phase needs them,
by one pass over the people unless nobody changed since the previous refresh
(:class:`market.lab_sums.LabSums`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from market.config import MarketConfig, PopulationConfig
from market.lab_sums import LabSums, by_employer
from market.labs import LabTable
from market.ledger import Ledger
from market.people import People
from market.valuation import LabState, aggregate


@dataclass
class MarketState:
    """People, labs, ties, ledger and this month's counters."""

    people: People
    labs: LabTable
    cfg: MarketConfig
    """Market mechanisms (replaced, validated, when a market-wide event fires)."""
    pop: PopulationConfig
    ties: np.ndarray
    """(max_labs, max_labs + 1) search tie strengths; the last column is the pool."""
    ledger: Ledger = field(default_factory=Ledger)
    step: int = 0
    """The month being simulated (0 while the model is built)."""
    price: float = 1.0
    """Annual value of one unit of monthly research output (USD), :mod:`market.pricing`."""
    payroll_per_budget: float = 0.0
    """Total payroll over total budgets at the start (the anchor of the price rule)."""
    star_skill: float = np.inf
    """Skill above which a researcher is a star (the initial ``star_quantile``)."""
    initial_skill: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Sorted skills at the start (hiring bars are quantiles of it)."""
    hires: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Hires per lab this month."""
    departures: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Departures per lab this month."""
    spinouts_founded: int = 0
    agg: LabState | None = None
    """Per-lab aggregates as of the last :meth:`refresh`."""
    _cache: LabSums = field(default_factory=LabSums)
    """Per-lab people sums kept between refreshes (recomputed when the people change)."""

    @property
    def n_labs(self) -> int:
        """Labs in the market (spin-outs included)."""
        return len(self.labs)

    def refresh(self) -> LabState:
        """Recompute the per-lab aggregates from the people and the lab table."""
        labs = self.labs
        self.agg = aggregate(
            self.people,
            gpus=labs.gpus_h100e.copy(),
            efficiency=labs.efficiency.copy(),
            allocation=labs.allocation.copy(),
            mission=labs.mission.copy(),
            retention_frac=labs.retention_bonus_frac.copy(),
            cfg=self.cfg,
            cache=self._cache,
            backlog=labs.gpus_backlog.copy(),
        )
        return self.agg

    @property
    def lab_state(self) -> LabState:
        """The aggregates of the last :meth:`refresh` (refreshing once if none yet)."""
        return self.agg if self.agg is not None else self.refresh()

    @property
    def _cache_is_current(self) -> bool:
        """The kept lab sums (staff, lab order) are for the people as they are now."""
        return self._cache.version == self.people.version and self._cache.sums is not None

    def staff(self) -> np.ndarray:
        """Rows of the people at labs, ascending (from the last :meth:`refresh` when
        nobody changed since).
        """
        if self._cache_is_current:
            return self._cache.staff
        return np.flatnonzero(self.people.view("employer") >= 0)

    def lab_order(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the people at labs sorted by lab (row order within a lab) and the
        ``L + 1`` lab bounds (kept from the last :meth:`refresh` when nobody changed
        since).
        """
        if self._cache_is_current:
            return self._cache.lab_order(self.people, self.n_labs)
        staff = self.staff()
        return by_employer(staff, self.people.employer, self.n_labs)

    def values_by_lab(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``values`` (a people column) of the people at labs in :meth:`lab_order`'s
        order, and the ``L + 1`` lab bounds.
        """
        if self._cache_is_current:
            return self._cache.values_by_lab(self.people, self.n_labs, values)
        rows, bounds = self.lab_order()
        return values[rows], bounds

    def begin_month(self, step: int) -> None:
        """Reset the month's counters."""
        self.step = step
        self.hires[:] = 0
        self.departures[:] = 0
        self.ledger.moves_this_step = 0

    @property
    def new_budget_year(self) -> bool:
        """This step opens a budget year (steps 1, 13, 25, ...): budgets are reviewed
        from the second one (:func:`market.phases.compute.grow`), calendar sign-on books
        start afresh (:func:`market.phases.clearing.open_sign_on_month`).
        """
        return (self.step - 1) % 12 == 0

    def skill_quantile(self, q: float) -> float:
        """Quantile ``q`` of the initial skill distribution (0 for q = 0)."""
        n = self.initial_skill.size
        if q <= 0 or n == 0:
            return 0.0
        return float(self.initial_skill[min(int(q * n), n - 1)])

    def headroom(self) -> np.ndarray:
        """Budget minus payroll per lab (USD/year), from the last aggregates."""
        return self.labs.budget_usd - self.lab_state.payroll
