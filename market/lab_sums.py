"""Per-lab sums over the people at labs, kept between refreshes (the O(N) part of
:func:`market.valuation.aggregate`).

Every sum is a sequential sum over the lab's people in row order (``bincount`` adds
each bin's weights in input order), so :class:`LabSums` can update it bit-identically
without a full pass:

* a lab whose people did not change keeps its sums;
* a lab that only gained people at rows after all of its current people (graduates
  absorbed by the outside sector, new spin-outs) continues its sums with the new rows,
  in row order (``np.add.at`` adds sequentially too);
* any other changed lab (someone left, or a member's pay changed) is summed again over
  all of its rows.

The rows that changed are those passed to :meth:`market.people.People.touch` (which
:mod:`market.moves` does for every move) and the rows added since; a plain ``touch()``
(rows unknown) makes the next call sum every lab. Only the market's mean skill (a
pairwise sum) is always taken over everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from market.jit import kernel
from market.people import RESEARCH, People
from market.search import unique_sorted
from market.selection import counting_sort

Sums = tuple
"""(headcount (3, L), skill by specialty (3, L), research sum of squared skill (L),
effective research talent (L), payroll before retention grants (L), skill sum (L),
market mean skill), as :func:`market.valuation._evaluate` reads them."""

RESUM_SHARE = 0.5
"""Above this share of the people in labs to sum again, :class:`LabSums` sums everyone."""
REPAY_COST = 0.25
"""Cost of summing a lab's payroll again relative to all of its sums (per person)."""
RESEARCH_CODE = int(RESEARCH)
"""The research specialty code as a plain int (a constant in the kernels)."""


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

    @classmethod
    def zeros(cls, n_labs: int) -> RawSums:
        """Sums over nobody."""
        by_lab = (np.zeros(n_labs) for _ in range(5))
        return cls(np.zeros((3, n_labs)), np.zeros((3, n_labs)), *by_lab)

    def padded(self, n_labs: int) -> RawSums:
        """A copy with zero columns for labs added since."""
        out = []
        for f in fields(self):
            a = getattr(self, f.name)
            b = np.zeros((*a.shape[:-1], n_labs))
            b[..., : a.shape[-1]] = a
            out.append(b)
        return RawSums(*out)

    def take(self, other: RawSums, labs: np.ndarray) -> None:
        """Replace the sums of ``labs`` by ``other``'s."""
        for f in fields(self):
            getattr(self, f.name)[..., labs] = getattr(other, f.name)[..., labs]


def raw_sums(
    people: People, rows: np.ndarray, n_labs: int, allocation: np.ndarray, g: float
) -> RawSums:
    """Per-lab sums over ``rows`` (people at labs, ascending), from scratch:
    :func:`add_rows` from zeroed sums, so each statistic is a sequential sum per lab (or
    per specialty and lab) in row order from 0, as ``np.bincount(key, weights=...)``
    computes it.
    """
    raw = RawSums.zeros(n_labs)
    add_rows(raw, people, rows, allocation, g)
    return raw


def full_sums(
    people: People, n_labs: int, allocation: np.ndarray, g: float
) -> tuple[RawSums, np.ndarray, np.ndarray]:
    """:func:`raw_sums` over everyone at a lab, with those rows (ascending) and their
    skills, by one compiled pass over all rows (:func:`_partial_pass` re-summing every
    lab).
    """
    powers = g > 0 and bool(np.any(allocation > 0))
    out = _partial_pass(
        people.view("employer"),
        people.skill,
        people.specialty,
        people.comp_usd,
        np.ones(n_labs, dtype=bool),
        np.zeros(n_labs, dtype=bool),
        np.asarray(allocation, dtype=np.int64),
        powers,
    )
    staff, skill, _, rule1, rule2, headcount, by_spec, s2, payroll, skill_sum = out
    sg1, sg2 = _power_sums(people, rule1, rule2, n_labs, g)
    return RawSums(headcount, by_spec, s2, sg1, sg2, payroll, skill_sum), staff, skill


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


def _add_powers(
    sg1: np.ndarray,
    sg2: np.ndarray,
    people: People,
    rows: np.ndarray,
    allocation: np.ndarray,
    g: float,
) -> None:
    """Add ``s^(1+g)`` (rule 1) and ``s^(1+2g)`` (rule 2) of the researchers among
    ``rows`` at labs with that allocation rule to ``sg1``/``sg2``, in row order.

    The powers are numpy's (``**``), evaluated only for those researchers; the sums
    ``np.add.at``'s (sequential, as ``np.bincount``'s from zero).
    """
    if not (g > 0 and np.any(allocation > 0)):
        return
    alloc = np.asarray(allocation, dtype=np.int64)
    for rule, power, sg in ((1, 1 + g, sg1), (2, 1 + 2 * g, sg2)):
        sel = _rule_rows(_rows64(rows), people.employer, people.specialty, alloc, rule)
        if sel.size:
            lab = people.employer[sel].astype(np.intp)
            np.add.at(sg, lab, people.skill[sel] ** power)


def _rows64(rows: np.ndarray) -> np.ndarray:
    """``rows`` as int64 (the kernels' one row type, so they compile once)."""
    return rows if rows.dtype == np.int64 else rows.astype(np.int64)


@kernel
def _accumulate(
    rows: np.ndarray,
    employer: np.ndarray,
    skill: np.ndarray,
    specialty: np.ndarray,
    comp: np.ndarray,
    headcount: np.ndarray,
    by_spec: np.ndarray,
    s2: np.ndarray,
    payroll: np.ndarray,
    skill_sum: np.ndarray,
) -> None:
    """Add each row's statistics to its lab's sums, in row order: head count and
    skill by (specialty, lab), squared skill of researchers, pay and skill by lab.

    Reproduces ``np.bincount(key, weights=w)`` (from zeroed sums) or
    ``np.add.at(sums, key, w)`` (continuing them) for every statistic at once: both
    add each bin's weights sequentially in input order, and so does this loop.
    """
    n_labs = payroll.shape[0]
    for i in range(rows.shape[0]):
        r = rows[i]
        j = employer[r]
        k = specialty[r]
        if j < 0 or j >= n_labs or k < 0 or k > 2:  # numba does not check bounds
            raise IndexError("employer or specialty code out of range")
        s = skill[r]
        headcount[k, j] += 1.0
        by_spec[k, j] += s
        if k == RESEARCH_CODE:
            s2[j] += s * s
        payroll[j] += comp[r]
        skill_sum[j] += s


@kernel
def _rule_rows(
    rows: np.ndarray, employer: np.ndarray, specialty: np.ndarray, allocation: np.ndarray, rule: int
) -> np.ndarray:
    """The researchers among ``rows`` whose lab has allocation ``rule``, in order
    (``rows[(specialty[rows] == RESEARCH) & (allocation[employer[rows]] == rule)]``).
    """
    out = np.empty(rows.shape[0], dtype=np.int64)
    k = 0
    for i in range(rows.shape[0]):
        r = rows[i]
        if specialty[r] == RESEARCH_CODE and allocation[employer[r]] == rule:
            out[k] = r
            k += 1
    return out[:k]


@kernel
def _partial_pass(
    employer: np.ndarray,
    skill: np.ndarray,
    specialty: np.ndarray,
    comp: np.ndarray,
    resum: np.ndarray,
    repay: np.ndarray,
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
    """One pass over all rows for a lab-by-lab update: the staff rows
    (``np.flatnonzero(employer >= 0)``) and their skills; the rows at labs flagged in
    ``resum``, with all of :func:`_accumulate`'s sums of those labs from zero and (if
    ``powers``) their researchers at allocation rule 1 and 2 labs; and the payroll of
    the labs flagged in ``repay`` (``np.bincount`` over their rows). ``resum`` and
    ``repay`` are disjoint. Returns staff, skills, resum rows, the two rule row sets,
    head count, skill by specialty, squared research skill, payroll (resum and repay
    labs) and skill sum; the sums of the other labs are not meaningful.
    """
    n = employer.shape[0]
    n_labs = resum.shape[0]
    staff = np.empty(n, dtype=np.int64)
    s_out = np.empty(n)
    rows = np.empty(n, dtype=np.int64)
    rule1 = np.empty(n if powers else 0, dtype=np.int64)
    rule2 = np.empty(n if powers else 0, dtype=np.int64)
    headcount = np.zeros((3, n_labs))
    by_spec = np.zeros((3, n_labs))
    s2 = np.zeros(n_labs)
    payroll = np.zeros(n_labs)
    skill_sum = np.zeros(n_labs)
    m = 0
    for i in range(n):  # no branch: the gone are scattered among the employed
        staff[m] = i
        m += employer[i] >= 0
    r = 0
    m1 = 0
    m2 = 0
    for t in range(m):
        # No branch on the lab's flags either: a row of an unflagged lab adds to its
        # lab's sums (never read), and + 0.0 leaves a sum that started at +0.0
        # unchanged, bit for bit.
        i = staff[t]
        j = employer[i]
        k = specialty[i]
        if j >= n_labs or k < 0 or k > 2:  # numba does not check bounds
            raise IndexError("employer or specialty code out of range")
        s = skill[i]
        s_out[t] = s
        again = resum[j]
        rows[r] = i
        r += again
        headcount[k, j] += 1.0
        by_spec[k, j] += s
        research = k == RESEARCH_CODE
        s2[j] += s * s if research else 0.0
        if powers and research and again:
            rule = allocation[j]
            if rule == 1:
                rule1[m1] = i
                m1 += 1
            elif rule == 2:
                rule2[m2] = i
                m2 += 1
        payroll[j] += comp[i] if again or repay[j] else 0.0
        skill_sum[j] += s
    return (
        staff[:m],
        s_out[:m],
        rows[:r],
        rule1[:m1],
        rule2[:m2],
        headcount,
        by_spec,
        s2,
        payroll,
        skill_sum,
    )


def add_rows(
    raw: RawSums, people: People, rows: np.ndarray, allocation: np.ndarray, g: float
) -> None:
    """Continue ``raw`` with ``rows`` (ascending; each after all rows already summed
    into its lab), adding in row order as :func:`raw_sums` would have.
    """
    if rows.size == 0:
        return
    _accumulate(
        _rows64(rows),
        people.employer,
        people.skill,
        people.specialty,
        people.comp_usd,
        raw.headcount,
        raw.by_spec,
        raw.s2,
        raw.payroll,
        raw.skill_sum,
    )
    _add_powers(raw.sg1, raw.sg2, people, rows, allocation, g)


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
        talent = np.select(
            [allocation == 1, allocation == 2], [raw.sg1 / m1**g, raw.sg2 / m2**g], talent
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
    return skill.mean() if len(skill) else 1.0


def people_sums(
    people: People, staff: np.ndarray, n_labs: int, allocation: np.ndarray, g: float
) -> Sums:
    """All sums over ``staff`` (everyone at a lab, ascending), from scratch."""
    raw = raw_sums(people, staff, n_labs, allocation, g)
    return finish(raw, allocation, g, mean_skill(people.skill[staff]))


class LabSums:
    """The last per-lab sums, the inputs they came from, and each row's employer then."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget everything: the next :meth:`get` sums every lab from scratch."""
        self.raw: RawSums | None = None
        self.sums: Sums | None = None
        self.version: int | None = None
        self.gamma: float | None = None
        self.allocation = np.zeros(0, dtype=np.int64)
        self.employer = np.zeros(0, dtype=np.int32)
        """Each row's employer when the sums were taken (rows beyond it are new)."""
        self.skill_bits = np.zeros(0, dtype=np.int64)
        self.specialty = np.zeros(0, dtype=np.int8)
        """Each row's skill (its bits) and specialty when last summed, for the first
        :attr:`seen` rows (room for more beyond): a touched row whose employer, skill
        and specialty are unchanged only changed pay."""
        self.seen = 0
        self.staff = np.zeros(0, dtype=np.int64)
        """Rows of the people at labs at the last :meth:`get`, ascending."""
        self.passes = {"full": 0, "partial": 0}
        """How often each path was taken (for tests and benchmarks)."""
        self.order: tuple[np.ndarray, np.ndarray] | None = None
        """:attr:`staff` sorted by lab (stable) and the lab bounds, once asked for."""
        self.memo: dict = {}
        """Other per-version results kept by callers (the leadership sums, keyed on
        :attr:`~market.people.People.version`)."""

    def get(self, people: People, n_labs: int, allocation: np.ndarray, g: float) -> Sums:
        """Sums for the people now at labs, updating only the labs that changed."""
        if (
            self.sums is not None
            and self.version == people.version
            and self.gamma == g
            and np.array_equal(self.allocation, allocation)
        ):
            return self.sums
        emp = people.view("employer")
        update = self._update(people, n_labs, allocation, g)
        if update is None:
            raw, staff, skill = full_sums(people, n_labs, allocation, g)
            log = people.touched
            self._remember(people, None if log is None else np.concatenate([[], *log]))
            self.employer = emp.copy()
            self.order = None
            self.passes["full"] += 1
        else:
            raw, staff, skill = update
            self.passes["partial"] += 1
        people.touched = []
        self.raw, self.staff = raw, staff
        self.sums = finish(raw, allocation, g, mean_skill(skill))
        self.version, self.gamma, self.allocation = people.version, g, allocation.copy()
        return self.sums

    def _update(
        self, people: People, n_labs: int, allocation: np.ndarray, g: float
    ) -> tuple[RawSums, np.ndarray, np.ndarray] | None:
        """The stored sums brought up to date lab by lab, from the rows people touched
        and the rows added since, with the staff rows and their skills (None: sum
        everyone again).
        """
        n_old, k, log = len(self.allocation), len(self.employer), people.touched
        if self.raw is None or self.gamma != g or n_labs < n_old or log is None:
            return None
        emp, old_emp = people.view("employer"), self.employer
        idx = _distinct(np.concatenate(log)) if log else np.zeros(0, dtype=np.int64)
        idx = idx[idx < k]
        was, now = old_emp[idx], emp[idx]
        # A member whose skill and specialty are as summed only had a pay change: only
        # the lab's payroll is summed again.
        stays = (was >= 0) & (was == now)
        stays[stays] = (people.skill[idx[stays]].view(np.int64) == self.skill_bits[idx[stays]]) & (
            people.specialty[idx[stays]] == self.specialty[idx[stays]]
        )
        resum = np.zeros(n_labs, dtype=bool)
        resum[was[(was >= 0) & ~stays]] = True  # someone left, or skill or specialty changed
        resum[:n_old] |= allocation[:n_old] != self.allocation
        repay = np.zeros(n_labs, dtype=bool)
        repay[was[stays]] = True
        joined = np.concatenate([idx[(now >= 0) & (now != was)], k + np.flatnonzero(emp[k:] >= 0)])
        grows = np.zeros(n_labs, dtype=bool)
        grows[emp[joined]] = True
        grows &= ~resum
        last = self._last_members(n_old)
        for j in np.flatnonzero(grows):  # a joiner below a current member: sum again
            first = joined[emp[joined] == j][0]
            if first >= k:
                continue
            below = (j < n_old and last[j] > first) if last is not None else None
            if below is None:
                below = bool(np.any(old_emp[first:] == j))
            if below:
                resum[j], grows[j] = True, False
        resum |= repay & grows  # pay changed and people appended: sum again
        grows &= ~resum
        repay &= ~resum
        heads = self.raw.headcount.sum(axis=0)
        cost = heads[resum[:n_old]].sum() + REPAY_COST * heads[repay[:n_old]].sum()
        if cost > RESUM_SHARE * heads.sum():
            return None  # most people are in labs summed again: one full pass is cheaper
        raw = self.raw.padded(n_labs)
        appended = joined[grows[emp[joined]]]
        powers = g > 0 and bool(np.any(allocation > 0))
        out = _partial_pass(
            emp,
            people.skill,
            people.specialty,
            people.comp_usd,
            resum,
            repay,
            np.asarray(allocation, dtype=np.int64),
            powers,
        )
        staff, skill, rows, rule1, rule2, headcount, by_spec, s2, payroll, skill_sum = out
        if resum.any():
            sg1, sg2 = _power_sums(people, rule1, rule2, n_labs, g)
            fresh = RawSums(headcount, by_spec, s2, sg1, sg2, payroll, skill_sum)
            raw.take(fresh, np.flatnonzero(resum))
        if repay.any():
            raw.payroll[repay] = payroll[repay]
        if self.order is not None:
            self.order = _patched_order(self.order, resum, rows, appended, people.employer)
        add_rows(raw, people, appended, allocation, g)
        old_emp[idx] = now
        self.employer = np.concatenate([old_emp, emp[k:]])
        self._remember(people, idx)
        return raw, staff, skill

    def _remember(self, people: People, rows: np.ndarray | None) -> None:
        """Note the skill and specialty of ``rows`` (None: of everyone) and of the rows
        added since the last call, in place (the arrays grow like the people's).
        """
        n = people.n
        if rows is None or self.seen == 0:
            rows, self.seen = None, 0
        if len(self.skill_bits) < n:
            size = max(n, len(self.skill_bits) * 3 // 2)
            bits, spec = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int8)
            bits[: self.seen] = self.skill_bits[: self.seen]
            spec[: self.seen] = self.specialty[: self.seen]
            self.skill_bits, self.specialty = bits, spec
        skill_bits = people.view("skill").view(np.int64)
        if rows is not None and rows.size:
            rows = rows.astype(np.intp)
            self.skill_bits[rows] = skill_bits[rows]
            self.specialty[rows] = people.specialty[rows]
        self.skill_bits[self.seen : n] = skill_bits[self.seen :]
        self.specialty[self.seen : n] = people.view("specialty")[self.seen :]
        self.seen = n

    def _last_members(self, n_labs: int) -> np.ndarray | None:
        """The last row of each lab's people at the last :meth:`get` (-1 for none),
        from the lab order if it is kept (else None).
        """
        if self.order is None or len(self.order[1]) != n_labs + 1:
            return None
        rows, bounds = self.order
        if rows.size == 0:
            return np.full(n_labs, -1)
        return np.where(np.diff(bounds) > 0, rows[np.maximum(bounds[1:] - 1, 0)], -1)

    def lab_order(self, people: People, n_labs: int) -> tuple[np.ndarray, np.ndarray]:
        """The people at labs as of the last :meth:`get`, sorted by lab (row order
        within a lab), and the ``L + 1`` lab bounds; sorted once after a full pass,
        then patched by the partial updates.
        """
        if self.order is None or len(self.order[1]) != n_labs + 1:
            self.order = by_employer(self.staff, people.employer, n_labs)
        return self.order


def _distinct(rows: np.ndarray) -> np.ndarray:
    """``np.unique(rows)`` (sorted distinct rows), by :func:`market.search.unique_sorted`."""
    if rows.size == 0 or rows.min() < 0:
        return np.unique(rows)
    return unique_sorted(rows, int(rows.max()) + 1)


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


def _patched_order(
    order: tuple[np.ndarray, np.ndarray],
    resum: np.ndarray,
    resum_rows: np.ndarray,
    appended: np.ndarray,
    employer: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The lab order after a partial update: the ``resum`` labs' segments replaced by
    their current people, ``appended`` people (each after every member of its lab)
    added at the end of their labs' segments. ``resum_rows`` and ``appended`` are
    rows ascending, at labs ``employer[rows]``.
    """
    n_labs = len(resum)
    rows_by_lab, bounds = order
    bounds = np.concatenate([bounds, np.full(n_labs + 1 - len(bounds), bounds[-1])])
    (r_rows, r_bounds), (a_rows, a_bounds) = (
        by_employer(x, employer, n_labs) for x in (resum_rows, appended)
    )
    parts = []
    for j in range(n_labs):
        if resum[j]:
            parts.append(r_rows[r_bounds[j] : r_bounds[j + 1]])
        else:
            parts.append(rows_by_lab[bounds[j] : bounds[j + 1]])
            parts.append(a_rows[a_bounds[j] : a_bounds[j + 1]])
    counts = np.where(resum, np.diff(r_bounds), np.diff(bounds) + np.diff(a_bounds))
    return np.concatenate(parts), np.concatenate([[0], np.cumsum(counts)])
