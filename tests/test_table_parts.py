"""Large tables read in parts give exactly what a whole-table pandas read gives."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.table_parts import (
    FrameBlocks,
    FrameBlockSet,
    ParquetBlocks,
    ParquetBlockSet,
    iter_matching,
    matching_groups,
    read_matching,
)


def _series(replications: int, months: int, components: list[str], seed: int) -> pd.DataFrame:
    """A table laid out like a batch's series: replication-major, then month, component."""
    rng = np.random.default_rng(seed)
    rows = [(r, f"2024-{m + 1:02d}", c) for r in range(replications) for m in range(months)
            for c in components]
    frame = pd.DataFrame(rows, columns=["replication", "month", "component"])
    frame["gap"] = rng.uniform(0, 100, len(frame))
    frame["shortfall"] = rng.uniform(0, 50, len(frame))
    return frame


def _write(frame: pd.DataFrame, path, rows_per_group: int) -> None:
    """One row group per `rows_per_group` rows, as a batch writes one per chunk."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with pq.ParquetWriter(path, table.schema) as writer:
        for start in range(0, len(frame), rows_per_group):
            writer.write_table(table.slice(start, rows_per_group))


def test_statistics_skip_row_groups_without_the_replication(tmp_path):
    frame = _series(6, 3, ["a", "b"], seed=1)
    _write(frame, tmp_path / "s.parquet", rows_per_group=12)  # two replications a group
    file = pq.ParquetFile(tmp_path / "s.parquet")
    assert file.num_row_groups == 3
    assert matching_groups(file, {"replication": 3}) == [1]
    assert matching_groups(file, {"replication": 99}) == []
    assert matching_groups(file, {"component": "b"}) == [0, 1, 2]  # in every group
    got = read_matching(tmp_path / "s.parquet", ["month", "gap"], {"replication": 3})
    expected = frame.loc[frame["replication"] == 3, ["month", "gap"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.to_pandas(), expected)


def test_no_match_gives_an_empty_table_with_the_columns(tmp_path):
    _write(_series(2, 2, ["a"], seed=2), tmp_path / "s.parquet", rows_per_group=2)
    got = read_matching(tmp_path / "s.parquet", ["gap"], {"component": "zzz"})
    assert got.num_rows == 0 and got.column_names == ["gap"]
    assert list(iter_matching(tmp_path / "s.parquet", None, {"replication": 7})) == []
    assert read_matching(tmp_path / "s.parquet", ["gap"], {"variant": "x"}).num_rows == 0


def test_parts_put_together_hold_whole_row_groups_and_the_same_rows(tmp_path):
    frame = _series(10, 3, ["a", "b"], seed=3)  # 6 rows a replication
    _write(frame, tmp_path / "s.parquet", rows_per_group=12)  # 5 groups of 2 replications
    path = tmp_path / "s.parquet"
    single = list(iter_matching(path, None, {"component": "a"}))
    assert [p.num_rows for p in single] == [6] * 5  # each group's 6 rows of "a"
    together = list(iter_matching(path, None, {"component": "a"}, at_least=10))
    assert [p.num_rows for p in together] == [12, 12, 6]  # two groups, two, and the rest
    assert pa.concat_tables(together).equals(pa.concat_tables(single))


@settings(max_examples=25, deadline=None)
@given(replications=st.integers(1, 7), months=st.integers(1, 5),
       per_group=st.integers(1, 40), seed=st.integers(0, 10_000))
def test_blocks_equal_the_in_memory_blocks(tmp_path_factory, replications, months,
                                           per_group, seed):
    frame = _series(replications, months, ["x", "all"], seed)
    path = tmp_path_factory.mktemp("blocks") / "s.parquet"
    _write(frame, path, per_group)
    for equal in ({"component": "all"}, {"component": "x", "replication": 0}):
        rows = frame
        for key, value in equal.items():
            rows = rows[rows[key] == value]
        memory = FrameBlocks(rows, "month")
        disk = ParquetBlocks(path, "month", equal)
        np.testing.assert_array_equal(disk.labels, memory.labels)
        for column in ("gap", "shortfall"):
            np.testing.assert_array_equal(disk.column(column), memory.column(column))


def test_a_block_by_hand(tmp_path):
    # months out of order in the file; each month's values keep file order
    frame = pd.DataFrame({"month": ["2024-02", "2024-01", "2024-02", "2024-01"],
                          "v": [1.0, 2.0, 3.0, 4.0], "c": ["k", "k", "k", "k"]})
    _write(frame, tmp_path / "t.parquet", rows_per_group=3)
    blocks = ParquetBlocks(tmp_path / "t.parquet", "month", {"c": "k"})
    assert list(blocks.labels) == ["2024-01", "2024-02"]
    np.testing.assert_array_equal(blocks.column("v"), [[2.0, 4.0], [1.0, 3.0]])


def test_ragged_labels_are_refused(tmp_path):
    frame = pd.DataFrame({"month": ["2024-01", "2024-01", "2024-02"], "v": [1.0, 2.0, 3.0]})
    _write(frame, tmp_path / "t.parquet", rows_per_group=2)
    with pytest.raises(ValueError, match="rows per month differ"):
        ParquetBlocks(tmp_path / "t.parquet", "month", {})


def test_a_block_by_a_missing_column_is_refused(tmp_path):
    _write(_series(2, 2, ["a"], seed=3), tmp_path / "s.parquet", rows_per_group=4)
    with pytest.raises(ValueError, match="s: no column variant"):
        ParquetBlocks(tmp_path / "s.parquet", "month", {"variant": "x"})


@settings(max_examples=20, deadline=None)
@given(replications=st.integers(1, 6), months=st.integers(1, 4),
       rows_per_group=st.integers(1, 30), seed=st.integers(0, 99),
       wanted=st.lists(st.sampled_from(["a", "b", "c", "zzz"]), min_size=1, max_size=4,
                       unique=True))
def test_a_block_set_equals_one_block_per_value(tmp_path_factory, replications, months,
                                                rows_per_group, seed, wanted):
    """Blocks of several components laid out in one pass are each component's block,
    whatever the row groups; a value without rows has no part."""
    frame = _series(replications, months, ["a", "b", "c"], seed)
    path = tmp_path_factory.mktemp("set") / "s.parquet"
    _write(frame, path, rows_per_group)
    together = ParquetBlockSet(path, "month", {}, "component", wanted)
    memory = FrameBlockSet(frame, "month", "component", wanted)
    assert list(together.parts) == list(memory.parts) == [w for w in wanted if w != "zzz"]
    gaps, shortfalls = together.column("gap"), together.column("shortfall")
    for value in together.parts:
        one = ParquetBlocks(path, "month", {"component": value})
        assert (together.parts[value].labels == one.labels).all()
        assert together.parts[value].shape == one.shape
        np.testing.assert_array_equal(gaps[value], one.column("gap"))
        np.testing.assert_array_equal(shortfalls[value], one.column("shortfall"))
        np.testing.assert_array_equal(memory.column("gap")[value], one.column("gap"))
