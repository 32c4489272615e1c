"""Batches: in memory and on disk give the same tables; stopped batches resume exactly."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simulator.experiments.batch import Variant, chunk_ranges
from simulator.experiments.runner import configure
from simulator.pipeline import run_variants
from simulator.results import read_results
from simulator.scenario import load_scenario

MINIMAL = "tests/scenario/good/minimal.yaml"
TABLES = ("kpis", "series", "yearly", "events", "suppliers", "assembly")


def test_chunks_depend_on_the_replication_count_only():
    assert [len(c) for c in chunk_ranges(12)] == [5, 5, 2]
    assert sum(len(c) for c in chunk_ranges(10_000)) == 10_000
    assert max(len(c) for c in chunk_ranges(10_000)) == 50
    assert len(chunk_ranges(1000)) == 40


@pytest.mark.parametrize("path, columns, log_failures", [
    (MINIMAL, {}, False),
    ("scenarios/baseline.yaml", {"stages.procurement.budget": 2.5, "label": "high"}, True),
])
def test_chunk_tables_are_built_as_the_pandas_way_builds_them(path, columns, log_failures):
    """The direct build of a chunk's Arrow tables gives exactly the tables (types, missing
    values, dates, metadata) that going through pandas gives."""
    from simulator.experiments.assemble import chunk_table, finish_chunk
    from simulator.experiments.chunks import run_chunk
    from simulator.results import arrow_table

    scenario = load_scenario(path)
    variant = Variant("v", scenario, columns)
    for name, cols in run_chunk(scenario, [0, 1, 2], log_failures).items():
        built = chunk_table(variant, name, cols)
        assert built.equals(arrow_table(finish_chunk(variant, name, cols)),
                            check_metadata=True), name
    # a day that is not whole takes the pandas way, and gets the same table
    cols = run_chunk(scenario, [0], False)["kpis"]
    cols["close_day"] = cols["close_day"] + 0.25
    assert chunk_table(variant, "kpis", cols).equals(
        arrow_table(finish_chunk(variant, "kpis", cols)), check_metadata=True)


def test_the_merging_processes_share_out_every_table_once():
    from simulator.experiments.assemble import MERGE_SHARES
    from simulator.results import TABLES as ALL_TABLES

    merged = [name for share in MERGE_SHARES for name in share]
    assert sorted(merged) == sorted(ALL_TABLES)


def test_folder_and_memory_give_the_same_tables(tmp_path):
    scenario = load_scenario(MINIMAL)
    variants = [Variant("all", scenario),
                Variant("sharing", configure(scenario, stages=["sharing"]))]
    memory = run_variants(variants, replications=7, workers=1)
    disk = run_variants(variants, replications=7, workers=2, out=tmp_path / "b", charts=False)
    back = read_results(tmp_path / "b")
    assert not Path(f"{tmp_path / 'b'}.partial").exists()
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(memory, name), getattr(back, name),
                                      check_dtype=False, obj=name)
        pd.testing.assert_frame_equal(disk.read(name), getattr(back, name), obj=name)
    assert memory.variants() == ["all", "sharing"]


def _chunks(folder: Path) -> list[Path]:
    chunks = folder / "chunks"
    return [p for p in chunks.iterdir() if not p.name.startswith(".")] if chunks.exists() else []


@pytest.mark.parametrize("sig, workers", [(signal.SIGTERM, "1"), (signal.SIGINT, "2")])
def test_a_stopped_run_resumes_to_exactly_the_uninterrupted_results(tmp_path, sig, workers):
    whole = tmp_path / "whole"
    args = [sys.executable, "-m", "simulator", "run", MINIMAL, "-n", "400", "--no-charts",
            "--no-progress", "--workers", workers]
    subprocess.run([*args, "--out", str(whole)], check=True, capture_output=True)
    out = tmp_path / "cut"
    partial = Path(f"{out}.partial")
    proc = subprocess.Popen([*args, "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _chunks(partial) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be stopped"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "rerun with --resume" in err
    assert not out.exists()
    kept = len(_chunks(partial))
    assert 0 < kept < len(chunk_ranges(400))
    refused = subprocess.run([*args, "--out", str(out)], capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    done = subprocess.run([*args, "--out", str(out), "--resume"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not partial.exists()
    a, b = read_results(whole), read_results(out)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


def test_resume_refuses_the_chunks_of_another_batch(tmp_path):
    out = tmp_path / "o"
    partial = Path(f"{out}.partial")
    partial.mkdir()
    (partial / "manifest.json").write_text('{"fingerprint": "something else"}')
    done = subprocess.run([sys.executable, "-m", "simulator", "run", MINIMAL, "-n", "5",
                           "--out", str(out), "--resume", "--workers", "1"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "different batch" in done.stderr
    os.remove(partial / "manifest.json")
