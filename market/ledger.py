"""In-memory records of a run: the move ledger and per-step lab records (columnar)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from market.codes import Reason
from market.jit import kernel

MOVE_COLUMNS: dict[str, type] = {
    "step": np.int32,
    "person_id": np.int64,
    "from_lab": np.int32,
    "to_lab": np.int32,
    "specialty": np.int8,
    "skill": np.float64,
    "old_comp_usd": np.float64,
    "new_comp_usd": np.float64,
    "reason": np.int8,
}


class Ledger:
    """Append-only store: moves in growing columns (copied out on read), lab records as
    batches of arrays (concatenated on read).
    """

    def __init__(self) -> None:
        self._moves: dict[str, np.ndarray] = {
            name: np.empty(0, dtype) for name, dtype in MOVE_COLUMNS.items()
        }
        self._n_moves = 0
        self._labs: dict[str, list[np.ndarray]] = defaultdict(list)
        self._lab_steps: list[tuple[int, int] | None] = []
        """First and last step of each lab-record batch."""
        self._batches_at: dict[int, list[int]] = defaultdict(list)
        """The lab-record batches of one step (all their rows), by step."""
        self._wide: list[int] = []
        """The lab-record batches of more than one step."""
        self.moves_this_step = 0

    def add_moves(
        self,
        step: int,
        rows: np.ndarray,
        from_lab: np.ndarray,
        to_lab: np.ndarray,
        specialty: np.ndarray,
        skill: np.ndarray,
        old_comp: np.ndarray,
        new_comp: np.ndarray,
        reason: Reason | np.ndarray,
    ) -> None:
        """Record a batch of moves (one entry each in every array), with one reason for
        all or one each; lab codes -1 mean none.
        """
        k = len(rows)
        if k == 0:
            return
        if self._n_moves + k > len(self._moves["step"]):  # grow by half or more
            size = max(self._n_moves + k, len(self._moves["step"]) * 3 // 2, 1024)
            for name, col in self._moves.items():
                grown = np.empty(size, col.dtype)
                grown[: self._n_moves] = col[: self._n_moves]
                self._moves[name] = grown
        each = reason if isinstance(reason, np.ndarray) else None
        m = self._moves
        _append_moves(
            self._n_moves,
            int(step),
            rows,
            from_lab,
            to_lab,
            specialty,
            skill,
            old_comp,
            new_comp,
            _NO_REASONS if each is None else each,
            int(reason) if each is None else -1,
            m["step"],
            m["person_id"],
            m["from_lab"],
            m["to_lab"],
            m["specialty"],
            m["skill"],
            m["old_comp_usd"],
            m["new_comp_usd"],
            m["reason"],
        )
        self._n_moves += k
        self.moves_this_step += k

    def move_records(self) -> dict[str, np.ndarray]:
        """All moves so far as columns (empty columns if none)."""
        return {name: col[: self._n_moves].copy() for name, col in self._moves.items()}

    def add_lab_records(self, columns: dict[str, np.ndarray]) -> None:
        """Record one step's lab rows (each column has one entry per lab)."""
        for name, values in columns.items():
            self._labs[name].append(np.asarray(values))
        if "step" in columns:
            step = self._labs["step"][-1]
            span = (int(step.min()), int(step.max())) if step.size else None
            if span is not None:
                one = span[0] == span[1]
                (self._batches_at[span[0]] if one else self._wide).append(len(self._lab_steps))
            self._lab_steps.append(span)

    def lab_records_at(self, step: int, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
        """``columns`` of the lab rows of ``step``: the rows of :meth:`lab_records` whose
        step is ``step``, in the same order, without concatenating the history (empty
        dict if nothing is recorded).
        """
        if not self._labs:
            return {}
        steps = self._labs.get("step", [])
        if len(self._lab_steps) != len(steps) or any(
            len(self._labs.get(c, ())) != len(steps) for c in columns
        ):
            records = self.lab_records()
            at = np.flatnonzero(records["step"] == step)
            return {c: records[c][at] for c in columns}
        wide = [
            i for i in self._wide if (span := self._lab_steps[i]) and span[0] <= step <= span[1]
        ]
        batches = sorted(self._batches_at.get(step, []) + wide)
        whole = slice(None)  # every row of a batch of this one step
        picks = [np.flatnonzero(steps[i] == step) if i in wide else whole for i in batches]
        return {
            c: np.concatenate(
                [self._labs[c][i][at] for i, at in zip(batches, picks, strict=True)]
                or [self._labs[c][0][:0]]
            )
            for c in columns
        }

    def recent_lab_records(self, column: str, months: int) -> list[tuple[int, np.ndarray]]:
        """The step and the ``column`` values of each of the last ``months`` recorded
        months (one array per month, labs by index), without concatenating the history.
        """
        steps, values = self._labs.get("step", []), self._labs.get(column, [])
        return [
            (int(step[0]), v) for step, v in zip(steps[-months:], values[-months:], strict=True)
        ]

    def lab_records(self) -> dict[str, np.ndarray]:
        """All lab rows so far as columns."""
        return {name: np.concatenate(parts) for name, parts in self._labs.items()}


_NO_REASONS = np.empty(0, dtype=np.int64)  # the type of settle_moves' reasons


@kernel
def _append_moves(
    n: int,
    step: int,
    rows: np.ndarray,
    from_lab: np.ndarray,
    to_lab: np.ndarray,
    specialty: np.ndarray,
    skill: np.ndarray,
    old_comp: np.ndarray,
    new_comp: np.ndarray,
    reasons: np.ndarray,
    reason: int,
    c_step: np.ndarray,
    c_person: np.ndarray,
    c_from: np.ndarray,
    c_to: np.ndarray,
    c_specialty: np.ndarray,
    c_skill: np.ndarray,
    c_old: np.ndarray,
    c_new: np.ndarray,
    c_reason: np.ndarray,
) -> None:
    """Write a batch of ``len(rows)`` moves at row ``n`` of the columns (cast to their
    dtypes as ``np.array(values, dtype=...)`` casts), with ``reasons`` one each, or
    ``reason`` for all if it is not negative.
    """
    for i in range(rows.shape[0]):
        j = n + i
        c_step[j] = step
        c_person[j] = rows[i]
        c_from[j] = from_lab[i]
        c_to[j] = to_lab[i]
        c_specialty[j] = specialty[i]
        c_skill[j] = skill[i]
        c_old[j] = old_comp[i]
        c_new[j] = new_comp[i]
        c_reason[j] = reasons[i] if reason < 0 else reason
