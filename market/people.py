"""Columnar state of all engineers and researchers (numpy arrays, one row a person).

A person's row index is their ``person_id`` for the whole run: rows are appended as
people enter and never reused, so the ledger can refer to them after they leave.
The Mesa ``Engineer`` agents are thin views onto these rows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from market.codes import Employer, Specialty

RESEARCH, INFRASTRUCTURE, PRODUCT = Specialty.RESEARCH, Specialty.INFRASTRUCTURE, Specialty.PRODUCT
POOL, GONE = Employer.POOL, Employer.GONE


@dataclass
class People:
    """Hot state of every person; arrays grow in chunks as people enter."""

    skill: np.ndarray
    """Skill (>= ~1, Pareto-tailed); the unit of effective talent."""
    specialty: np.ndarray
    """0 research, 1 infrastructure, 2 product."""
    employer: np.ndarray
    """Lab index, or POOL / GONE."""
    comp_usd: np.ndarray
    """Annual total compensation (USD/year); for people in the pool, their reservation pay."""
    unvested_usd: np.ndarray
    """Unvested equity forfeited on leaving (USD)."""
    tenure_months: np.ndarray
    """Months at the current employer (or in the pool)."""
    hired_step: np.ndarray
    """Step of the last hire; -1 for never employed (graduates)."""
    w_compute: np.ndarray
    """Preference weight on log compute per head."""
    w_mission: np.ndarray
    """Preference weight on mission."""
    w_colleagues: np.ndarray
    """Preference weight on log colleague quality."""
    name: np.ndarray
    """Index into :attr:`names` for a named person (``[[people]]``); -1 for anonymous."""
    leader: np.ndarray
    """Declared ``role = "leader"``: counts in the infrastructure leadership channel."""
    held_until: np.ndarray
    """A named person is not a candidate for outside offers before this step (the
    step of their first scheduled move); 0 for everyone else."""

    @classmethod
    def empty(cls, capacity: int) -> People:
        """Arrays with room for ``capacity`` people and none in use."""
        return cls(
            skill=np.zeros(capacity),
            specialty=np.zeros(capacity, dtype=np.int8),
            employer=np.full(capacity, GONE, dtype=np.int32),
            comp_usd=np.zeros(capacity),
            unvested_usd=np.zeros(capacity),
            tenure_months=np.zeros(capacity, dtype=np.int32),
            hired_step=np.full(capacity, -1, dtype=np.int32),
            w_compute=np.zeros(capacity),
            w_mission=np.zeros(capacity),
            w_colleagues=np.zeros(capacity),
            name=np.full(capacity, -1, dtype=np.int32),
            leader=np.zeros(capacity, dtype=bool),
            held_until=np.zeros(capacity, dtype=np.int32),
        )

    def __post_init__(self) -> None:
        self.names: list[str] = []
        """Names of the named people, in the order they were placed (codes of ``name``)."""
        self.n = 0  # rows in use
        self.version = 0
        """Bumped by :meth:`add` and :meth:`touch`: who works where, and for what pay,
        may have changed (the aggregate cache keys on it)."""
        self._log: list[tuple[int, np.ndarray]] = []
        """(version after the change, rows) of each :meth:`touch` and :meth:`add`."""
        self._log_rows = 0
        self._log_floor = 0
        """Changes up to this version are not in the log (:meth:`changed_since`)."""

    def touch(self, rows: np.ndarray | None = None) -> None:
        """Say that employer, pay, skill or specialty columns were written (of ``rows``,
        or of any row if not given: then the next ``MarketState.refresh`` sums every lab
        again; with rows, it updates the sums of those rows' labs).

        The model's settlement functions call it; code that writes those columns
        directly must call it too before the next ``MarketState.refresh``.
        """
        self.version += 1
        if rows is None:
            self._forget()
        else:
            self._record(np.array(rows, dtype=np.int64))  # a copy: callers reuse theirs

    def changed_since(self, version: int) -> np.ndarray | None:
        """The rows touched or added after :attr:`version` was ``version`` (repeats
        possible, in no particular order), or None if that is no longer known (a touch
        without rows, or a log grown past half the rows, since then).
        """
        if version < self._log_floor:
            return None
        parts = [rows for at, rows in self._log if at > version]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _record(self, rows: np.ndarray) -> None:
        self._log.append((self.version, rows))
        self._log_rows += len(rows)
        if self._log_rows > max(4096, self.n // 2):
            self._forget()

    def _forget(self) -> None:
        self._log.clear()
        self._log_rows = 0
        self._log_floor = self.version

    @property
    def capacity(self) -> int:
        """Rows allocated."""
        return len(self.skill)

    def add(self, **columns: np.ndarray) -> np.ndarray:
        """Append people; every column not given keeps its empty default. Returns rows."""
        k = len(next(iter(columns.values())))
        if self.n + k > self.capacity:
            self._grow(max(self.capacity * 3 // 2, self.n + k))
        rows = np.arange(self.n, self.n + k)
        for name, values in columns.items():
            getattr(self, name)[self.n : self.n + k] = values
        self.n += k
        self.version += 1
        self._record(rows.copy())
        return rows

    def row_of(self, name: str) -> int:
        """The row of the named person ``name`` (KeyError if nobody has that name)."""
        if name not in self.names:
            raise KeyError(name)
        return int(np.flatnonzero(self.view("name") == self.names.index(name))[0])

    def names_of(self, rows: np.ndarray) -> list[str]:
        """The name of each row ("" for anonymous people)."""
        codes = self.name[np.asarray(rows, dtype=np.int64)]
        return [self.names[c] if c >= 0 else "" for c in codes.tolist()]

    def _grow(self, capacity: int) -> None:
        fresh = People.empty(capacity)
        for f in fields(self):
            new = getattr(fresh, f.name)
            new[: self.n] = getattr(self, f.name)[: self.n]
            setattr(self, f.name, new)

    def view(self, name: str) -> np.ndarray:
        """The used part of column ``name``."""
        return getattr(self, name)[: self.n]
