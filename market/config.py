"""Validated scenario configuration: labs, their policies, the population, the market.

Every field carries its unit and allowed range as a pydantic constraint, so a bad value
becomes a :class:`~market.errors.ScenarioError` that names the field and the range.
Scenarios are plain data: the model reads them, file formats live in
:mod:`market.scenario_files`.
"""

from __future__ import annotations

import functools
import math
import re
import types
import typing
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from market.codes import (
    SPECIALTIES,
    ComputeAllocation,
    CounterOfferRule,
    EventKind,
    LabKind,
    PersonRole,
    TeamSelection,
)
from market.errors import ScenarioError, shown
from market.precedence import EventOverride, apply_precedence

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_TEXT_CHARS = 20_000
"""Longest scenario description: free text belongs in a file beside the scenario."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Characters a spreadsheet reads as the start of a formula in a CSV cell."""


def _not_a_formula(name: str) -> str:
    """A name that a spreadsheet shows as text in the exported CSV tables."""
    if name.startswith(FORMULA_STARTS):
        raise ValueError(
            "must not start with =, +, -, @, a tab or a carriage return "
            f"(a spreadsheet would read the CSV cell as a formula; got {name!r})"
        )
    return name


LabName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_not_a_formula)]
"""A lab's display name (it appears in every exported table)."""
PersonName = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_not_a_formula)]
"""A named person's name (it appears in the moves table)."""


def _scalar_types(annotation: Any) -> set[Any]:
    """The plain types an annotation admits (``float | None`` -> {float, NoneType})."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return set().union(*(_scalar_types(a) for a in typing.get_args(annotation)))
    return {annotation}


def reject_bool_for_number(annotation: Any, value: Any) -> None:
    """Refuse ``true``/``false`` for a number and a number for a boolean.

    pydantic's lax mode turns ``True`` into ``1`` and ``1`` into ``True``, so
    ``steps = true`` would run one month; a wrong type here is a user mistake.

    Raises:
        ValueError: with a message saying what the field takes.

    """
    kind = _number_kind(annotation)
    if kind == "tuple" and isinstance(value, list | tuple):
        for item_type, item in zip(typing.get_args(annotation), value, strict=False):
            reject_bool_for_number(item_type, item)
    elif kind == "number" and isinstance(value, bool):
        raise ValueError(f"must be a number, not a boolean (got {str(value).lower()})")
    elif kind == "bool" and isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"must be true or false, not a number (got {value!r})")


@functools.cache
def _number_kind(annotation: Any) -> str | None:
    """``number`` (takes numbers, not booleans), ``bool`` (booleans, not numbers),
    ``tuple`` (check each item) or None (anything else).
    """
    if typing.get_origin(annotation) is tuple:
        return "tuple"
    kinds = _scalar_types(annotation)
    numeric = bool(kinds & {int, float})
    if numeric and bool not in kinds:
        return "number"
    if bool in kinds and not numeric:
        return "bool"
    return None


def field_error(field: str, message: str) -> PydanticCustomError:
    """An error from a model-level check that names the field it is about (a path
    relative to the model checked, e.g. ``labs.Meta.ties``).
    """
    return PydanticCustomError(
        "field_error", "{field}: {message}", {"field": field, "message": message}
    )


class TypedNumbers(BaseModel):
    """Base for input models: no ``true`` for a number, no number for a boolean, no NaN
    or infinity (see :func:`reject_bool_for_number`).
    """

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_number_mixups(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is not None and isinstance(value, int | float | list | tuple):
            reject_bool_for_number(cls.model_fields[info.field_name].annotation, value)
        return value


class _Strict(TypedNumbers):
    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        frozen=False,
        use_attribute_docstrings=True,
        allow_inf_nan=False,
    )


class Policy(_Strict):
    """A lab's salary, retention and compute policy."""

    pay_multiplier: float = Field(1.0, ge=0.1, le=10.0)
    """Willingness to pay as a multiple of the lab's valuation of a person (x)."""
    pay_cap_usd: float = Field(5e6, gt=0, le=1e9)
    """Highest annual total compensation the lab will offer anyone (USD/year)."""
    counter_offer: CounterOfferRule = "match"
    """How the lab answers an outside offer: none, match the pay, or exceed it up to
    its own valuation (Postel-Vinay & Robin 2002)."""
    retention_bonus_frac: float = Field(0.0, ge=0.0, le=12.0)
    """Retention grants per year as a fraction of comp, added as unvested equity."""
    equity_share: float = Field(0.4, ge=0.0, le=1.0)
    """Share of total comp paid as equity that vests over ``vesting_months``."""
    vesting_months: int = Field(48, ge=1, le=120)
    """Months over which an equity grant vests."""
    vesting_cliff_months: int = Field(12, ge=0, le=60)
    """Months before the first equity vests; leaving earlier forfeits it all."""
    noncompete_months: int = Field(0, ge=0, le=36)
    """Non-compete (garden leave) imposed on people who leave (months)."""
    compute_allocation: ComputeAllocation = "equal"
    """How GPUs are shared among researchers: equally, by skill, or on top teams."""
    poaching_intensity: float = Field(1.0, ge=0.0, le=20.0)
    """Recruiting effort per vacancy relative to the market's search technology (x):
    contacts above 1x cost ``recruiting_cost_per_contact_usd`` each from the budget."""
    star_pay_multiplier: float = Field(1.0, ge=0.1, le=100.0)
    """Extra multiplier on willingness to pay for stars (skill above the market's
    ``star_quantile``), in offers and counters: 2025's nine-figure offers (x)."""
    hiring_bar_quantile: float = Field(0.0, ge=0.0, lt=1.0)
    """Bid only for people whose skill is above this quantile of the initial skill
    distribution (0 = no bar)."""
    pay_band_floor: float = Field(0.0, ge=0.0, le=3.0)
    """New hires are paid at least this fraction of the lab's pay scale for their skill
    (mean pay x (skill / mean skill)^comp_skill_elasticity); 0 = auction pay only."""
    graduate_intake_per_100_staff: float = Field(0.0, ge=0.0, le=100.0)
    """Extra candidates per month drawn from the job pool (graduates, laid-off people)
    per 100 staff: a campus-hiring channel."""
    refresh_grant_share: float = Field(0.25, ge=0.0, le=5.0)
    """Refresh equity grant at each work anniversary, as a share of a new-hire grant at
    the current pay (``equity_share x pay x vesting_months / 12``); 0.25, the annual vest
    of a hire grant, is the Kamsa refresh guideline (25% of the new-hire grant)."""
    merit_raise_pass_through: float = Field(0.5, ge=0.0, le=2.0)
    """Share of the lab's growth in research output per head over the last year passed
    into pay at each work anniversary (assumption: raises follow the lab's valuation)."""
    merit_raise_max: float = Field(0.1, ge=0.0, le=1.0)
    """Largest merit raise at a work anniversary, as a fraction of pay (assumption)."""
    garden_leave_paid: bool = False
    """Whether the lab pays people on garden leave during their non-compete: if so the
    months cost the poacher (it waits for the hire), else the mover (unpaid leave)."""

    @model_validator(mode="after")
    def _cliff_within_vesting(self) -> Self:
        if self.vesting_cliff_months > self.vesting_months:
            raise ValueError(
                f"vesting_cliff_months ({self.vesting_cliff_months}) must be <= "
                f"vesting_months ({self.vesting_months})"
            )
        return self


class Headcount(_Strict):
    """Initial technical staff by specialty (people)."""

    research: int = Field(0, ge=0, le=1_000_000)
    infrastructure: int = Field(0, ge=0, le=1_000_000)
    product: int = Field(0, ge=0, le=1_000_000)

    @property
    def total(self) -> int:
        """All people."""
        return self.research + self.infrastructure + self.product


MIN_GPUS = 1e-3


def zero_or_at_least(value: float, minimum: float, maximum: float) -> float:
    """``value`` if it is 0 or at least ``minimum``: tinier positive numbers (1e-308)
    overflow the model's divisions.

    Raises:
        ValueError: saying the allowed values.

    """
    if 0 < value < minimum:
        raise ValueError(f"must be 0 or between {minimum:g} and {maximum:g} (got {value!r})")
    return value


class LabConfig(_Strict):
    """One lab (or pool of employers) at the start of the run."""

    name: LabName
    """Unique display name."""
    kind: LabKind = "frontier"
    """frontier lab, big tech, startup, infra/fintech shop, or academia/outside pool."""
    gpus_h100e: float = Field(ge=0, le=1e8)
    """GPU stock (H100-equivalents): 0, or at least ``MIN_GPUS`` (less overflows the
    compute per head)."""
    gpu_growth_per_year: float = Field(0.0, ge=-0.9, le=20.0)
    """Annual growth rate of the GPU stock (1.0 = doubles every year)."""
    budget_usd: float = Field(ge=0, le=1e12)
    """Annual payroll budget for the modelled technical staff (USD/year)."""
    budget_growth_per_year: float = Field(0.1, ge=-0.9, le=10.0)
    """Baseline annual budget growth before the capability feedback."""
    efficiency: float = Field(1.0, ge=1e-6, le=100.0)
    """Compute-efficiency factor: effective FLOP per H100e relative to the frontier."""
    mission: float = Field(0.5, ge=0.0, le=1.0)
    """Mission/culture appeal, 0 (none) to 1 (strong)."""
    capability: float = Field(1.0, gt=0, le=1e6)
    """Initial capability stock (index, 1 = a frontier lab in January 2025)."""
    comp_median_usd: float = Field(300_000, gt=0, le=1e8)
    """Median annual total compensation of the lab's staff at the start (USD/year)."""
    talent_quality: float = Field(1.0, ge=1e-3, le=10.0)
    """Multiplier on the skill of the lab's initial staff."""
    headcount: Headcount
    """Initial technical staff by specialty."""
    ties: list[str] = Field(default_factory=list)
    """Labs this lab recruits from more often (search frictions)."""
    policy: Policy = Field(default_factory=Policy)
    """Salary, retention and compute policy."""

    @field_validator("gpus_h100e")
    @classmethod
    def _gpus_zero_or_usable(cls, value: float) -> float:
        return zero_or_at_least(value, MIN_GPUS, 1e8)


MIN_PREF_DISPERSION = 1e-3


class PopulationConfig(_Strict):
    """Engineers and researchers: skill, preferences, entry and exit."""

    skill_tail_alpha: float = Field(2.2, gt=1.0, le=10.0)
    """Pareto tail index of skill (smaller = more superstars); skill >= 1."""
    graduates_per_year: float = Field(0.0, ge=0.0, le=1e7)
    """New graduates entering the market per year (people)."""
    graduate_mix: tuple[float, float, float] = (0.5, 0.2, 0.3)
    """Share of graduates in research, infrastructure and product."""
    graduate_skill_factor: float = Field(0.7, gt=0.0, le=5.0)
    """Skill multiplier of a new graduate relative to the incumbent population."""
    graduate_reservation_usd: float = Field(150_000, gt=0, le=1e7)
    """Pay a new graduate can get outside the modelled labs (USD/year)."""
    comp_skill_elasticity: float = Field(1.0, ge=0.0, le=3.0)
    """Elasticity of initial pay to skill within a lab (Rosen 1981: superstar pay)."""
    pool_months: int = Field(6, ge=1, le=60)
    """Months a graduate or laid-off person searches before leaving the market."""
    attrition_per_year: float = Field(0.05, ge=0.0, le=1.0)
    """Annual probability of leaving the market (retirement, career change)."""
    pref_compute: float = Field(0.3, ge=0.0, le=5.0)
    """Mean weight on log compute per head, in log-pay units."""
    pref_mission: float = Field(0.3, ge=0.0, le=5.0)
    """Mean weight on the lab's mission score, in log-pay units."""
    pref_colleagues: float = Field(0.2, ge=0.0, le=5.0)
    """Mean weight on log colleague quality (mean skill), in log-pay units."""
    pref_dispersion: float = Field(0.5, ge=0.0, le=5.0)
    """Coefficient of variation of the preference weights across people (0, or at
    least ``MIN_PREF_DISPERSION``: a smaller spread is numerically no spread)."""
    layoff_reservation_share: float = Field(0.8, gt=0.0, le=1.0)
    """Pay a laid-off person asks for while in the pool, as a share of their last pay
    (assumption: a modest cut to get back in)."""
    initial_tenure_max_months: int = Field(60, ge=1, le=600)
    """Initial staff have tenure drawn uniformly from 0 to this many months (assumption)."""
    initial_unvested_range: tuple[float, float] = (0.5, 1.0)
    """Initial staff hold a uniform share in this range of a full equity grant
    (assumption: grants part-vested at the start)."""

    @field_validator("pref_dispersion")
    @classmethod
    def _dispersion_zero_or_usable(cls, value: float) -> float:
        return zero_or_at_least(value, MIN_PREF_DISPERSION, 5.0)

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> Self:
        if any(x < 0 for x in self.graduate_mix) or abs(sum(self.graduate_mix) - 1) > 1e-6:
            raise field_error(
                "graduate_mix",
                f"must be three non-negative shares summing to 1 (got {list(self.graduate_mix)})",
            )
        low, high = self.initial_unvested_range
        if not 0 <= low <= high <= 1:
            raise field_error(
                "initial_unvested_range",
                f"must be two shares 0 <= low <= high <= 1 (got {[low, high]})",
            )
        return self


ORDERED_RANGES: tuple[tuple[str, str], ...] = (
    ("spinout_pay_cap_min_usd", "spinout_pay_cap_max_usd"),
    ("utilisation_min", "utilisation_max"),
    ("bring_up_min_per_month", "bring_up_max_per_month"),
)
"""Market fields that bound a range: (lower, upper); the lower may not exceed the upper."""


class MarketConfig(_Strict):
    """Global mechanisms, each switchable and parameterised."""

    # Production (CES of effective compute and effective talent)
    sigma: float = Field(0.5, ge=0.0, le=3.0)
    """Elasticity of substitution between compute and research talent (0 = Leontief,
    1 = Cobb-Douglas; Whitfill & Wu 2025 bracket it by [0, 2.6])."""
    compute_share: float = Field(0.5, gt=0.0, lt=1.0)
    """CES distribution parameter on compute (alpha)."""
    compute_ref_h100e: float = Field(100_000, ge=1e-3, le=1e12)
    """Normalisation of effective compute (H100e)."""
    talent_ref: float = Field(1_000, ge=1e-3, le=1e12)
    """Normalisation of effective research talent (skill units)."""
    allocation_gamma: float = Field(0.25, ge=0.0, le=1.0)
    """Returns to concentrating compute on a person (exponent on their compute share)."""
    # Infrastructure makes compute effective
    infra_enabled: bool = True
    """Switch: utilisation depends on infrastructure talent (off = always max)."""
    infra_half_saturation: float = Field(1.0, gt=0.0, le=1e3)
    """Infra skill units per 1,000 GPUs at which utilisation is halfway to its max."""
    utilisation_min: float = Field(0.1, ge=0.0, le=1.0)
    """GPU utilisation with no infrastructure talent."""
    utilisation_max: float = Field(0.9, gt=0.0, le=1.0)
    """GPU utilisation with unlimited infrastructure talent."""
    infra_scale_exponent: float = Field(1.0, ge=0.0, le=1.0)
    """How the infra team a fleet needs grows with the fleet: infra skill is measured per
    (GPUs/1,000)^exponent (1 = linear; below 1, tooling makes big fleets cheaper to run)."""
    product_half_saturation: float = Field(50.0, ge=1e-3, le=1e12)
    """Product skill units at which monetisation is halfway to its max uplift."""
    product_max_uplift: float = Field(1.0, ge=0.0, le=10.0)
    """Maximum relative uplift of the value of output from product talent."""
    # Capability (Jones 1995) and budgets
    capability_delta: float = Field(0.02, ge=0.0, le=10.0)
    """Scale of monthly capability growth, dK = delta * Y^lambda * K^phi."""
    capability_lambda: float = Field(0.8, gt=0.0, le=2.0)
    """Returns to research output in capability growth (lambda)."""
    capability_phi: float = Field(0.3, ge=-10.0, le=0.99)
    """Knowledge spill-over phi < 1: ideas get harder to find as K grows."""
    budget_feedback: float = Field(0.5, ge=0.0, le=5.0)
    """Elasticity of next year's budget to capability growth relative to the market."""
    budget_growth_monthly: bool = True
    """Switch: budgets grow every month, compounding to the year's growth (the lab's
    ``budget_growth_per_year`` times the last annual review's capability feedback), as
    a spending plan is drawn down through the year; off = the whole year's growth at
    each annual review, from the second year (a January step: hiring bunched in
    January)."""
    # Valuation
    value_per_output_usd: float | None = Field(None, ge=1e-3, le=1e15)
    """Annual value of one unit of monthly research output (USD); None = calibrated at
    start so that the market's total valuation equals ``value_markup`` times payroll."""
    value_markup: float = Field(1.5, gt=0.0, le=100.0)
    """Total valuation of staff over total payroll at the start (sets the value scale)."""
    price_follows_budgets: bool = True
    """Switch: at the start of each budget year the value of output is reset so that
    total valuation stays the start's multiple of the labs' total budgets (unit-elastic
    demand for AI output, :mod:`market.pricing`); off: the start's price holds."""
    # Search and bidding
    offers_enabled: bool = True
    """Switch: labs search and bid at all. Off, no lab hires through the market: no
    poaching, no campus hiring of graduates, no rehiring from the job pool (graduates
    still enter the pool, and the outside sector still absorbs them with
    ``outside_absorbs_graduates``). Spin-outs still pull their founding teams, and
    scheduled moves (``[[events]]`` move, team_move, acquihire) still happen."""
    candidates_per_lab: int = Field(8, ge=0, le=10_000)
    """Outside candidates a lab evaluates per month, before its poaching intensity
    (used only with ``vacancies_enabled`` off)."""
    candidates_per_100_staff: float = Field(0.0, ge=0.0, le=1_000.0)
    """Further candidates per month per 100 staff (recruiting scales with size)."""
    tie_bias: float = Field(4.0, ge=1.0, le=1e3)
    """How much more often a lab sees candidates from labs it has ties to."""
    tie_learning: float = Field(0.05, ge=0.0, le=10.0)
    """Tie strength added per move between two labs (ties grow with flows)."""
    star_targeting: float = Field(1.0, ge=0.0, le=5.0)
    """Exponent on skill in who labs look at (0 = anyone, 1 = proportional to skill)."""
    counter_offers_enabled: bool = True
    """Switch: incumbents may counter outside offers."""
    move_threshold: float = Field(0.02, ge=0.0, le=1.0)
    """Utility margin (log pay) a move must clear: hassle of moving."""
    switch_cost_horizon_years: float = Field(2.0, ge=0.01, le=20.0)
    """Years over which a one-off cost or payment (forfeited equity, sign-on, garden
    leave) is spread when offers are compared (annual equivalent)."""
    noncompete_enforcement: float = Field(1.0, ge=0.0, le=1.0)
    """Share of non-compete months that bind (0 = ban, as in California)."""
    outside_absorbs_graduates: bool = True
    """Switch: graduates still unhired after ``pool_months`` join the outside sector
    (labs of kind academia or infra: universities and the wider tech/fintech pool) at
    their reservation pay, while its budget allows, instead of leaving the market."""
    noncompete_cost_share: float = Field(0.5, ge=0.0, le=1.0)
    """Share of pay a mover loses per binding month of unpaid garden leave (lost pay,
    net of what they earn meanwhile)."""
    # -- contracts (mechanisms v2)
    sign_on_once: bool = True
    """Switch: a poacher buys out forfeited equity (and unpaid garden leave) with a
    one-off sign-on booked on its budget in the month of the move; off = the buyout is
    annualised over ``switch_cost_horizon_years`` into the new annual pay (v1)."""
    sign_on_rolling: bool = True
    """Switch: a sign-on counts against the payer's budget for the 12 months from the
    month it is paid (a rolling budget year); off = until the end of the calendar
    budget year (all reset in January: hiring bunched in January)."""
    counter_match_utility: bool = True
    """Switch: the ``match`` counter matches the best outside offer's utility
    (amenities and switching included, Postel-Vinay & Robin 2002); off = its pay (v1)."""
    lapsed_fallback: bool = True
    """Switch: a person whose winning commitment lapses for budget takes the next-best
    offer that still fits (one second round); off = stays on the old pay (v1)."""
    option_value_enabled: bool = True
    """Switch: the auction's wages price the option value of future outside offers
    (Postel-Vinay & Robin 2002): a worker takes less to join, or stay at, a lab that
    values them more, because its higher limit is a larger stake in future counters;
    off = wages match the runner-up's utility exactly (v3)."""
    outside_offer_rate: float = Field(0.10, ge=0.0, le=2.0)
    """Rate of outside offers per employed year that beat an incumbent's best (lambda
    times the offer survivor function in the theory); about the job-to-job rate."""
    discount_rate: float = Field(0.05, ge=0.001, le=1.0)
    """Workers' annual discount rate (rho) for the option value of future offers."""
    ladder_exit_rate: float = Field(0.067, ge=0.0, le=1.0)
    """Annual rate (delta) at which a job's rent ends for good (leaving the job ladder:
    retirement, another sector), for the option value of future offers."""
    offer_tail_scale: float = Field(0.25, ge=0.01, le=10.0)
    """Scale (log-pay units) of the exponential tail of outside offers above the
    runner-up's: bounds the option value at ``kappa x scale``."""
    # Exits, layoffs, spin-outs
    attrition_enabled: bool = True
    """Switch: people leave the market at ``attrition_per_year``."""
    graduates_enabled: bool = True
    """Switch: new graduates enter."""
    layoffs_enabled: bool = True
    """Switch: labs lay off when payroll exceeds the budget."""
    spinouts_enabled: bool = True
    """Switch: star researchers found new labs."""
    spinout_rate_per_year: float = Field(0.02, ge=0.0, le=1.0)
    """Annual probability that a star researcher founds a lab."""
    star_quantile: float = Field(0.99, ge=0.5, lt=1.0)
    """Skill quantile above which a researcher counts as a star."""
    spinout_funding_usd: float = Field(1e9, ge=0.0, le=1e12)
    """Funding a spin-out raises; a fifth becomes its annual payroll budget."""
    spinout_gpu_cost_usd: float = Field(40_000, ge=1.0, le=1e9)
    """Price of one H100e for spin-outs buying compute (USD)."""
    spinout_capability_share: float = Field(0.05, ge=0.0, le=1.0)
    """A spin-out's initial capability as a share of its parent's (what founders carry)."""
    spinout_gpu_growth_per_year: float = Field(0.5, ge=-0.9, le=20.0)
    """Annual growth of a spin-out's GPU stock."""
    spinout_pull: int = Field(10, ge=0, le=1000)
    """Further former colleagues (after the founding team) the spin-out bids for in its
    first month's search."""
    spinout_tie_multiplier: float = Field(5.0, ge=1.0, le=100.0)
    """A spin-out's search tie to its parent, as a multiple of ``tie_bias`` (founders
    know their former colleagues; assumption)."""
    spinout_gpu_share: float = Field(0.4, ge=0.0, le=1.0)
    """Share of a spin-out's funding spent on GPUs at ``spinout_gpu_cost_usd``."""
    spinout_budget_share: float = Field(0.2, ge=0.0, le=1.0)
    """Share of a spin-out's funding that becomes its annual payroll budget."""
    spinout_budget_growth_per_year: float = Field(0.2, ge=-0.9, le=10.0)
    """Baseline annual budget growth of a spin-out."""
    spinout_mission: float = Field(0.8, ge=0.0, le=1.0)
    """Mission score of a spin-out (founders' labs pitch a mission; assumption)."""
    spinout_equity_share: float = Field(0.7, ge=0.0, le=1.0)
    """Share of a spin-out's pay in equity (start-up packages are equity-heavy)."""
    spinout_hiring_bar_quantile: float = Field(0.5, ge=0.0, lt=1.0)
    """Lowest hiring bar of a spin-out (it keeps its parent's bar if that is higher)."""
    # -- infrastructure leadership
    infra_leadership_enabled: bool = False
    """Switch: infrastructure leaders set how much of the infra team's utilisation gain a
    fleet gets and how fast newly bought GPUs come online (off = the plain sum of infra
    skill sets utilisation and new GPUs are productive at once)."""
    infra_leader_skill: float = Field(25.0, ge=1.0, le=1e4)
    """Skill at or above which an infrastructure person leads (skill units; 25 is the top
    0.16% of Pareto(2) skill; assumption); people declared ``role = "leader"`` lead at
    any skill."""
    infra_leader_half_saturation: float = Field(4.0, gt=0.0, le=1e4)
    """Leader units (sum of leader skill / ``infra_leader_skill``) at which a fleet of
    ``compute_ref_h100e`` GPUs gets half of the leadership effect (assumption)."""
    infra_leader_scale_exponent: float = Field(0.5, ge=0.0, le=1.0)
    """How the leadership a fleet needs grows with it: half-saturation x (GPUs /
    ``compute_ref_h100e``)^exponent (below 1, one leadership team spans a growing fleet;
    assumption)."""
    infra_leaderless_share: float = Field(0.3, ge=0.0, le=1.0)
    """Share of the infra team's utilisation gain that a fleet without leaders gets
    (assumption)."""
    bring_up_min_per_month: float = Field(1 / 18, ge=0.0, le=1.0)
    """Share of the backlog of not-yet-productive GPUs that comes online per month with
    no infra leaders (assumption: ~18 months on average)."""
    bring_up_max_per_month: float = Field(0.6, gt=0.0, le=1.0)
    """Share of the backlog that comes online per month with saturated leadership
    (source: Colossus, 100k GPUs in 122 days: 0.6/month brings 94% of a backlog online
    in 3 months, 97% in 4)."""
    max_labs: int = Field(60, ge=2, le=1000)
    """Upper bound on labs (spin-outs stop at this number)."""
    # -- labour demand (mechanisms v2)
    vacancies_enabled: bool = True
    """Switch: labs post vacancies per specialty where a typical hire is worth more than
    the going wage, funded from budget headroom, and search effort follows them (off =
    ``candidates_per_lab`` + ``candidates_per_100_staff`` candidates per lab)."""
    vacancy_headroom_share: float = Field(0.5, ge=0.0, le=1.0)
    """Share of budget headroom a lab commits to a month's vacancies: vacancies x going
    wage (+ extra recruiting spend) <= share x headroom (assumption)."""
    vacancy_rate_per_surplus: float = Field(0.01, ge=0.0, le=10.0)
    """Vacancies per head of a specialty per unit of relative surplus ``(pay multiplier
    x marginal value - wage) / wage`` of a typical hire: posting up to where a convex
    posting cost meets the surplus of a hire (assumption)."""
    vacancy_rate_max: float = Field(0.1, ge=0.0, le=1.0)
    """Most vacancies a lab posts per specialty in a month, as a share of its staff in
    that specialty (at least one when a hire has a surplus)."""
    vacancy_budget_memory_months: int = Field(6, ge=1, le=60)
    """Vacancies are funded against the lowest budget of the last this many months
    (this one included): labs hire permanent staff only out of money they have had for
    a while, not out of a one-off rise (1 = this month's budget; assumption)."""
    contacts_per_vacancy: float = Field(3.0, ge=0.0, le=100.0)
    """Candidates one vacancy meets in a month at ``reference_tightness`` (the same search
    technology for every lab)."""
    screen_by_acceptance: bool = True
    """Switch: a vacancy bids for the candidate with the most surplus at the pay they
    would accept, skipping those it cannot afford to move; off: value minus current
    pay (mechanisms v2)."""
    one_offer_per_vacancy: bool = True
    """Switch: a lab screens the candidates its vacancies meet and bids for the best
    ``V`` of each specialty (largest value minus current pay), one per vacancy (off =
    it bids for every candidate met)."""
    matching_elasticity: float = Field(0.5, ge=0.0, le=1.0)
    """Elasticity eta of contacts to vacancies in m = A V^eta S^(1-eta) (Petrongolo &
    Pissarides 2001: about 0.5); contacts per vacancy fall as (V/S)^(eta-1)."""
    reference_tightness: float = Field(0.01, gt=0.0, le=1.0)
    """Vacancies per searcher (everyone at a lab or in the pool) at which a vacancy
    meets ``contacts_per_vacancy`` candidates."""
    recruiting_cost_per_contact_usd: float = Field(10_000.0, ge=0.0, le=1e8)
    """Recruiting spend per extra contact bought by a ``poaching_intensity`` above 1,
    paid from the headroom that funds vacancies (USD; assumption)."""
    layoff_rule: typing.Literal["rounds", "surplus", "value_per_dollar"] = "rounds"
    """Who is laid off first: ``rounds`` (lowest value per dollar, the surplus-maximising
    cut; people worth more than they cost kept while others can go; values recomputed
    between rounds), ``surplus`` (the same rounds, lowest value minus cost first:
    mechanisms v2) or ``value_per_dollar`` (one pass, no recomputation: v1)."""
    layoff_round_share: float = Field(0.1, gt=0.0, le=1.0)
    """Most of a specialty's staff laid off in one round before marginal values are
    recomputed (rules ``rounds`` and ``surplus``)."""
    spinout_team_size: int = Field(10, ge=0, le=1000)
    """Colleagues asked to move with the founder as a team when a spin-out is founded
    (0 = pull bids only)."""
    spinout_team_infra_share: float = Field(0.3, ge=0.0, le=1.0)
    """Share of the founding team drawn from the parent's infrastructure staff, so the
    spin-out's GPUs work (the rest are researchers)."""
    spinout_team_pay_share: float = Field(0.5, ge=0.0, le=1.0)
    """Share of the spin-out's annual payroll budget the founding team may take: its pay
    cap is this share x budget / (team size + 1), within the bounds below."""
    spinout_pay_cap_min_usd: float = Field(1e6, gt=0.0, le=1e9)
    """Lowest pay cap of a spin-out (USD/year)."""
    spinout_pay_cap_max_usd: float = Field(2e7, gt=0.0, le=1e9)
    """Highest pay cap of a spin-out (USD/year)."""

    @model_validator(mode="after")
    def _ordered_ranges(self) -> Self:
        for low, high in ORDERED_RANGES:
            if getattr(self, low) > getattr(self, high):
                raise field_error(
                    low,
                    f"must be <= {high} ({getattr(self, high):g}) (got {getattr(self, low):g})",
                )
        return self


_V2_SEARCH = (
    "vacancy_headroom_share",
    "vacancy_rate_per_surplus",
    "vacancy_rate_max",
    "vacancy_budget_memory_months",
    "contacts_per_vacancy",
    "screen_by_acceptance",
    "one_offer_per_vacancy",
    "matching_elasticity",
    "reference_tightness",
    "recruiting_cost_per_contact_usd",
)
_OPTION_VALUE = ("outside_offer_rate", "discount_rate", "ladder_exit_rate", "offer_tail_scale")
_LEADERSHIP = (
    "infra_leader_skill",
    "infra_leader_half_saturation",
    "infra_leader_scale_exponent",
    "infra_leaderless_share",
    "bring_up_min_per_month",
    "bring_up_max_per_month",
)
_SPINOUTS = tuple(name for name in MarketConfig.model_fields if name.startswith("spinout_"))
SWITCHED_FIELDS: dict[str, tuple[str, bool]] = {
    "market.candidates_per_lab": ("vacancies_enabled", False),
    "market.candidates_per_100_staff": ("vacancies_enabled", False),
    **{f"market.{name}": ("vacancies_enabled", True) for name in _V2_SEARCH},
    **{f"market.{name}": ("option_value_enabled", True) for name in _OPTION_VALUE},
    **{f"market.{name}": ("infra_leadership_enabled", True) for name in _LEADERSHIP},
    **{f"market.{name}": ("spinouts_enabled", True) for name in _SPINOUTS},
    "market.layoff_rule": ("layoffs_enabled", True),
    "market.layoff_round_share": ("layoffs_enabled", True),
    "population.attrition_per_year": ("attrition_enabled", True),
    "population.graduates_per_year": ("graduates_enabled", True),
    "labs.*.policy.counter_offer": ("counter_offers_enabled", True),
    "labs.*.policy.poaching_intensity": ("offers_enabled", True),
}
"""Fields that act only while a market switch has the given value (path -> (switch,
value); ``labs.*`` stands for any lab). Changing one while its switch is the other way,
and no market-wide event sets that switch, would change nothing:
:meth:`Scenario.with_overrides` refuses it, so a user's change never vanishes silently.
A scenario file may still hold such values (frontier-2025 keeps the v1 search's
``candidates_per_lab`` with its note). ``tests/test_switched_fields.py`` runs a market
for each entry with the field changed under the off switch: the tables must not move
(a lab's ``graduate_intake_per_100_staff`` is not here: it still acts with graduates
off)."""


def inert_change(scenario: Scenario, path: str) -> str | None:
    """Why changing ``path`` in ``scenario`` would change nothing (None if it acts):
    its switch in :data:`SWITCHED_FIELDS` is the other way and no market-wide event
    sets that switch.
    """
    parts = path.split(".")
    key = ".".join(["labs", "*", *parts[2:]]) if parts[0] == "labs" else path
    if key not in SWITCHED_FIELDS:
        return None
    switch, needed = SWITCHED_FIELDS[key]
    if getattr(scenario.market, switch) == needed or any(
        e.lab is None and e.field == switch for e in scenario.events
    ):
        return None
    now, want = str(not needed).lower(), str(needed).lower()
    return (
        f"has no effect while market.{switch} = {now} (it acts only when {want}); "
        f"set market.{switch} = {want} too"
    )


class PersonConfig(_Strict):
    """A named person placed at a lab at the start (``[[people]]``), kept by name
    through moves, exports and reproductions.
    """

    name: PersonName
    """Unique name (as reported)."""
    lab: str = Field(min_length=1, max_length=64)
    """The lab they work at in the first month."""
    specialty: Literal["research", "infrastructure", "product"]
    """research, infrastructure or product."""
    role: PersonRole = "member"
    """``leader`` counts in the infrastructure leadership channel at any skill."""
    skill: float | None = Field(None, ge=1.0, le=1e4)
    """Skill (the population's units, >= 1); or give ``skill_percentile``."""
    skill_percentile: float | None = Field(None, ge=0.0, le=0.99999)
    """Skill as a quantile of the population's Pareto skill distribution (0.999 = the
    top 0.1%); or give ``skill``."""
    comp_usd: float = Field(gt=0, le=1e9)
    """Annual total compensation at the start (USD/year)."""
    source: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    """The public source for the person and their role."""

    @model_validator(mode="after")
    def _one_skill(self) -> Self:
        if (self.skill is None) == (self.skill_percentile is None):
            raise field_error("skill", "give exactly one of skill and skill_percentile")
        return self


class Event(_Strict):
    """A scheduled event at one step: a field change (``kind = "set"``, optionally
    reverted later), a move of named people, a team move or an acqui-hire.
    """

    at: str | int
    """Step (1 = first month) or month as "YYYY-MM"."""

    @field_validator("at", mode="before")
    @classmethod
    def _step_or_month(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f'must be a step number or a month "YYYY-MM" (got {shown(value)})')
        return value

    kind: EventKind = "set"
    """set (a field change), move (named people), team_move (N people of a specialty)
    or acquihire (people and a payment booked on the buyer's budget)."""
    field: str | None = None
    """kind set: a lab field (``gpus_h100e``), a policy field (``pay_multiplier``) or,
    without ``lab``, a market field (``noncompete_enforcement``)."""
    value: float | int | str | bool | None = None
    """kind set: the new value, validated like the field itself."""
    lab: str | None = None
    """kind set: the lab the event applies to; None for a market-wide change."""
    months: int | None = Field(None, ge=1, le=1200)
    """kind set: revert to the previous value after this many months (None = permanent)."""
    names: list[str] = Field(default_factory=list)
    """move, acquihire: named people (``[[people]]``) who move."""
    from_lab: str | None = None
    """team_move: the lab the team leaves; acquihire: the seller or target."""
    to_lab: str | None = None
    """move, team_move: the destination; acquihire: the buyer."""
    specialty: Literal["research", "infrastructure", "product"] | None = None
    """team_move, acquihire with ``people``: the specialty of the team."""
    people: int | None = Field(None, ge=1, le=1_000_000)
    """team_move, acquihire: how many (anonymous) people move, besides any ``names``
    (scaled with the market, at least 1)."""
    selection: TeamSelection = "top"
    """team_move, acquihire: the top ``people`` by skill, or ``people`` at random."""
    payment_usd: float | None = Field(None, ge=0.0, le=1e13)
    """acquihire: the payment booked on the buyer's budget over the next 12 months (USD;
    scaled with the market)."""
    comp_usd: float | None = Field(None, gt=0, le=1e9)
    """move, team_move, acquihire: annual pay at the new lab (None = keep their pay)."""
    note: str = ""
    """Why: the public source or the assumption behind the event."""

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Self:
        used = KIND_FIELDS[self.kind]
        for name in sorted(set(KIND_FIELDS["set"]) | set(KIND_FIELDS["acquihire"])):
            if name not in used and getattr(self, name) not in (None, [], "top"):
                raise field_error(name, f"not used by kind {self.kind!r} (uses: {', '.join(used)})")
        required = {
            "set": ("field", "value"),
            "move": ("names", "to_lab"),
            "team_move": ("from_lab", "to_lab", "specialty", "people"),
            "acquihire": ("from_lab", "to_lab", "payment_usd"),
        }[self.kind]
        for name in required:
            if getattr(self, name) in (None, []):
                raise field_error(name, f"required for kind {self.kind!r}")
        if self.kind == "acquihire" and not self.names and self.people is None:
            raise field_error("people", "an acquihire needs names, people or both")
        if self.people is not None and self.specialty is None:
            raise field_error("specialty", "required with people (the team's specialty)")
        if self.from_lab is not None and self.from_lab == self.to_lab:
            raise field_error("to_lab", f"must differ from from_lab ({self.from_lab!r})")
        if len(set(self.names)) != len(self.names):
            raise field_error("names", "a name appears twice")
        return self


KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "set": ("field", "value", "lab", "months"),
    "move": ("names", "to_lab", "comp_usd"),
    "team_move": ("from_lab", "to_lab", "specialty", "people", "selection", "comp_usd"),
    "acquihire": (
        "from_lab",
        "to_lab",
        "names",
        "specialty",
        "people",
        "selection",
        "payment_usd",
        "comp_usd",
    ),
}
"""The fields each event kind uses (besides ``at`` and ``note``)."""


LAB_EVENT_FIELDS: frozenset[str] = frozenset(
    {
        "gpus_h100e",
        "gpu_growth_per_year",
        "budget_usd",
        "budget_growth_per_year",
        "efficiency",
        "mission",
    }
)
POLICY_FIELDS: frozenset[str] = frozenset(Policy.model_fields)


class Scenario(_Strict):
    """A complete, validated experiment setting."""

    name: str = "custom"
    """Short name."""
    description: str = Field("", max_length=MAX_TEXT_CHARS)
    """What the scenario represents."""
    start: str = "2025-01"
    """Calendar month of step 1 (YYYY-MM)."""
    steps: int = Field(120, ge=1, le=1200)
    """Monthly steps to run by default."""
    labs: Annotated[list[LabConfig], Field(min_length=2)]
    """The labs (at least two)."""
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    """Engineers' skill, preferences, entry and exit."""
    market: MarketConfig = Field(default_factory=MarketConfig)
    """Global mechanisms."""
    events: list[Event] = Field(default_factory=list)
    """Scheduled policy changes, moves of named people, team moves and acqui-hires."""
    people: list[PersonConfig] = Field(default_factory=list)
    """Named people placed at their labs at the start (besides the headcounts)."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Where numbers come from: free-form notes keyed by what they support."""
    _event_overrides: tuple[EventOverride, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _check_cross_references(self) -> Self:
        if not _MONTH.match(self.start):
            raise ValueError(f"start must be a month YYYY-MM, got {self.start!r}")
        names = [lab.name for lab in self.labs]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValueError(f"lab names must be unique; {name!r} appears twice")
            seen.add(name)
        for lab in self.labs:
            for tie in lab.ties:
                if tie == lab.name:
                    raise field_error(f"labs.{lab.name}.ties", "a lab cannot be tied to itself")
                if tie not in seen:
                    raise field_error(
                        f"labs.{lab.name}.ties",
                        f"tie to unknown lab {tie!r}; known labs: {', '.join(names)}",
                    )
        if self.n_engineers < 1:
            raise field_error("labs", "every lab has headcount 0; at least one lab needs people")
        _check_people(self)
        for i, event in enumerate(self.events):
            self.event_step(event, where=f"events[{i}]")
            if event.kind == "set":
                _validate_event_value(self, event, where=f"events[{i}]")
            else:
                _check_people_event(self, event, where=f"events[{i}]")
        return self

    # -- helpers ------------------------------------------------------------------
    @property
    def lab_names(self) -> list[str]:
        """Lab names in scenario order."""
        return [lab.name for lab in self.labs]

    @property
    def n_engineers(self) -> int:
        """Initial number of people across all labs."""
        return sum(lab.headcount.total for lab in self.labs)

    def lab(self, name: str) -> LabConfig:
        """The lab called ``name``; a ScenarioError lists the known names otherwise."""
        for lab in self.labs:
            if lab.name == name:
                return lab
        raise ScenarioError("lab", f"unknown lab {name!r}; known labs: {', '.join(self.lab_names)}")

    def month_to_step(self, month: str) -> int:
        """Step number (1-based) of a calendar month ``YYYY-MM``."""
        m = _MONTH.match(month)
        if not m:
            raise ValueError(f"expected a month YYYY-MM, got {month!r}")
        y0, m0 = (int(x) for x in self.start.split("-"))
        return (int(m.group(1)) - y0) * 12 + (int(m.group(2)) - m0) + 1

    def step_to_month(self, step: int) -> str:
        """Calendar month ``YYYY-MM`` of a step (1-based; step 0 is the month before)."""
        y0, m0 = (int(x) for x in self.start.split("-"))
        months = y0 * 12 + (m0 - 1) + (step - 1)
        return f"{months // 12:04d}-{months % 12 + 1:02d}"

    def event_step(self, event: Event, where: str = "event") -> int:
        """The step at which ``event`` fires, checked to lie within the run."""
        step = event.at if isinstance(event.at, int) else None
        if step is None:
            try:
                step = self.month_to_step(str(event.at))
            except ValueError as exc:
                raise ValueError(f"{where}.at: {exc}") from None
        if not 1 <= step <= self.steps:
            raise ValueError(
                f"{where}.at: {event.at!r} is step {step}, outside the run "
                f"(steps 1..{self.steps}, {self.start} to {self.step_to_month(self.steps)})"
            )
        return step

    @property
    def event_overrides(self) -> tuple[EventOverride, ...]:
        """Scheduled events that set a field a user changed, and what became of each
        (:mod:`market.precedence`); empty for a scenario nobody changed.
        """
        return self._event_overrides

    def with_overrides(self, overrides: dict[str, Any], precedence: str = "user") -> Scenario:
        """A validated copy with dotted-path fields replaced.

        Paths: ``steps`` (see :meth:`truncated`), ``market.sigma``,
        ``population.graduates_per_year``, ``labs.Meta.gpus_h100e``,
        ``labs.Meta.policy.pay_multiplier``, ``labs.*.policy.noncompete_months``
        (every lab). Scheduled events on a changed field follow ``precedence``
        (``user``: dropped, ``relative``: rescaled, ``events``: still applied); the
        copy's :attr:`event_overrides` reports each one.

        Raises:
            ScenarioError: on a path that would change nothing because its mechanism is
                switched off (:data:`SWITCHED_FIELDS`), naming the switch to set.
        """
        overrides = dict(overrides)
        steps = overrides.pop("steps", None)
        scenario = self
        if overrides:
            data = self.model_dump()
            for path, value in overrides.items():
                _set_path(data, path, value, self.lab_names)
            changed = build_scenario(data)
            events, report = apply_precedence(self, changed, overrides, precedence)
            scenario = build_scenario({**data, "events": events}) if report else changed
            scenario._event_overrides = (*self._event_overrides, *report)
            for path in overrides:
                reason = inert_change(scenario, path)
                if reason:
                    raise ScenarioError(path, reason)
        return scenario if steps is None else scenario.truncated(steps)

    def truncated(self, steps: Any) -> Scenario:
        """A copy run for ``steps`` months. Events a shorter run never reaches are
        dropped; events outside the scenario's own run stay errors when it is built.
        """
        data = self.model_dump()
        data["steps"] = steps
        if isinstance(steps, int) and not isinstance(steps, bool):
            data["events"] = [
                raw
                for raw, event in zip(data["events"], self.events, strict=True)
                if self.event_step(event) <= steps or steps >= self.steps
            ]
        return self._carry_report(build_scenario(data))

    def scaled(self, n_engineers: int) -> Scenario:
        """A copy whose headcounts, budgets and graduate inflow are scaled to
        ``n_engineers`` people in total (compute per head and pay levels unchanged).

        Raises:
            ScenarioError: on field ``n_engineers``, with the smallest and largest sizes
                this scenario can be scaled to.

        """
        if isinstance(n_engineers, bool) or not isinstance(n_engineers, int):
            raise ScenarioError("n_engineers", f"must be a whole number (got {shown(n_engineers)})")
        if n_engineers < len(self.labs):
            raise ScenarioError("n_engineers", f"must be >= the number of labs ({len(self.labs)})")
        largest, binding = self.largest_scale()
        if n_engineers > largest:
            raise ScenarioError(
                "n_engineers",
                f"at most {largest:,} for scenario {self.name!r} ({binding} would exceed its "
                f"limit) (got {n_engineers:,})",
            )
        factor = n_engineers / max(self.n_engineers, 1)
        try:
            return self._carry_report(build_scenario(self._scaled_data(factor)))
        except ScenarioError as exc:  # a rounding corner: still name the option
            raise ScenarioError(
                "n_engineers", f"cannot rescale to {n_engineers:,} people: {exc}"
            ) from None

    def _scaled_data(self, factor: float) -> dict[str, Any]:
        data = self.model_dump()
        for lab in data["labs"]:
            hc = lab["headcount"]
            for key in SPECIALTIES:
                hc[key] = round(hc[key] * factor)
            lab["budget_usd"] *= factor
            lab["gpus_h100e"] *= factor
        data["population"]["graduates_per_year"] *= factor
        for key in SCALED_MARKET_FIELDS:
            data["market"][key] *= factor
        for event in data["events"]:
            if event["field"] in ("gpus_h100e", "budget_usd"):
                event["value"] = float(event["value"]) * factor
            if event.get("people") is not None:
                event["people"] = max(1, round(event["people"] * factor))
            if event.get("payment_usd") is not None:
                event["payment_usd"] = float(event["payment_usd"]) * factor
        return data

    def _carry_report(self, copy: Scenario) -> Scenario:
        copy._event_overrides = self._event_overrides
        return copy

    def largest_scale(self) -> tuple[int, str]:
        """The most people :meth:`scaled` accepts, and the field that sets that limit."""
        current = max(self.n_engineers, 1)
        limits: list[tuple[float, str]] = []

        def add(value: Any, model: type[BaseModel], field: str, where: str) -> None:
            hi = _upper_bound(model, field)
            if hi is not None and isinstance(value, int | float) and value > 0:
                limits.append((hi / float(value), where))

        for lab in self.labs:
            for key in SPECIALTIES:
                add(getattr(lab.headcount, key), Headcount, key, f"labs.{lab.name}.headcount.{key}")
            add(lab.budget_usd, LabConfig, "budget_usd", f"labs.{lab.name}.budget_usd")
            add(lab.gpus_h100e, LabConfig, "gpus_h100e", f"labs.{lab.name}.gpus_h100e")
        add(
            self.population.graduates_per_year,
            PopulationConfig,
            "graduates_per_year",
            "population.graduates_per_year",
        )
        for key in SCALED_MARKET_FIELDS:
            add(getattr(self.market, key), MarketConfig, key, f"market.{key}")
        for i, event in enumerate(self.events):
            if event.field in ("gpus_h100e", "budget_usd"):
                add(event.value, LabConfig, event.field, f"events[{i}].value")
        if not limits:
            return 10**12, "nothing"
        factor, where = min(limits)
        # Headcounts are rounded: stay a little inside the limit.
        return max(math.floor(factor * current * (1 - 1e-9)), 0), where


SCALED_MARKET_FIELDS = (
    "compute_ref_h100e",
    "talent_ref",
    "product_half_saturation",
    "infra_leader_half_saturation",
)
"""Market normalisations that :meth:`Scenario.scaled` multiplies with the market size."""


def _upper_bound(model: type[BaseModel], field: str) -> float | None:
    """The ``le``/``lt`` bound of a field, if it has one."""
    info = model.model_fields.get(field)
    for meta in info.metadata if info is not None else ():
        for attr in ("le", "lt"):
            bound = getattr(meta, attr, None)
            if bound is not None:
                return float(bound)
    return None


def _check_people(scenario: Scenario) -> None:
    """Named people: known labs, unique names."""
    seen: dict[str, int] = {}
    for i, person in enumerate(scenario.people):
        if person.lab not in scenario.lab_names:
            raise ValueError(
                f"people[{i}].lab: unknown lab {person.lab!r}; known: "
                f"{', '.join(scenario.lab_names)}"
            )
        if person.name in seen:
            raise ValueError(
                f"people[{i}].name: duplicate name {person.name!r} "
                f"(people[{seen[person.name]}] has it)"
            )
        seen[person.name] = i


def _check_people_event(scenario: Scenario, event: Event, where: str) -> None:
    """A move, team move or acqui-hire: known labs and names, a team no larger than
    the source lab's initial headcount, a payment within the buyer's budget.
    """
    for key in ("from_lab", "to_lab"):
        lab = getattr(event, key)
        if lab is not None and lab not in scenario.lab_names:
            raise ValueError(
                f"{where}.{key}: unknown lab {lab!r}; known labs: {', '.join(scenario.lab_names)}"
            )
    known = [p.name for p in scenario.people]
    for name in event.names:
        if name not in known:
            raise ValueError(
                f"{where}.names: unknown person {name!r}; known ([[people]]): "
                f"{', '.join(known) or 'none'}"
            )
    if event.people is not None and event.from_lab is not None and event.specialty:
        have = getattr(scenario.lab(event.from_lab).headcount, event.specialty)
        if event.people > have:
            raise ValueError(
                f"{where}.people: {event.people} exceeds {event.from_lab}'s "
                f"{event.specialty} headcount ({have})"
            )
    if event.payment_usd is not None and event.to_lab is not None:
        budget = scenario.lab(event.to_lab).budget_usd
        if event.payment_usd > budget:
            raise ValueError(
                f"{where}.payment_usd: {event.to_lab} cannot pay {event.payment_usd:,.0f} USD "
                f"(its budget is {budget:,.0f} USD/year)"
            )


def _validate_event_value(scenario: Scenario, event: Event, where: str) -> None:
    """Check that an event names a known lab and field and a valid value."""
    try:
        _check_event_target(scenario, event, where)
    except ValidationError as exc:
        root = (
            MarketConfig
            if event.lab is None
            else Policy
            if event.field in POLICY_FIELDS
            else LabConfig
        )
        err = scenario_error_from(exc, root=root)
        raise ValueError(f"{where}.value: {event.field} {err.message}") from None


def _check_event_target(scenario: Scenario, event: Event, where: str) -> None:
    if event.lab is None:
        if event.field not in MarketConfig.model_fields:
            raise ValueError(
                f"{where}.field: unknown market field {event.field!r} (an event without "
                f"'lab' changes a market field; known: {', '.join(MarketConfig.model_fields)})"
            )
        scenario.market.model_validate({**scenario.market.model_dump(), event.field: event.value})
        return
    if event.lab not in scenario.lab_names:
        raise ValueError(
            f"{where}.lab: unknown lab {event.lab!r}; known labs: {', '.join(scenario.lab_names)}"
        )
    lab = scenario.lab(event.lab)
    if event.field in POLICY_FIELDS:
        Policy.model_validate({**lab.policy.model_dump(), event.field: event.value})
    elif event.field in LAB_EVENT_FIELDS:
        LabConfig.model_validate({**lab.model_dump(), event.field: event.value})
    else:
        allowed = sorted(LAB_EVENT_FIELDS | POLICY_FIELDS)
        raise ValueError(
            f"{where}.field: unknown lab field {event.field!r}; allowed: {', '.join(allowed)}"
        )


def _set_path(data: dict[str, Any], path: str, value: Any, lab_names: list[str]) -> None:
    parts = path.split(".")
    if any(not part for part in parts):
        raise ScenarioError(
            "--set", f"{shown(path)} is not a field path (expected e.g. market.sigma)"
        )
    if parts[0] == "labs":
        if len(parts) < 3:
            raise ScenarioError(path, "expected labs.<lab>.<field> or labs.<lab>.policy.<field>")
        targets = lab_names if parts[1] == "*" else [parts[1]]
        for name in targets:
            if name not in lab_names:
                raise ScenarioError(
                    path, f"unknown lab {name!r}; known labs: {', '.join(lab_names)}"
                )
            lab = data["labs"][lab_names.index(name)]
            _set_nested(lab, parts[2:], value, path)
    else:
        _set_nested(data, parts, value, path)


def _set_nested(node: dict[str, Any], keys: list[str], value: Any, path: str) -> None:
    for key in keys[:-1]:
        if key not in node:
            raise ScenarioError(path, f"unknown field {key!r}; known: {', '.join(node)}")
        if not isinstance(node[key], dict):
            raise ScenarioError(path, f"{key!r} is a single value, not a table of fields")
        node = node[key]
    if keys[-1] not in node:
        raise ScenarioError(path, f"unknown field {keys[-1]!r}; known: {', '.join(node)}")
    node[keys[-1]] = value


def build_scenario(data: dict[str, Any]) -> Scenario:
    """Validate ``data`` into a Scenario, raising ScenarioError on the first problem."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise scenario_error_from(exc, data) from None


def scenario_error_from(
    exc: ValidationError, data: Any = None, root: type[BaseModel] | None = None
) -> ScenarioError:
    """Turn pydantic's first error into a one-line ScenarioError naming the field
    (``root`` is the model validated, when it is not a whole Scenario).

    The field is written as users type ``--set`` paths: ``labs.OpenAI.gpus_h100e``,
    ``events[54].at``, ``population.graduate_mix[2]``.
    """
    err = exc.errors(include_url=False)[0]
    loc, model, name = _walk_location(err["loc"], data, root or Scenario)
    kind, ctx = err["type"], err.get("ctx", {})
    got = _got(err.get("input"))
    if kind == "field_error":
        return ScenarioError(_join(loc, ctx["field"]), ctx["message"])
    if kind == "missing":
        if err["loc"] and isinstance(err["loc"][-1], int):
            return ScenarioError(loc.rsplit("[", 1)[0], "has too few values")
        return ScenarioError(loc, "required field is missing")
    if kind == "extra_forbidden":
        return ScenarioError(loc, "unknown field (check the spelling)")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return ScenarioError(loc, f"{_range_text(model, name)} (got {got})")
    if kind == "finite_number":
        bounds = _range_text(model, name).removeprefix("must be").strip()
        extra = f" {bounds}" if bounds and bounds != "out of range" else ""
        return ScenarioError(loc, f"must be a finite number{extra} (got {got})")
    if kind == "literal_error":
        return ScenarioError(loc, f"must be one of {ctx.get('expected')} (got {got})")
    if kind == "value_error":
        message = str(ctx.get("error", err["msg"]))
        field, sep, rest = message.partition(": ")
        if not err["loc"] and sep and " " not in field:  # "events[2].at: ..." from a check
            return ScenarioError(field, rest)
        return ScenarioError(loc, message)
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return ScenarioError(loc, f"must be a table of fields (got {got})")
    return ScenarioError(loc, f"{err['msg'].lower()} (got {got})")


def _got(value: Any) -> str:
    """A user value for an error message: short, and never a whole table."""
    if isinstance(value, dict):
        return "a table"
    return shown(value)


def _join(prefix: str, field: str) -> str:
    return field if prefix in ("", "scenario") else f"{prefix}.{field}"


def _walk_location(
    loc: tuple[Any, ...], data: Any, root: type[BaseModel]
) -> tuple[str, type[BaseModel] | None, str | None]:
    """Pydantic's ``loc`` as a ``--set`` path, with the model and name of the last field.

    ``('labs', 2, 'gpus_h100e')`` -> ``labs.Meta.gpus_h100e`` when lab 2 is named
    ``Meta`` (``labs[2].gpus_h100e`` otherwise); union tags such as the ``str`` in
    ``('events', 54, 'at', 'str')`` are dropped.
    """
    text = ""
    model: type[BaseModel] | None = root
    owner: type[BaseModel] | None = None
    name: str | None = None
    node = data
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list | tuple) and 0 <= key < len(node) else None
            lab_name = item.get("name") if isinstance(item, dict) else None
            if model is LabConfig and isinstance(lab_name, str) and lab_name:
                text += f".{lab_name}"
            else:
                text += f"[{key}]"
            node = item
        elif model is not None and key in model.model_fields:
            text += f".{key}" if text else str(key)
            owner, name = model, str(key)
            model = _model_of(model.model_fields[key].annotation)
            node = node.get(key) if isinstance(node, dict) else None
        elif isinstance(node, dict) and key in node:  # a free-form table such as sources
            text += f".{key}" if text else str(key)
            node = node[key]
        # anything else is a union member's tag ("str", "int", "function-after[...]")
    return text or "scenario", owner, name


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``annotation`` (``list[LabConfig]`` -> LabConfig), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _range_text(model: type[BaseModel] | None, name: str | None) -> str:
    """The allowed range of field ``name`` of ``model``, read from its constraints."""
    field = model.model_fields.get(name) if model is not None and name else None
    if field is None:
        return "out of range"
    lo = hi = None
    lo_open = hi_open = False
    for meta in field.metadata:
        for attr, is_low, is_open in (
            ("ge", 1, 0),
            ("gt", 1, 1),
            ("le", 0, 0),
            ("lt", 0, 1),
        ):
            v = getattr(meta, attr, None)
            if v is not None:
                if is_low:
                    lo, lo_open = v, bool(is_open)
                else:
                    hi, hi_open = v, bool(is_open)
    if lo is None and hi is None:
        return "out of range"
    left = "" if lo is None else f"{'>' if lo_open else '>='} {lo:g}"
    right = "" if hi is None else f"{'<' if hi_open else '<='} {hi:g}"
    return "must be " + " and ".join(x for x in (left, right) if x)


def generic_scenario(n_labs: int = 8, n_engineers: int = 1_000) -> Scenario:
    """A small, synthetic market: one GPU-rich leader, a spread of labs, an outside pool.

    Used when the model is built from plain keyword arguments (``mesa.batch_run``).
    Lab ``i`` has compute falling geometrically with ``i``; the last lab is academia.
    """
    if n_labs < 2:
        raise ScenarioError("n_labs", f"must be >= 2 (got {n_labs})")
    if n_engineers < n_labs:
        raise ScenarioError("n_engineers", f"must be >= n_labs ({n_labs}) (got {n_engineers})")
    commercial = n_labs - 1
    # Mean/median pay under Pareto(2.2) skill with pay proportional to skill, so
    # budgets start about 15% above payroll.
    pay_mean_over_median = (2.2 / 1.2) / 2 ** (1 / 2.2)
    # Shares of people: academia holds a third, commercial labs share the rest.
    academia_people = n_engineers // 3
    per_lab = [(n_engineers - academia_people) // commercial] * commercial
    per_lab[0] += (n_engineers - academia_people) - sum(per_lab)
    labs = [
        _generic_lab(i, per_lab[i], commercial, pay_mean_over_median) for i in range(commercial)
    ]
    labs.append(_generic_academia(academia_people, pay_mean_over_median))
    return build_scenario(
        {
            "name": "generic",
            "description": f"Synthetic market: {n_labs} labs, {n_engineers} people.",
            "labs": labs,
            "population": {"graduates_per_year": n_engineers * 0.08},
            "market": {
                "compute_ref_h100e": 100.0 * n_engineers / n_labs,
                "talent_ref": 1.5 * n_engineers / n_labs,
                "product_half_saturation": 0.3 * n_engineers / n_labs,
            },
        }
    )


def _generic_lab(i: int, n: int, commercial: int, pay_mean_over_median: float) -> dict[str, Any]:
    """Commercial lab ``i`` of the generic market, with ``n`` people: compute falls
    geometrically with ``i``, budgets start about 15% above payroll.
    """
    research = round(n * 0.5)
    infra = round(n * 0.25)
    return {
        "name": f"Lab{i + 1}",
        "kind": "frontier" if i < max(1, commercial // 2) else "big_tech",
        "gpus_h100e": 100.0 * n * 0.6**i,
        "gpu_growth_per_year": 0.6,
        "budget_usd": n * 350_000.0 * pay_mean_over_median * 1.15,
        "mission": 0.3 + 0.4 * (i % 3) / 2,
        "comp_median_usd": 350_000.0,
        "headcount": {
            "research": research,
            "infrastructure": infra,
            "product": n - research - infra,
        },
        "ties": [f"Lab{j + 1}" for j in range(commercial) if abs(j - i) == 1],
    }


def _generic_academia(academia_people: int, pay_mean_over_median: float) -> dict[str, Any]:
    """The generic market's academia: a third of the people, little compute."""
    return {
        "name": "Academia",
        "kind": "academia",
        "gpus_h100e": 5.0 * academia_people,
        "gpu_growth_per_year": 0.2,
        "budget_usd": academia_people * 150_000.0 * pay_mean_over_median * 1.1,
        "budget_growth_per_year": 0.03,
        "mission": 0.8,
        "comp_median_usd": 150_000.0,
        "talent_quality": 0.8,
        "headcount": {
            "research": round(academia_people * 0.7),
            "infrastructure": round(academia_people * 0.1),
            "product": academia_people
            - round(academia_people * 0.7)
            - round(academia_people * 0.1),
        },
        "policy": {
            "counter_offer": "none",
            "equity_share": 0.0,
            "poaching_intensity": 0.3,
        },
    }
