"""The talent-market model: labs bid for people whose output scales with compute.

One step is one month; ``step()`` is the process overview of docs/ODD.md, one
phase function of :mod:`market.phases` per line. The model holds construction, the
schedule, Mesa's agents and reporters; the state every phase works on is
:class:`market.state.MarketState` (people and labs as numpy columns).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from market.agents import SPECIALTY_NAMES, Engineer, Lab
from market.codes import Employer, Specialty
from market.config import MarketConfig, PopulationConfig, Scenario, generic_scenario
from market.errors import ScenarioError
from market.labs import LabTable
from market.ledger import Ledger
from market.named import place_named_people
from market.people import People
from market.phases import (
    EventSchedule,
    age_and_vest,
    apply_events,
    attrite,
    clear,
    enter,
    grow,
    lay_off,
    post_vacancies,
    produce,
    record,
    search,
    spin_out,
)
from market.population import hire_initial_staff
from market.pricing import start_price
from market.state import MarketState

SCALAR_OVERRIDES = {
    **{name: "market" for name in MarketConfig.model_fields},
    **{name: "population" for name in PopulationConfig.model_fields},
    "steps": "",
}
PEOPLE_CAPACITY_FACTOR = 1.3
"""Rows allocated at the start per initial person (room for entrants before growing)."""
PEOPLE_MIN_CAPACITY = 16


class TalentMarket(mesa.Model):
    """Agent-based model of the AI talent market.

    Build from a scenario (``TalentMarket(scenario=s)``, a built-in name such as
    ``"frontier-2025"``) or from plain keyword arguments, which is what
    ``mesa.batch_run`` does::

        TalentMarket(n_labs=8, n_engineers=1000, sigma=0.5, rng=42)

    ``Engineer`` agents are views made when ``agents`` or ``agents_by_type`` is first
    read after a change, so runs that never ask for them do not pay for one Python
    object per person.

    Args:
        scenario: a Scenario, the name of a built-in scenario, or None for a generic
            market of ``n_labs`` labs.
        n_labs: labs in the generic market (ignored with a scenario).
        n_engineers: people at the start; a scenario is rescaled to this size.
        rng: seed (int or ``numpy.random.SeedSequence``) or Generator.
        **params: any market or population field by name (``sigma=1.0``,
            ``graduates_per_year=500``, ``noncompete_enforcement=0``) or ``steps``.

    """

    def __init__(
        self,
        *,
        scenario: Scenario | str | None = None,
        n_labs: int | None = None,
        n_engineers: int | None = None,
        rng: Any = None,
        **params: Any,
    ) -> None:
        super().__init__(rng=rng)
        self.config = resolve_scenario(scenario, n_labs, n_engineers, params)
        s = self.config
        max_labs = max(s.market.max_labs, len(s.labs))
        capacity = max(PEOPLE_MIN_CAPACITY, int(s.n_engineers * PEOPLE_CAPACITY_FACTOR))
        self.state = MarketState(
            people=People.empty(capacity),
            labs=LabTable(),
            cfg=s.market,
            pop=s.population,
            ties=np.ones((max_labs, max_labs + 1)),
            hires=np.zeros(max_labs, dtype=np.int64),
            departures=np.zeros(max_labs, dtype=np.int64),
        )
        self.schedule_of_events = EventSchedule.of(s)
        self.specialty_names = SPECIALTY_NAMES
        self.labs: list[Lab] = []
        self._engineers: dict[int, Engineer] = {}
        self._engineer_rows_seen = 0
        self._build()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "headcount": self.total_headcount,
                "moves": self.moves_in_step,
                "research_hhi": self.research_hhi,
                "labs": self.n_labs,
            }
        )
        self._record()

    def _build(self) -> None:
        """Labs, ties, initial staff, star threshold and the value scale."""
        st, s = self.state, self.config
        for cfg in s.labs:
            st.labs.add(cfg)
        self._sync_labs()
        for j, cfg in enumerate(s.labs):
            for tie in cfg.ties:
                st.ties[j, st.labs.index(tie)] = st.cfg.tie_bias
        for j, cfg in enumerate(s.labs):
            hire_initial_staff(st, self.rng, j, cfg)
        p = st.people
        st.initial_skill = np.sort(p.view("skill"))
        research_skill = p.view("skill")[p.view("specialty") == Specialty.RESEARCH]
        st.star_skill = (
            float(np.quantile(research_skill, st.cfg.star_quantile))
            if research_skill.size
            else np.inf
        )
        place_named_people(st, s)
        st.refresh()
        start_price(st)

    # -- the step ------------------------------------------------------------------
    def step(self) -> None:
        """Advance one month: the phases of docs/ODD.md, in order."""
        st, rng = self.state, self.rng
        st.begin_month(self.steps)
        apply_events(st, self.schedule_of_events, rng)  # 1
        grow(st)  # 2
        produce(st)  # 3
        lay_off(st)  # 4
        age_and_vest(st)  # 5
        enter(st, rng)  # 6
        pulls = spin_out(st, rng)  # 7
        st.refresh()
        vacancies = post_vacancies(st)  # 8
        candidates = search(st, rng, pulls, vacancies)  # 9
        clear(st, candidates)  # 10
        attrite(st, rng)  # 11
        st.refresh()  # the end-of-month state that record() and the reporters read
        self._sync_labs()
        self._record()  # 12
        self.running = self.steps < self.config.steps

    def _record(self) -> None:
        record(self.state)
        self.datacollector.collect(self)

    # -- Mesa agents as views -------------------------------------------------------
    def _sync_labs(self) -> None:
        """A ``Lab`` view for every lab in the table (spin-outs appear mid-run)."""
        while len(self.labs) < len(self.state.labs):
            self.labs.append(Lab(self, len(self.labs)))

    def _sync_engineers(self) -> None:
        """An ``Engineer`` view for everyone in the market; views of people who left
        are removed. Costs O(people) and runs only when someone reads the agents.
        """
        emp = self.state.people.view("employer")
        if self._engineers:
            rows = np.fromiter(self._engineers, dtype=np.int64, count=len(self._engineers))
            for row in rows[emp[rows] == Employer.GONE]:
                self._engineers.pop(int(row)).remove()
        start = self._engineer_rows_seen
        for row in np.flatnonzero(emp[start:] != Employer.GONE) + start:
            self._engineers[int(row)] = Engineer(self, int(row))
        self._engineer_rows_seen = len(emp)

    @property
    def agents(self) -> Any:
        """All agents (labs and engineers), Mesa's AgentSet; engineers made on demand."""
        self._sync_engineers()
        return super().agents

    @property
    def agents_by_type(self) -> Any:
        """Mesa's AgentSet per agent type; engineers made on demand."""
        self._sync_engineers()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Agent types in the model (Lab, and Engineer once anyone is in the market)."""
        self._sync_engineers()
        return super().agent_types

    # -- state shortcuts -----------------------------------------------------------
    @property
    def people(self) -> People:
        """Columns of every person who ever entered (rows are person ids)."""
        return self.state.people

    @property
    def ledger(self) -> Ledger:
        """Moves and lab records so far."""
        return self.state.ledger

    @property
    def cfg(self) -> MarketConfig:
        """Market mechanisms in force (market-wide events replace them)."""
        return self.state.cfg

    @property
    def pop(self) -> PopulationConfig:
        """Population parameters."""
        return self.state.pop

    @property
    def lab_names(self) -> list[str]:
        """Lab names by lab index."""
        return self.state.labs.names

    @property
    def price(self) -> float:
        """Annual value of one unit of monthly research output (USD)."""
        return self.state.price

    @property
    def star_skill(self) -> float:
        """Skill above which a researcher is a star."""
        return self.state.star_skill

    @property
    def spinouts_founded(self) -> int:
        """Spin-outs founded so far."""
        return self.state.spinouts_founded

    # -- model-level reporters (bound methods: picklable, batch_run-friendly) -------
    def total_headcount(self) -> int:
        """People employed at any lab."""
        return int(self.state.lab_state.headcount.sum())

    def moves_in_step(self) -> int:
        """Ledger rows written this step."""
        return int(self.state.ledger.moves_this_step)

    def research_hhi(self) -> float:
        """Herfindahl index of research skill across labs (0..1)."""
        s = self.state.lab_state.research_s1
        total = s.sum()
        return float(((s / total) ** 2).sum()) if total > 0 else 0.0

    def n_labs(self) -> int:
        """Labs in the market (spin-outs included)."""
        return self.state.n_labs


def resolve_scenario(
    scenario: Scenario | str | None,
    n_labs: int | None,
    n_engineers: int | None,
    params: dict[str, Any],
) -> Scenario:
    """The scenario a model is built from, with keyword overrides applied."""
    if scenario is None:
        base = generic_scenario(n_labs=n_labs or 8, n_engineers=n_engineers or 1_000)
    elif isinstance(scenario, str):
        from market.io.scenario_toml import load_scenario  # names resolve to files

        base = load_scenario(scenario)
    elif isinstance(scenario, Scenario):
        base = scenario
    else:
        raise ScenarioError("scenario", f"expected a Scenario or a name, got {type(scenario)}")
    if scenario is not None and n_engineers is not None and n_engineers != base.n_engineers:
        base = base.scaled(n_engineers)
    overrides = {}
    for name, value in params.items():
        if name not in SCALAR_OVERRIDES:
            raise ScenarioError(
                name,
                "unknown model parameter; use a market or population field name, "
                "'steps', 'scenario', 'n_labs' or 'n_engineers'",
            )
        prefix = SCALAR_OVERRIDES[name]
        overrides[f"{prefix}.{name}" if prefix else name] = value
    return base.with_overrides(overrides) if overrides else base
