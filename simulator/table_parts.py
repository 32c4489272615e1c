"""Large Parquet tables read in parts: matching rows a row group at a time, and numeric
blocks a column at a time.

A batch writes each table one row group per chunk of replications, with min/max
statistics, so a filter on the replication or the variant skips whole row groups unread;
other filters read one row group at a time (without the reader's read-ahead, which holds
several batches), so memory is that of the answer plus one row group.

A block is one numeric column of the rows matching some filters (e.g. one component's
rows of the series), laid out as an array (distinct value of a key column, e.g. month ×
rows per value, e.g. replications): the shape quantiles over replications need. A
10,000-replication table is never held whole: a first pass over the file's row groups
finds the matching rows and where each goes in the block; each column is then read a row
group at a time straight into its place, so only the block being built is in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


class ParquetBlocks:
    """The rows of `path` whose columns equal `equal`, grouped by `order_by`.

    `labels` are the distinct values of `order_by` as text, sorted as text (the rows of a
    label keep their order in the file); `column(name)` is that column's block, shape
    (len(labels), rows per label). Raises ValueError when the labels do not all have the
    same number of rows (no block can be formed).
    """

    def __init__(self, path: Path, order_by: str, equal: Mapping[str, object]) -> None:
        self.file = pq.ParquetFile(path, pre_buffer=False)
        self.name = Path(path).stem
        missing = [c for c in (order_by, *equal) if c not in self.file.schema_arrow.names]
        if missing:
            raise ValueError(f"{self.name}: no column {', '.join(missing)}")
        matches: list[tuple[int, np.ndarray]] = []  # (row group, its matching rows)
        seen: dict[object, int] = {}  # each key value, in order of first sight
        codes: list[np.ndarray] = []
        for group in matching_groups(self.file, equal):
            part = self.file.read_row_group(group, columns=[order_by, *equal],
                                            use_threads=False)
            rows = _matching_rows(part, equal)
            if not len(rows):
                continue
            keys = part.column(order_by).take(pa.array(rows))
            for value in pc.unique(keys).to_pylist():
                seen.setdefault(value, len(seen))
            found = pc.index_in(keys, value_set=pa.array(list(seen), keys.type))
            codes.append(found.to_numpy(zero_copy_only=False).astype(np.int32))
            matches.append((group, rows))
        values = list(seen)
        text = np.asarray([str(v) for v in values], dtype=str)
        order = np.argsort(text, kind="stable")
        self.labels = text[order]
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order))
        all_codes = rank[np.concatenate(codes)] if codes else np.empty(0, np.int32)
        counts = np.bincount(all_codes, minlength=len(values))
        if len(values) == 0 or counts.min() != counts.max():
            raise ValueError(f"{self.name}: rows per {order_by} differ; cannot form a block")
        self.shape = (len(values), int(counts[0]))
        # a row's place in the flattened block: its label's row, then its rank among the
        # label's rows in file order (a stable sort by label gives exactly that order)
        kind = np.int32 if len(all_codes) < 2**31 else np.int64  # 4 bytes a row suffice
        places = np.empty(len(all_codes), dtype=kind)
        places[np.argsort(all_codes, kind="stable")] = np.arange(len(all_codes), dtype=kind)
        ends = np.cumsum([len(rows) for _, rows in matches])
        self._rows = [(group, rows, places[end - len(rows):end].copy())
                      for (group, rows), end in zip(matches, ends, strict=True)]

    def column(self, name: str) -> np.ndarray:
        """The block of numeric column `name` (float)."""
        out = np.empty(self.shape[0] * self.shape[1], dtype=float)
        for group, rows, places in self._rows:
            values = self.file.read_row_group(group, columns=[name], use_threads=False)
            values = values.column(0)
            out[places] = values.to_numpy().astype(float, copy=False)[rows]
        return out.reshape(self.shape)


def matching_groups(file: pq.ParquetFile, equal: Mapping[str, object]) -> list[int]:
    """The row groups that may hold rows equal to `equal` (by their min/max statistics)."""
    names = file.schema_arrow.names
    groups = []
    for group in range(file.num_row_groups):
        meta = file.metadata.row_group(group)
        if all(_may_hold(meta.column(names.index(name)).statistics, value)
               for name, value in equal.items() if name in names):
            groups.append(group)
    return groups


def _may_hold(stats: pq.Statistics | None, value: object) -> bool:
    if stats is None or not stats.has_min_max:
        return True
    try:
        return bool(stats.min <= value <= stats.max)  # type: ignore[operator]
    except TypeError:  # not comparable: read the group
        return True


def iter_matching(path: Path, columns: list[str] | None,
                  equal: Mapping[str, object]) -> Iterator[pa.Table]:
    """The rows of a Parquet file whose columns equal the values in `equal` (`columns`
    only, default all), a row group at a time (groups without such rows are left out)."""
    file = pq.ParquetFile(path, pre_buffer=False)
    columns = list(columns or file.schema_arrow.names)
    if any(name not in file.schema_arrow.names for name in equal):
        return  # no row has a value for a column the table lacks (as in memory)
    wanted = list(dict.fromkeys([*columns, *equal]))
    for group in matching_groups(file, equal):
        part = file.read_row_group(group, columns=wanted, use_threads=False)
        if not equal:
            yield part.select(columns)
            continue
        rows = _matching_rows(part, equal)
        if len(rows):
            yield part.take(pa.array(rows)).select(columns)


def read_matching(path: Path, columns: list[str] | None,
                  equal: Mapping[str, object]) -> pa.Table:
    """`iter_matching`'s parts as one table (empty, with the columns, when none match)."""
    parts = list(iter_matching(path, columns, equal))
    if not parts:
        schema = pq.ParquetFile(path).schema_arrow
        return schema.empty_table().select(list(columns or schema.names))
    return pa.concat_tables(parts)


def _matching_rows(part: pa.Table, equal: Mapping[str, object]) -> np.ndarray:
    """Indices of the rows of `part` whose columns equal the values in `equal`."""
    mask = None
    for name, value in equal.items():
        test = pc.equal(part.column(name), pa.scalar(value, part.column(name).type))
        mask = test if mask is None else pc.and_(mask, test)
    if mask is None:
        return np.arange(part.num_rows, dtype=np.int32)
    return np.flatnonzero(mask.to_numpy(zero_copy_only=False)).astype(np.int32)


class FrameBlocks:
    """`ParquetBlocks` of a table held in memory (a small run): the same labels and blocks."""

    def __init__(self, frame: pd.DataFrame, order_by: str) -> None:
        keys = frame[order_by].astype(str).to_numpy()
        self.labels, codes = np.unique(keys, return_inverse=True)
        counts = np.bincount(codes, minlength=len(self.labels))
        if len(self.labels) == 0 or counts.min() != counts.max():
            raise ValueError(f"rows per {order_by} differ; cannot form a block")
        self.shape = (len(self.labels), int(counts[0]))
        self._order = np.argsort(codes, kind="stable")
        self._frame = frame

    def column(self, name: str) -> np.ndarray:
        values = self._frame[name].to_numpy(dtype=float)
        return values[self._order].reshape(self.shape)
