"""Columnar state of the labs: one numpy column per field, one entry per lab.

Labs are few but every phase reads their fields for all labs at once, so they live
in columns like the people do (:mod:`market.people`). Policies stay validated pydantic
objects (``policies[j]``) and are mirrored into code and number columns whenever they
change (:meth:`LabTable.set_policy`), so a phase never rebuilds an array from a list.
The Mesa ``Lab`` agents are thin views onto this table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from market.codes import ALLOCATION_RULES, COUNTER_RULES, OUTSIDE_SECTOR
from market.config import LAB_EVENT_FIELDS, LabConfig, Policy

STATE_COLUMNS: tuple[str, ...] = (
    *sorted(LAB_EVENT_FIELDS),
    "capability",
    "capability_year_ago",
    "budget_review_factor",
    "utilisation",
    "research_output",
    "gpus_backlog",
)
"""Float columns of lab state (the event fields among them). ``gpus_h100e`` is the
fleet online; ``gpus_backlog`` GPUs bought but not yet productive (infrastructure
leadership, :mod:`market.phases.compute`)."""

SIGN_ON_MONTHS = 12
"""Months a sign-on counts against its payer's budget (a budget year)."""

POLICY_COLUMNS: tuple[str, ...] = (
    "pay_multiplier",
    "star_pay_multiplier",
    "pay_cap_usd",
    "retention_bonus_frac",
    "equity_share",
    "vesting_months",
    "vesting_cliff_months",
    "noncompete_months",
    "poaching_intensity",
    "hiring_bar_quantile",
    "pay_band_floor",
    "graduate_intake_per_100_staff",
    "refresh_grant_share",
    "merit_raise_pass_through",
    "merit_raise_max",
    "garden_leave_paid",
)
"""Numeric policy fields mirrored as float columns (booleans as 0/1)."""


class LabTable:
    """Every lab's state and policy as columns (index = lab index)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.kinds: list[str] = []
        self.origins: list[str] = []
        """The scenario lab each lab descends from (itself, or a spin-out's root)."""
        self.policies: list[Policy] = []
        self.founded_step = np.zeros(0, dtype=np.int64)
        self.outside_sector = np.zeros(0, dtype=bool)
        """Kind academia or infra: takes in graduates no lab hired."""
        self.counter_rule = np.zeros(0, dtype=np.int64)
        """Code of the counter-offer rule (:class:`market.codes.Counter`)."""
        self.allocation = np.zeros(0, dtype=np.int64)
        """Code of the compute-allocation rule (:class:`market.codes.Allocation`)."""
        self.sign_on_spent_usd = np.zeros(0)
        """One-off sign-on payments booked against the budget now (USD): those of the
        last 12 months, or of the calendar budget year (``sign_on_rolling``)."""
        self.sign_on_by_month = np.zeros((0, SIGN_ON_MONTHS))
        """Sign-ons paid in each of the last 12 months, (L, 12), the column of month
        ``step`` being ``step % 12`` (:mod:`market.phases.clearing`)."""
        for name in (*STATE_COLUMNS, *POLICY_COLUMNS):
            setattr(self, name, np.zeros(0))

    # typed views of the float columns (set dynamically above)
    gpus_h100e: np.ndarray
    gpu_growth_per_year: np.ndarray
    budget_usd: np.ndarray
    budget_growth_per_year: np.ndarray
    efficiency: np.ndarray
    mission: np.ndarray
    capability: np.ndarray
    capability_year_ago: np.ndarray
    budget_review_factor: np.ndarray
    """The last annual review's capability feedback on budget growth (1 before any)."""
    utilisation: np.ndarray
    research_output: np.ndarray
    gpus_backlog: np.ndarray
    pay_multiplier: np.ndarray
    star_pay_multiplier: np.ndarray
    pay_cap_usd: np.ndarray
    retention_bonus_frac: np.ndarray
    equity_share: np.ndarray
    vesting_months: np.ndarray
    vesting_cliff_months: np.ndarray
    noncompete_months: np.ndarray
    poaching_intensity: np.ndarray
    hiring_bar_quantile: np.ndarray
    pay_band_floor: np.ndarray
    graduate_intake_per_100_staff: np.ndarray
    refresh_grant_share: np.ndarray
    merit_raise_pass_through: np.ndarray
    merit_raise_max: np.ndarray
    garden_leave_paid: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    def add(self, cfg: LabConfig, founded_step: int = 0, origin: str | None = None) -> int:
        """Append a lab from its configuration; returns its index."""
        values = {
            "gpus_h100e": cfg.gpus_h100e,
            "gpu_growth_per_year": cfg.gpu_growth_per_year,
            "budget_usd": cfg.budget_usd,
            "budget_growth_per_year": cfg.budget_growth_per_year,
            "efficiency": cfg.efficiency,
            "mission": cfg.mission,
            "capability": cfg.capability,
            "capability_year_ago": cfg.capability,
            "budget_review_factor": 1.0,
            "utilisation": 0.0,
            "research_output": 0.0,
            "gpus_backlog": 0.0,
        }
        for name, value in values.items():
            setattr(self, name, np.append(getattr(self, name), value))
        for name in POLICY_COLUMNS:
            setattr(self, name, np.append(getattr(self, name), 0.0))
        self.counter_rule = np.append(self.counter_rule, 0)
        self.allocation = np.append(self.allocation, 0)
        self.sign_on_spent_usd = np.append(self.sign_on_spent_usd, 0.0)
        self.sign_on_by_month = np.vstack([self.sign_on_by_month, np.zeros(SIGN_ON_MONTHS)])
        self.founded_step = np.append(self.founded_step, founded_step)
        self.outside_sector = np.append(self.outside_sector, cfg.kind in OUTSIDE_SECTOR)
        self.names.append(cfg.name)
        self.kinds.append(cfg.kind)
        self.origins.append(origin or cfg.name)
        self.policies.append(cfg.policy)
        index = len(self.names) - 1
        self.set_policy(index, cfg.policy.model_copy())
        return index

    def index(self, name: str) -> int:
        """Index of the lab called ``name``."""
        return self.names.index(name)

    def set_policy(self, j: int, policy: Policy) -> None:
        """Replace lab ``j``'s policy and refresh its policy columns."""
        self.policies[j] = policy
        for name in POLICY_COLUMNS:
            getattr(self, name)[j] = getattr(policy, name)
        self.counter_rule[j] = COUNTER_RULES.index(policy.counter_offer)
        self.allocation[j] = ALLOCATION_RULES.index(policy.compute_allocation)

    def set_field(self, j: int, field: str, value: Any) -> Any:
        """Set a lab or policy field of lab ``j`` (validated); returns the old value."""
        if field in LAB_EVENT_FIELDS:
            column = getattr(self, field)
            old = float(column[j])
            column[j] = float(value)
            return old
        policy = self.policies[j]
        old = getattr(policy, field)
        self.set_policy(j, Policy.model_validate({**policy.model_dump(), field: value}))
        return old
