"""Execution backends: where chunks of replications run, behind one interface.

A backend takes keyed calls `fn(*args)` and yields `(key, result)` as each finishes, in any
order; the batch writes each result as it arrives, so order never matters and results are
the same for every backend and number of workers. `LocalProcesses` runs in a process pool
and rebuilds it when a worker dies (its chunks are retried); `InProcess` runs in this
process; `simulator.experiments.dask_backend.DaskBackend` runs on a Dask cluster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

Call = tuple[Hashable, tuple[Any, ...]]
MAX_ATTEMPTS = 3


class WorkerCrashed(RuntimeError):
    """A chunk's worker died more often than `MAX_ATTEMPTS`."""


class Backend(Protocol):
    """Runs keyed calls and yields their results as they complete."""

    name: str
    workers: int

    def map_unordered(self, fn: Callable[..., Any],
                      calls: Sequence[Call]) -> Iterator[tuple[Hashable, Any]]: ...

    def close(self) -> None: ...


class InProcess:
    """Runs every call here, one after the other (workers = 1)."""

    name = "in-process"
    workers = 1

    def map_unordered(self, fn: Callable[..., Any],
                      calls: Sequence[Call]) -> Iterator[tuple[Hashable, Any]]:
        for key, args in calls:
            yield key, fn(*args)

    def close(self) -> None:
        pass


class LocalProcesses:
    """A pool of local worker processes; a pool broken by a dying worker is rebuilt and the
    chunks it was running are retried (up to `MAX_ATTEMPTS` each)."""

    name = "local processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self._pool: ProcessPoolExecutor | None = None

    def _fresh_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return self._pool

    def map_unordered(self, fn: Callable[..., Any],
                      calls: Sequence[Call]) -> Iterator[tuple[Hashable, Any]]:
        attempts: dict[Hashable, int] = {}
        waiting = list(calls)  # not yet submitted, in order
        running: dict[Future[Any], Call] = {}
        pool = self._pool or self._fresh_pool()
        limit = 2 * self.workers  # a bounded queue: memory stays flat in the number of chunks
        while waiting or running:
            while waiting and len(running) < limit:
                call = waiting.pop(0)
                attempts[call[0]] = attempts.get(call[0], 0) + 1
                running[pool.submit(fn, *call[1])] = call
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                call = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    if attempts[call[0]] >= MAX_ATTEMPTS:
                        raise WorkerCrashed(f"chunk {call[0]}: its worker died "
                                            f"{attempts[call[0]]} times") from None
                    waiting.insert(0, call)
                    continue
                yield call[0], result
            if broken:
                # every call still running in the broken pool is lost: run it again
                waiting[:0] = list(running.values())
                for call in running.values():
                    if attempts[call[0]] >= MAX_ATTEMPTS:
                        raise WorkerCrashed(f"chunk {call[0]}: its worker died "
                                            f"{attempts[call[0]]} times")
                running.clear()
                pool = self._fresh_pool()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def make_backend(workers: int | None = None, scheduler: str | None = None,
                 dask_local: bool = False) -> Backend:
    """The backend the command line asks for."""
    if scheduler or dask_local:
        from simulator.experiments.dask_backend import DaskBackend

        return DaskBackend(address=scheduler, local=dask_local, workers=workers)
    n = max(1, int(workers or os.cpu_count() or 1))
    return InProcess() if n == 1 else LocalProcesses(n)
