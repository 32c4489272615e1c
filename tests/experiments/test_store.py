"""The partial folder's chunk files: whole, compressed, and read back unchanged."""

import pickle

import pyarrow as pa

from simulator.experiments.assemble import variant_chunk
from simulator.experiments.batch import Variant
from simulator.experiments.store import ChunkStore
from simulator.scenario import load_scenario


def _chunk() -> dict[str, pa.Table]:
    scenario = load_scenario("tests/scenario/good/minimal.yaml")
    return variant_chunk(Variant("minimal", scenario), [0, 1, 2, 3], False)


def test_a_chunk_comes_back_equal_and_is_stored_compressed(tmp_path):
    tables = _chunk()
    store = ChunkStore(tmp_path / "run.partial")
    assert store.open("fingerprint", resume=False) == set()
    store.save((0, 3), tables)
    assert list(store.keys()) == [(0, 3)]
    back = store.load((0, 3))
    assert back.keys() == tables.keys()
    for name, table in tables.items():
        assert back[name].equals(table), name
        assert back[name].schema.metadata == table.schema.metadata  # dates come back as such
    stored = (store.chunks / "v0000-c00003.pkl").stat().st_size
    plain = len(pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL))
    assert stored < plain / 2


def test_a_chunk_kept_by_an_earlier_version_still_loads(tmp_path):
    tables = _chunk()
    store = ChunkStore(tmp_path / "run.partial")
    store.open("fingerprint", resume=False)
    (store.chunks / "v0000-c00000.pkl").write_bytes(pickle.dumps(tables))  # plain tables
    back = store.load((0, 0))
    assert all(back[name].equals(table) for name, table in tables.items())
