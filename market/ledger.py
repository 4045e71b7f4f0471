"""In-memory records of a run: the move ledger and per-step lab records (columnar)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from market.codes import Reason

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
    """Append-only store; each append is a batch of arrays, concatenated on read."""

    def __init__(self) -> None:
        self._moves: dict[str, list[np.ndarray]] = defaultdict(list)
        self._labs: dict[str, list[np.ndarray]] = defaultdict(list)
        self._lab_steps: list[tuple[int, int] | None] = []
        """First and last step of each lab-record batch."""
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
        """Record a batch of moves, with one reason for all or one each (lab codes -1
        mean none).
        """
        k = len(rows)
        if k == 0:
            return
        batch: dict[str, np.ndarray | float] = {
            "step": step,
            "person_id": rows,
            "from_lab": from_lab,
            "to_lab": to_lab,
            "specialty": specialty,
            "skill": skill,
            "old_comp_usd": old_comp,
            "new_comp_usd": new_comp,
            "reason": reason if isinstance(reason, np.ndarray) else int(reason),
        }
        for name, dtype in MOVE_COLUMNS.items():
            self._moves[name].append(_column(batch[name], k, dtype))
        self.moves_this_step += k

    def move_records(self) -> dict[str, np.ndarray]:
        """All moves so far as columns (empty columns if none)."""
        return {
            name: np.concatenate(self._moves[name]) if self._moves[name] else np.empty(0, dt)
            for name, dt in MOVE_COLUMNS.items()
        }

    def add_lab_records(self, columns: dict[str, np.ndarray]) -> None:
        """Record one step's lab rows (each column has one entry per lab)."""
        for name, values in columns.items():
            self._labs[name].append(np.asarray(values))
        if "step" in columns:
            step = self._labs["step"][-1]
            self._lab_steps.append((int(step.min()), int(step.max())) if step.size else None)

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
        batches = [
            i for i, span in enumerate(self._lab_steps) if span and span[0] <= step <= span[1]
        ]
        picks = [np.flatnonzero(steps[i] == step) for i in batches]
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


def _column(values: np.ndarray | float, k: int, dtype: type) -> np.ndarray:
    """``values`` (``k`` of them, or one for all) as a new array of ``dtype``:
    ``np.array(np.broadcast_to(values, (k,)), dtype=dtype)`` in one call.
    """
    if isinstance(values, np.ndarray) and values.shape == (k,):
        return np.array(values, dtype=dtype)  # one copy
    return np.full(k, values, dtype=dtype)
