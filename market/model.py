"""The talent-market model: labs bid for people whose output scales with compute.

One step is one month. ``step()`` is the process overview of docs/ODD.md:

1. ``apply_events``  scheduled policy changes (and their reverts)
2. ``grow``          GPU stocks grow; at each new year budgets follow capability
3. ``produce``       research output (CES of compute and talent) -> capability
4. ``lay_off``       labs whose payroll exceeds the budget shed their lowest value/cost
5. ``age_and_vest``  tenure, equity vesting and retention grants
6. ``enter``         new graduates join the job pool; stale pool members leave
7. ``spin_out``      star researchers found labs that try to pull former colleagues
8. ``search``        each lab sees a few candidates (ties, skill-weighted)
9. ``clear``         offers, counter-offers, choice (sequential auction), settlement
10. ``attrite``      people leave the market
11. ``record``       lab rows, model-level reporters
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from market.agents import SPECIALTY_NAMES, Engineer, Lab
from market.auction import resolve
from market.bidding import PolicyArrays, make_offers, within_budget
from market.codes import ALLOCATION_RULES, OUTSIDE_SECTOR
from market.config import (
    LAB_EVENT_FIELDS,
    POLICY_FIELDS,
    LabConfig,
    MarketConfig,
    Policy,
    PopulationConfig,
    Scenario,
    generic_scenario,
)
from market.errors import ScenarioError
from market.ledger import Ledger
from market.people import GONE, POOL, RESEARCH, People
from market.production import capability_increment
from market.search import draw_candidates, group_order
from market.valuation import LabState, aggregate, marginal_value

SCALAR_OVERRIDES = {
    **{name: "market" for name in MarketConfig.model_fields},
    **{name: "population" for name in PopulationConfig.model_fields},
    "steps": "",
}


class TalentMarket(mesa.Model):
    """Agent-based model of the AI talent market.

    Build from a scenario (``TalentMarket(scenario=s)``, a built-in name such as
    ``"frontier-2025"``) or from plain keyword arguments, which is what
    ``mesa.batch_run`` does::

        TalentMarket(n_labs=8, n_engineers=1000, sigma=0.5, rng=42)

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
        self.cfg: MarketConfig = s.market
        self.pop: PopulationConfig = s.population
        self.lab_names: list[str] = []
        self.specialty_names = SPECIALTY_NAMES
        self.labs: list[Lab] = []
        self.people = People.empty(max(16, int(s.n_engineers * 1.3)))
        self.engineers: list[Engineer | None] = []
        self.ledger = Ledger()
        self._aggregate_cache: dict[str, Any] = {}
        max_labs = max(self.cfg.max_labs, len(s.labs))
        self.ties = np.ones((max_labs, max_labs + 1))
        self._events = _schedule(s)
        self._reverts: dict[int, list[tuple[str | None, str, Any]]] = {}
        self._hires = np.zeros(max_labs, dtype=np.int64)
        self._departures = np.zeros(max_labs, dtype=np.int64)
        self.spinouts_founded = 0

        for cfg in s.labs:
            self._add_lab(cfg)
        for lab, cfg in zip(self.labs, s.labs, strict=True):
            for tie in cfg.ties:
                self.ties[lab.index, self.lab_names.index(tie)] = self.cfg.tie_bias
        for lab, cfg in zip(self.labs, s.labs, strict=True):
            self._populate(lab, cfg)
        self._initial_skill = np.sort(self.people.view("skill"))
        research_skill = self.people.skill[: self.people.n][
            self.people.specialty[: self.people.n] == RESEARCH
        ]
        self.star_skill = (
            float(np.quantile(research_skill, self.cfg.star_quantile))
            if research_skill.size
            else np.inf
        )
        self.state = self._aggregate()
        self.price = self.cfg.value_per_output_usd or self._calibrate_price()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "headcount": self.total_headcount,
                "moves": self.moves_in_step,
                "research_hhi": self.research_hhi,
                "labs": self.n_labs,
            }
        )
        self.record()

    # -- construction --------------------------------------------------------------
    def _add_lab(self, cfg: LabConfig, founded_step: int = 0) -> Lab:
        lab = Lab(self, cfg, index=len(self.labs), founded_step=founded_step)
        self.labs.append(lab)
        self.lab_names.append(cfg.name)
        return lab

    def _populate(self, lab: Lab, cfg: LabConfig) -> None:
        """Create the lab's initial staff with skills, pay, equity and preferences."""
        hc = cfg.headcount
        n = hc.total
        if n == 0:
            return
        specialty = np.repeat([0, 1, 2], [hc.research, hc.infrastructure, hc.product])
        skill = cfg.talent_quality * self._draw_skill(n)
        median_skill = cfg.talent_quality * 2 ** (1 / self.pop.skill_tail_alpha)
        comp = cfg.comp_median_usd * (skill / median_skill) ** self.pop.comp_skill_elasticity
        comp = np.minimum(comp, lab.policy.pay_cap_usd)
        grant = lab.policy.equity_share * comp * lab.policy.vesting_months / 12
        rows = self.people.add(
            skill=skill,
            specialty=specialty,
            employer=np.full(n, lab.index),
            comp_usd=comp,
            unvested_usd=grant * self.rng.uniform(0.5, 1.0, n),
            tenure_months=self.rng.integers(0, 60, n),
            hired_step=np.zeros(n, dtype=np.int32),
            **self._draw_preferences(n),
        )
        self._add_engineer_agents(rows)

    def _draw_skill(self, n: int) -> np.ndarray:
        """Pareto(alpha) skill with minimum 1: heavy tail, superstars exist."""
        return 1.0 + self.rng.pareto(self.pop.skill_tail_alpha, n)

    def _draw_preferences(self, n: int) -> dict[str, np.ndarray]:
        """Gamma-distributed preference weights with the configured means and CV."""
        cv = self.pop.pref_dispersion
        out = {}
        for name, mean in (
            ("w_compute", self.pop.pref_compute),
            ("w_mission", self.pop.pref_mission),
            ("w_colleagues", self.pop.pref_colleagues),
        ):
            if cv == 0 or mean == 0:
                out[name] = np.full(n, mean)
            else:
                shape = 1 / cv**2
                out[name] = self.rng.gamma(shape, mean / shape, n)
        return out

    def _add_engineer_agents(self, rows: np.ndarray) -> None:
        self.engineers.extend(Engineer(self, int(r)) for r in rows)

    def _calibrate_price(self) -> float:
        """Value of output such that total valuation = markup x total payroll."""
        emp = self.people.view("employer")
        rows = np.flatnonzero(emp >= 0)
        values = marginal_value(
            self.state,
            self.people,
            rows,
            emp[rows],
            np.ones(len(rows), bool),
            self.cfg,
            1.0,
        )
        total = values.sum()
        if total <= 0:
            return 1.0
        return float(self.cfg.value_markup * self.people.comp_usd[rows].sum() / total)

    # -- the step ------------------------------------------------------------------
    def step(self) -> None:
        """Advance one month (see the module docstring for the phases)."""
        self._hires[:] = 0
        self._departures[:] = 0
        self.ledger.moves_this_step = 0
        self.apply_events()
        self.grow()
        self.produce()
        self.lay_off()
        self.age_and_vest()
        self.enter()
        self.spin_out()
        self.state = self._aggregate()
        labs, rows, spin = self.search()
        self.clear(labs, rows, spin)
        self.attrite()
        # End-of-month lab state: what record() writes and the reporters read, and (through
        # the aggregate cache) the sums next month's production starts from.
        self.state = self._aggregate()
        self.record()
        self.running = self.steps < self.config.steps

    # 1. events
    def apply_events(self) -> None:
        """Apply the events scheduled for this step and revert expired ones."""
        for lab_name, field, value in self._reverts.pop(self.steps, []):
            self._set_field(lab_name, field, value)
        for event in self._events.get(self.steps, []):
            old = self._set_field(event.lab, event.field, event.value)
            if event.months:
                self._reverts.setdefault(self.steps + event.months, []).append(
                    (event.lab, event.field, old)
                )

    def _set_field(self, lab_name: str | None, field: str, value: Any) -> Any:
        if lab_name is None:
            old = getattr(self.cfg, field)
            self.cfg = self.cfg.model_copy(update={field: value})
            return old
        lab = self.labs[self.lab_names.index(lab_name)]
        if field in POLICY_FIELDS:
            old = getattr(lab.policy, field)
            lab.policy = Policy.model_validate({**lab.policy.model_dump(), field: value})
            return old
        if field in LAB_EVENT_FIELDS:
            old = getattr(lab, field)
            setattr(lab, field, float(value))
            return old
        raise ScenarioError(f"events.{field}", "unknown field")  # unreachable: validated

    # 2. compute and budgets
    def grow(self) -> None:
        """Monthly GPU growth; at the start of each year after the first, budgets
        grow with the lab's capability growth relative to the market's.
        """
        for lab in self.labs:
            lab.gpus_h100e *= (1 + lab.gpu_growth_per_year) ** (1 / 12)
        if self.steps > 1 and (self.steps - 1) % 12 == 0:
            growth = np.array([lab.capability / lab.capability_year_ago for lab in self.labs])
            budgets = np.array([lab.budget_usd for lab in self.labs])
            mean_growth = np.average(growth, weights=np.maximum(budgets, 1e-9))
            for lab, g in zip(self.labs, growth, strict=True):
                relative = (g / mean_growth) ** self.cfg.budget_feedback
                lab.budget_usd *= (1 + lab.budget_growth_per_year) * relative
                lab.capability_year_ago = lab.capability

    # 3. production
    def produce(self) -> None:
        """Research output from this month's compute and talent; capability grows."""
        self.state = self._aggregate()
        gain = capability_increment(
            self.state.output,
            np.array([lab.capability for lab in self.labs]),
            self.cfg.capability_delta,
            self.cfg.capability_lambda,
            self.cfg.capability_phi,
        )
        for lab, y, u, dk in zip(self.labs, self.state.output, self.state.util, gain, strict=True):
            lab.research_output = float(y)
            lab.utilisation = float(u)
            lab.capability += float(dk)

    def _aggregate(self) -> LabState:
        labs = self.labs
        return aggregate(
            self.people,
            gpus=np.array([lab.gpus_h100e for lab in labs]),
            efficiency=np.array([lab.efficiency for lab in labs]),
            allocation=np.array(
                [ALLOCATION_RULES.index(lab.policy.compute_allocation) for lab in labs]
            ),
            mission=np.array([lab.mission for lab in labs]),
            retention_frac=np.array([lab.policy.retention_bonus_frac for lab in labs]),
            cfg=self.cfg,
            cache=self._aggregate_cache,
        )

    # 4. layoffs
    def lay_off(self) -> None:
        """Labs over budget lay off the people with the lowest value per dollar."""
        if not self.cfg.layoffs_enabled:
            return
        budgets = np.array([lab.budget_usd for lab in self.labs])
        over = np.flatnonzero(self.state.payroll > budgets * (1 + 1e-9))
        if over.size == 0:
            return
        emp = self.people.view("employer")
        for j in over:
            rows = np.flatnonzero(emp == j)
            value = marginal_value(
                self.state,
                self.people,
                rows,
                np.full(len(rows), j),
                np.ones(len(rows), bool),
                self.cfg,
                self.price,
            )
            cost = self.people.comp_usd[rows] * (1 + self.labs[j].policy.retention_bonus_frac)
            order = np.argsort(value / cost, kind="stable")
            excess = self.state.payroll[j] - budgets[j]
            n_cut = int(np.searchsorted(np.cumsum(cost[order]), excess, side="left")) + 1
            cut = rows[order[: min(n_cut, len(rows))]]
            self._leave(cut, to=POOL, reason="layoff")
            self.people.comp_usd[cut] *= 0.8  # reservation pay while searching
        self.state = self._aggregate()

    # 5. tenure and equity
    def age_and_vest(self) -> None:
        """Tenure +1; equity vests after the cliff (rolling grants) and accrues."""
        p = self.people
        emp = p.view("employer")
        p.tenure_months[: p.n] += emp != GONE  # +1 for everyone still in the market
        rows = np.flatnonzero(emp >= 0)
        lab = emp[rows]
        policies = [lab.policy for lab in self.labs]
        # Per-lab factors first, then one gather each (same values, fewer per-person ops).
        keep = (1 - 1 / np.array([q.vesting_months for q in policies]))[lab]
        cliff = np.array([q.vesting_cliff_months for q in policies])[lab]
        accrue = np.array([q.equity_share + q.retention_bonus_frac for q in policies])[lab]
        unvested = p.unvested_usd[rows]
        vesting = p.tenure_months[rows] >= cliff
        unvested = np.where(vesting, unvested * keep, unvested)
        p.unvested_usd[rows] = unvested + accrue * p.comp_usd[rows] / 12

    # 6. entry
    def enter(self) -> None:
        """Graduates join the job pool; pool members past ``pool_months`` go to the
        outside sector (graduates, while it has budget) or leave the market.
        """
        p = self.people
        stale = np.flatnonzero(
            (p.view("employer") == POOL) & (p.view("tenure_months") > self.pop.pool_months)
        )
        if self.cfg.outside_absorbs_graduates:
            stale = self._absorb_into_outside_sector(stale)
        self._remove_agents(stale)
        p.employer[stale] = GONE
        if not self.cfg.graduates_enabled or self.pop.graduates_per_year <= 0:
            return
        n = int(self.rng.poisson(self.pop.graduates_per_year / 12))
        if n == 0:
            return
        specialty = self.rng.choice(3, size=n, p=np.array(self.pop.graduate_mix))
        rows = p.add(
            skill=self.pop.graduate_skill_factor * self._draw_skill(n),
            specialty=specialty,
            employer=np.full(n, POOL),
            comp_usd=np.full(n, self.pop.graduate_reservation_usd),
            unvested_usd=np.zeros(n),
            tenure_months=np.zeros(n, dtype=np.int32),
            hired_step=np.full(n, -1, dtype=np.int32),
            **self._draw_preferences(n),
        )
        self._add_engineer_agents(rows)

    def _absorb_into_outside_sector(self, stale: np.ndarray) -> np.ndarray:
        """Unhired graduates take posts in the outside sector at their reservation pay,
        best first, while its budget allows: researchers in academia, infrastructure and
        product people in the wider tech pool, then anyone wherever budget is left.
        Returns those still unplaced.
        """
        p = self.people
        graduates = stale[p.hired_step[stale] < 0]
        if graduates.size == 0:
            return stale
        graduates = graduates[np.argsort(-p.skill[graduates], kind="stable")]
        outside = [lab for lab in self.labs if lab.kind in OUTSIDE_SECTOR]
        headroom = {lab.index: lab.budget_usd - self.state.payroll[lab.index] for lab in outside}
        placed_all = []
        for matching_only in (True, False):
            for lab in sorted(outside, key=lambda lab: -headroom[lab.index]):
                wants = graduates
                if matching_only:
                    is_research = p.specialty[graduates] == RESEARCH
                    wants = graduates[is_research == (lab.kind == "academia")]
                if wants.size == 0 or headroom[lab.index] <= 0:
                    continue
                cost = p.comp_usd[wants] * (1 + lab.policy.retention_bonus_frac)
                placed = wants[np.cumsum(cost) <= headroom[lab.index]]
                if placed.size:
                    headroom[lab.index] -= cost[: placed.size].sum()
                    self._move(placed, lab.index, p.comp_usd[placed].copy(), "graduate_hire")
                    placed_all.append(placed)
                    graduates = np.setdiff1d(graduates, placed, assume_unique=True)
                    graduates = graduates[np.argsort(-p.skill[graduates], kind="stable")]
        if not placed_all:
            return stale
        return np.setdiff1d(stale, np.concatenate(placed_all), assume_unique=True)

    # 7. spin-outs
    def spin_out(self) -> None:
        """Stars found labs with outside funding; the new lab bids for colleagues."""
        self._spin_pairs: tuple[np.ndarray, np.ndarray] = (
            np.empty(0, np.int64),
            np.empty(0, np.int64),
        )
        if not self.cfg.spinouts_enabled or self.cfg.spinout_rate_per_year <= 0:
            return
        room = self.cfg.max_labs - len(self.labs)
        if room <= 0:
            return
        p = self.people
        emp = p.view("employer")
        stars = np.flatnonzero(
            (emp >= 0) & (p.view("specialty") == RESEARCH) & (p.view("skill") >= self.star_skill)
        )
        hazard = 1 - (1 - self.cfg.spinout_rate_per_year) ** (1 / 12)
        founders = stars[self.rng.random(len(stars)) < hazard][:room]
        pull_labs, pull_rows = [], []
        for row in founders:
            parent = self.labs[int(emp[row])]
            new = self._found_lab(parent)
            self._move(np.array([row]), new.index, np.array([p.comp_usd[row]]), "spin_out")
            self.ties[new.index, parent.index] = self.cfg.tie_bias * 5
            colleagues = np.flatnonzero((emp == parent.index) & (p.view("specialty") <= 1))
            top = colleagues[np.argsort(-p.skill[colleagues], kind="stable")]
            top = top[: self.cfg.spinout_pull]
            pull_labs.append(np.full(len(top), new.index))
            pull_rows.append(top)
        if pull_labs:
            self._spin_pairs = (np.concatenate(pull_labs), np.concatenate(pull_rows))

    def _found_lab(self, parent: Lab) -> Lab:
        self.spinouts_founded += 1
        funding = self.cfg.spinout_funding_usd
        cfg = LabConfig(
            name=f"Spin-out {self.spinouts_founded} ({parent.origin})",
            kind="startup",
            gpus_h100e=0.4 * funding / self.cfg.spinout_gpu_cost_usd,
            gpu_growth_per_year=self.cfg.spinout_gpu_growth_per_year,
            budget_usd=0.2 * funding,
            budget_growth_per_year=0.2,
            efficiency=parent.efficiency,
            mission=0.8,
            capability=self.cfg.spinout_capability_share * parent.capability,
            headcount={},
            policy=Policy(
                counter_offer="exceed",
                equity_share=0.7,
                compute_allocation="top_teams",
                hiring_bar_quantile=max(0.5, parent.policy.hiring_bar_quantile),
                pay_band_floor=parent.policy.pay_band_floor,
            ),
        )
        lab = self._add_lab(cfg, founded_step=self.steps)
        lab.origin = parent.origin
        self.ties[lab.index, :] = 1.0
        return lab

    # 8. search
    def search(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate (lab, person) pairs for this month, spin-out pulls included."""
        n_labs = len(self.labs)
        spin_labs, spin_rows = self._spin_pairs
        if not self.cfg.offers_enabled:
            labs, rows = spin_labs, spin_rows
        else:
            sorted_rows, bounds = group_order(self.people, n_labs)
            headroom = np.array([lab.budget_usd for lab in self.labs]) - self.state.payroll
            hiring = headroom > 0
            staff_100 = self.state.headcount.sum(axis=0) / 100
            intensity = np.array([lab.policy.poaching_intensity for lab in self.labs])
            per_month = self.cfg.candidates_per_lab + self.cfg.candidates_per_100_staff * staff_100
            n_draws = self.rng.poisson(per_month * intensity * hiring)
            labs, rows = draw_candidates(
                self.rng,
                self.people,
                sorted_rows,
                bounds,
                self.ties[:n_labs],
                n_draws,
                self.cfg.star_targeting,
            )
            intake = np.array([lab.policy.graduate_intake_per_100_staff for lab in self.labs])
            if intake.any():  # campus hiring: extra draws from the job pool only
                pool_only = np.zeros((n_labs, n_labs + 1))
                pool_only[:, n_labs] = 1.0
                grad_labs, grad_rows = draw_candidates(
                    self.rng,
                    self.people,
                    sorted_rows,
                    bounds,
                    pool_only,
                    self.rng.poisson(intake * staff_100 * hiring),
                    self.cfg.star_targeting,
                )
                labs = np.concatenate([labs, grad_labs])
                rows = np.concatenate([rows, grad_rows])
            labs = np.concatenate([spin_labs, labs])
            rows = np.concatenate([spin_rows, rows])
        spin = np.zeros(len(labs), dtype=bool)
        spin[: len(spin_labs)] = True
        # One bid per (lab, person), the first drawn (spin-out pulls first), order kept.
        _, first = np.unique(labs * (self.people.n + 1) + rows, return_index=True)
        first = np.sort(first)
        labs, rows, spin = labs[first], rows[first], spin[first]
        # Drop pairs with a person's own employer, people gone this step, and people
        # below the bidding lab's hiring bar.
        emp = self.people.employer[rows]
        bar = np.array([self._skill_quantile(lab.policy.hiring_bar_quantile) for lab in self.labs])
        keep = (emp != labs) & (emp != GONE) & (self.people.skill[rows] >= bar[labs])
        return labs[keep], rows[keep], spin[keep]

    def _skill_quantile(self, q: float) -> float:
        """Quantile ``q`` of the initial skill distribution (0 for q = 0)."""
        if q <= 0 or self._initial_skill.size == 0:
            return 0.0
        return float(
            self._initial_skill[
                min(int(q * self._initial_skill.size), self._initial_skill.size - 1)
            ]
        )

    # 9. market clearing
    def clear(self, labs: np.ndarray, rows: np.ndarray, spin: np.ndarray) -> None:
        """Offers, counter-offers and choices (Postel-Vinay & Robin 2002), settled
        within each lab's budget headroom.
        """
        if len(rows) == 0:
            return
        p = self.people
        pol = PolicyArrays.gather(self.labs, self.cfg)
        offers = make_offers(
            self.state,
            p,
            labs,
            rows,
            pol,
            self.cfg,
            self.price,
            self.star_skill,
            self.pop.comp_skill_elasticity,
        )
        out = resolve(offers.bids, offers.incumbents, threshold=self.cfg.move_threshold)

        # Budget rationing: each lab keeps its best-surplus commitments within headroom.
        movers = np.flatnonzero(out.winner >= 0)
        counters = np.flatnonzero(out.countered)
        win = out.winner[movers]
        inc_comp = offers.incumbents.comp
        lab_of = np.concatenate([labs[win], offers.inc_lab[counters]])
        cost = np.concatenate([out.pay[movers], out.pay[counters] - inc_comp[counters]]) * (
            1 + pol.retention_frac[lab_of]
        )
        surplus = np.concatenate(
            [
                offers.bid_value[win] - out.pay[movers],
                offers.inc_value[counters] - out.pay[counters],
            ]
        )
        ok = within_budget(lab_of, cost, surplus, np.maximum(offers.headroom, 0.0))
        ok_move, ok_counter = ok[: len(movers)], ok[len(movers) :]
        movers, win, counters = movers[ok_move], win[ok_move], counters[ok_counter]

        # Settle counters, then moves by reason.
        if counters.size:
            c_rows = offers.cands[counters]
            k = offers.inc_lab[counters]
            self.ledger.add_moves(
                self.steps,
                c_rows,
                k,
                k,
                p.specialty[c_rows],
                p.skill[c_rows],
                inc_comp[counters],
                out.pay[counters],
                "countered",
            )
            raise_usd = out.pay[counters] - inc_comp[counters]
            p.comp_usd[c_rows] = out.pay[counters]
            p.unvested_usd[c_rows] += pol.equity_share[k] * raise_usd * pol.vesting_months[k] / 12
        if movers.size:
            m_rows = offers.cands[movers]
            to = labs[win]
            from_pool = offers.inc_lab[movers] < 0
            never_hired = p.hired_step[m_rows] < 0
            reason = np.where(spin[win], 3, np.where(from_pool, np.where(never_hired, 1, 2), 0))
            names = ("poached", "graduate_hire", "rehire", "spin_out")
            # Settle by reason, then by destination lab (the ledger's row order); one
            # vectorised _move per reason rather than one per (reason, lab) pair.
            order = np.lexsort((to, reason))  # stable: people keep their order within
            m_rows, to, reason, pay = (
                m_rows[order],
                to[order],
                reason[order],
                out.pay[movers][order],
            )
            for code, name in enumerate(names):
                sel = reason == code
                if sel.any():
                    self._move(m_rows[sel], to[sel], pay[sel], name)

    def _move(self, rows: np.ndarray, to: int | np.ndarray, pay: np.ndarray, reason: str) -> None:
        """Move ``rows`` to lab(s) ``to`` at ``pay`` with a fresh equity grant."""
        p = self.people
        old_lab = p.employer[rows].astype(np.int64)
        to = np.broadcast_to(np.asarray(to, dtype=np.int64), rows.shape)
        self.ledger.add_moves(
            self.steps,
            rows,
            old_lab,
            to,
            p.specialty[rows],
            p.skill[rows],
            p.comp_usd[rows],
            pay,
            reason,
        )
        was_at_lab = old_lab >= 0
        np.add.at(self._departures, old_lab[was_at_lab], 1)
        # In row order, so repeated (to, from) cells get their increments in the same order.
        np.add.at(self.ties, (to[was_at_lab], old_lab[was_at_lab]), self.cfg.tie_learning)
        np.add.at(self._hires, to, 1)
        share = np.array([lab.policy.equity_share for lab in self.labs])[to]
        vest = np.array([lab.policy.vesting_months for lab in self.labs], dtype=float)[to]
        p.employer[rows] = to
        p.comp_usd[rows] = pay
        p.unvested_usd[rows] = share * pay * vest / 12
        p.tenure_months[rows] = 0
        p.hired_step[rows] = self.steps

    def _leave(self, rows: np.ndarray, to: int, reason: str) -> None:
        """People leave their lab for the pool (layoff) or the market (attrition)."""
        p = self.people
        old_lab = p.employer[rows].astype(np.int64)
        self.ledger.add_moves(
            self.steps,
            rows,
            old_lab,
            np.full(len(rows), -1),
            p.specialty[rows],
            p.skill[rows],
            p.comp_usd[rows],
            np.zeros(len(rows)),
            reason,
        )
        np.add.at(self._departures, old_lab, 1)
        p.employer[rows] = to
        p.unvested_usd[rows] = 0.0
        p.tenure_months[rows] = 0
        if to == GONE:
            self._remove_agents(rows)

    def _remove_agents(self, rows: np.ndarray) -> None:
        for r in rows:
            agent = self.engineers[r]
            if agent is not None:
                agent.remove()
                self.engineers[r] = None

    # 10. attrition
    def attrite(self) -> None:
        """Employed people leave the market at ``attrition_per_year``."""
        if not self.cfg.attrition_enabled or self.pop.attrition_per_year <= 0:
            return
        emp = self.people.view("employer")
        rows = np.flatnonzero(emp >= 0)
        hazard = 1 - (1 - self.pop.attrition_per_year) ** (1 / 12)
        leaving = rows[self.rng.random(len(rows)) < hazard]
        self._leave(leaving, to=GONE, reason="attrition")

    # 11. records
    def record(self) -> None:
        """Append this step's lab rows to the ledger and collect model reporters.

        Writes ``self.state``, the end-of-month lab state that ``step()`` (or the
        constructor) computed just before.
        """
        st = self.state
        n_labs = len(self.labs)
        emp = self.people.view("employer")
        staff = np.flatnonzero(emp >= 0)
        by_lab = staff[np.argsort(emp[staff].astype(np.int16), kind="stable")]  # radix sort
        bounds = np.concatenate([[0], np.cumsum(np.bincount(emp[staff], minlength=n_labs))])
        comp = self.people.comp_usd[by_lab]
        quantiles = _group_quantiles(comp, bounds[: n_labs + 1], (0.5, 0.9, 0.99))
        research = st.research_headcount
        gpus = st.gpus
        budgets = np.array([lab.budget_usd for lab in self.labs])
        self.ledger.add_lab_records(
            {
                "step": np.full(n_labs, self.steps),
                "lab": np.array(self.lab_names, dtype=object),
                "kind": np.array([lab.kind for lab in self.labs], dtype=object),
                "headcount": st.headcount.sum(axis=0).astype(np.int64),
                "research": research.astype(np.int64),
                "infrastructure": st.headcount[1].astype(np.int64),
                "product": st.headcount[2].astype(np.int64),
                "research_skill": st.research_s1,
                "hires": self._hires[:n_labs].copy(),
                "departures": self._departures[:n_labs].copy(),
                "payroll_usd": st.payroll,
                "budget_usd": budgets,
                # Payroll above budget (debt, with layoffs off); float noise is not debt.
                "deficit_usd": np.where(
                    st.payroll > budgets * (1 + 1e-9), st.payroll - budgets, 0.0
                ),
                "comp_median_usd": quantiles[:, 0],
                "comp_p90_usd": quantiles[:, 1],
                "comp_p99_usd": quantiles[:, 2],
                "gpus_h100e": gpus.copy(),
                "gpus_per_researcher": gpus / np.maximum(research, 1),
                "utilisation": st.util,
                "research_output": np.array([lab.research_output for lab in self.labs]),
                "capability": np.array([lab.capability for lab in self.labs]),
            }
        )
        self.datacollector.collect(self)

    # -- model-level reporters (bound methods: picklable, batch_run-friendly) -------
    def total_headcount(self) -> int:
        """People employed at any lab."""
        return int(self.state.headcount.sum())

    def moves_in_step(self) -> int:
        """Ledger rows written this step."""
        return int(self.ledger.moves_this_step)

    def research_hhi(self) -> float:
        """Herfindahl index of research skill across labs (0..1)."""
        s = self.state.research_s1
        total = s.sum()
        return float(((s / total) ** 2).sum()) if total > 0 else 0.0

    def n_labs(self) -> int:
        """Labs in the market (spin-outs included)."""
        return len(self.labs)


def _group_quantiles(values: np.ndarray, bounds: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """Quantiles ``q`` of each group ``values[bounds[j] : bounds[j + 1]]`` ((G, len(q));
    NaN rows for empty groups). Partially sorts ``values`` in place.

    Bit-identical to ``np.quantile(group, q)`` with numpy's default ``linear`` method
    (virtual index ``(n - 1) q``, neighbours by partition, numpy's two-sided lerp), but
    one partition per group and the index and interpolation arithmetic vectorised over
    groups, instead of numpy.quantile's ~100 us of overhead per call. Falls back to
    ``np.quantile`` if ``values`` holds NaN.
    """
    q_arr = np.asarray(q, dtype=float)
    sizes = np.diff(bounds)
    out = np.full((len(sizes), len(q_arr)), np.nan)
    groups = np.flatnonzero(sizes)
    if groups.size == 0:
        return out
    if np.isnan(values).any():
        for j in groups:
            out[j] = np.quantile(values[bounds[j] : bounds[j + 1]], q_arr)
        return out
    n = sizes[groups, None]
    virtual = (n - 1).astype(float) * q_arr
    prev = np.floor(virtual)
    above = virtual >= n - 1
    prev_idx = np.where(above, n - 1, prev).astype(np.intp)
    next_idx = np.where(above, n - 1, prev + 1).astype(np.intp)
    gamma = virtual - np.where(above, -1, prev_idx)
    kth = np.concatenate([prev_idx, next_idx], axis=1)
    for g, j in enumerate(groups):
        values[bounds[j] : bounds[j + 1]].partition(kth[g])
    start = bounds[groups, None]
    a, b = values[start + prev_idx], values[start + next_idx]
    diff = b - a
    out[groups] = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return out


def _schedule(scenario: Scenario) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for event in scenario.events:
        out.setdefault(scenario.event_step(event), []).append(event)
    return out


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
