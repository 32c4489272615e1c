"""Batches: several variants × the same replications, on any backend, resumable.

A batch is a list of `Variant`s (a stage set, a scenario, a sweep point) that share the
replication indices 0..n-1 and so, through keyed random streams, their random numbers.
Replications are cut into chunks (the unit of work) whose size depends only on n, so a
resumed batch has the same chunks whatever the backend or number of workers. With an
output folder, each finished chunk is saved at once in `<out>.partial/`: an interrupted
batch (Ctrl-C, SIGTERM) keeps them and `resume=True` continues from them; memory stays flat
because only the KPI rows are held while the results folder is written.
"""

from __future__ import annotations

import hashlib
import json
import math
import signal
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.experiments.assemble import variant_chunk
from simulator.experiments.backends import Backend, make_backend
from simulator.experiments.store import ChunkStore
from simulator.results import release_memory

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from simulator.results import FolderHook, RunResult
    from simulator.scenario import Scenario

CHUNK_MIN, CHUNK_MAX, TARGET_CHUNKS = 5, 50, 40
Analysis = Callable[["RunResult"], dict[str, "pd.DataFrame"]]


@dataclass(frozen=True)
class Variant:
    """One arm of a batch: its label (the `variant` column), scenario and extra columns."""

    name: str
    scenario: Scenario
    columns: Mapping[str, Any] = field(default_factory=dict)


class BatchInterrupted(RuntimeError):
    """The batch was stopped; the finished chunks are kept for `--resume`."""


def chunk_ranges(n: int) -> list[list[int]]:
    """Replication indices in chunks of 5..50, about 40 chunks; depends on n only."""
    size = min(CHUNK_MAX, max(CHUNK_MIN, math.ceil(n / TARGET_CHUNKS)))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def fingerprint(variants: list[Variant], n: int, events: str) -> str:
    """What makes two batches the same: variants, resolved scenarios, n, chunking, events."""
    from simulator import __version__

    payload = {
        "version": __version__, "replications": n, "chunks": len(chunk_ranges(n)),
        "events": events,
        "variants": [[v.name, dict(v.columns), v.scenario.resolved_dict()] for v in variants],
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def batch_calls(variants: list[Variant], n: int, log_failures: bool,
                skip: set[Hashable] | None = None) -> list[tuple[Hashable, tuple[Any, ...]]]:
    """The keyed chunk calls of a batch, in (variant, chunk) order, minus those done."""
    skip = skip or set()
    return [((vi, ci), (variant, reps, log_failures))
            for vi, variant in enumerate(variants)
            for ci, reps in enumerate(chunk_ranges(n))
            if (vi, ci) not in skip]


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT stop the batch as Ctrl-C does (main thread
    only). SIGINT is set explicitly too: a process started in the background by a shell
    inherits SIGINT as ignored, and `kill -INT` must still stop it cleanly."""
    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread: leave signals alone
        for sig, old in previous.items():
            signal.signal(sig, old)
        yield
        return
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_batch(variants: list[Variant], *, replications: int | None = None,
              backend: Backend | None = None, workers: int | None = None,
              out: Path | str | None = None, resume: bool = False, progress: bool = False,
              events: str = "milestones", charts: bool = True,
              on_progress: Callable[[int], object] | None = None,
              analyse: Analysis | None = None,
              finishing: FolderHook | None = None,
              base: Scenario | None = None) -> RunResult:
    """Run every variant's replications and return the result tables.

    Without `out`, everything is held in memory and returned (small batches, notebooks).
    With `out`, finished chunks go to `<out>.partial/` as they arrive and the results
    folder is written atomically at the end (then the partial folder is removed).
    `analyse(result)` returns further tables by name (e.g. ``differences``), computed from
    the assembled result and written with it; `finishing(folder, result)` adds files to the
    results folder before it is put in place (the command line's HTML report). `base` is
    the scenario written as `scenario.yaml` (default: the first variant's).
    """
    from simulator.experiments.assemble import assemble_in_memory, write_batch_folder
    from simulator.experiments.runner import finishing_status, progress_bar

    if not variants:
        raise ValueError("a batch needs at least one variant")
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise ValueError(f"variant names must be unique: {names}")
    if events not in ("milestones", "all"):
        raise ValueError(f"events must be 'milestones' or 'all', not {events!r}")
    n = int(replications or variants[0].scenario.scenario.replications)
    log_failures = events == "all"
    store = ChunkStore(Path(f"{out}.partial")) if out is not None else None
    done = store.open(fingerprint(variants, n, events), resume=resume) if store else set()
    calls = batch_calls(variants, n, log_failures, skip=done)
    in_memory: dict[Hashable, dict[str, pa.Table]] = {}
    owned = backend is None
    backend = backend or make_backend(workers)
    sizes = {key: len(args[1]) for key, args in calls}
    total = n * len(variants)
    try:
        with progress_bar(progress, total) as advance, sigterm_as_interrupt():
            advance(total - sum(sizes.values()))
            for key, tables in backend.map_unordered(variant_chunk, calls):
                if store is not None:
                    store.save(key, tables)
                    del tables
                    release_memory()
                else:
                    in_memory[key] = tables
                advance(sizes[key])
                if on_progress is not None:
                    on_progress(sizes[key])
    except KeyboardInterrupt:
        if owned:
            backend.close()
        kept = len(list(store.keys())) if store else 0
        where = f"; {kept} finished chunks kept in {store.folder} (rerun with --resume)" \
            if store else ""
        raise BatchInterrupted(f"stopped{where}") from None
    except BaseException:
        if store is not None:
            store.remove()  # a failed run leaves nothing behind (an interrupted one does)
        raise
    finally:
        if owned:
            backend.close()
    if store is None:
        result = assemble_in_memory(variants, n, in_memory, base=base)
        if analyse is not None:
            result.extra.update(analyse(result))
        return result
    try:
        with finishing_status(progress):
            return write_batch_folder(variants, n, store, Path(str(out)), charts=charts,
                                      analyse=analyse, finishing=finishing, base=base)
    except KeyboardInterrupt:
        raise BatchInterrupted(f"stopped while writing the results; the finished chunks are "
                               f"kept in {store.folder} (rerun with --resume)") from None
    except BaseException:
        store.remove()
        raise
