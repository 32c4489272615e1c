"""The batch of a sensitivity experiment: its points' replications, on any backend.

The same batch engine as every study (chunks of replications whose size depends only on
n, common random numbers through the shared seed, a partial folder that `resume`
continues from, local processes or Dask), but a worker keeps only what the outcomes need:
the KPI columns of `analysis.outcomes.KPI_COLUMNS` and the overall rows of the yearly table.
A design of hundreds of points then costs a few kilobytes per chunk, and no per-variant
analysis, chart or report is made for each point.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, cast

import pandas as pd
import pyarrow as pa

from simulator.experiments.batch import (
    Variant,
    batch_calls,
    checked_replications,
    chunk_ranges,
    fingerprint,
    fit_workers,
    open_store,
)
from simulator.experiments.chunks import run_chunk
from simulator.experiments.store import ChunkStore, encode_chunk
from simulator.lifeline import check_stop
from simulator.results import frame_from_arrow

if TYPE_CHECKING:
    from pathlib import Path

    from simulator.experiments.backends import Backend

KPI_KEEP = ("replication", "component", "closed", "close_day", "cumulative_shortfall_value",
            "npv")
YEARLY_KEEP = ("replication", "year", "component", "gap", "served_sharing",
               "served_procurement", "served_investment")
EVENTS = "sensitivity"  # in the fingerprint: these chunks hold only the narrow tables


def narrow_chunk(variant: Variant, replications: list[int],
                 log_failures: bool) -> dict[str, pa.Table]:
    """Run one chunk of a point and keep the columns the outcomes read (worker side)."""
    tables = run_chunk(variant.scenario, replications, log_failures)
    kpis = pd.DataFrame(tables["kpis"])
    yearly = pd.DataFrame(tables["yearly"])
    kpis = kpis[[c for c in KPI_KEEP if c in kpis]]
    yearly = yearly.loc[yearly["component"] == "all", [c for c in YEARLY_KEEP if c in yearly]]
    out = {}
    for name, frame in (("kpis", kpis), ("yearly", yearly)):
        frame = frame.reset_index(drop=True)
        frame.insert(0, "variant", variant.name)
        out[name] = pa.Table.from_pandas(frame, preserve_index=False)
    return out


def open_points(variants: list[Variant], n: int, out: Path | None, resume: bool
                ) -> tuple[int, ChunkStore | None, set[Hashable]]:
    """Check the batch and open its partial folder `<out>.partial/` (none without `out`):
    the replications, the store, and the chunks already done (on `resume`)."""
    n = checked_replications(variants, n, "milestones")
    store, done = open_store(out, fingerprint(variants, n, EVENTS), resume)
    return n, store, done


def run_points(variants: list[Variant], n: int, store: ChunkStore | None,
               done: set[Hashable], *, backend: Backend, progress: bool,
               on_progress: Callable[[int], object] | None = None) -> dict[str, pd.DataFrame]:
    """Simulate every point's n replications (those not `done`); the narrow `kpis` and
    `yearly` tables of all points, in (point, replication) order. With a `store`, each
    finished chunk is saved there at once, so a stopped batch can be resumed."""
    from simulator.experiments.progress import progress_bar

    chunks: dict[Hashable, dict[str, pa.Table]] = {}
    calls = batch_calls(variants, n, False, skip=done)
    fit_workers(backend, len(calls))
    reps = {key: cast(list[int], args[1]) for key, args in calls}
    sizes = {key: len(r) for key, r in reps.items()}
    with progress_bar(progress, n * len(variants)) as advance:
        advance(n * len(variants) - sum(sizes.values()))
        for key, tables in backend.map_unordered(narrow_chunk, calls):
            if store is not None:
                store.save(key, encode_chunk(tables), reps[key])
            else:
                chunks[key] = tables
            advance(sizes[key])
            if on_progress is not None:
                on_progress(sizes[key])
            check_stop()
    if store is not None:
        chunks = {key: store.load(key) for key in store.keys()}
    expected = len(variants) * len(chunk_ranges(n))
    if len(chunks) != expected:  # pragma: no cover - a store that lost chunks
        raise RuntimeError(f"{len(chunks)} of {expected} chunks found")
    ordered = sorted(chunks, key=lambda k: cast(tuple[int, int], k))
    return {name: frame_from_arrow(pa.concat_tables([chunks[k][name] for k in ordered],
                                                    promote_options="default"))
            for name in ("kpis", "yearly")}
