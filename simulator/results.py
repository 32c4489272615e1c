"""A run's results: the `RunResult` record and the results folder's files.

`RunResult` says where a run's tables are (in memory, or Parquet files in a folder), with
the run's metadata, the resolved scenario, its summary and its analysis tables; `read`
loads a table or the rows asked for. This module is input and output only: it computes no
statistic and draws nothing (the analysis layer, `simulator.analysis`, fills `summary` and
`analysis`; `simulator.pipeline` writes whole folders). `write_tables`, `write_extra`,
`write_analysis`, `write_summary` and `write_scenario` save the parts, `put_in_place`
renames a finished folder into place, and `read_results` loads a folder back. Tables are
Parquet files (the analysis tables in `analysis/`); date columns are stored as Parquet
dates.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.lifeline import check_stop

if TYPE_CHECKING:
    import pyarrow as pa

    from simulator.table_parts import FrameBlocks, FrameBlockSet, ParquetBlocks, ParquetBlockSet

    Blocks = FrameBlocks | ParquetBlocks
    BlockSet = FrameBlockSet | ParquetBlockSet

TABLES = ("kpis", "series", "yearly", "events", "suppliers", "assembly", "projects")
OPTIONAL_TABLES = ("assembly", "projects")
SUMMARY_FILE = "summary.json"
SCENARIO_FILE = "scenario.yaml"
CHARTS_FOLDER = "charts"
ANALYSIS_FOLDER = "analysis"
# Parquet key-value metadata recording which date columns were datetime64 in memory
# (Parquet stores them as dates either way; reading restores the in-memory dtype).
DATE_DTYPES_KEY = b"capsim.date_dtypes"


@dataclass(eq=False, repr=False)
class RunResult:
    """Everything a run produced, as tidy tables (one row per replication × entity × period).

    Attributes
    ----------
    kpis, series, yearly, events, suppliers, assembly, projects
        The tables of internal-contracts.md §3; `assembly` is None when no component has
        `units_per_vehicle`, `projects` (economic value per stage-3 project) when the
        scenario has no `economics` or no projects.
    meta
        Scenario name, seed, replications, stages enabled, scenario hash, versions, commit.
    scenario_dict
        The fully resolved scenario as a plain YAML-able dict.
    out_dir
        The results folder, once written (or when read back); None before.
    extra
        Tables that describe a batch's inputs (``points``, ``scenario_differences``),
        written as ``<name>.parquet``.
    analysis
        The analysis tables by name (small: one row per component, month, year, ...),
        written as ``analysis/<name>.parquet``; what the console, charts and report read.
    summary
        The JSON-serialisable summary (saved as ``summary.json``), as the analysis layer
        made it; empty until a run has been analysed.
    table_dir
        Where the Parquet tables are when a large batch leaves some of them on disk (None
        in memory): `read` loads what is asked for, a component or a variant at a time.
    """

    kpis: pd.DataFrame
    series: pd.DataFrame | None
    yearly: pd.DataFrame | None
    events: pd.DataFrame | None
    suppliers: pd.DataFrame | None
    assembly: pd.DataFrame | None = None
    projects: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)
    scenario_dict: dict = field(default_factory=dict)
    out_dir: Path | None = None
    table_dir: Path | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    analysis: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    def has(self, name: str) -> bool:
        """Whether the table exists, in memory or on disk."""
        if getattr(self, name) is not None:
            return True
        return self.table_dir is not None and (self.table_dir / f"{name}.parquet").is_file()

    def columns(self, name: str) -> list[str]:
        """The columns of a table, in memory or on disk (none when there is no such table)."""
        table = getattr(self, name)
        if table is not None:
            return list(table.columns)
        if not self.has(name):
            return []
        import pyarrow.parquet as pq

        assert self.table_dir is not None  # `has` found the file there
        return list(pq.ParquetFile(self.table_dir / f"{name}.parquet").schema_arrow.names)

    def read(self, name: str, columns: list[str] | None = None,
             where: Mapping[str, str] | None = None, **equal: str) -> pd.DataFrame:
        """A table, or the rows whose columns equal the given values (e.g.
        `read("series", component="all", variant="sharing")`), from memory or from disk."""
        equal = {**(where or {}), **equal}
        df = getattr(self, name)
        if df is None:
            if self.table_dir is None:
                raise ValueError(f"no {name} table in this result")
            filters = [(k, "=", v) for k, v in equal.items()] or None
            return read_table(self.table_dir / f"{name}.parquet", columns=columns,
                              filters=filters)
        if any(key not in df for key in equal):
            return df.iloc[0:0] if columns is None else df.iloc[0:0][columns]
        if columns is not None:
            df = df[columns + [k for k in equal if k not in columns]]
        if equal:  # one mask, one take: taking rows is the costly step
            mask = np.logical_and.reduce([(df[k] == v).to_numpy(bool) for k, v in equal.items()])
            df = df[mask]
        return df[columns] if columns is not None else df

    def blocks(self, name: str, order_by: str, **equal: str) -> Blocks:
        """The rows matching `equal` as numeric blocks (distinct value of `order_by` x rows
        per value; see `simulator.table_parts`), read from disk a column at a time when the
        table is there — the lean shape for quantiles over replications."""
        from simulator.table_parts import FrameBlocks, ParquetBlocks

        if getattr(self, name) is not None or self.table_dir is None:
            return FrameBlocks(self.read(name, where=equal), order_by)
        return ParquetBlocks(self.table_dir / f"{name}.parquet", order_by, equal)

    def block_set(self, name: str, order_by: str, by: str, values: list[str],
                  **equal: str) -> BlockSet:
        """`blocks` of each of several values of column `by` (e.g. a few components) at
        once: one pass over the file lays them out, each `column(name)` reads it once for
        all (a dict by value)."""
        from simulator.table_parts import FrameBlockSet, ParquetBlockSet

        if getattr(self, name) is not None or self.table_dir is None:
            rows = self.read(name, where=equal)
            return FrameBlockSet(rows[rows[by].astype(str).isin(values).to_numpy()],
                                 order_by, by, values)
        return ParquetBlockSet(self.table_dir / f"{name}.parquet", order_by, equal, by,
                               values)

    def numeric_block(self, name: str, columns: list[str], order_by: str,
                      **equal: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """`blocks` with every column in `columns` read: the distinct values of `order_by`
        (sorted as text) and, per column, its block."""
        blocks = self.blocks(name, order_by, **equal)
        return blocks.labels, {c: blocks.column(c) for c in columns}

    def variants(self) -> list[str]:
        """The batch's variant names, in order (one for a plain run)."""
        if "variant" not in self.kpis:
            return []
        # unique() keeps the order of appearance, without a Python loop over every row
        return [str(v) for v in self.kpis["variant"].unique()]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name (``assembly`` left out when None)."""
        found = {name: getattr(self, name) for name in TABLES}
        return {name: df for name, df in found.items() if df is not None}

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name}={len(df)} rows" for name, df in self.tables().items())
        name = self.meta.get("scenario") or self.meta.get("scenario_name") or "?"
        return f"RunResult(scenario={name!r}, {shapes}, out_dir={self.out_dir!s})"


def new_staging_folder(out_dir: Path | str) -> Path:
    """A fresh hidden folder next to `out_dir` to write a results folder into (a dead
    run's leftovers there are cleared first); `put_in_place` renames it when complete.

    Raises
    ------
    ValueError
        If `out_dir` exists and is not an empty folder (results are never overwritten).
    """
    from simulator.folders import remove_dead_leftovers, tmp_sibling

    out_dir = Path(out_dir)
    _check_free(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_leftovers(out_dir)
    staging = tmp_sibling(out_dir, secrets.token_hex(4))
    staging.mkdir()
    return staging


@contextmanager
def staging_folder(out_dir: Path | str) -> Iterator[Path]:
    """`new_staging_folder(out_dir)` for the block to write into (and end with
    `put_in_place`); deleted if the block fails or is stopped, so nothing half-written
    stays behind."""
    staging = new_staging_folder(out_dir)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def put_in_place(staging: Path, out_dir: Path) -> Path:
    """Rename the finished `staging` folder to `out_dir` (which must be free): the folder
    appears whole or not at all. A stop asked for while it was written is honoured first."""
    check_stop()  # even if the stop's exception was swallowed on the way
    _check_free(out_dir)
    if out_dir.exists():
        out_dir.rmdir()  # empty (checked above); lets the rename work on every OS
    os.replace(staging, out_dir)
    return out_dir


def write_tables(result: RunResult, folder: Path) -> None:
    """The tables held in memory, one Parquet file each."""
    for name, df in result.tables().items():
        _write_table(df, folder / f"{name}.parquet")


def write_extra(result: RunResult, folder: Path) -> None:
    """The further tables (analyses, input descriptions), one Parquet file each."""
    for name, df in result.extra.items():
        _write_table(df, folder / f"{name}.parquet")


def write_analysis(result: RunResult, folder: Path) -> None:
    """The analysis tables, one Parquet file each in ``analysis/``."""
    if result.analysis:
        (folder / ANALYSIS_FOLDER).mkdir(exist_ok=True)
    for name, df in result.analysis.items():
        _write_table(df, folder / ANALYSIS_FOLDER / f"{name}.parquet")


def write_summary(folder: Path, summary: dict) -> None:
    """``summary.json``; never infinity or NaN (`allow_nan=False` makes one an error)."""
    text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False)
    (folder / SUMMARY_FILE).write_text(text + "\n", encoding="utf-8")


def write_scenario(folder: Path, scenario_dict: dict) -> None:
    """``scenario.yaml``: the resolved scenario that was run."""
    import yaml

    text = yaml.safe_dump(scenario_dict, sort_keys=False, allow_unicode=True)
    (folder / SCENARIO_FILE).write_text(text, encoding="utf-8")


class DamagedResults(ValueError):
    """A results folder that cannot be read back: `path` names the file at fault and
    `problem` says what is wrong with it, so a message can point the user at the file."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self) -> tuple[type, tuple[Path, str]]:
        return type(self), (self.path, self.problem)


LOAD_LIMIT = 300_000
"""Tables of at most this many rows are held in memory when a results folder is read; larger
ones stay on disk and are read a part at a time (memory flat in the replications)."""


def load_small_tables(result: RunResult, load_limit: int = LOAD_LIMIT) -> RunResult:
    """Hold in memory the tables of `result.table_dir` that have at most `load_limit`
    rows (reading a small table once is faster than filtering it on disk again and again);
    larger ones stay on disk."""
    if result.table_dir is None:
        return result
    for name in TABLES:
        path = result.table_dir / f"{name}.parquet"
        if getattr(result, name) is None and path.is_file() \
                and _parquet_rows(path) <= load_limit:
            setattr(result, name, _read_checked(path))
    return result


def read_results(path: Path | str, *, load_limit: int = LOAD_LIMIT) -> RunResult:
    """Load a results folder (written by `simulator.pipeline`).

    The tables equal those written; the summary is taken from ``summary.json`` (and `meta`
    from its ``meta`` entry), not recomputed. Tables of more than `load_limit` rows stay on
    disk (the attribute is None) and are read in parts with `RunResult.read`; the footer
    of every Parquet file is read here all the same, so that damage is found up front.

    Raises
    ------
    DamagedResults
        If the folder has no ``kpis.parquet``, or a file in it is missing, truncated or
        not what it should be (the message names the file and the problem).
    """
    folder = Path(path)
    if not (folder / "kpis.parquet").is_file():
        raise DamagedResults(folder, "not a results folder (no kpis.parquet)")
    row_counts = {p: _parquet_rows(p) for p in sorted(folder.glob("*.parquet"))}
    summary = _read_json_object(folder / SUMMARY_FILE)
    if not isinstance(summary.get("meta", {}), dict):
        raise DamagedResults(folder / SUMMARY_FILE, 'its "meta" entry is not a JSON object')
    scenario_dict = _read_yaml_mapping(folder / SCENARIO_FILE)
    tables: dict[str, pd.DataFrame | None] = {}
    for name in TABLES:
        path = folder / f"{name}.parquet"
        small = path in row_counts and row_counts[path] <= load_limit
        tables[name] = _read_checked(path) if small or name == "kpis" else None
    kpis = tables.pop("kpis")
    assert kpis is not None  # checked above: every results folder has kpis.parquet
    extra = {p.stem: _read_checked(p) for p in row_counts if p.stem not in TABLES}
    analysis = {p.stem: _read_checked(p)
                for p in sorted((folder / ANALYSIS_FOLDER).glob("*.parquet"))}
    result = RunResult(
        kpis, tables["series"], tables["yearly"], tables["events"], tables["suppliers"],
        tables["assembly"], tables["projects"], meta=summary.get("meta", {}),
        scenario_dict=scenario_dict,
        out_dir=folder, table_dir=folder, extra=extra, analysis=analysis, summary=summary,
    )
    return result


def _parquet_rows(path: Path) -> int:
    """The row count from a Parquet file's footer: reading it proves the file is whole
    (a truncated file has lost its footer)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return int(pq.read_metadata(path).num_rows)
    except (pa.ArrowException, OSError) as err:
        raise DamagedResults(path, f"not a readable Parquet file ({_reason(err)})") from None


def _read_checked(path: Path) -> pd.DataFrame:
    """`read_table`, with damage past the footer reported against the file."""
    import pyarrow as pa

    try:
        return read_table(path)
    except (pa.ArrowException, OSError) as err:
        raise DamagedResults(path, f"not a readable Parquet file ({_reason(err)})") from None


def _read_text(path: Path) -> str:
    """A small text file of the folder, or `DamagedResults` saying why it cannot be read
    (only regular files are opened: a FIFO or a device would block or never end)."""
    if not path.exists():
        raise DamagedResults(path, "missing")
    if not path.is_file():
        raise DamagedResults(path, "not a regular file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DamagedResults(path, f"not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise DamagedResults(path, f"cannot be read ({_reason(err)})") from None


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number",
               bool: "true or false", type(None): "null"}


def _read_json_object(path: Path) -> dict:
    """A JSON file holding an object (``summary.json``)."""
    try:
        value = json.loads(_read_text(path))
    except json.JSONDecodeError as err:
        raise DamagedResults(path, f"not valid JSON (line {err.lineno}, column {err.colno})"
                             ) from None
    except RecursionError:
        raise DamagedResults(path, "not valid JSON (nested too deeply)") from None
    if not isinstance(value, dict):
        raise DamagedResults(path, f"not a JSON object (it holds {_JSON_KINDS[type(value)]})")
    return value


def _read_yaml_mapping(path: Path) -> dict:
    """A YAML file holding a mapping, or nothing (``scenario.yaml``)."""
    import yaml

    try:
        value = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise DamagedResults(path, f"not valid YAML{where}") from None
    except RecursionError:
        raise DamagedResults(path, "not valid YAML (nested too deeply)") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DamagedResults(path, f"not a YAML mapping (it holds a {type(value).__name__})")
    return value


def _reason(err: BaseException) -> str:
    """An error's own words, without the file name an OSError repeats."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err).strip() or type(err).__name__


def _check_free(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ValueError(f"cannot write results to {out_dir}: it exists and is not a folder")
    if any(out_dir.iterdir()):
        raise ValueError(
            f"cannot write results to {out_dir}: the folder exists and is not empty "
            "(results are never overwritten; choose a new folder or remove this one)"
        )


def _write_table(df: pd.DataFrame, path: Path) -> None:
    """Parquet via pyarrow; datetime64 columns holding whole days are stored as dates."""
    import pyarrow.parquet as pq

    table = arrow_table(df)
    pq.write_table(table, path, use_dictionary=dictionary_columns(table.schema))


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns Parquet should dictionary-encode: all but floating-point ones (text,
    integers, dates repeat; measured floats rarely do, and trying a dictionary on them took
    half the time of writing a batch's series, for a larger file)."""
    import pyarrow as pa

    return [field.name for field in schema if not pa.types.is_floating(field.type)]


def arrow_table(df: pd.DataFrame) -> pa.Table:
    """A DataFrame as the Arrow table we store: whole-day datetime64 columns as dates, with
    their in-memory dtype noted in the schema metadata so reading restores it."""
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    date_dtypes: dict[str, str] = {}
    for i, name in enumerate(table.column_names):
        column = df[name]
        if pd.api.types.is_datetime64_dtype(column.dtype) and _whole_days(column):
            table = table.set_column(i, name, table.column(i).cast(pa.date32()))
            date_dtypes[name] = str(column.dtype)
    metadata = dict(table.schema.metadata or {})
    metadata.pop(b"pandas", None)  # row-group-wise writing: the pandas index note misleads
    metadata[DATE_DTYPES_KEY] = json.dumps(date_dtypes).encode()
    return table.replace_schema_metadata(metadata)


def read_table(path: Path, *, columns: list[str] | None = None,
               filters: list[tuple[str, str, str]] | None = None) -> pd.DataFrame:
    """Inverse of `_write_table`: dates come back as they were in memory, missing as NaT."""
    import pyarrow.parquet as pq

    if not filters:
        return frame_from_arrow(pq.read_table(path, columns=columns))
    from simulator.table_parts import read_matching

    return frame_from_arrow(read_matching(path, columns, {k: v for k, _op, v in filters}))


def release_memory() -> None:
    """Hand freed memory back to the system: what Arrow's allocator keeps for reuse, and
    the free pages of the C heap (glibc's `malloc_trim`; numpy and pandas allocate there).
    Called between the parts of a large batch, so its peak does not grow with the batch."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, found once among the process's own symbols; None where the C
    library has none (macOS, musl, Windows)."""
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError, TypeError):
        return None


def frame_from_arrow(table: pa.Table) -> pd.DataFrame:
    """Inverse of `arrow_table`: dates come back as they were in memory, missing as NaT."""
    import pyarrow as pa

    date_dtypes = json.loads((table.schema.metadata or {}).get(DATE_DTYPES_KEY, b"{}"))
    df = table.to_pandas()
    for field_ in table.schema:
        if not pa.types.is_date(field_.type):
            continue
        name = field_.name
        if name in date_dtypes:
            df[name] = pd.to_datetime(df[name]).astype(date_dtypes[name])
        else:  # a column of datetime.date objects: missing values are NaT, as written
            df[name] = df[name].astype(object).where(df[name].notna(), pd.NaT)
    return df


def _whole_days(column: pd.Series) -> bool:
    values = column.dropna()
    return bool((values == values.dt.normalize()).all())

