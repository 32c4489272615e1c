"""The partial folder's chunk files: whole, compressed, checked, and read back unchanged;
a damaged, misnamed or foreign chunk is never taken for a finished one."""

import os
import pickle
from pathlib import Path

import pyarrow as pa
import pytest

from simulator.experiments.assemble import variant_chunk
from simulator.experiments.batch import Variant
from simulator.experiments.store import (
    ChunkStore,
    DamagedChunk,
    StoreMismatch,
    decode_chunk,
    encode_chunk,
)
from simulator.folders import FolderInUse
from simulator.scenario import load_scenario


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    scenario = load_scenario("tests/scenario/good/minimal.yaml")
    return decode_chunk(variant_chunk(Variant("minimal", scenario), [0, 1, 2, 3], False))


def _store(folder: Path, *, resume: bool = False, fingerprint: str = "fp") -> tuple:
    store = ChunkStore(folder)
    done = store.open(fingerprint, resume=resume)
    return store, done


def test_a_chunk_comes_back_equal_and_is_stored_compressed(tmp_path, tables):
    store, done = _store(tmp_path / "run.partial")
    assert done == set()
    store.save((0, 3), encode_chunk(tables), [0, 1, 2, 3])
    assert list(store.keys()) == [(0, 3)]
    back = store.load((0, 3))
    assert back.keys() == tables.keys()
    for name, table in tables.items():
        assert back[name].equals(table), name
        assert back[name].schema.metadata == table.schema.metadata  # dates come back as such
    stored = (store.chunks / "v0000-c00003.chunk").stat().st_size
    plain = len(pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL))
    assert stored < plain / 2
    store.release()


def _saved(tmp_path: Path, tables, keys=((0, 0), (0, 1), (0, 2))) -> Path:
    store, _ = _store(tmp_path / "run.partial")
    for key in keys:
        store.save(key, encode_chunk(tables), [5 * key[1] + i for i in range(5)])
    store.release()
    return store.folder


@pytest.mark.parametrize("damage", ["truncated", "emptied", "flipped", "appended"])
def test_a_damaged_chunk_is_set_aside_and_computed_again(tmp_path, tables, damage):
    folder = _saved(tmp_path, tables)
    path = folder / "chunks" / "v0000-c00001.chunk"
    data = path.read_bytes()
    damaged = {"truncated": data[: len(data) // 2], "emptied": b"",
               "flipped": data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:],
               "appended": data + b"x"}[damage]
    path.write_bytes(damaged)
    store, done = _store(folder, resume=True)
    assert done == {(0, 0), (0, 2)}  # the damaged chunk is not counted as done
    assert (folder / "damaged" / "v0000-c00001.chunk").read_bytes() == damaged
    assert len(store.damaged) == 1 and "v0000-c00001" in store.damaged[0]
    store.release()


def test_a_misnamed_chunk_is_not_taken_for_the_one_its_name_says(tmp_path, tables):
    folder = _saved(tmp_path, tables, keys=((0, 0),))
    chunks = folder / "chunks"
    os.replace(chunks / "v0000-c00000.chunk", chunks / "v0000-c00001.chunk")
    (folder / "manifest.json").unlink()  # no manifest: the files alone must not be trusted
    store, done = _store(folder, resume=True)
    assert done == set()
    assert "not the chunk its name says" in store.damaged[0]
    store.release()


def test_chunks_of_another_batch_are_refused_whole_or_one_by_one(tmp_path, tables):
    folder = _saved(tmp_path, tables, keys=((0, 0),))
    with pytest.raises(StoreMismatch, match="different batch"):
        _store(folder, resume=True, fingerprint="other")
    (folder / "manifest.json").unlink()
    store, done = _store(folder, resume=True, fingerprint="other")
    assert done == set() and "another batch" in store.damaged[0]
    store.release()


def test_a_chunk_damaged_after_the_check_is_named_when_loaded(tmp_path, tables):
    folder = _saved(tmp_path, tables, keys=((0, 0),))
    store, done = _store(folder, resume=True)
    path = store.chunks / "v0000-c00000.chunk"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DamagedChunk, match="v0000-c00000.chunk is damaged: truncated"):
        store.load((0, 0))
    store.release()


def test_a_chunk_file_left_half_written_by_a_dead_run_is_removed(tmp_path, tables):
    folder = _saved(tmp_path, tables, keys=((0, 0),))
    (folder / "chunks" / ".v0000-c00001.chunk.tmp-999999").write_bytes(b"half")
    store, done = _store(folder, resume=True)
    assert done == {(0, 0)}
    assert [p.name for p in store.chunks.iterdir()] == ["v0000-c00000.chunk"]
    store.release()


def test_a_second_run_is_told_the_folder_is_in_use(tmp_path):
    first, _ = _store(tmp_path / "run.partial")
    with pytest.raises(FolderInUse, match=f"pid {os.getpid()}"):
        ChunkStore(tmp_path / "run.partial").open("fp", resume=True)
    first.release()
    again, _ = _store(tmp_path / "run.partial", resume=True)  # free once released
    again.release()


def test_saving_flushes_the_file_to_disk_before_renaming_it(tmp_path, tables, monkeypatch):
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace",
                        lambda a, b: (calls.append(f"replace {Path(b).name}"),
                                      real_replace(a, b))[1])
    store, _ = _store(tmp_path / "run.partial")
    calls.clear()
    store.save((0, 0), encode_chunk(tables), [0, 1, 2, 3])
    assert calls[:2] == ["fsync", "replace v0000-c00000.chunk"]
    store.release()
