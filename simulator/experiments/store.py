"""Completed chunks on disk, so a batch can stop and resume and memory stays flat.

Each finished chunk's tables are written as one file under `<out>.partial/chunks/`: each
table an Arrow IPC stream compressed with zstd (a quarter of the size of the plain tables,
about 2.5 MiB per 50 replications of the default scenario), the streams pickled together
(our own data, read back only by this module; several times faster than a Parquet file
per table). A chunk is written under a temporary name and renamed when complete, so a
chunk file either holds a whole chunk or does not exist. `manifest.json` records a
fingerprint of the batch (variants, scenarios, replications, chunking): `--resume` only
continues a batch with the same fingerprint.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import pyarrow as pa


MANIFEST = "manifest.json"
SUFFIX = ".pkl"


class StoreMismatch(ValueError):
    """The partial folder belongs to another batch."""


def chunk_name(key: Hashable) -> str:
    """`v0001-c00023` for the key (variant 1, chunk 23)."""
    variant, chunk = cast(tuple[int, int], key)
    return f"v{variant:04d}-c{chunk:05d}"


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
        for entry in self.chunks.iterdir():
            if entry.name.startswith("."):
                entry.unlink(missing_ok=True)  # a chunk cut off while it was written
        return set(self.keys())

    def save(self, key: Hashable, tables: dict[str, pa.Table]) -> None:
        """Write one finished chunk, atomically."""
        final = self.chunks / f"{chunk_name(key)}{SUFFIX}"
        tmp = self.chunks / f".{final.name}.tmp-{os.getpid()}"
        streams = {name: _compressed(table) for name, table in tables.items()}
        with open(tmp, "wb") as file:
            pickle.dump(streams, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, final)

    def load(self, key: Hashable) -> dict[str, pa.Table]:
        """One saved chunk's tables, by name."""
        import pyarrow as pa

        with open(self.chunks / f"{chunk_name(key)}{SUFFIX}", "rb") as file:
            streams = pickle.load(file)
        # a chunk kept by an earlier version holds the tables themselves
        return {name: value if isinstance(value, pa.Table) else pa.ipc.open_stream(value).read_all()
                for name, value in streams.items()}

    def keys(self) -> Iterator[Hashable]:
        for entry in sorted(self.chunks.iterdir()):
            if entry.name.endswith(SUFFIX) and not entry.name.startswith("."):
                v, c = entry.name.removesuffix(SUFFIX)[1:].split("-c")
                yield int(v), int(c)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _compressed(table: pa.Table) -> pa.Buffer:
    """The table as an Arrow IPC stream, its buffers compressed with zstd."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue()
