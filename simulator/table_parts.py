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
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


class _Layout:
    """Where the matching rows of a file go in one block, found a row group at a time:
    `add` each group's rows and their keys, then `finish`."""

    def __init__(self) -> None:
        self.matches: list[tuple[int, np.ndarray]] = []  # (row group, its matching rows)
        self.seen: dict[object, int] = {}  # each key value, in order of first sight
        self.codes: list[np.ndarray] = []

    def add(self, group: int, rows: np.ndarray, keys: pa.ChunkedArray | pa.Array) -> None:
        for value in pc.unique(keys).to_pylist():
            self.seen.setdefault(value, len(self.seen))
        found = pc.index_in(keys, value_set=pa.array(list(self.seen), keys.type))
        self.codes.append(found.to_numpy(zero_copy_only=False).astype(np.int32))
        self.matches.append((group, rows))

    def finish(self, name: str, order_by: str
               ) -> tuple[np.ndarray, tuple[int, int], list[tuple[int, np.ndarray, np.ndarray]]]:
        """The labels (sorted as text), the block's shape, and per row group its matching
        rows and their places in the flattened block."""
        values = list(self.seen)
        text = np.asarray([str(v) for v in values], dtype=str)
        order = np.argsort(text, kind="stable")
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order))
        codes = rank[np.concatenate(self.codes)] if self.codes else np.empty(0, np.int32)
        counts = np.bincount(codes, minlength=len(values))
        if len(values) == 0 or counts.min() != counts.max():
            raise ValueError(f"{name}: rows per {order_by} differ; cannot form a block")
        # a row's place in the flattened block: its label's row, then its rank among the
        # label's rows in file order (a stable sort by label gives exactly that order)
        kind = np.int32 if len(codes) < 2**31 else np.int64  # 4 bytes a row suffice
        places = np.empty(len(codes), dtype=kind)
        places[np.argsort(codes, kind="stable")] = np.arange(len(codes), dtype=kind)
        ends = np.cumsum([len(rows) for _, rows in self.matches])
        where = [(group, rows, places[end - len(rows):end].copy())
                 for (group, rows), end in zip(self.matches, ends, strict=True)]
        return text[order], (len(values), int(counts[0])), where


class ParquetBlocks:
    """The rows of `path` whose columns equal `equal`, grouped by `order_by`.

    `labels` are the distinct values of `order_by` as text, sorted as text (the rows of a
    label keep their order in the file); `column(name)` is that column's block, shape
    (len(labels), rows per label). Raises ValueError when the labels do not all have the
    same number of rows (no block can be formed).
    """

    def __init__(self, path: Path, order_by: str, equal: Mapping[str, object]) -> None:
        self.file = _open(path, [order_by, *equal])
        layout = _Layout()
        for group in matching_groups(self.file, equal):
            part = self.file.read_row_group(group, columns=[order_by, *equal],
                                            use_threads=False)
            rows = _matching_rows(part, equal)
            if len(rows):
                layout.add(group, rows, part.column(order_by).take(pa.array(rows)))
        self.labels, self.shape, self._rows = layout.finish(Path(path).stem, order_by)

    def column(self, name: str) -> np.ndarray:
        """The block of numeric column `name` (float)."""
        out = np.empty(self.shape[0] * self.shape[1], dtype=float)
        for group, rows, places in self._rows:
            values = self.file.read_row_group(group, columns=[name], use_threads=False)
            out[places] = values.column(0).to_numpy().astype(float, copy=False)[rows]
        return out.reshape(self.shape)


class Layout(NamedTuple):
    """A block's labels (the distinct values of the key, as text, sorted) and shape."""

    labels: np.ndarray
    shape: tuple[int, int]


class ParquetBlockSet:
    """`ParquetBlocks` of several values of one column at once (e.g. the rows of each of a
    few components), laid out in one pass over the file; `column(name)` reads each row
    group once for all of them (one block per value per pass costs a read of the file per
    value). `parts` gives each value's `Layout` (values without rows are left out)."""

    def __init__(self, path: Path, order_by: str, equal: Mapping[str, object], by: str,
                 values: list[str]) -> None:
        self.file = _open(path, [order_by, by, *equal])
        layouts = {value: _Layout() for value in values}
        read = list(dict.fromkeys([order_by, by, *equal]))
        for group in matching_groups(self.file, equal):
            part = self.file.read_row_group(group, columns=read, use_threads=False)
            rows = _matching_rows(part, equal)
            if not len(rows):
                continue
            taken = pa.array(rows)
            owner = part.column(by).take(taken)
            if pa.types.is_dictionary(owner.type):
                owner = owner.cast(owner.type.value_type)
            code = pc.fill_null(pc.index_in(owner, value_set=pa.array(values, owner.type)), -1)
            code = code.to_numpy(zero_copy_only=False)
            keys = part.column(order_by).take(taken)
            for k, value in enumerate(values):
                mine = np.flatnonzero(code == k)
                if len(mine):
                    layouts[value].add(group, rows[mine], keys.take(pa.array(mine)))
        name = Path(path).stem
        self._rows: dict[str, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        self.parts: dict[str, Layout] = {}
        for value, layout in layouts.items():
            if layout.matches:
                labels, shape, self._rows[value] = layout.finish(f"{name} {value}", order_by)
                self.parts[value] = Layout(labels, shape)

    def column(self, name: str) -> dict[str, np.ndarray]:
        """Each value's block of numeric column `name` (float), by value."""
        out = {value: np.empty(part.shape[0] * part.shape[1], dtype=float)
               for value, part in self.parts.items()}
        by_group: dict[int, list[tuple[str, np.ndarray, np.ndarray]]] = {}
        for value, where in self._rows.items():
            for group, rows, places in where:
                by_group.setdefault(group, []).append((value, rows, places))
        for group in sorted(by_group):
            values = self.file.read_row_group(group, columns=[name], use_threads=False)
            numbers = values.column(0).to_numpy().astype(float, copy=False)
            for value, rows, places in by_group[group]:
                out[value][places] = numbers[rows]
        return {value: block.reshape(self.parts[value].shape) for value, block in out.items()}


def _open(path: Path, needed: list[str]) -> pq.ParquetFile:
    """The Parquet file (without read-ahead), refused when it lacks a column needed."""
    file = pq.ParquetFile(path, pre_buffer=False)
    missing = [c for c in dict.fromkeys(needed) if c not in file.schema_arrow.names]
    if missing:
        raise ValueError(f"{Path(path).stem}: no column {', '.join(missing)}")
    return file


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


def iter_matching(path: Path, columns: list[str] | None, equal: Mapping[str, object], *,
                  at_least: int = 0) -> Iterator[pa.Table]:
    """The rows of a Parquet file whose columns equal the values in `equal` (`columns`
    only, default all), in parts of whole row groups: each part is one row group's matching
    rows, or with `at_least` the next row groups' put together until they hold that many
    (fewer, larger parts: work done per part costs less; memory is that of a part). Groups
    without such rows are left out."""
    pending: list[pa.Table] = []
    count = 0
    for part in _matching_parts(path, columns, equal):
        pending.append(part)
        count += part.num_rows
        if count >= at_least:
            yield pending[0] if len(pending) == 1 else pa.concat_tables(pending)
            pending, count = [], 0
    if pending:
        yield pa.concat_tables(pending)


def _matching_parts(path: Path, columns: list[str] | None,
                    equal: Mapping[str, object]) -> Iterator[pa.Table]:
    """`iter_matching`, one row group at a time."""
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


class FrameBlockSet:
    """`ParquetBlockSet` of a table held in memory: the same parts and blocks."""

    def __init__(self, frame: pd.DataFrame, order_by: str, by: str, values: list[str]) -> None:
        owner = frame[by].astype(str)
        self._blocks = {value: FrameBlocks(frame[(owner == value).to_numpy()], order_by)
                        for value in values if (owner == value).any()}
        self.parts = {value: Layout(b.labels, b.shape) for value, b in self._blocks.items()}

    def column(self, name: str) -> dict[str, np.ndarray]:
        return {value: blocks.column(name) for value, blocks in self._blocks.items()}
