"""Mesa agents as thin views: a ``Lab`` knows its index in the lab table, an
``Engineer`` its row in the people columns; every attribute reads the model's state.

Engineers are made on demand (:meth:`market.model.TalentMarket.agents`), so a run that
never asks for them pays nothing for them; labs are few and always exist as agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from market.codes import SPECIALTIES, Employer
from market.config import Policy

if TYPE_CHECKING:
    from market.model import TalentMarket

SPECIALTY_NAMES = SPECIALTIES


def _column(name: str, doc: str) -> property:
    """A read-only property of a ``Lab`` view: its entry in lab-table column ``name``."""

    def get(self: Lab) -> float:
        return float(getattr(self.model.state.labs, name)[self.index])

    return property(get, doc=doc)


class Lab(mesa.Agent):
    """A lab: GPU stock, payroll budget, capability and a salary/compute policy."""

    model: TalentMarket

    def __init__(self, model: TalentMarket, index: int) -> None:
        super().__init__(model)
        self.index = index
        """Position in the model's lab table."""

    @property
    def name(self) -> str:
        """Unique display name."""
        return self.model.state.labs.names[self.index]

    @property
    def kind(self) -> str:
        """frontier, big_tech, startup, infra or academia."""
        return self.model.state.labs.kinds[self.index]

    @property
    def origin(self) -> str:
        """The scenario lab this lab descends from (itself, or a spin-out's root)."""
        return self.model.state.labs.origins[self.index]

    @property
    def founded_step(self) -> int:
        """Step the lab was founded (0 for the scenario's labs)."""
        return int(self.model.state.labs.founded_step[self.index])

    @property
    def policy(self) -> Policy:
        """The lab's current (validated) policy."""
        return self.model.state.labs.policies[self.index]

    gpus_h100e = _column("gpus_h100e", "GPU stock (H100-equivalents).")
    gpu_growth_per_year = _column("gpu_growth_per_year", "Annual growth rate of the GPU stock.")
    budget_usd = _column("budget_usd", "Annual payroll budget (USD/year).")
    budget_growth_per_year = _column("budget_growth_per_year", "Baseline annual budget growth.")
    efficiency = _column("efficiency", "Compute-efficiency factor.")
    mission = _column("mission", "Mission/culture appeal (0..1).")
    capability = _column("capability", "Capability stock (index).")
    utilisation = _column("utilisation", "Share of the GPU fleet doing useful work this month.")
    research_output = _column("research_output", "Research output this month (CES aggregate).")

    def __repr__(self) -> str:
        return f"Lab({self.name!r}, gpus={self.gpus_h100e:,.0f}, budget=${self.budget_usd:,.0f})"


class Engineer(mesa.Agent):
    """A person, viewed through their row of the model's ``People`` columns."""

    model: TalentMarket

    def __init__(self, model: TalentMarket, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def person_id(self) -> int:
        """Stable id (the row)."""
        return self.row

    @property
    def name(self) -> str:
        """The name of a person declared in ``[[people]]``; empty for anonymous people."""
        code = int(self.model.people.name[self.row])
        return self.model.people.names[code] if code >= 0 else ""

    @property
    def skill(self) -> float:
        """Skill (effective talent units)."""
        return float(self.model.people.skill[self.row])

    @property
    def specialty(self) -> str:
        """research, infrastructure or product."""
        return SPECIALTIES[int(self.model.people.specialty[self.row])]

    @property
    def employer(self) -> Lab | None:
        """The lab employing this person, or None (searching or gone)."""
        code = int(self.model.people.employer[self.row])
        return self.model.labs[code] if code >= 0 else None

    @property
    def searching(self) -> bool:
        """In the job pool (new graduate or laid off)."""
        return int(self.model.people.employer[self.row]) == Employer.POOL

    @property
    def active(self) -> bool:
        """Still in the market."""
        return int(self.model.people.employer[self.row]) != Employer.GONE

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
