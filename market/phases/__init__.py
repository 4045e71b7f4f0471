"""The phases of one month, in schedule order (docs/ODD.md, process overview).

Each phase is a function of the :class:`~market.state.MarketState` (and the model's
random generator where it draws), with its other inputs and outputs explicit:

1. :func:`apply_events`  scheduled changes and their reverts (``events``)
2. :func:`grow`          GPU stocks grow; each new year budgets follow capability
3. :func:`produce`       research output (CES of compute and talent) -> capability
4. :func:`lay_off`       labs over budget shed their lowest surplus, keeping needed staff
5. :func:`age_and_vest`  tenure, equity vesting and retention grants
6. :func:`enter`         graduates join the pool; stale pool members leave
7. :func:`spin_out`      stars found labs with a team; returns further colleagues to bid for
8. :func:`post_vacancies` vacancies per specialty where a hire is worth the wage
9. :func:`search`        candidate (lab, person) pairs, effort following vacancies
10. :func:`clear`        offers, counter-offers, choice, settlement within budget
11. :func:`attrite`      people leave the market
12. :func:`record`       this month's lab rows into the ledger
"""

from market.phases.attrition import attrite
from market.phases.clearing import clear
from market.phases.compute import grow
from market.phases.entry import enter
from market.phases.events import EventSchedule, apply_events
from market.phases.layoffs import lay_off
from market.phases.production import produce
from market.phases.record import record
from market.phases.search import Candidates, search
from market.phases.spinouts import spin_out
from market.phases.vacancies import Vacancies, post_vacancies
from market.phases.vesting import age_and_vest

__all__ = [
    "Candidates",
    "EventSchedule",
    "Vacancies",
    "age_and_vest",
    "apply_events",
    "attrite",
    "clear",
    "enter",
    "grow",
    "lay_off",
    "post_vacancies",
    "produce",
    "record",
    "search",
    "spin_out",
]
