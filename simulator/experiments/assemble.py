"""From finished chunks to the result tables: in memory, or streamed into a folder.

Each chunk's columns become DataFrames with the batch's `variant` column (and a sweep
point's parameter columns), close dates and event dates. In memory they are concatenated;
for a results folder they are streamed table by table into Parquet files (one row group per
chunk), so only the KPI rows are ever held whole.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from simulator.experiments.store import ChunkStore
from simulator.results import TABLES, RunResult, arrow_table, finish_folder, read_table
from simulator.tables import Columns

if TYPE_CHECKING:
    from simulator.experiments.batch import Variant

LOAD_LIMIT = 2_000_000  # rows: larger tables stay on disk and are read in parts


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


def assemble_in_memory(variants: list[Variant], n: int,
                       chunks: dict[Hashable, dict[str, Columns]]) -> RunResult:
    """Concatenate every chunk's tables in (variant, chunk) order."""
    from simulator.experiments.runner import batch_meta

    frames: dict[str, list[pd.DataFrame]] = {}
    for key in sorted(chunks, key=lambda k: cast(tuple[int, int], k)):
        variant = variants[cast(tuple[int, int], key)[0]]
        for name, columns in chunks[key].items():
            frames.setdefault(name, []).append(finish_chunk(variant, name, columns))
    tables = {name: _concat(parts) for name, parts in frames.items()}
    return RunResult(
        kpis=tables["kpis"], series=tables["series"], yearly=tables["yearly"],
        events=tables["events"], suppliers=tables["suppliers"], assembly=tables.get("assembly"),
        meta=batch_meta(variants, n), scenario_dict=variants[0].scenario.resolved_dict(),
    )


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunk frames; empty ones are left out unless all are empty."""
    full = [p for p in parts if len(p)]
    return pd.concat(full or parts[:1], ignore_index=True)


def write_batch_folder(variants: list[Variant], n: int, store: ChunkStore, out: Path, *,
                       charts: bool = True) -> RunResult:
    """Stream the saved chunks into a results folder, written atomically; remove the
    partial folder once the results folder is in place."""
    from simulator.experiments.runner import batch_meta

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        keys = sorted(store.keys(), key=lambda k: cast(tuple[int, int], k))
        kpis: list[pd.DataFrame] = []
        for name in TABLES:
            frames = (_finished(variants, store, key, name) for key in keys)
            _stream_table(frames, tmp / f"{name}.parquet", keep=kpis if name == "kpis" else None)
        tables = {name: read_table(tmp / f"{name}.parquet")
                  for name in TABLES
                  if (tmp / f"{name}.parquet").is_file() and _rows(tmp, name) <= LOAD_LIMIT}
        result = RunResult(
            kpis=_concat(kpis), series=tables.get("series"), yearly=tables.get("yearly"),
            events=tables.get("events"), suppliers=tables.get("suppliers"),
            assembly=tables.get("assembly"), meta=batch_meta(variants, n),
            scenario_dict=variants[0].scenario.resolved_dict(), table_dir=tmp,
        )
        finish_folder(result, tmp, out, charts=charts)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    store.remove()
    return result


def _finished(variants: list[Variant], store: ChunkStore, key: Hashable,
              name: str) -> pd.DataFrame | None:
    """One saved chunk's table, finished, or None when the chunk has no such table."""
    table = store.read(key, name)
    if table is None:
        return None
    variant = variants[cast(tuple[int, int], key)[0]]
    return finish_chunk(variant, name, cast(Columns, table.to_pydict()))


def _stream_table(frames: Iterator[pd.DataFrame | None], path: Path,
                  keep: list[pd.DataFrame] | None) -> None:
    """Write chunk frames to one Parquet file, one row group each (empty ones only when all
    are empty); nothing is written when no chunk has the table."""
    import pyarrow.parquet as pq

    writer: pq.ParquetWriter | None = None
    first_empty: pd.DataFrame | None = None
    try:
        for df in frames:
            if df is None:
                continue
            if keep is not None:
                keep.append(df)
            if not len(df):
                first_empty = df if first_empty is None else first_empty
                continue
            arrow = arrow_table(df)
            if writer is None:
                writer = pq.ParquetWriter(path, arrow.schema)
            writer.write_table(arrow.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    if writer is None and first_empty is not None:
        pq.write_table(arrow_table(first_empty), path)


def _rows(folder: Path, name: str) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(folder / f"{name}.parquet").metadata.num_rows)
