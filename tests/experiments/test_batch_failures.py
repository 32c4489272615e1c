"""A batch never hangs and never loses finished work: crashed and killed workers, a killed
or signalled main process, two runs on one folder, a full disk, damaged chunk files.

Real processes and signals (each wait bounded, so a hang fails the test instead of
blocking the suite); results after recovery are compared with an uninterrupted run.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from simulator.cli import main
from simulator.experiments.batch import BatchFailed, Variant, chunk_ranges
from simulator.experiments.store import ChunkStore
from simulator.pipeline import run_variants
from simulator.results import read_results
from simulator.scenario import load_scenario
from tests.processes import (
    MINIMAL,
    RUN,
    alive,
    children,
    chunk_files,
    finish,
    start,
    wait_until,
)

TABLES = ("kpis", "series", "yearly", "events", "suppliers", "assembly")
N = "400"  # 40 chunks of 10 replications of the minimal scenario: about 2 s on 2 workers


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """The uninterrupted run, one worker, that every recovered run must equal."""
    out = tmp_path_factory.mktemp("whole") / "whole"
    done = subprocess.run([*RUN, MINIMAL, "-n", N, "--workers", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


def assert_same_results(a: Path, b: Path) -> None:
    ra, rb = read_results(a), read_results(b)
    for name in TABLES:
        pd.testing.assert_frame_equal(ra.read(name), rb.read(name), obj=name)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


def test_a_killed_pool_worker_neither_hangs_the_run_nor_changes_its_results(tmp_path, whole):
    out = tmp_path / "run"
    proc = start([MINIMAL, "-n", N, "--workers", "2", "--out", str(out)])
    assert wait_until(lambda: len(chunk_files(Path(f"{out}.partial"))) >= 2)
    workers = children(proc.pid)
    assert len(workers) == 2, workers
    os.kill(workers[0], signal.SIGKILL)
    code, err = finish(proc, timeout=120)  # before the fix: results written, then hung
    assert code == 0, err
    assert_same_results(whole, out)
    assert not Path(f"{out}.partial").exists()
    assert wait_until(lambda: not any(alive(w) for w in workers), timeout=10)


def test_workers_die_with_a_killed_main_process(tmp_path):
    out = tmp_path / "run"
    proc = start([MINIMAL, "-n", N, "--workers", "2", "--out", str(out)])
    assert wait_until(lambda: len(chunk_files(Path(f"{out}.partial"))) >= 1)
    workers = children(proc.pid)
    assert workers
    proc.kill()  # SIGKILL: the main process runs no clean-up at all
    proc.wait(timeout=30)
    gone = wait_until(lambda: not any(alive(w) for w in workers), timeout=15)
    for worker in workers:  # do not leave them running if the test fails
        if alive(worker):
            os.kill(worker, signal.SIGKILL)
    assert gone, "pool workers outlived their killed parent"


def _start_writing(out: Path) -> subprocess.Popen:
    """A run with charts (so writing the results folder takes seconds), stopped by the
    caller once its temporary results folder appears."""
    with_charts = [a for a in RUN if a != "--no-charts"]
    proc = start([MINIMAL, "-n", "100", "--workers", "2", "--out", str(out)], base=with_charts)
    assert wait_until(lambda: bool(leftovers(out.parent)), timeout=60), "never wrote results"
    return proc


def test_sigterm_while_the_results_are_written_stops_cleanly_and_resumes(tmp_path):
    out = tmp_path / "run"
    proc = _start_writing(out)
    tree = [proc.pid, *children(proc.pid)]
    proc.send_signal(signal.SIGTERM)
    code, err = finish(proc, timeout=60)
    assert code == 1, err  # before the fix: 143, no message, a temp folder and orphans
    assert "stopped while writing the results" in err and "--resume" in err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert leftovers(tmp_path) == [] and not out.exists()
    assert wait_until(lambda: not any(alive(p) for p in tree[1:]), timeout=10)
    assert len(chunk_files(Path(f"{out}.partial"))) == len(chunk_ranges(100))
    done = subprocess.run([*RUN, MINIMAL, "-n", "100", "--workers", "2", "--out", str(out),
                           "--resume"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (out / "kpis.parquet").is_file()


def test_a_later_run_clears_what_a_killed_run_left(tmp_path):
    out = tmp_path / "run"
    proc = _start_writing(out)
    tree = children(proc.pid)
    proc.kill()
    proc.wait(timeout=30)
    assert wait_until(lambda: not any(alive(p) for p in tree), timeout=15)
    left = leftovers(tmp_path)
    assert left, "the killed run left no temporary folder to clear"
    done = subprocess.run([*RUN, MINIMAL, "-n", "100", "--workers", "2", "--out", str(out),
                           "--resume"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert leftovers(tmp_path) == []  # before the fix: the dead run's folder stayed for ever
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_second_run_on_the_same_folder_is_told_another_run_uses_it(tmp_path, whole):
    out = tmp_path / "run"
    args = [MINIMAL, "-n", N, "--workers", "1", "--out", str(out)]
    first = start(args)
    assert wait_until(lambda: len(chunk_files(Path(f"{out}.partial"))) >= 1)
    # held still while the others try (it keeps its lock), so that it is still simulating
    # when it is stopped: it finished during their tries once the simulation got faster
    os.kill(first.pid, signal.SIGSTOP)
    try:
        for extra in ([], ["--resume"]):  # before the fix: told to add --resume, which broke it
            second = subprocess.run([*RUN, *args, *extra], capture_output=True, text=True,
                                    timeout=60)
            assert second.returncode == 2, second.stderr
            assert f"another capsim run (pid {first.pid}" in second.stderr
    finally:
        os.kill(first.pid, signal.SIGCONT)
    first.send_signal(signal.SIGINT)
    code, err = finish(first, timeout=60)
    assert code == 1 and "--resume" in err, err
    done = subprocess.run([*RUN, *args, "--resume"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert_same_results(whole, out)


def test_a_damaged_chunk_is_computed_again_on_resume(tmp_path, whole):
    out = tmp_path / "run"
    args = [MINIMAL, "-n", N, "--workers", "1", "--out", str(out)]
    proc = start(args)
    partial = Path(f"{out}.partial")
    assert wait_until(lambda: len(chunk_files(partial)) >= 3)
    proc.send_signal(signal.SIGTERM)
    assert finish(proc)[0] == 1
    victim = sorted(chunk_files(partial))[1]
    victim.write_bytes(victim.read_bytes()[:100])  # what a power cut can leave
    done = subprocess.run([*RUN, *args, "--resume"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert victim.name in done.stderr and "computed again" in done.stderr
    assert_same_results(whole, out)


def test_workers_beyond_the_chunks_are_not_started(tmp_path):
    done = subprocess.run([*RUN, MINIMAL, "-n", "10", "--workers", "64", "--out",
                           str(tmp_path / "run")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "64 workers asked for; using 2 (2 chunks to run)" in done.stderr


# --- failures inside the batch: the finished chunks are kept, resume completes it --------


def test_a_full_disk_keeps_the_finished_chunks(tmp_path, monkeypatch, capsys, whole):
    save = ChunkStore.save
    calls = {"n": 0}

    def filling(self, key, tables, replications=None):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.chunks / "x"))
        save(self, key, tables, replications)

    monkeypatch.setattr(ChunkStore, "save", filling)
    out = tmp_path / "run"
    args = ["run", MINIMAL, "-n", N, "--workers", "1", "--no-progress", "--no-charts",
            "--no-report", "--out", str(out)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err and "3 finished chunks kept" in err
    monkeypatch.setattr(ChunkStore, "save", save)
    assert main([*args, "--resume"]) == 0
    assert_same_results(whole, out)


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


def test_a_real_disk_that_fills_up_keeps_the_finished_chunks_even_on_resume(tmp_path, whole):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "1m"):  # chunks of this batch take ~3 MB, its results ~3 MB
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        out = disk / "run"
        partial = Path(f"{out}.partial")
        command = [*RUN, MINIMAL, "-n", N, "--workers", "1", "--out", str(out)]
        first = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert first.returncode == 1, first.stderr
        assert "the disk is full" in first.stderr and "finished chunks kept" in first.stderr
        kept = sorted(p.name for p in chunk_files(partial))
        assert 0 < len(kept) < len(chunk_ranges(int(N)))
        again = subprocess.run([*command, "--resume"], capture_output=True, text=True,
                               timeout=120)  # still full: before the fix, this deleted all
        assert again.returncode == 1 and "the disk is full" in again.stderr
        assert sorted(p.name for p in chunk_files(partial)) == kept
        assert leftovers(disk) == [] and not out.exists()
        subprocess.run(["mount", "-o", "remount,size=32m", str(disk)], check=True)
        done = subprocess.run([*command, "--resume"], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert_same_results(whole, out)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def dying_chunk(variant, replications, log_failures):
    """A chunk that kills its Dask worker every time it runs (the one from replication 20)."""
    from simulator.experiments.assemble import variant_chunk

    if replications[0] == 20:
        os._exit(1)
    return variant_chunk(variant, replications, log_failures)


class _KillingCluster:
    """A real Dask backend whose chunk from replication 20 always kills its worker."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.name, self.workers = backend.name, backend.workers

    def map_unordered(self, fn, calls):
        return self.backend.map_unordered(dying_chunk, calls)

    def close(self) -> None:
        self.backend.close()


def test_real_dask_workers_dying_repeatedly_fail_the_batch_but_keep_its_chunks(tmp_path):
    distributed = pytest.importorskip("distributed")
    from simulator.experiments.dask_backend import DaskBackend

    variant = Variant("minimal", load_scenario(MINIMAL))
    out = tmp_path / "run"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as cluster:
        backend = _KillingCluster(DaskBackend(address=cluster.scheduler_address))
        with pytest.raises(BatchFailed, match="finished chunks kept .* --resume"):
            run_variants([variant], replications=40, backend=backend, out=out)
        backend.close()
    kept = chunk_files(Path(f"{out}.partial"))
    assert 0 < len(kept) < len(chunk_ranges(40))  # before the fix: all deleted
    run_variants([variant], replications=40, workers=1, out=out, resume=True, charts=False)
    memory = run_variants([variant], replications=40, workers=1)
    pd.testing.assert_frame_equal(read_results(out).kpis, memory.kpis, check_dtype=False)


def test_a_failure_while_writing_a_resumed_batch_keeps_every_chunk(tmp_path, monkeypatch):
    import simulator.report as report

    def broken(*_args, **_kwargs):
        raise RuntimeError("report failed")

    monkeypatch.setattr(report, "write_report", broken)
    variant = Variant("minimal", load_scenario(MINIMAL))
    out = tmp_path / "run"
    with pytest.raises(BatchFailed, match="report failed"):
        run_variants([variant], replications=20, workers=1, out=out, charts=False)
    kept = chunk_files(Path(f"{out}.partial"))
    assert len(kept) == len(chunk_ranges(20))
    with pytest.raises(BatchFailed, match="report failed"):  # again, on resume
        run_variants([variant], replications=20, workers=1, out=out, charts=False,
                     resume=True)
    assert sorted(chunk_files(Path(f"{out}.partial"))) == sorted(kept)
    assert leftovers(tmp_path) == [] and not out.exists()


def test_a_batch_whose_workers_are_killed_every_few_chunks_ends_with_the_same_results(
        tmp_path, whole):
    """The small version of `benchmarks/kill_workers.py`: SIGKILL a pool worker each time
    three more chunks are saved; the run exits 0 with the results of `--workers 1`."""
    out = tmp_path / "run"
    partial = Path(f"{out}.partial")
    proc = start([MINIMAL, "-n", N, "--workers", "2", "--out", str(out)])
    kills, last = 0, 0
    while proc.poll() is None and kills < 6:
        done = len(chunk_files(partial))
        if done - last >= 3 and done < len(chunk_ranges(int(N))) - 1:
            workers = children(proc.pid)
            if workers:
                os.kill(workers[kills % len(workers)], signal.SIGKILL)
                kills, last = kills + 1, done
        wait_until(lambda: proc.poll() is not None, timeout=0.02, every=0.005)
    code, err = finish(proc, timeout=120)
    assert code == 0, err
    assert kills >= 3, f"only {kills} workers killed before the run ended"
    assert_same_results(whole, out)
