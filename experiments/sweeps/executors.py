"""Executors behind one interface: serial, a local process pool, dask.distributed.

``executor.map_unordered(fn, tasks)`` yields ``fn(task)`` for every task in completion
order. Results do not depend on the executor: each run carries its own seed. Dask is
imported only when a Dask executor is made, and a missing install is a one-line error.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import re
import signal
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Self

from market.errors import ScenarioError


class Executor(ABC):
    """Runs tasks somewhere and yields their results as they finish."""

    name: str = "executor"
    workers: int = 1

    @abstractmethod
    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in completion order."""

    def close(self) -> None:
        """Release workers (idempotent); nothing to release by default."""
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        """Human-readable description for progress output."""
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class SerialExecutor(Executor):
    """Everything in this process, one task after another."""

    name = "serial"

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Run tasks in order."""
        for task in tasks:
            yield fn(task)


PARENT_POLL_SECONDS = 0.2
"""How often a pool worker checks that the process that started it is still alive."""


def _ignore_sigint(parent: int) -> None:
    """Pool workers leave Ctrl-C to the parent, which shuts the pool down; and they
    exit on their own when the parent dies (``kill -9`` of a sweep leaves no orphans).

    ``parent`` is the pid of the process that made the pool, read there: a worker that
    starts after its parent was killed sees another ``getppid()`` and exits at once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent)


def watch_parent(parent: int, poll: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """Exit this process as soon as ``parent`` is no longer its parent.

    A daemon thread polls ``os.getppid()``: when the parent dies the worker is
    re-parented (to init or a subreaper) and the id changes. Polling works on every
    POSIX system; a killed parent cannot run any clean-up of its own.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    thread = threading.Thread(target=watch, name="watch-parent", daemon=True)
    thread.start()
    return thread


class ProcessPoolExecutor(Executor):
    """A local pool of worker processes (``spawn`` start method: safe with threads)."""

    name = "process pool"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool: cf.ProcessPoolExecutor | None = None

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Submit every task and yield results as they complete."""
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_ignore_sigint,
                initargs=(os.getpid(),),
            )
        futures = [self._pool.submit(fn, task) for task in tasks]
        try:
            for future in cf.as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Shut the pool down, cancelling queued tasks."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """dask.distributed: an existing scheduler (``address``) or a LocalCluster.

    Workers of an existing cluster need this package (``talent-market``) installed.
    """

    name = "dask"

    def __init__(
        self, address: str | None = None, n_workers: int | None = None, processes: bool = True
    ) -> None:
        if address:
            check_scheduler_address(address)
        distributed = import_distributed("--scheduler" if address else "--dask-local")
        self._cluster = None
        if address:
            try:
                self._client = distributed.Client(address, timeout="20s")
            except (OSError, TimeoutError, ValueError) as exc:
                message = " ".join(str(exc).split())
                raise ScenarioError(
                    "--scheduler", f"cannot connect to {address}: {message}"
                ) from None
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=max(1, n_workers or os.cpu_count() or 1),
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
            )
            self._client = distributed.Client(self._cluster)
        self._as_completed = distributed.as_completed
        self.workers = max(1, sum(self._client.nthreads().values()))
        self.address = address or self._cluster.scheduler_address  # type: ignore[union-attr]

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Submit every task to the cluster and yield results as they complete."""
        futures = [self._client.submit(fn, task, pure=False) for task in tasks]
        try:
            for future in self._as_completed(futures):
                yield future.result()
        finally:
            self._client.cancel(futures)

    def close(self) -> None:
        """Close the client (and the LocalCluster if this executor started it)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def describe(self) -> str:
        """Where the work goes."""
        return f"dask at {self.address} ({self.workers} worker threads)"


SCHEDULER_ADDRESS = re.compile(
    r"^(?:(?:tcp|tls|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[\w.-]+):\d{1,5}$"
)
"""``tcp://host:port`` (also tls, ws, wss), ``host:port`` or ``[ipv6]:port``."""


def check_scheduler_address(address: str) -> None:
    """Refuse a ``--scheduler`` value that is not a Dask scheduler address.

    Raises:
        ScenarioError: naming ``--scheduler`` and the accepted forms.

    """
    match = SCHEDULER_ADDRESS.match(address)
    port = int(address.rsplit(":", 1)[1]) if match else 0
    if not match or not 1 <= port <= 65535:
        raise ScenarioError(
            "--scheduler",
            f"expected a Dask scheduler address such as tcp://127.0.0.1:8786 (got {address!r})",
        )


def import_distributed(option: str) -> Any:
    """``dask.distributed``, or a one-line ScenarioError saying how to install it."""
    try:
        import dask.distributed as distributed
    except ImportError:
        raise ScenarioError(
            option, "needs dask.distributed: pip install 'talent-market[dask]'"
        ) from None
    return distributed


def make_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> Executor:
    """The executor the command-line options ask for.

    ``scheduler`` (a Dask address) wins over ``dask_local`` (a LocalCluster with that
    many workers); otherwise ``workers == 1`` is serial and anything else a process pool
    (default: all cores).
    """
    if scheduler and dask_local:
        raise ScenarioError("--dask-local", "use either --scheduler or --dask-local, not both")
    if scheduler:
        return DaskExecutor(address=scheduler)
    if dask_local:
        return DaskExecutor(n_workers=dask_local)
    if workers is not None and workers < 1:
        raise ScenarioError("--workers", f"must be >= 1 (got {workers})")
    if workers == 1:
        return SerialExecutor()
    return ProcessPoolExecutor(workers)
