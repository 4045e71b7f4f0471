"""Per-lab sums over the people at labs (the O(N) part of
:func:`market.valuation.aggregate`), by one compiled pass over the people rows, kept
while the people do not change (:class:`LabSums`).

Every sum is a sequential sum over the lab's people in row order (``bincount`` adds
each bin's weights in input order): a lab whose people changed cannot be updated
exactly (a float sum cannot drop a term), and summing only the changed labs still
walks every row to find their people, so each refresh after a change is one full pass.
Only the market's mean skill is a pairwise sum (numpy's ``mean``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.codes import RESEARCH_CODE
from market.jit import kernel
from market.people import RESEARCH, People
from market.selection import counting_sort, place_stably

Sums = tuple
"""(headcount (3, L), skill by specialty (3, L), research sum of squared skill (L),
effective research talent (L), payroll before retention grants (L), skill sum (L),
market mean skill), as :func:`market.valuation._evaluate` reads them."""


@dataclass
class RawSums:
    """Sequential per-lab sums over people rows (index = lab)."""

    headcount: np.ndarray
    """(3, L) people by specialty (float)."""
    by_spec: np.ndarray
    """(3, L) skill sums by specialty."""
    s2: np.ndarray
    """Sum of squared skill of researchers."""
    sg1: np.ndarray
    """Sum of skill^(1 + g) of researchers at skill-weighted labs (else 0)."""
    sg2: np.ndarray
    """Sum of skill^(1 + 2g) of researchers at top-teams labs (else 0)."""
    payroll: np.ndarray
    skill_sum: np.ndarray


def full_sums(
    people: People, n_labs: int, allocation: np.ndarray, g: float
) -> tuple[RawSums, np.ndarray, np.ndarray, np.ndarray]:
    """Per-lab sums over everyone at a lab (each a sequential sum in row order from 0,
    as ``np.bincount(key, weights=...)`` computes it), with those rows (ascending), their
    skills and the ``L + 1`` bounds of their labs' segments in lab order (for
    :func:`place_stably`), by one compiled pass over all rows (:func:`_full_pass`).
    """
    powers = g > 0 and bool(np.any(allocation > 0))
    out = _full_pass(
        people.view("employer"),
        people.skill,
        people.specialty,
        people.comp_usd,
        np.asarray(allocation, dtype=np.int64),
        powers,
    )
    staff, skill, rule1, rule2, headcount, by_spec, s2, payroll, skill_sum, bounds = out
    sg1, sg2 = _power_sums(people, rule1, rule2, n_labs, g)
    raw = RawSums(headcount, by_spec, s2, sg1, sg2, payroll, skill_sum)
    return raw, staff, skill, bounds


def _power_sums(
    people: People, rule1: np.ndarray, rule2: np.ndarray, n_labs: int, g: float
) -> tuple[np.ndarray, np.ndarray]:
    """``sum s^(1+g)`` over the ``rule1`` rows and ``sum s^(1+2g)`` over the ``rule2``
    rows per lab: numpy's powers, ``np.bincount``'s sums (in row order).
    """
    sg1, sg2 = np.zeros(n_labs), np.zeros(n_labs)
    for sel, power, sg in ((rule1, 1 + g, sg1), (rule2, 1 + 2 * g, sg2)):
        if sel.size:
            lab = people.employer[sel].astype(np.intp)
            sg[:] = np.bincount(lab, weights=people.skill[sel] ** power, minlength=n_labs)
    return sg1, sg2


def _rows64(rows: np.ndarray) -> np.ndarray:
    """``rows`` as int64 (the kernels' one row type, so they compile once)."""
    return rows if rows.dtype == np.int64 else rows.astype(np.int64)


SLOTS = 9
"""A lab's sums side by side in :func:`_full_pass`'s accumulator: head count (3) and
skill (3) by specialty, squared research skill, payroll, skill sum."""


@kernel
def _full_pass(
    employer: np.ndarray,
    skill: np.ndarray,
    specialty: np.ndarray,
    comp: np.ndarray,
    allocation: np.ndarray,
    powers: bool,
) -> tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
]:
    """One pass over all rows: the staff rows (``np.flatnonzero(employer >= 0)``), their
    skills, (if ``powers``) their researchers at labs with allocation rule 1 and 2,
    the sums over the staff (head count, skill by specialty, squared research
    skill, payroll and skill sum per lab, from zero in row order, as ``np.bincount``), in that
    order (the lab count is ``allocation``'s length), and the bounds of the staff's lab
    segments (the prefix sums of the head counts: :func:`by_employer`'s).

    A lab's sums sit side by side (:data:`SLOTS`), so that a row's updates touch one
    cache line or two; each sum still adds its rows one by one in row order.
    """
    n = employer.shape[0]
    n_labs = allocation.shape[0]
    staff = np.empty(n, dtype=np.int64)
    s_out = np.empty(n)
    rule1 = np.empty(n if powers else 0, dtype=np.int64)
    rule2 = np.empty(n if powers else 0, dtype=np.int64)
    acc = np.zeros(n_labs * SLOTS)
    m = 0
    for i in range(n):  # no branch: the gone are scattered among the employed
        staff[m] = i
        m += employer[i] >= 0
    m1 = 0
    m2 = 0
    for t in range(m):
        i = staff[t]
        j = employer[i]
        k = specialty[i]
        if j >= n_labs or k < 0 or k > 2:  # numba does not check bounds
            raise IndexError("employer or specialty code out of range")
        s = skill[i]
        s_out[t] = s
        at = j * SLOTS
        acc[at + k] += 1.0
        acc[at + 3 + k] += s
        research = k == RESEARCH_CODE
        # + 0.0 leaves a sum that started at +0.0 unchanged, bit for bit: no branch
        acc[at + 6] += s * s if research else 0.0
        if powers and research:
            rule = allocation[j]
            if rule == 1:
                rule1[m1] = i
                m1 += 1
            elif rule == 2:
                rule2[m2] = i
                m2 += 1
        acc[at + 7] += comp[i]
        acc[at + 8] += s
    headcount = np.empty((3, n_labs))
    by_spec = np.empty((3, n_labs))
    s2 = np.empty(n_labs)
    payroll = np.empty(n_labs)
    skill_sum = np.empty(n_labs)
    bounds = np.zeros(n_labs + 1, dtype=np.int64)
    for j in range(n_labs):
        at = j * SLOTS
        for k in range(3):
            headcount[k, j] = acc[at + k]
            by_spec[k, j] = acc[at + 3 + k]
        s2[j] = acc[at + 6]
        payroll[j] = acc[at + 7]
        skill_sum[j] = acc[at + 8]
        bounds[j + 1] = bounds[j] + int(acc[at] + acc[at + 1] + acc[at + 2])
    return (
        staff[:m],
        s_out[:m],
        rule1[:m1],
        rule2[:m2],
        headcount,
        by_spec,
        s2,
        payroll,
        skill_sum,
        bounds,
    )


def finish(raw: RawSums, allocation: np.ndarray, g: float, market_mean: float) -> Sums:
    """The sums :func:`market.valuation._evaluate` reads: effective talent is the
    research skill sum, or ``sum s^(1+g) / mean(s)^g`` (skill-weighted) and
    ``sum s^(1+2g) / mean(s^2)^g`` (top teams).
    """
    research = raw.by_spec[RESEARCH]
    talent = research.copy()
    if g > 0 and np.any(allocation > 0):
        n_r = np.maximum(raw.headcount[RESEARCH], 1)
        m1 = np.maximum(research / n_r, 1e-12)
        m2 = np.maximum(raw.s2 / n_r, 1e-12)
        talent = np.where(
            allocation == 1,
            raw.sg1 / m1**g,
            np.where(allocation == 2, raw.sg2 / m2**g, talent),
        )
    return (
        raw.headcount,
        raw.by_spec,
        raw.s2,
        talent,
        raw.payroll,
        raw.skill_sum,
        market_mean,
    )


def mean_skill(skill: np.ndarray) -> float:
    """The market's mean skill, given the skills of the people at labs in row order
    (1 with nobody at a lab).
    """
    n = len(skill)  # np.mean is the reduction over the count (its own ~10 us of glue)
    return np.add.reduce(skill) / n if n else 1.0


def people_sums(people: People, n_labs: int, allocation: np.ndarray, g: float) -> Sums:
    """All sums over everyone at a lab, from scratch (:func:`full_sums`)."""
    raw, _, skill, _ = full_sums(people, n_labs, allocation, g)
    return finish(raw, allocation, g, mean_skill(skill))


class LabSums:
    """The last per-lab sums, the inputs they came from, the staff rows and the staff
    sorted by lab.
    """

    def __init__(self) -> None:
        self.sums: Sums | None = None
        self.version: int | None = None
        self.gamma: float | None = None
        self.allocation = np.zeros(0, dtype=np.int64)
        self.staff = np.zeros(0, dtype=np.int64)
        """Rows of the people at labs at the last :meth:`get`, ascending."""
        self.bounds = np.zeros(1, dtype=np.int64)
        """The lab bounds of :attr:`staff` in lab order."""
        self.order: tuple[np.ndarray, np.ndarray] | None = None
        """:attr:`staff` sorted by lab (stable) and the lab bounds, once asked for."""
        self.memo: dict = {}
        """Other per-version results kept by callers (the leadership sums, keyed on
        :attr:`~market.people.People.version`)."""

    def get(self, people: People, n_labs: int, allocation: np.ndarray, g: float) -> Sums:
        """Sums for the people now at labs: the last ones if neither the people
        (:attr:`~market.people.People.version`) nor the inputs changed, else
        :func:`full_sums`.
        """
        if (
            self.sums is not None
            and self.version == people.version
            and self.gamma == g
            and np.array_equal(self.allocation, allocation)
        ):
            return self.sums
        raw, self.staff, skill, self.bounds = full_sums(people, n_labs, allocation, g)
        self.order = None
        self.sums = finish(raw, allocation, g, mean_skill(skill))
        self.version, self.gamma, self.allocation = people.version, g, allocation.copy()
        return self.sums

    def lab_order(self, people: People, n_labs: int) -> tuple[np.ndarray, np.ndarray]:
        """The people at labs as of the last :meth:`get`, sorted by lab (row order
        within a lab), and the ``L + 1`` lab bounds: placed by the bounds of the pass of
        :meth:`get` on the first call (a refresh whose order nobody reads, such as a
        spin-out's, does not sort), sorted again if labs were added since. The caller
        checks that the people did not change since :meth:`get`
        (:meth:`market.state.MarketState.lab_order`).
        """
        if self.order is None or len(self.order[1]) != n_labs + 1:
            if len(self.bounds) == n_labs + 1:
                placed = place_stably(self.staff, people.employer, self.bounds, True)
                self.order = (placed, self.bounds)
            else:
                self.order = by_employer(self.staff, people.employer, n_labs)
        return self.order


def staff_by_lab(staff: np.ndarray, lab: np.ndarray, n_labs: int) -> tuple[np.ndarray, np.ndarray]:
    """``staff`` (ascending) sorted by ``lab`` with a stable sort, and the lab bounds
    (``staff[np.argsort(lab, kind="stable")]`` and ``[0, *cumsum(bincount(lab))]``),
    by a compiled counting sort (:func:`market.selection.counting_sort`).
    """
    return counting_sort(_rows64(staff), lab, n_labs, False)


def by_employer(
    staff: np.ndarray, employer: np.ndarray, n_labs: int
) -> tuple[np.ndarray, np.ndarray]:
    """``staff_by_lab(staff, employer[staff], n_labs)`` without gathering the labs."""
    return counting_sort(_rows64(staff), employer, n_labs, True)
