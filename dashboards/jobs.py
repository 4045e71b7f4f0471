"""A per-server cap on concurrent runs, shared by the background-job processes.

Each running job holds an exclusive ``flock`` on one of ``slots`` files; a job waiting
for a slot holds one of ``queue`` files. The kernel drops a process's locks when it
exits or is killed (a cancelled job, a crash), so no slot is ever leaked and no state
is kept in memory: every background process of one server sees the same folder.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import market


class ServerBusy(market.ScenarioError):
    """Every run slot and every queue place is taken: the request is refused."""


class JobGate:
    """At most ``slots`` runs at once on this server, at most ``queue`` waiting.

    Args:
        folder: where the lock files live (one folder per server).
        slots: runs computing at once.
        queue: runs allowed to wait for a slot; one more is refused with :class:`ServerBusy`.
        timeout_s: how long a queued run waits before it is refused.
        poll_s: how often a queued run checks for a free slot.

    """

    def __init__(
        self,
        folder: str | Path,
        slots: int,
        queue: int,
        timeout_s: float = 300.0,
        poll_s: float = 0.2,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.slots = [self.folder / f"slot-{i}.lock" for i in range(slots)]
        self.queue = [self.folder / f"queue-{i}.lock" for i in range(queue)]
        self.timeout_s = timeout_s
        self.poll_s = poll_s

    @staticmethod
    def _grab(paths: list[Path]) -> int | None:
        """An fd holding the lock of the first free file of ``paths``, else None."""
        for path in paths:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    def busy(self) -> int:
        """How many slots are held right now (by any process)."""
        held = 0
        for path in self.slots:
            fd = self._grab([path])
            if fd is None:
                held += 1
            else:
                os.close(fd)
        return held

    @contextmanager
    def slot(self, on_wait: Callable[[str], None] = lambda _: None) -> Iterator[None]:
        """Hold a run slot for the ``with`` block, queueing (``on_wait`` is told why)
        while all are taken.

        Raises:
            ServerBusy: the queue is full too, or no slot freed within ``timeout_s``.

        """
        fd = self._grab(self.slots)
        if fd is None:
            fd = self._wait_in_queue(on_wait)
        try:
            yield
        finally:
            os.close(fd)

    def _wait_in_queue(self, on_wait: Callable[[str], None]) -> int:
        ticket = self._grab(self.queue)
        if ticket is None:
            raise ServerBusy(
                "server busy",
                f"{len(self.slots)} runs are computing and {len(self.queue)} are waiting; "
                "try again in a minute",
            )
        try:
            deadline = time.monotonic() + self.timeout_s
            on_wait(f"queued: all {len(self.slots)} run slots of this server are busy")
            while (fd := self._grab(self.slots)) is None:
                if time.monotonic() > deadline:
                    raise ServerBusy("server busy", "no run slot freed in time; try again")
                time.sleep(self.poll_s)  # a queued job process waits for a slot
            return fd
        finally:
            os.close(ticket)
