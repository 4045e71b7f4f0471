"""Every code set of the model, defined once: specialties, employer codes, move reasons,
counter-offer and compute-allocation rules, lab kinds.

Columns store the integer codes (``IntEnum`` members are ints, so numpy compares and
indexes with them directly); tables and files show the names. Everything that needs a
code imports it from here, so no module spells a code set again or uses a bare integer.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, get_args


class Specialty(IntEnum):
    """What a person does (column ``People.specialty``)."""

    RESEARCH = 0
    INFRASTRUCTURE = 1
    PRODUCT = 2


SPECIALTIES: tuple[str, ...] = tuple(s.name.lower() for s in Specialty)
"""Specialty names in code order: research, infrastructure, product."""
N_SPECIALTIES = len(Specialty)
"""How many specialties there are (a plain int: a constant in compiled kernels)."""
RESEARCH_CODE = int(Specialty.RESEARCH)
"""The research specialty's code as a plain int (a constant in compiled kernels)."""


class Employer(IntEnum):
    """Employer codes that are not a lab index (column ``People.employer``)."""

    POOL = -1
    """Searching for a job (new graduates, laid-off people)."""
    GONE = -2
    """Left the market."""


NO_LAB = -1
"""``from_lab`` / ``to_lab`` in the move ledger when there is no lab (entry, exit)."""


class Reason(IntEnum):
    """Why a row is in the ``moves`` table (column ``reason``)."""

    POACHED = 0
    """Changed employer on an outside offer."""
    COUNTERED = 1
    """Stayed on a raised counter-offer (from_lab == to_lab)."""
    GRADUATE_HIRE = 2
    """A new entrant was hired."""
    REHIRE = 3
    """Hired from the pool of laid-off people."""
    SPIN_OUT = 4
    """Founded or joined a spin-out."""
    ATTRITION = 5
    """Left the market."""
    LAYOFF = 6
    """Laid off into the pool."""
    POOL_EXIT = 7
    """Left the job pool unhired after ``pool_months`` (left the market)."""
    NAMED_MOVE = 8
    """Moved by a scheduled ``move`` event (named people)."""
    TEAM_MOVE = 9
    """Moved with a team by a scheduled ``team_move`` event."""
    ACQUIHIRE = 10
    """Moved by a scheduled ``acquihire`` event (acqui-hire or licensing deal)."""


MOVE_REASONS: tuple[str, ...] = tuple(r.name.lower() for r in Reason)
"""Reason names in code order, as written in the ``moves`` table."""

EVENT_MOVE_REASONS: tuple[str, ...] = ("named_move", "team_move", "acquihire")
"""Reasons of moves made by scheduled events rather than by the market."""

HIRE_REASONS: tuple[str, ...] = (
    "poached",
    "graduate_hire",
    "rehire",
    "spin_out",
    *EVENT_MOVE_REASONS,
)
"""Reasons that are a hire by the destination lab."""

BETWEEN_LABS: tuple[str, ...] = ("poached", "spin_out", *EVENT_MOVE_REASONS)
"""Reasons that are a change of employer between two labs (what ``flows`` counts)."""

ENTRY_REASONS: tuple[str, ...] = ("graduate_hire", "rehire")
"""Reasons that bring someone from outside the labs (graduates, the pool) into a lab."""

EXIT_REASONS: tuple[str, ...] = ("attrition", "pool_exit")
"""Reasons that take a person out of the market."""

LAB_EXIT_REASONS: tuple[str, ...] = ("attrition", "layoff")
"""Reasons that take a person out of a lab without a new lab (the dashboard's exits)."""

CounterOfferRule = Literal["none", "match", "exceed"]
COUNTER_RULES: tuple[str, ...] = get_args(CounterOfferRule)
"""Counter-offer rules in code order (``PolicyArrays.counter_rule``)."""


class Counter(IntEnum):
    """Counter-offer rule codes (index into :data:`COUNTER_RULES`)."""

    NONE = 0
    MATCH = 1
    EXCEED = 2


ComputeAllocation = Literal["equal", "skill_weighted", "top_teams"]
ALLOCATION_RULES: tuple[str, ...] = get_args(ComputeAllocation)
"""Compute-allocation rules in code order (``LabTable.allocation``)."""


class Allocation(IntEnum):
    """Compute-allocation rule codes (index into :data:`ALLOCATION_RULES`)."""

    EQUAL = 0
    SKILL_WEIGHTED = 1
    TOP_TEAMS = 2


EventKind = Literal["set", "move", "team_move", "acquihire"]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
"""Scheduled event kinds: a field change, a move of named people, a team move, an
acqui-hire or licensing deal."""

PersonRole = Literal["member", "leader"]
PERSON_ROLES: tuple[str, ...] = get_args(PersonRole)
"""Roles of named people: a leader counts in the infrastructure leadership channel."""

TeamSelection = Literal["top", "random"]
TEAM_SELECTIONS: tuple[str, ...] = get_args(TeamSelection)
"""Who a team move takes: the top N by skill, or N at random (the model's rng)."""

LabKind = Literal["frontier", "big_tech", "startup", "infra", "academia"]
LAB_KINDS: tuple[str, ...] = get_args(LabKind)
"""Lab kinds: frontier lab, big tech, startup, infra/fintech shop, academia/outside pool."""

OUTSIDE_SECTOR: tuple[str, ...] = ("academia", "infra")
"""Lab kinds that take in graduates no lab hired (universities, the wider tech pool)."""


def _check() -> None:
    for enum, names in (
        (Counter, COUNTER_RULES),
        (Allocation, ALLOCATION_RULES),
    ):
        if tuple(m.name.lower() for m in enum) != names:  # pragma: no cover - import guard
            raise RuntimeError(f"{enum.__name__} out of step with its names {names}")


_check()
