"""Per-lab sums over the people at labs (the O(N) part of
:func:`market.valuation.aggregate`), kept between refreshes (:class:`LabSums`).

A refresh after a few people changed updates the sums by those rows only: each changed
row's old contribution (the columns as last summed, kept aside) is taken off its old lab
and its new one added to its new lab (:func:`_apply_changes`), which costs O(changed
rows), not a pass over everyone. Float sums updated this way differ from a fresh sum in
the last bits, so a full compiled pass over all rows (:func:`_full_pass`, each sum
sequential in row order, as ``np.bincount``) rebases them at the first refresh, after a
change of allocation rules or of the exponent, after a write that did not name its rows,
when many rows changed, and at least every :data:`MAX_UPDATES` updates. A lab or a
specialty that nobody is left in has sums of exactly zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.codes import RESEARCH_CODE
from market.jit import kernel
from market.people import RESEARCH, People
from market.selection import counting_sort, place_stably, place_values

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


MAX_UPDATES = 24
"""Updates by changed rows between two full passes (about a year of refreshes), so that
the rounding of the updates never accumulates for long."""
MAX_CHANGED_SHARE = 0.25
"""Above this share of the rows changed since the last refresh, a full pass is cheaper
than updating by rows."""


def full_sums(
    people: People, n_labs: int, allocation: np.ndarray, g: float
) -> tuple[RawSums, np.ndarray, np.ndarray, np.ndarray]:
    """Per-lab sums over everyone at a lab (each a sequential sum in row order from 0,
    as ``np.bincount(key, weights=...)`` computes it), with those rows (ascending), the
    ``L + 1`` bounds of their labs' segments in lab order (for :func:`place_stably`) and
    the flat accumulator the sums came from (:data:`SLOTS` a lab), by one compiled pass
    over all rows (:func:`_full_pass`).
    """
    staff, acc, (sg1, sg2) = _summed(people, n_labs, np.asarray(allocation, dtype=np.int64), g)
    raw, bounds = raw_sums(acc, sg1, sg2, n_labs)
    return raw, staff, bounds, acc


def _summed(
    people: People, n_labs: int, allocation: np.ndarray, g: float
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The staff rows, the accumulator and the power sums of one full pass."""
    staff, rule1, rule2, acc = _full_pass(
        people.view("employer"),
        people.skill,
        people.specialty,
        people.comp_usd,
        allocation,
        _powers(allocation, g),
    )
    return staff, acc, _power_sums(people, rule1, rule2, n_labs, g)


def _powers(allocation: np.ndarray, g: float) -> bool:
    """Whether the power sums are needed: some lab allocates by skill with ``g > 0``."""
    return g > 0 and bool(np.any(allocation > 0))


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
"""A lab's sums side by side in the accumulator of :func:`_full_pass` and
:func:`_apply_changes`: head count (3) and skill (3) by specialty, squared research
skill, payroll, skill sum."""


@kernel
def _full_pass(
    employer: np.ndarray,
    skill: np.ndarray,
    specialty: np.ndarray,
    comp: np.ndarray,
    allocation: np.ndarray,
    powers: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One pass over all rows: the staff rows (``np.flatnonzero(employer >= 0)``),
    (if ``powers``) their researchers at labs with allocation rule 1 and 2, and the
    accumulator of the sums over the staff (:data:`SLOTS` a lab: head count, skill by
    specialty, squared research skill, payroll and skill sum, from zero in row order, as
    ``np.bincount``; the lab count is ``allocation``'s length).

    A lab's sums sit side by side, so that a row's updates touch one cache line or two;
    each sum still adds its rows one by one in row order.
    """
    n = employer.shape[0]
    n_labs = allocation.shape[0]
    staff = np.empty(n, dtype=np.int64)
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
    return staff[:m], rule1[:m1], rule2[:m2], acc


@kernel
def _unpack(
    acc: np.ndarray, n_labs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The accumulator's sums as arrays (head count and skill by specialty (3, L),
    squared research skill, payroll, skill sum) and the lab bounds of the staff in lab
    order (prefix sums of the head counts).
    """
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
    return headcount, by_spec, s2, payroll, skill_sum, bounds


def raw_sums(
    acc: np.ndarray, sg1: np.ndarray, sg2: np.ndarray, n_labs: int
) -> tuple[RawSums, np.ndarray]:
    """The :class:`RawSums` of an accumulator and its power sums, and the lab bounds."""
    headcount, by_spec, s2, payroll, skill_sum, bounds = _unpack(acc, n_labs)
    return RawSums(headcount, by_spec, s2, sg1.copy(), sg2.copy(), payroll, skill_sum), bounds


@kernel
def _contribute(
    acc: np.ndarray,
    sg1: np.ndarray,
    sg2: np.ndarray,
    j: int,
    k: int,
    s: float,
    c: float,
    sign: float,
    rule: int,
    p1: float,
    p2: float,
) -> None:
    """Add (``sign`` 1) or take off (-1) one person's terms: lab ``j``, specialty ``k``,
    skill ``s``, pay ``c``; the power sums by allocation ``rule`` (0: none).
    """
    at = j * SLOTS
    acc[at + k] += sign
    acc[at + 3 + k] += sign * s
    if k == RESEARCH_CODE:
        acc[at + 6] += sign * (s * s)
        if rule == 1:
            sg1[j] += sign * s**p1
        elif rule == 2:
            sg2[j] += sign * s**p2
    acc[at + 7] += sign * c
    acc[at + 8] += sign * s


@kernel
def _apply_changes(
    rows: np.ndarray,
    employer: np.ndarray,
    specialty: np.ndarray,
    skill: np.ndarray,
    comp: np.ndarray,
    was_employer: np.ndarray,
    was_specialty: np.ndarray,
    was_skill: np.ndarray,
    was_comp: np.ndarray,
    acc: np.ndarray,
    sg1: np.ndarray,
    sg2: np.ndarray,
    allocation: np.ndarray,
    g: float,
    powers: bool,
) -> bool:
    """Update the sums by the changed ``rows`` (repeats allowed): each row whose columns
    differ from the ``was_`` columns (as last summed) has its old terms taken off its
    old lab and its new terms added to its new lab (only the payroll changes, by the
    difference, if only the pay did), and the ``was_`` columns take the new values.
    Then a specialty with nobody left at a lab has skill sums of exactly 0, and so has a
    lab with nobody left. True if someone joined or left the staff.
    """
    n_labs = allocation.shape[0]
    p1 = 1.0 + g
    p2 = 1.0 + 2.0 * g
    staff_changed = False
    for e in range(rows.shape[0]):
        i = rows[e]
        j0, k0, s0, c0 = was_employer[i], was_specialty[i], was_skill[i], was_comp[i]
        j1, k1, s1, c1 = employer[i], specialty[i], skill[i], comp[i]
        if j0 == j1 and k0 == k1 and s0 == s1 and c0 == c1:
            continue
        for j, k in ((j0, k0), (j1, k1)):
            if j >= n_labs or (j >= 0 and (k < 0 or k > 2)):  # numba does not check bounds
                raise IndexError("employer or specialty code out of range")
        if j0 == j1 and k0 == k1 and s0 == s1:  # a pay change (a raise, a counter)
            if j1 >= 0:
                acc[j1 * SLOTS + 7] += c1 - c0
            was_comp[i] = c1
            continue
        if j0 >= 0:
            rule = allocation[j0] if powers else 0
            _contribute(acc, sg1, sg2, j0, k0, s0, c0, -1.0, rule, p1, p2)
        if j1 >= 0:
            rule = allocation[j1] if powers else 0
            _contribute(acc, sg1, sg2, j1, k1, s1, c1, 1.0, rule, p1, p2)
        if (j0 >= 0) != (j1 >= 0):
            staff_changed = True
        was_employer[i], was_specialty[i], was_skill[i], was_comp[i] = j1, k1, s1, c1
    for j in range(n_labs):  # counts are exact: where they are 0, so are the sums
        at = j * SLOTS
        for k in range(3):
            if acc[at + k] == 0.0:
                acc[at + 3 + k] = 0.0
                if k == RESEARCH_CODE:
                    acc[at + 6] = 0.0
                    sg1[j] = 0.0
                    sg2[j] = 0.0
        if acc[at] + acc[at + 1] + acc[at + 2] == 0.0:
            acc[at + 7] = 0.0
            acc[at + 8] = 0.0
    return staff_changed


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


def market_mean(raw: RawSums) -> float:
    """The market's mean skill over everyone at a lab (1 with nobody at a lab)."""
    n = float(raw.headcount.sum())
    return float(raw.skill_sum.sum()) / n if n else 1.0


def people_sums(people: People, n_labs: int, allocation: np.ndarray, g: float) -> Sums:
    """All sums over everyone at a lab, from scratch (:func:`full_sums`)."""
    raw = full_sums(people, n_labs, allocation, g)[0]
    return finish(raw, allocation, g, market_mean(raw))


class LabSums:
    """The last per-lab sums, the columns they were summed from, the staff rows and the
    staff sorted by lab (module docstring).
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
        self.acc = np.zeros(0)
        """The running sums, :data:`SLOTS` a lab."""
        self.power_sums = (np.zeros(0), np.zeros(0))
        """The running ``sum s^(1+g)`` and ``sum s^(1+2g)`` (:class:`RawSums`)."""
        self.was: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        """Employer, specialty, skill and pay of every row as last summed."""
        self.updates = 0
        """Updates by changed rows since the last full pass."""
        self.full_passes = 0
        """Full passes so far (diagnostics and tests)."""

    def get(self, people: People, n_labs: int, allocation: np.ndarray, g: float) -> Sums:
        """Sums for the people now at labs: the last ones if neither the people
        (:attr:`~market.people.People.version`) nor the inputs changed, else updated by
        the changed rows (:meth:`market.people.People.changed_since`) or, when that is
        not possible or not cheaper, summed again in a full pass (module docstring).
        """
        allocation = np.asarray(allocation, dtype=np.int64)
        if (
            self.sums is not None
            and self.version == people.version
            and self.gamma == g
            and np.array_equal(self.allocation, allocation)
        ):
            return self.sums
        changed = self._changed_rows(people, allocation, g)
        if changed is None:
            self._full(people, n_labs, allocation, g)
        else:
            self._update(people, changed, n_labs, allocation, g)
        raw, self.bounds = raw_sums(self.acc, *self.power_sums, n_labs)
        self.sums = finish(raw, allocation, g, market_mean(raw))
        self.order = None
        self.version, self.gamma, self.allocation = people.version, g, allocation.copy()
        return self.sums

    def _changed_rows(self, people: People, allocation: np.ndarray, g: float) -> np.ndarray | None:
        """The rows changed since the last :meth:`get`, if updating by them is exact
        enough and cheaper than a full pass (same exponent, the same allocation rules
        for the labs already summed, few rows), else None.
        """
        if self.sums is None or self.version is None or self.gamma != g:
            return None
        old = self.allocation
        if self.updates >= MAX_UPDATES or len(allocation) < len(old):
            return None
        if not np.array_equal(allocation[: len(old)], old):
            return None
        if _powers(allocation, g) != _powers(old, g):
            return None
        rows = people.changed_since(self.version)
        if rows is None or len(rows) > MAX_CHANGED_SHARE * people.n:
            return None
        return rows

    def _full(self, people: People, n_labs: int, allocation: np.ndarray, g: float) -> None:
        """Sum everyone again and keep the columns summed."""
        self.staff, self.acc, self.power_sums = _summed(people, n_labs, allocation, g)
        self.was = (
            people.employer.copy(),
            people.specialty.copy(),
            people.skill.copy(),
            people.comp_usd.copy(),
        )
        self.updates = 0
        self.full_passes += 1

    def _update(
        self, people: People, rows: np.ndarray, n_labs: int, allocation: np.ndarray, g: float
    ) -> None:
        """Update the sums by the changed ``rows`` (:func:`_apply_changes`); labs added
        since start from zero, rows added since from nobody.
        """
        assert self.was is not None
        grown = n_labs - len(self.acc) // SLOTS
        if grown > 0:
            self.acc = np.concatenate([self.acc, np.zeros(grown * SLOTS)])
            self.power_sums = tuple(np.concatenate([a, np.zeros(grown)]) for a in self.power_sums)  # type: ignore[assignment]
        if len(self.was[0]) < people.capacity:
            self.was = _padded(self.was, people.capacity)
        staff_changed = _apply_changes(
            rows,
            people.employer,
            people.specialty,
            people.skill,
            people.comp_usd,
            *self.was,
            self.acc,
            *self.power_sums,
            allocation,
            float(g),
            _powers(allocation, g),
        )
        if staff_changed:
            self.staff = np.flatnonzero(people.view("employer") >= 0)
        self.updates += 1

    def lab_order(self, people: People, n_labs: int) -> tuple[np.ndarray, np.ndarray]:
        """The people at labs as of the last :meth:`get`, sorted by lab (row order
        within a lab), and the ``L + 1`` lab bounds: placed by the bounds of the last
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

    def values_by_lab(
        self, people: People, n_labs: int, values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``values`` of the people at labs in the order of :meth:`lab_order`, and the
        lab bounds: gathered through the order if it was sorted already, else placed
        straight from the rows (:func:`place_values`), without sorting the rows.
        """
        if self.order is None and len(self.bounds) == n_labs + 1:
            return place_values(self.staff, people.employer, self.bounds, values), self.bounds
        rows, bounds = self.lab_order(people, n_labs)
        return values[rows], bounds


def _padded(
    was: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], capacity: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The kept columns grown to ``capacity`` rows; the new rows are as
    :meth:`People.empty` makes them (nobody: gone).
    """
    employer, specialty, skill, comp = was
    fresh = People.empty(capacity - len(employer))
    return (
        np.concatenate([employer, fresh.employer]),
        np.concatenate([specialty, fresh.specialty]),
        np.concatenate([skill, fresh.skill]),
        np.concatenate([comp, fresh.comp_usd]),
    )


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
