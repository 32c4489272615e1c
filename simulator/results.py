"""A run's results: the `RunResult` tables and the results folder they are saved to.

`RunResult` holds the tidy tables described in docs/design/internal-contracts.md §3, the
run's metadata and the resolved scenario. `write_results` saves them to a folder
atomically (everything is written to a hidden sibling folder that is renamed into place
only when complete, so a failed write leaves nothing behind); `read_results` loads such a
folder back. Tables are Parquet files; date columns are stored as Parquet dates. Matplotlib
is imported only when charts are drawn, so reading results stays light.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

TABLES = ("kpis", "series", "yearly", "events", "suppliers", "assembly")
OPTIONAL_TABLES = ("assembly",)
SUMMARY_FILE = "summary.json"
SCENARIO_FILE = "scenario.yaml"
CHARTS_FOLDER = "charts"
# Parquet key-value metadata recording which date columns were datetime64 in memory
# (Parquet stores them as dates either way; reading restores the in-memory dtype).
_DATE_DTYPES_KEY = b"capsim.date_dtypes"


@dataclass(eq=False, repr=False)
class RunResult:
    """Everything a run produced, as tidy tables (one row per replication × entity × period).

    Attributes
    ----------
    kpis, series, yearly, events, suppliers, assembly
        The tables of internal-contracts.md §3; `assembly` is None when no component has
        `units_per_vehicle`.
    meta
        Scenario name, seed, replications, stages enabled, scenario hash, versions, commit.
    scenario_dict
        The fully resolved scenario as a plain YAML-able dict.
    out_dir
        The results folder, once written (or when read back); None before.
    """

    kpis: pd.DataFrame
    series: pd.DataFrame
    yearly: pd.DataFrame
    events: pd.DataFrame
    suppliers: pd.DataFrame
    assembly: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)
    scenario_dict: dict = field(default_factory=dict)
    out_dir: Path | None = None

    @cached_property
    def summary(self) -> dict:
        """The JSON-serialisable summary (`simulator.summary.summarise`), computed once."""
        from simulator.summary import summarise

        return summarise(self)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name (``assembly`` left out when None)."""
        found = {name: getattr(self, name) for name in TABLES}
        return {name: df for name, df in found.items() if df is not None}

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name}={len(df)} rows" for name, df in self.tables().items())
        name = self.meta.get("scenario") or self.meta.get("scenario_name") or "?"
        return f"RunResult(scenario={name!r}, {shapes}, out_dir={self.out_dir!s})"


def write_results(result: RunResult, out_dir: Path | str, *, charts: bool = True) -> Path:
    """Save a run to `out_dir`, atomically; return the folder.

    Writes one Parquet file per table, ``summary.json``, ``scenario.yaml`` and (unless
    `charts` is False) ``charts/`` with a PNG and an SVG of each standard chart. Everything
    goes to a temporary sibling folder first, renamed to `out_dir` only when complete; if
    anything fails, the temporary folder is removed and nothing appears at `out_dir`.

    Raises
    ------
    ValueError
        If `out_dir` exists and is not an empty folder (results are never overwritten).
    """
    out_dir = Path(out_dir)
    _check_free(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        _write_contents(result, tmp, charts=charts)
        _check_free(out_dir)  # it may have appeared while we were writing
        if out_dir.exists():
            out_dir.rmdir()  # empty (checked above); lets the rename work on every OS
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.out_dir = out_dir
    return out_dir


def read_results(path: Path | str) -> RunResult:
    """Load a results folder written by `write_results`.

    The tables equal those written; the summary is taken from ``summary.json`` (and `meta`
    from its ``meta`` entry), not recomputed.
    """
    import yaml

    folder = Path(path)
    if not (folder / "kpis.parquet").is_file():
        raise ValueError(f"{folder} is not a results folder (no kpis.parquet)")
    tables = {
        name: _read_table(folder / f"{name}.parquet")
        for name in TABLES
        if name not in OPTIONAL_TABLES or (folder / f"{name}.parquet").is_file()
    }
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    scenario_dict = yaml.safe_load((folder / SCENARIO_FILE).read_text(encoding="utf-8")) or {}
    result = RunResult(
        **tables, meta=summary.get("meta", {}), scenario_dict=scenario_dict, out_dir=folder
    )
    result.__dict__["summary"] = summary  # prime the cached property
    return result


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


def _write_contents(result: RunResult, folder: Path, *, charts: bool) -> None:
    import yaml

    for name, df in result.tables().items():
        _write_table(df, folder / f"{name}.parquet")
    text = json.dumps(result.summary, indent=2, ensure_ascii=False, allow_nan=False)
    (folder / SUMMARY_FILE).write_text(text + "\n", encoding="utf-8")
    scenario_text = yaml.safe_dump(result.scenario_dict, sort_keys=False, allow_unicode=True)
    (folder / SCENARIO_FILE).write_text(scenario_text, encoding="utf-8")
    if charts:
        from simulator.charts import draw_run_charts  # imports matplotlib

        draw_run_charts(result, folder / CHARTS_FOLDER)


def _write_table(df: pd.DataFrame, path: Path) -> None:
    """Parquet via pyarrow; datetime64 columns holding whole days are stored as dates."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    date_dtypes: dict[str, str] = {}
    for i, name in enumerate(table.column_names):
        column = df[name]
        if pd.api.types.is_datetime64_dtype(column.dtype) and _whole_days(column):
            table = table.set_column(i, name, table.column(i).cast(pa.date32()))
            date_dtypes[name] = str(column.dtype)
    metadata = dict(table.schema.metadata or {})
    metadata[_DATE_DTYPES_KEY] = json.dumps(date_dtypes).encode()
    pq.write_table(table.replace_schema_metadata(metadata), path)


def _read_table(path: Path) -> pd.DataFrame:
    """Inverse of `_write_table`: dates come back as they were in memory, missing as NaT."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    date_dtypes = json.loads((table.schema.metadata or {}).get(_DATE_DTYPES_KEY, b"{}"))
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

