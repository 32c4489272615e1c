"""Execution backends: where chunks of replications run, behind one interface.

A backend takes keyed calls `fn(*args)` and yields `(key, result)` as each finishes, in any
order; the batch writes each result as it arrives, so order never matters and results are
the same for every backend and number of workers. `LocalProcesses` runs in a process pool
and rebuilds it when a worker dies (its chunks are retried); `InProcess` runs in this
process; `simulator.experiments.dask_backend.DaskBackend` runs on a Dask cluster.
Pool workers die with the main process and are killed, not waited for, when a batch stops
(`simulator.lifeline`), so neither a crash nor a kill leaves a process behind.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from simulator.experiments.backend_api import MAX_ATTEMPTS, Backend, Call, WorkerCrashed
from simulator.lifeline import child_setup, signals_blocked

__all__ = ["MAX_ATTEMPTS", "Backend", "Call", "InProcess", "LocalProcesses", "WorkerCrashed",
           "make_backend"]


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
    """A pool of local worker processes. When a worker dies the pool is rebuilt and the
    chunks it held are rerun one at a time, so a crash is charged only to the chunk that
    caused it; a chunk whose worker dies `MAX_ATTEMPTS` times alone fails the batch."""

    name = "local processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self._pool: ProcessPoolExecutor | None = None

    def _fresh_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            _stop(self._pool)  # a broken pool: its other workers may be stuck, kill them
        # fork where there is fork (workers start at once, sharing the imported modules),
        # else spawn; never forkserver, so that every worker's parent is this process
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context(method),
            initializer=child_setup, initargs=(os.getpid(),))
        return self._pool

    def map_unordered(self, fn: Callable[..., Any],
                      calls: Sequence[Call]) -> Iterator[tuple[Hashable, Any]]:
        crashes: dict[Hashable, int] = {}
        waiting = list(calls)  # not yet submitted, in order
        suspects: list[Call] = []  # in a pool that broke: rerun one at a time
        running: dict[Future[Any], Call] = {}
        pool = self._pool or self._fresh_pool()
        limit = 2 * self.workers  # a bounded queue: memory stays flat in the number of chunks
        while waiting or running or suspects:
            if suspects:
                # alone in the pool, a crash can only be this chunk's own: charge it
                call = suspects.pop(0)
                try:
                    result = _submit(pool, fn, call).result()
                except BrokenProcessPool:
                    crashes[call[0]] = crashes.get(call[0], 0) + 1
                    if crashes[call[0]] >= MAX_ATTEMPTS:
                        raise WorkerCrashed(f"chunk {call[0]}: its worker died "
                                            f"{crashes[call[0]]} times") from None
                    suspects.insert(0, call)
                    pool = self._fresh_pool()
                    continue
                yield call[0], result
                continue
            broken = False
            try:
                while waiting and len(running) < limit:
                    running[_submit(pool, fn, waiting[0])] = waiting[0]
                    waiting.pop(0)
            except BrokenProcessPool:  # a worker died since the last wait
                broken = True
            if not broken:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    call = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(call)
                        continue
                    yield call[0], result
            if broken:
                # a worker died: every chunk still in the pool is lost with it; we cannot
                # tell which one killed it, so each is rerun alone before going on
                suspects.extend(running.values())
                running.clear()
                pool = self._fresh_pool()

    def close(self) -> None:
        """Shut the pool down: workers still busy (a stopped or failed batch) are killed,
        never waited for."""
        if self._pool is not None:
            _stop(self._pool)
            self._pool = None


def _submit(pool: ProcessPoolExecutor, fn: Callable[..., Any], call: Call) -> Future[Any]:
    """Submit one call; a fresh pool forks its workers in its first submit, with the stop
    signals blocked (see `simulator.lifeline.signals_blocked`)."""
    with signals_blocked():
        return pool.submit(fn, *call[1])


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes, then shut it down (nothing is left to wait for).
    `ProcessPoolExecutor` has no public way to end busy workers before Python 3.14."""
    kill = getattr(pool, "kill_workers", None)
    if kill is not None:
        kill()
    else:
        processes = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            if process.is_alive():
                process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def make_backend(workers: int | None = None, scheduler: str | None = None,
                 dask_local: bool = False, plugins: Sequence[str] = ()) -> Backend:
    """The backend the command line asks for. `plugins` (`--plugin` modules and .py files)
    are imported on Dask workers too; local workers are forked and inherit them."""
    if scheduler or dask_local:
        from simulator.experiments.dask_backend import DaskBackend

        return DaskBackend(address=scheduler, local=dask_local, workers=workers,
                           plugins=plugins)
    n = max(1, int(workers or os.cpu_count() or 1))
    return InProcess() if n == 1 else LocalProcesses(n)
