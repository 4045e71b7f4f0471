"""Mesa agents: labs (objects holding their own state) and engineers (thin views).

Labs are few, so each ``Lab`` holds its GPU stock, budget, capability and policy as
attributes. Engineers are many, so their state lives in :class:`market.people.People`
columns and an ``Engineer`` agent only knows its row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from market.codes import SPECIALTIES
from market.config import LabConfig, Policy
from market.people import GONE, POOL

if TYPE_CHECKING:
    from market.model import TalentMarket

SPECIALTY_NAMES = SPECIALTIES


class Lab(mesa.Agent):
    """A lab: GPU stock, payroll budget, capability and a salary/compute policy."""

    def __init__(
        self, model: TalentMarket, config: LabConfig, index: int, founded_step: int = 0
    ) -> None:
        super().__init__(model)
        self.index = index
        """Position in the model's lab arrays."""
        self.name = config.name
        self.kind = config.kind
        self.gpus_h100e = config.gpus_h100e
        self.gpu_growth_per_year = config.gpu_growth_per_year
        self.budget_usd = config.budget_usd
        self.budget_growth_per_year = config.budget_growth_per_year
        self.efficiency = config.efficiency
        self.mission = config.mission
        self.capability = config.capability
        self.capability_year_ago = config.capability
        self.policy: Policy = config.policy.model_copy()
        self.founded_step = founded_step
        self.origin = config.name
        """The scenario lab this lab descends from (itself, or a spin-out's root)."""
        # Derived each step by the production phase.
        self.utilisation = 0.0
        self.research_output = 0.0

    def __repr__(self) -> str:
        return f"Lab({self.name!r}, gpus={self.gpus_h100e:,.0f}, budget=${self.budget_usd:,.0f})"


class Engineer(mesa.Agent):
    """A person, viewed through their row of the model's ``People`` columns."""

    def __init__(self, model: TalentMarket, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def person_id(self) -> int:
        """Stable id (the row)."""
        return self.row

    @property
    def skill(self) -> float:
        """Skill (effective talent units)."""
        return float(self.model.people.skill[self.row])

    @property
    def specialty(self) -> str:
        """research, infrastructure or product."""
        return SPECIALTY_NAMES[int(self.model.people.specialty[self.row])]

    @property
    def employer(self) -> Lab | None:
        """The lab employing this person, or None (searching or gone)."""
        code = int(self.model.people.employer[self.row])
        return self.model.labs[code] if code >= 0 else None

    @property
    def searching(self) -> bool:
        """In the job pool (new graduate or laid off)."""
        return int(self.model.people.employer[self.row]) == POOL

    @property
    def active(self) -> bool:
        """Still in the market."""
        return int(self.model.people.employer[self.row]) != GONE

    @property
    def comp_usd(self) -> float:
        """Annual total compensation (USD/year)."""
        return float(self.model.people.comp_usd[self.row])

    @property
    def unvested_usd(self) -> float:
        """Unvested equity (USD)."""
        return float(self.model.people.unvested_usd[self.row])

    @property
    def tenure_months(self) -> int:
        """Months at the current employer."""
        return int(self.model.people.tenure_months[self.row])
