"""Completed chunks on disk, so a batch can stop and resume and memory stays flat.

Each finished chunk is one file under `<out>.partial/chunks/`: a header naming the batch
(its fingerprint), the chunk (variant, chunk index) and its replications, the size and
SHA-256 of what follows, then each table as an Arrow IPC stream compressed with zstd
(about 2.5 MiB per 50 replications of the default scenario). A chunk is written under a
temporary name, flushed to disk (fsync) and only then renamed into place, so after a crash
or a power cut a chunk file is whole or absent; a file that is not (truncated, emptied,
altered, misnamed, of another batch) fails its check, is moved to `damaged/` and its chunk
is computed again: a chunk is never accepted by its file name alone. `manifest.json`
records the fingerprint: `--resume` only continues the same batch. The folder is locked
(`simulator.folders.FolderLock`) while a run uses it, and it is removed only once the
results folder is complete.

A chunk travels from its worker already encoded (`encode_chunk`, done in the worker): the
main process, which shares the cores with the workers, only checks and writes the bytes,
and the compressed streams cross the process boundary instead of the whole tables.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from collections.abc import Collection, Hashable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, cast

from simulator.folders import FolderLock

if TYPE_CHECKING:
    import pyarrow as pa


MANIFEST = "manifest.json"
SUFFIX = ".chunk"
DAMAGED = "damaged"
MAGIC = b"CAPSIMCHUNK-2\n"
_LENGTH = struct.Struct("<Q")

EncodedChunk: TypeAlias = "dict[str, pa.Buffer]"
"""A chunk's tables by name, each an Arrow IPC stream compressed with zstd."""


def encode_chunk(tables: Mapping[str, pa.Table]) -> EncodedChunk:
    """A chunk's tables as compressed streams, as the store keeps them (worker side)."""
    return {name: _compressed(table) for name, table in tables.items()}


def decode_chunk(chunk: EncodedChunk) -> dict[str, pa.Table]:
    """The tables of an encoded chunk."""
    import pyarrow as pa

    return {name: pa.ipc.open_stream(stream).read_all() for name, stream in chunk.items()}


class StoreMismatch(ValueError):
    """The partial folder belongs to another batch, or cannot be continued."""


class DamagedChunk(ValueError):
    """A chunk file fails its check (what is wrong is the message)."""


def chunk_name(key: Hashable) -> str:
    """`v0001-c00023` for the key (variant 1, chunk 23)."""
    variant, chunk = cast(tuple[int, int], key)
    return f"v{variant:04d}-c{chunk:05d}"


def _key_of(name: str) -> tuple[int, int] | None:
    try:
        v, c = name.removesuffix(SUFFIX)[1:].split("-c")
        return int(v), int(c)
    except ValueError:
        return None


class ChunkStore:
    """The `<out>.partial/` folder of a batch."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.chunks = self.folder / "chunks"
        self.fingerprint = ""
        self.damaged: list[str] = []  # chunk files found damaged by `open` (moved aside)
        self._lock = FolderLock(self.folder)

    def open(self, fingerprint: str, *, resume: bool) -> set[Hashable]:
        """Lock the folder (`FolderInUse` if another run holds it) and prepare it; return
        the keys of the chunks already complete and sound (resume only)."""
        created = not self.folder.exists()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            if not created and not resume:
                raise StoreMismatch(
                    f"{self.folder} holds an interrupted run: add --resume to continue it, "
                    "or remove that folder to start again")
            manifest = self.folder / MANIFEST
            if resume and manifest.is_file():
                try:
                    found = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
                except (ValueError, AttributeError):
                    found = None  # a damaged manifest: the chunks' own headers decide
                if found is not None and found != fingerprint:
                    raise StoreMismatch(
                        f"--resume: {self.folder} holds chunks of a different batch (other "
                        "scenario, variants, seed, replications, options or capsim version); "
                        "remove it or change --out")
            self.fingerprint = fingerprint
            self.chunks.mkdir(exist_ok=True)
            _write_durably(manifest, (json.dumps({"fingerprint": fingerprint}) + "\n").encode())
            for entry in self.chunks.iterdir():
                if entry.name.startswith("."):
                    entry.unlink(missing_ok=True)  # cut off while written, by a dead run
            return set(self._sound_keys())
        except BaseException:
            self._lock.release()
            raise

    def _sound_keys(self) -> Iterator[Hashable]:
        """The keys of chunk files that pass their check; others are moved to `damaged/`."""
        for entry in sorted(self.chunks.iterdir()):
            key = _key_of(entry.name) if entry.name.endswith(SUFFIX) else None
            try:
                if key is None:
                    raise DamagedChunk("not a chunk file of this version")
                self._check(entry, key, read_tables=False)
            except DamagedChunk as err:
                self._set_aside(entry, str(err))
                continue
            yield key

    def _set_aside(self, entry: Path, why: str) -> None:
        aside = self.folder / DAMAGED
        aside.mkdir(exist_ok=True)
        os.replace(entry, aside / entry.name)
        self.damaged.append(f"{entry.name}: {why}")

    def save(self, key: Hashable, chunk: EncodedChunk,
             replications: list[int] | None = None) -> None:
        """Write one finished chunk (`encode_chunk`) durably: a temporary file, fsynced,
        then renamed."""
        streams = list(chunk.items())
        digest = hashlib.sha256()
        for _name, stream in streams:
            digest.update(stream)
        reps = list(replications or [])
        header = json.dumps({
            "fingerprint": self.fingerprint, "key": list(cast(tuple[int, int], key)),
            "replications": [reps[0], reps[-1], len(reps)] if reps else [],
            "tables": [[name, stream.size] for name, stream in streams],
            "sha256": digest.hexdigest(),
        }).encode()
        final = self.chunks / f"{chunk_name(key)}{SUFFIX}"
        tmp = self.chunks / f".{final.name}.tmp-{os.getpid()}"
        try:
            with open(tmp, "wb") as file:
                file.write(MAGIC + _LENGTH.pack(len(header)) + header)
                for _name, stream in streams:
                    file.write(memoryview(stream))
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _sync_folder(self.chunks)

    def load(self, key: Hashable, names: Collection[str] | None = None
             ) -> dict[str, pa.Table]:
        """One saved chunk's tables (those in `names`, default all), by name, after
        checking the file (`DamagedChunk` naming the file if it fails)."""
        import pyarrow as pa

        path = self.chunks / f"{chunk_name(key)}{SUFFIX}"
        try:
            streams = self._check(path, key, read_tables=True)
        except DamagedChunk as err:
            raise DamagedChunk(f"chunk file {path} is damaged: {err} (rerun with --resume: "
                               "it is set aside and computed again)") from None
        return {name: pa.ipc.open_stream(data).read_all() for name, data in streams
                if names is None or name in names}

    def _check(self, path: Path, key: Hashable,
               read_tables: bool) -> list[tuple[str, bytes]]:
        """Verify a chunk file: header, batch, key, sizes and checksum; return the
        streams when asked for."""
        try:
            with open(path, "rb") as file:
                if file.read(len(MAGIC)) != MAGIC:
                    raise DamagedChunk("not a chunk file of this version (or emptied)")
                raw = file.read(_LENGTH.size)
                if len(raw) != _LENGTH.size:
                    raise DamagedChunk("truncated header")
                (length,) = _LENGTH.unpack(raw)
                if length > 1 << 20:
                    raise DamagedChunk("damaged header")
                try:
                    header = json.loads(file.read(length))
                    sizes = [(str(n), int(s)) for n, s in header["tables"]]
                except (ValueError, KeyError, TypeError) as err:
                    raise DamagedChunk(f"damaged header ({err})") from None
                if header.get("fingerprint") != self.fingerprint:
                    raise DamagedChunk("belongs to another batch")
                if tuple(header.get("key", ())) != tuple(cast(tuple[int, int], key)):
                    raise DamagedChunk(f"holds chunk {header.get('key')}, not the chunk its "
                                       "name says")
                digest = hashlib.sha256()
                streams: list[tuple[str, bytes]] = []
                for name, size in sizes:
                    data = file.read(size)
                    if len(data) != size:
                        raise DamagedChunk("truncated (shorter than its header says)")
                    digest.update(data)
                    if read_tables:
                        streams.append((name, data))
                if file.read(1):
                    raise DamagedChunk("longer than its header says")
        except OSError as err:
            raise DamagedChunk(f"cannot be read ({err.strerror or err})") from None
        if digest.hexdigest() != header.get("sha256"):
            raise DamagedChunk("checksum mismatch (the file was altered or damaged)")
        return streams

    def keys(self) -> Iterator[Hashable]:
        """The keys of the chunk files present (checked when loaded)."""
        if not self.chunks.is_dir():
            return
        for entry in sorted(self.chunks.iterdir()):
            if entry.name.endswith(SUFFIX) and not entry.name.startswith("."):
                key = _key_of(entry.name)
                if key is not None:
                    yield key

    def count(self) -> int:
        """How many chunk files are kept."""
        return sum(1 for _ in self.keys())

    def release(self) -> None:
        """Let go of the folder (kept as it is, for `--resume`)."""
        self._lock.release()

    def remove(self) -> None:
        """Delete the folder (the results folder is complete), then let go of it."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self._lock.release()


def _compressed(table: pa.Table) -> pa.Buffer:
    """The table as an Arrow IPC stream, its buffers compressed with zstd."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _write_durably(path: Path, data: bytes) -> None:
    """Write a small file so that after a crash it is the old or the new one, whole."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """fsync a folder so that a rename in it survives a power cut (POSIX only)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
