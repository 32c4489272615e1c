"""Batches: several variants × the same replications, on any backend, resumable.

A batch is a list of `Variant`s (a stage set, a scenario, a sweep point) that share the
replication indices 0..n-1 and so, through keyed random streams, their random numbers.
Replications are cut into chunks (the unit of work) whose size depends only on n, so a
resumed batch has the same chunks whatever the backend or number of workers. The pieces
here — checks, the chunk calls, the partial folder, simulating the chunks, the words for a
stop or a failure — are put together by `simulator.pipeline`: with an output folder, each
finished chunk is saved at once in `<out>.partial/`; a stopped batch (Ctrl-C, SIGTERM) or
a failed one keeps them and a resume continues from them; they are deleted only once the
results folder is complete.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import sys
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.experiments.assemble import variant_chunk
from simulator.experiments.backends import Backend, LocalProcesses
from simulator.experiments.store import DAMAGED, ChunkStore, decode_chunk
from simulator.folders import remove_dead_leftovers
from simulator.lifeline import check_stop
from simulator.results import release_memory

if TYPE_CHECKING:
    import pyarrow as pa

    from simulator.scenario import Scenario

CHUNK_MIN, CHUNK_MAX, TARGET_CHUNKS = 5, 50, 40


@dataclass(frozen=True)
class Variant:
    """One arm of a batch: its label (the `variant` column), scenario and extra columns."""

    name: str
    scenario: Scenario
    columns: Mapping[str, Any] = field(default_factory=dict)


class BatchInterrupted(RuntimeError):
    """The batch was stopped; the finished chunks are kept for `--resume`."""


class BatchFailed(RuntimeError):
    """The batch failed (a chunk's error, workers that kept dying, a full disk, an error
    while writing the results); the finished chunks are kept for `--resume`."""


def chunk_ranges(n: int) -> list[list[int]]:
    """Replication indices in chunks of 5..50, about 40 chunks; depends on n only."""
    size = min(CHUNK_MAX, max(CHUNK_MIN, math.ceil(n / TARGET_CHUNKS)))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def fingerprint(variants: list[Variant], n: int, events: str) -> str:
    """What makes two batches the same: variants, resolved scenarios, n, chunking, events."""
    from simulator.version import __version__

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


MAX_REPLICATIONS_PER_BATCH = 1_000_000  # variants x replications: the KPI rows held in memory


def checked_replications(variants: list[Variant], replications: int | None,
                          events: str) -> int:
    """The batch's replication count, after checking the batch can run at all."""
    from simulator.scenario.limits import MAX_REPLICATIONS

    if not variants:
        raise ValueError("a batch needs at least one variant")
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise ValueError(f"variant names must be unique: {names}")
    if events not in ("milestones", "all"):
        raise ValueError(f"events must be 'milestones' or 'all', not {events!r}")
    check_assembly_shapes(variants)
    n = int(replications or variants[0].scenario.scenario.replications)
    if not 1 <= n <= MAX_REPLICATIONS:
        raise ValueError(f"replications must be between 1 and {MAX_REPLICATIONS:,}, not {n:,}")
    if n * len(variants) > MAX_REPLICATIONS_PER_BATCH:
        raise ValueError(
            f"{len(variants):,} variants x {n:,} replications is more than "
            f"{MAX_REPLICATIONS_PER_BATCH:,} replications in one batch (their KPI rows are "
            "held in memory): use fewer replications or split the batch")
    return n


def check_assembly_shapes(variants: list[Variant]) -> None:
    """The variants' assembly tables have one shape: with vehicle families (a `family`
    column) in every variant that has an assembly view, or in none."""
    kinds: dict[bool, list[str]] = {}
    for v in variants:
        families = bool(v.scenario.vehicle_families)
        if families or any(c.units_per_vehicle for c in v.scenario.components):
            kinds.setdefault(families, []).append(v.name)
    if len(kinds) > 1:
        raise ValueError(
            "the variants' assembly views differ in shape: vehicle_families in "
            f"{', '.join(kinds[True])}, none in {', '.join(kinds[False])}; give every "
            "variant the same families (or none), or run them separately")


def open_store(out: Path | str | None, print_: str,
               resume: bool) -> tuple[ChunkStore | None, set[Hashable]]:
    """Lock and open `<out>.partial/`, clear a dead run's leftovers, and say which damaged
    chunk files were set aside (they are computed again); the chunks already done."""
    if out is None:
        return None, set()
    store = ChunkStore(Path(f"{out}.partial"))
    done = store.open(print_, resume=resume)
    remove_dead_leftovers(Path(str(out)))
    for line in store.damaged:
        notice(f"chunk file {line}; set aside in {store.folder / DAMAGED} and computed again")
    return store, done


def simulate_chunks(calls: list[tuple[Hashable, tuple[Any, ...]]], backend: Backend,
                    store: ChunkStore | None, total: int, progress: bool,
                    on_progress: Callable[[int], object] | None
                    ) -> dict[Hashable, dict[str, pa.Table]]:
    """Run the chunk calls with a progress bar of `total` replications; save each finished
    chunk to `store` (or, without one, return them all by key)."""
    from simulator.experiments.progress import progress_bar

    replications = {key: args[1] for key, args in calls}
    sizes = {key: len(reps) for key, reps in replications.items()}
    in_memory: dict[Hashable, dict[str, pa.Table]] = {}
    with progress_bar(progress, total) as advance:
        advance(total - sum(sizes.values()))
        for key, chunk in backend.map_unordered(variant_chunk, calls):
            if store is not None:
                store.save(key, chunk, replications[key])
                del chunk
                release_memory()
            else:
                in_memory[key] = decode_chunk(chunk)
            advance(sizes[key])
            if on_progress is not None:
                on_progress(sizes[key])
            check_stop()
    return in_memory


def kept_chunks(store: ChunkStore | None) -> str:
    """Where the finished chunks are and how to continue (nothing when none are kept: the
    empty partial folder is then removed)."""
    if store is None:
        return ""
    kept = store.count()
    if not kept:
        if store.folder.is_dir():
            store.remove()  # nothing finished: nothing to keep
        return ""
    return f"; {kept} finished chunks kept in {store.folder} (rerun with --resume)"


def what_failed(err: BaseException) -> str:
    """A failure in words: a full disk is said as such."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f" writing {err.filename}" if err.filename else ""
        return f"the disk is full{where}"
    return f"{type(err).__name__}: {err}"


@contextmanager
def failures_keep_chunks(store: ChunkStore | None) -> Iterator[None]:
    """Around a batch: a stop becomes `BatchInterrupted` and any other failure `BatchFailed`,
    each saying where the finished chunks are kept; the store's lock is released whatever
    happens. Without a store (nothing written) a failure passes as it is."""
    try:
        yield
    except KeyboardInterrupt:
        raise BatchInterrupted(f"stopped{kept_chunks(store)}") from None
    except (BatchInterrupted, BatchFailed):
        raise
    except Exception as err:
        if store is None:
            raise
        raise BatchFailed(f"{what_failed(err)}{kept_chunks(store)}") from err
    finally:
        if store is not None:
            store.release()


def notice(message: str) -> None:
    """A note to the user on standard error (a decision the batch took for them)."""
    print(f"capsim: note: {message}", file=sys.stderr)


def fit_workers(backend: Backend, calls: int) -> None:
    """Local processes beyond the chunks to run, or beyond what memory holds, would only
    cost memory: clamp them and say so."""
    if not isinstance(backend, LocalProcesses) or calls < 1:
        return
    fit = min(backend.workers, calls, memory_workers())
    if fit < backend.workers:
        why = f"{calls} chunks to run" if fit == calls else "the memory available"
        notice(f"{backend.workers} workers asked for; using {fit} ({why})")
        backend.workers = fit


WORKER_MEMORY = 400 * 2**20  # bytes a pool worker may reach on a large scenario


def memory_workers() -> int:
    """How many pool workers the available memory holds (Linux; unbounded elsewhere)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return max(1, int(line.split()[1]) * 1024 // WORKER_MEMORY)
    except (OSError, ValueError):
        pass
    return 1 << 30
