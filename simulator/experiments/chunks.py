"""Run a chunk of replications: simulate, evaluate on the daily grid, collect columns.

A chunk is the unit of parallel work. Each replication's random streams depend only on
the seed and its index, so the result is the same whichever process runs the chunk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.evaluate import Grid, evaluate
from simulator.model import simulate
from simulator.model.world import Plan
from simulator.tables import Columns, replication_tables

if TYPE_CHECKING:
    from simulator.scenario import Scenario


def run_chunk(scenario: Scenario, replications: list[int],
              log_failures: bool = False) -> dict[str, Columns]:
    """Columns of every table for the given replications, in their order."""
    plan = Plan.from_scenario(scenario)
    grid = Grid.from_plan(plan)
    parts: dict[str, list[Columns]] = {}
    for r in replications:
        record = simulate(plan, r, log_failures=log_failures)
        tables = replication_tables(plan, grid, record, evaluate(grid, record))
        for name, cols in tables.items():
            n = len(next(iter(cols.values()))) if cols else 0
            cols = {"replication": np.full(n, r, dtype=np.int64), **cols}
            parts.setdefault(name, []).append(cols)
    return {name: concat_columns(chunks) for name, chunks in parts.items()}


def concat_columns(chunks: list[Columns]) -> Columns:
    """Join the columns of several chunks (same keys, in order)."""
    if not chunks:
        return {}
    out: Columns = {}
    for key in chunks[0]:
        pieces = [np.asarray(c[key], dtype=object if _is_text(c[key]) else None) for c in chunks]
        out[key] = np.concatenate(pieces) if pieces else np.array([])
    return out


def _is_text(values: np.ndarray | list) -> bool:
    if isinstance(values, np.ndarray):
        return values.dtype == object
    return bool(values) and isinstance(values[0], str)
