"""The Dask backend against the local backends: same results, connection errors, crashes."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from simulator.experiments.backends import (  # noqa: E402
    Backend,
    Call,
    InProcess,
    LocalProcesses,
    WorkerCrashed,
)
from simulator.experiments.chunks import run_chunk  # noqa: E402
from simulator.experiments.dask_backend import (  # noqa: E402
    DaskBackend,
    check_scheduler_address,
)
from simulator.scenario import load_scenario  # noqa: E402

MINIMAL = Path(__file__).parents[1] / "scenario" / "good" / "minimal.yaml"
CHUNKS = [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1",
                                  silence_logs=logging.ERROR,
                                  scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as c:
        yield c


@pytest.fixture(scope="module")
def scenario() -> Any:
    return load_scenario(MINIMAL)


def run_all(backend: Backend, scenario: Any) -> dict[Hashable, Any]:
    calls: list[Call] = [(i, (scenario, reps, False)) for i, reps in enumerate(CHUNKS)]
    try:
        results = list(backend.map_unordered(run_chunk, calls))
    finally:
        backend.close()
    by_key = dict(results)
    assert len(results) == len(by_key) == len(CHUNKS)  # each chunk exactly once
    return {i: by_key[i] for i in range(len(CHUNKS))}  # sorted by key


def assert_same(a: dict[Hashable, Any], b: dict[Hashable, Any]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].keys() == b[key].keys()
        for table in a[key]:
            assert list(a[key][table]) == list(b[key][table])
            for col in a[key][table]:
                np.testing.assert_array_equal(a[key][table][col], b[key][table][col],
                                              err_msg=f"chunk {key}, {table}.{col}")


@pytest.fixture(scope="module")
def reference(scenario: Any) -> dict[Hashable, Any]:
    return run_all(InProcess(), scenario)


def test_dask_matches_in_process_and_local_processes(cluster: Any, scenario: Any,
                                                     reference: dict[Hashable, Any]) -> None:
    backend = DaskBackend(address=cluster.scheduler_address)
    assert backend.name == f"dask at {cluster.scheduler_address}"
    assert backend.workers == 2
    assert_same(run_all(backend, scenario), reference)
    assert_same(run_all(LocalProcesses(2), scenario), reference)
    assert len(reference[0]) > 0 and len(reference[0]["kpis"]["replication"]) > 0


def test_local_cluster_matches_in_process(scenario: Any,
                                          reference: dict[Hashable, Any]) -> None:
    with DaskBackend(local=True, workers=2) as backend:
        assert backend.name == "dask local cluster"
        assert backend.workers == 2
        assert_same(run_all(backend, scenario), reference)
        backend.close()  # idempotent, and again on leaving the block
    with pytest.raises(RuntimeError, match="closed"):
        next(iter(backend.map_unordered(run_chunk, [(0, (scenario, [0], False))])))


def square(x: int) -> int:
    return x * x


def test_window_bounds_outstanding_tasks(cluster: Any) -> None:
    with DaskBackend(address=cluster.scheduler_address) as backend:
        client = backend._client
        submitted = 0
        real_submit = client.submit

        def counting_submit(*args: Any, **kwargs: Any) -> Any:
            nonlocal submitted
            submitted += 1
            return real_submit(*args, **kwargs)

        client.submit = counting_submit
        calls = [(i, (i,)) for i in range(60)]
        seen = {}
        for n, (key, value) in enumerate(backend.map_unordered(square, calls), start=1):
            assert submitted - n <= 2 * backend.workers  # outstanding: the window at most
            seen[key] = value
        assert seen == {i: i * i for i in range(60)}


def test_bad_address_fails_quickly_and_clearly() -> None:
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=r"tcp://127\.0\.0\.1:1"):
        DaskBackend(address="tcp://127.0.0.1:1", timeout=1)
    assert time.perf_counter() - start < 10


def test_address_or_local() -> None:
    with pytest.raises(ValueError):
        DaskBackend()


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "tls://scheduler.example.org:8786",
                                     "127.0.0.1:8786", "tcp://[::1]:8786",
                                     "tcp://dask_scheduler-1:8786"])
def test_well_formed_scheduler_addresses_pass_the_check(address: str) -> None:
    check_scheduler_address(address)


@pytest.mark.parametrize("address, problem", [
    ("nonsense", "no port"), ("tcp://", "no port"), ("tcp://:8786", "no host"),
    ("tcp://host:notaport", "the port 'notaport'"), ("tcp://host:70000", "the port '70000'"),
    ("http://x:1", "the scheme 'http'"), ("tcp://host:8786/path", "the port '8786/path'"),
    ("tcp://user@host:8786", "'user@host' is not a host name"),
])
def test_a_malformed_address_is_refused_before_connecting(address: str, problem: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ValueError, match="expected tcp://HOST:PORT") as caught:
        DaskBackend(address=address)
    assert time.perf_counter() - start < 1
    assert problem in str(caught.value) and repr(address) in str(caught.value)


@pytest.fixture(params=["silent", "http"])
def not_a_scheduler(request: pytest.FixtureRequest) -> Iterator[str]:
    """An address where something listens that is no Dask scheduler: a listener that never
    answers, or an HTTP server's refusal (the dashboard's port given by mistake)."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer_http() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=answer_http, daemon=True)
    if request.param == "http":
        thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
        server.close()


def test_something_else_at_the_address_fails_in_time_and_quietly(not_a_scheduler: str) -> None:
    # a process of its own: distributed's noise comes from a client's destructor at exit
    code = ("from simulator.experiments.dask_backend import DaskBackend\n"
            "try:\n"
            f"    DaskBackend(address={not_a_scheduler!r}, timeout=2)\n"
            "except ConnectionError as e:\n"
            "    print('refused:', e)\n")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert time.perf_counter() - start < 20
    assert done.returncode == 0 and "refused: " in done.stdout, done.stderr
    assert not_a_scheduler in done.stdout
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def crash(marker_dir: str, payload: dict[str, int], key: int, crashes: int) -> int:
    """Kills its process the first `crashes` times it runs (counted by marker files), then
    returns `key + payload`. The payload is not a plain value, so the Dask backend shares
    it rather than pickling it into every task."""
    done = len(list(Path(marker_dir).glob(f"crashed-{key}-*")))
    if done < crashes:
        (Path(marker_dir) / f"crashed-{key}-{done}").touch()
        os._exit(1)
    return key + payload["add"]


def crash_calls(tmp_path: Path, crashes: dict[int, int], n: int) -> list[Call]:
    payload = {"add": 100}
    return [(i, (str(tmp_path), payload, i, crashes.get(i, 0))) for i in range(n)]


@pytest.mark.parametrize("make", [
    pytest.param(lambda c: DaskBackend(address=c.scheduler_address), id="dask"),
    # the only worker dies, with the shared payload: it must be recomputed, not lost
    pytest.param(lambda c: DaskBackend(local=True, workers=1), id="dask-one-worker"),
    pytest.param(lambda c: LocalProcesses(2), id="local-processes"),
])
def test_chunk_of_a_dying_worker_is_retried(make: Any, cluster: Any, tmp_path: Path) -> None:
    backend = make(cluster)
    try:
        results = dict(backend.map_unordered(crash, crash_calls(tmp_path, {2: 1}, 6)))
    finally:
        backend.close()
    assert (tmp_path / "crashed-2-0").exists()  # the worker did die
    assert results == {i: i + 100 for i in range(6)}


def test_chunk_that_always_kills_its_worker_fails_clearly(cluster: Any, tmp_path: Path) -> None:
    with DaskBackend(address=cluster.scheduler_address) as backend:
        # the scheduler also charges the chunks that shared the dying worker, so which chunk
        # is named depends on timing: what matters is a clear failure
        with pytest.raises(WorkerCrashed, match=r"chunk \d+: its worker died"):
            list(backend.map_unordered(crash, crash_calls(tmp_path, {1: 99}, 4)))


def test_local_processes_charges_only_the_crashing_chunk(tmp_path: Path) -> None:
    backend = LocalProcesses(1)
    try:
        results = dict(backend.map_unordered(crash, crash_calls(tmp_path, {0: 2, 1: 1}, 3)))
    finally:
        backend.close()
    assert results == {i: i + 100 for i in range(3)}


def test_local_processes_names_the_chunk_that_always_crashes(tmp_path: Path) -> None:
    backend = LocalProcesses(2)
    try:
        with pytest.raises(WorkerCrashed, match="chunk 1: its worker died 3 times"):
            list(backend.map_unordered(crash, crash_calls(tmp_path, {1: 99}, 6)))
    finally:
        backend.close()


def test_local_processes_survives_every_chunk_crashing_once(tmp_path: Path) -> None:
    backend = LocalProcesses(2)
    try:
        results = dict(backend.map_unordered(crash, crash_calls(tmp_path, dict.fromkeys(
            range(8), 1), 8)))
    finally:
        backend.close()
    assert results == {i: i + 100 for i in range(8)}


PLUGIN = '''
from simulator import policies


@policies.register("project_policy", "cheapest_first_from_a_plugin")
class CheapestFirst:
    def order(self, options):
        return sorted(options, key=lambda o: (o.capex, o.index))
'''

PLUGIN_SCENARIO = """
scenario: {name: plugin, start: 2024-01-01, end: 2026-12-31, seed: 1, replications: 4}
components:
  - {id: widgets, name: Widgets, unit_value: 1, demand: {2024-01-01: 1000}}
plants: []
stages:
  investment:
    policy: cheapest_first_from_a_plugin
    tranches: [{id: only, date: 2024-01-01, amount: 100}]
    projects:
      - {id: big, component: widgets, capacity: 600, capex: 80, upfront_share: 1,
         build_days: 365}
      - {id: small, component: widgets, capacity: 300, capex: 30, upfront_share: 1,
         build_days: 365}
"""


def test_a_plugin_reaches_the_dask_workers(tmp_path: Path) -> None:
    """`--plugin x.py` is imported on every Dask worker (sent as text), so a policy it
    registers runs there: the results equal a run in one process."""
    import pandas as pd

    (tmp_path / "my_plugin.py").write_text(PLUGIN)
    (tmp_path / "scenario.yaml").write_text(PLUGIN_SCENARIO)
    common = [sys.executable, "-m", "simulator", "run", str(tmp_path / "scenario.yaml"),
              "--plugin", str(tmp_path / "my_plugin.py"), "--no-progress", "--no-charts",
              "--no-report"]
    here = subprocess.run([*common, "--workers", "1", "--out", str(tmp_path / "one")],
                          capture_output=True, text=True, timeout=120)
    assert here.returncode == 0, here.stderr
    dask = subprocess.run([*common, "--dask", "local", "--workers", "2", "--out",
                           str(tmp_path / "dask")], capture_output=True, text=True,
                          timeout=180, cwd=tmp_path.parent)
    assert dask.returncode == 0, dask.stderr  # before: unknown policy on the workers
    a = pd.read_parquet(tmp_path / "one" / "events.parquet")
    b = pd.read_parquet(tmp_path / "dask" / "events.parquet")
    assert (a["entity"][a["kind"] == "project_started"] == "small").all()
    pd.testing.assert_frame_equal(a, b)
