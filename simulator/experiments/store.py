"""Completed chunks on disk, so a batch can stop and resume and memory stays flat.

Each finished chunk's tables are written as Parquet files into their own folder under
`<out>.partial/chunks/`, first under a temporary name and renamed when complete, so a
chunk folder either holds a whole chunk or does not exist. `manifest.json` records a
fingerprint of the batch (variants, scenarios, replications, chunking): `--resume` only
continues a batch with the same fingerprint.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.tables import Columns

MANIFEST = "manifest.json"


class StoreMismatch(ValueError):
    """The partial folder belongs to another batch."""


def chunk_name(key: Hashable) -> str:
    """`v0001-c00023` for the key (variant 1, chunk 23)."""
    variant, chunk = cast(tuple[int, int], key)
    return f"v{variant:04d}-c{chunk:05d}"


def to_arrow(columns: Columns) -> pa.Table:
    """A chunk table's columns as an Arrow table (text columns as strings)."""
    arrays = {}
    for name, values in columns.items():
        arr = np.asarray(values)
        if arr.dtype == object:
            arrays[name] = pa.array(arr.tolist(), type=pa.string())
        else:
            arrays[name] = pa.array(arr)
    return pa.table(arrays)


class ChunkStore:
    """The `<out>.partial/` folder of a batch."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.chunks = self.folder / "chunks"

    def open(self, fingerprint: str, *, resume: bool) -> set[Hashable]:
        """Prepare the folder; return the keys of chunks already complete (resume only)."""
        manifest = self.folder / MANIFEST
        if self.folder.exists() and not resume:
            raise StoreMismatch(
                f"{self.folder} exists (an interrupted batch): rerun with --resume to continue "
                "it, or remove the folder to start again")
        if resume and manifest.is_file():
            found = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
            if found != fingerprint:
                raise StoreMismatch(
                    f"--resume: {self.folder} holds chunks of a different batch (other "
                    "scenario, variants, seed, replications or options); remove it or change --out")
        self.chunks.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps({"fingerprint": fingerprint}) + "\n", encoding="utf-8")
        done: set[Hashable] = set()
        for entry in self.chunks.iterdir():
            if entry.is_dir() and not entry.name.startswith("."):
                v, c = entry.name[1:].split("-c")
                done.add((int(v), int(c)))
            elif entry.name.startswith("."):
                shutil.rmtree(entry, ignore_errors=True)  # a chunk cut off while written
        return done

    def save(self, key: Hashable, tables: dict[str, Columns]) -> None:
        """Write one finished chunk, atomically."""
        final = self.chunks / chunk_name(key)
        tmp = self.chunks / f".{final.name}.tmp-{os.getpid()}"
        tmp.mkdir()
        for name, columns in tables.items():
            pq.write_table(to_arrow(columns), tmp / f"{name}.parquet")
        os.replace(tmp, final)

    def tables(self, key: Hashable) -> dict[str, Path]:
        """The files of one saved chunk, by table name."""
        folder = self.chunks / chunk_name(key)
        return {p.stem: p for p in folder.glob("*.parquet")}

    def read(self, key: Hashable, table: str) -> pa.Table | None:
        path = self.chunks / chunk_name(key) / f"{table}.parquet"
        return pq.read_table(path) if path.is_file() else None

    def keys(self) -> Iterator[Hashable]:
        for entry in sorted(self.chunks.iterdir()):
            if entry.is_dir() and not entry.name.startswith("."):
                v, c = entry.name[1:].split("-c")
                yield int(v), int(c)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
