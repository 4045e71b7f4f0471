"""What every panel's callbacks need from the server, passed explicitly (no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboards.jobs import JobGate
from dashboards.runs import Limits, RunStore, run_ids


@dataclass(frozen=True)
class Services:
    """One server's run store, caps and job gate.

    Attributes:
        store: finished runs on disk.
        limits: caps on run size, seeds, uploads and concurrent jobs.
        gate: the per-server cap on concurrent runs.

    """

    store: RunStore
    limits: Limits
    gate: JobGate

    def run_facts(self, data: Any) -> tuple[list[str], dict[str, Any], list[str]]:
        """``(run_ids, metadata of the first seed, lab order)`` of a session's pointer.

        Raises:
            ScenarioError: no run, a malformed pointer or a run no longer stored.

        """
        ids_ = run_ids(data, self.limits)
        meta = self.store.metadata(ids_[0])
        labs = [lab["name"] for lab in meta.get("parameters", {}).get("labs", [])]
        return ids_, meta, labs

    def tables(self, run_ids_: list[str], name: str) -> list[Any]:
        """Table ``name`` of every seed of a run, first seed first."""
        return [self.store.table(r, name) for r in run_ids_]
