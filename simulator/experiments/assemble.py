"""From finished chunks to the result tables: in memory, or streamed into a folder.

A worker finishes its own chunk (`variant_chunk`): the batch's `variant` column (and a sweep
point's parameter columns), close dates and event dates are added and each table becomes
an Arrow table, encoded as the chunk store keeps it, so the main process only writes it
(or decodes and concatenates). In memory the chunks are joined
(`assemble_in_memory`); for a results folder they are streamed table by table into Parquet
files, one row group per chunk (`assemble_on_disk`), so only the KPI rows are ever held
whole.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.experiments.chunks import run_chunk
from simulator.experiments.store import ChunkStore, EncodedChunk, encode_chunk
from simulator.forked import Call, run_side_by_side
from simulator.results import (
    DATE_DTYPES_KEY,
    TABLES,
    RunResult,
    arrow_table,
    dictionary_columns,
    frame_from_arrow,
    load_small_tables,
    release_memory,
)
from simulator.table_parts import read_matching
from simulator.tables import Columns

if TYPE_CHECKING:
    from simulator.experiments.batch import Variant
    from simulator.scenario import Scenario


def _column_value(value: Any) -> Any:
    """Variant columns: text stays text, numbers become floats (one type per column)."""
    return value if isinstance(value, str) else float(value)


def finish_chunk(variant: Variant, name: str, columns: Columns) -> pd.DataFrame:
    """One chunk's table with the variant columns, dates and tidy dtypes."""
    df = pd.DataFrame(columns)
    df.insert(0, "variant", pd.Series([variant.name] * len(df), dtype="str"))
    for i, (key, value) in enumerate(variant.columns.items(), start=1):
        df.insert(i, key, [_column_value(value)] * len(df))
    start = pd.Timestamp(variant.scenario.scenario.start)
    if name == "kpis":
        at = list(df.columns).index("close_day")
        df.insert(at, "close_date", _dates(start, df["close_day"]))
    elif name == "events":
        days = np.floor(pd.to_numeric(df["time_days"]).to_numpy(dtype=float)) if len(df) else []
        at = list(df.columns).index("time_days") + 1
        df.insert(at, "date", _dates(start, pd.Series(days, index=df.index, dtype=float)))
    return df


def _dates(start: pd.Timestamp, days: pd.Series) -> pd.Series:
    values = pd.to_numeric(days, errors="coerce").to_numpy(dtype=float)
    out = pd.Series(start + pd.to_timedelta(values, unit="D"), index=days.index)
    return out.dt.normalize().astype("datetime64[s]")


def variant_chunk(variant: Variant, replications: list[int],
                  log_failures: bool) -> EncodedChunk:
    """Run one chunk of a variant and finish its tables, encoded for the chunk store (the
    unit of parallel work)."""
    tables = run_chunk(variant.scenario, replications, log_failures)
    return encode_chunk({name: chunk_table(variant, name, columns)
                         for name, columns in tables.items()})


def chunk_table(variant: Variant, name: str, columns: Columns) -> pa.Table:
    """One chunk's table as stored: the same table as ``arrow_table(finish_chunk(...))``,
    built straight from the numpy columns (through pandas it took a tenth of a chunk's
    time: text columns were converted twice and a thread pool started per table). Columns
    of any other kind than float, integer, boolean or text, or day numbers that are not
    whole, take the pandas way."""
    try:
        return _direct_table(variant, name, columns)
    except _NotPlain:
        return arrow_table(finish_chunk(variant, name, columns))


TEXT = pa.large_string()
"""How text columns are stored (what pandas' string columns become in Arrow)."""


class _NotPlain(Exception):
    """A column `_direct_table` does not build (the pandas way is taken)."""


_DATE_AT = {"kpis": ("close_day", "close_date", 0), "events": ("time_days", "date", 1)}
"""Per table, the day column a date column is derived from, the date's name, and its place
(0: before the day column, 1: after it), as `finish_chunk` inserts it."""


def _direct_table(variant: Variant, name: str, columns: Columns) -> pa.Table:
    n = len(next(iter(columns.values()))) if columns else 0
    arrays: dict[str, pa.Array] = {"variant": pa.repeat(pa.scalar(variant.name, TEXT), n)}
    for key, value in variant.columns.items():
        value = _column_value(value)
        arrays[key] = pa.repeat(pa.scalar(value, TEXT if isinstance(value, str)
                                          else pa.float64()), n)
    days_column, date_name, after = _DATE_AT.get(name, ("", "", 0))
    date_dtypes: dict[str, str] = {}
    for key, values in columns.items():
        if key != days_column:
            arrays[key] = _plain_array(values)
            continue
        start = dt.date.fromisoformat(str(variant.scenario.scenario.start)[:10])
        days = np.asarray(values, dtype=float)
        pair = [(key, _plain_array(values)),
                (date_name, _date_array(start, np.floor(days) if after else days))]
        arrays.update(pair if after else pair[::-1])
        date_dtypes[date_name] = "datetime64[s]"
    table = pa.table(arrays)
    return table.replace_schema_metadata({DATE_DTYPES_KEY: json.dumps(date_dtypes).encode()})


_PLAIN_DTYPES = (np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_))


def _plain_array(values: Any) -> pa.Array:
    """A numpy column as pandas would hand it to Arrow: NaN as missing, text as text."""
    if not isinstance(values, np.ndarray) or values.ndim != 1:
        raise _NotPlain
    if values.dtype in _PLAIN_DTYPES:
        return pa.array(values, from_pandas=True)
    if values.dtype.kind == "O":
        try:
            return pa.array(values, type=TEXT, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            raise _NotPlain from None
    raise _NotPlain


def _date_array(start: dt.date, days: np.ndarray) -> pa.Array:
    """The dates `start` + `days` (whole days; missing where NaN) as Arrow dates."""
    missing = np.isnan(days)
    known = days[~missing]
    if not np.array_equal(known, np.floor(known)) or (np.abs(known) > 1e6).any():
        raise _NotPlain
    epoch = (start - dt.date(1970, 1, 1)).days
    values = np.where(missing, 0.0, days).astype(np.int64) + epoch
    return pa.array(values.astype(np.int32), type=pa.date32(), mask=missing)


def assemble_in_memory(variants: list[Variant], n: int,
                       chunks: dict[Hashable, dict[str, pa.Table]],
                       base: Scenario | None = None) -> RunResult:
    """Concatenate every chunk's tables in (variant, chunk) order."""
    from simulator.experiments.provenance import batch_meta

    parts: dict[str, list[pa.Table]] = {}
    for key in sorted(chunks, key=lambda k: cast(tuple[int, int], k)):
        for name, table in chunks[key].items():
            parts.setdefault(name, []).append(table)
    tables = {name: frame_from_arrow(_concat(tables)) for name, tables in parts.items()}
    return RunResult(
        kpis=tables["kpis"], series=tables["series"], yearly=tables["yearly"],
        events=tables["events"], suppliers=tables["suppliers"], assembly=tables.get("assembly"),
        projects=tables.get("projects"),
        meta=batch_meta(variants, n), scenario_dict=(base or variants[0].scenario).resolved_dict(),
    )


def _concat(parts: list[pa.Table]) -> pa.Table:
    """Concatenate chunk tables; empty ones are left out unless all are empty."""
    full = [p for p in parts if p.num_rows]
    if not full:
        return parts[0]
    return pa.concat_tables([p.cast(full[0].schema) for p in full])


def assemble_on_disk(variants: list[Variant], n: int, store: ChunkStore, folder: Path,
                     base: Scenario | None = None) -> RunResult:
    """Merge the saved chunks into Parquet tables in `folder` and return the result with
    its KPI rows and its small tables in memory and every large table on disk (read a part
    at a time by the analysis), so memory stays flat in n. The merge runs in forked
    children, the series in one and the other tables in another (about equal work): what
    they allocate goes with them."""
    from simulator.experiments.provenance import batch_meta

    run_side_by_side([Call(merge_chunks, (store, folder, names), cost=1.0)
                      for names in MERGE_SHARES])
    kpis = frame_from_arrow(read_matching(folder / "kpis.parquet", None, {}))
    release_memory()
    result = RunResult(
        kpis=kpis, series=None, yearly=None, events=None, suppliers=None, assembly=None,
        meta=batch_meta(variants, n),
        scenario_dict=(base or variants[0].scenario).resolved_dict(), table_dir=folder)
    return load_small_tables(result)


MERGE_SHARES = (("series", "yearly", "suppliers"), ("kpis", "events", "assembly", "projects"))
"""The tables each merging process writes, about equal work (measured table by table on
the frozen baseline at 1,000 replications: series 0.7 s, events 0.55, kpis 0.35, yearly
0.2, assembly 0.1, the others less; each process also reads every chunk file, 0.15 s)."""


def merge_chunks(store: ChunkStore, folder: Path, names: tuple[str, ...] = TABLES) -> None:
    """Every saved chunk's tables `names` into `<folder>/<table>.parquet`, in (variant,
    chunk) order, one chunk in memory at a time."""
    keys = sorted(store.keys(), key=lambda k: cast(tuple[int, int], k))
    writers = {name: _TableWriter(folder / f"{name}.parquet") for name in names}
    try:
        for key in keys:
            for name, table in store.load(key, names).items():
                writers[name].add(table)
            release_memory()
    finally:
        for writer in writers.values():
            writer.close()


class _TableWriter:
    """One table's Parquet file, written chunk by chunk (a row group each); empty chunks
    are written only when every chunk is empty; no file when no chunk has the table."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: pq.ParquetWriter | None = None
        self.first_empty: pa.Table | None = None

    def add(self, table: pa.Table) -> None:
        if not table.num_rows:
            self.first_empty = table if self.first_empty is None else self.first_empty
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema,
                                           use_dictionary=dictionary_columns(table.schema))
        self.writer.write_table(table.cast(self.writer.schema))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        elif self.first_empty is not None:
            pq.write_table(self.first_empty, self.path,
                           use_dictionary=dictionary_columns(self.first_empty.schema))
