"""Dask backend: run chunks of replications on a Dask cluster, remote or local.

`DaskBackend` connects to an existing scheduler (`tcp://HOST:PORT`, checked first by
`check_scheduler_address`) or starts a loopback `LocalCluster`, and implements the
`Backend` interface of `simulator.experiments.backends`: keyed calls are submitted
through a bounded window and yielded as they complete. Chunks depend only on the seed and
replication indices, so results are bit-identical to the local backends; a chunk whose
worker dies is rerun elsewhere by the scheduler. No dashboard is ever started.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import types
import uuid
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import suppress
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from simulator.experiments.backend_api import Call, WorkerCrashed

CONNECT_TIMEOUT = 30.0  # seconds to reach a scheduler, or for a local cluster to start
CLOSE_TIMEOUT = 10.0  # seconds for a client or local cluster to shut down
RETRIES = 2  # reruns of a chunk that raised (a dying worker's chunks are rerun regardless)
LOOPBACK = "127.0.0.1"
SCHEMES = ("tcp", "tls")  # the transports a Dask scheduler listens on without extras
ADDRESS_FORM = "tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
_HOST = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?")  # a name or IPv4
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?\]")


def check_scheduler_address(address: str) -> None:
    """Refuse, before any connection is tried, a scheduler address that is not
    ``tcp://HOST:PORT`` (``tls://`` too; the scheme may be left out, as Dask allows).

    Why here: distributed takes a malformed address (no port, an unknown scheme) a minute
    to refuse, with a traceback from its client's destructor.

    Raises
    ------
    ValueError
        Naming the address, what is wrong with it and the form expected.
    """
    problem = _address_problem(address)
    if problem:
        raise ValueError(f"not a Dask scheduler address: {address!r} ({problem}); "
                         f"expected {ADDRESS_FORM}")


def _address_problem(address: str) -> str | None:
    """What is wrong with a scheduler address, or None."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in SCHEMES:
        return f"the scheme {scheme!r} is not one of {', '.join(SCHEMES)}"
    host, colon, port = rest.rpartition(":")
    if not colon:
        return "no port"
    if not host:
        return "no host"
    if not (_HOST.fullmatch(host) or _IPV6.fullmatch(host)):
        return f"{host!r} is not a host name or IP address"
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        return f"the port {port!r} is not a number from 1 to 65535" if port else "no port"
    return None


class UserModules(WorkerPlugin):
    """A Dask worker plugin that imports the user's `--plugin` modules on every worker, now
    and on workers that join later, so policies they register exist where chunks run. A
    `.py` file is sent as its text (the worker need not see the file); a module name is
    imported on the worker (it must be installed there)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.modules: list[tuple[str, str, str | None]] = []
        for name in names:
            if name.endswith(".py"):
                path = Path(name)
                self.modules.append((path.stem, str(path), path.read_text(encoding="utf-8")))
            else:
                self.modules.append((name, name, None))

    def setup(self, worker: Any) -> None:
        import importlib

        for name, origin, source in self.modules:
            if name in sys.modules:
                continue
            if source is None:
                importlib.import_module(name)
                continue
            module = types.ModuleType(name)
            module.__file__ = origin
            sys.modules[name] = module
            exec(compile(source, origin, "exec"), module.__dict__)  # noqa: S102 - the user's


class DaskBackend:
    """Runs keyed calls on a Dask cluster: the one at `address`, or (`local=True`) a
    `LocalCluster` of `workers` single-threaded processes on loopback started here (and
    closed by `close`). `timeout` bounds, in seconds, connecting, the local cluster's start
    and the wait for workers; `workers` is then the number of workers on the cluster.

    Arguments other than scalars and lists of scalars (the scenario) are sent once per
    distinct object and batch, as a task returning the object, and chunks take its future.
    Measured per chunk on a 2-worker local cluster with a no-op chunk: 5.6 ms shared vs
    5.7 ms pickled into every task for `tests/scenario/good/minimal.yaml` (3.4 kB), 6.9 vs
    16 ms for `scenarios/baseline.yaml` (58 kB). Not `client.scatter`: scattered data dies
    with the workers holding it (and the chunks needing it are cancelled), while a task's
    result is recomputed, so a chunk whose worker died can always be rerun.
    """

    def __init__(self, address: str | None = None, local: bool = False,
                 workers: int | None = None, timeout: float = CONNECT_TIMEOUT,
                 plugins: Sequence[str] = ()) -> None:
        if bool(address) == bool(local):
            raise ValueError("DaskBackend needs either a scheduler address or local=True")
        if address:
            check_scheduler_address(address)
        from distributed import Client, LocalCluster

        self._cluster: Any = None
        self._client: Any = None
        self._closed = False
        if local:
            n = max(1, int(workers or os.cpu_count() or 1))
            try:
                self._cluster = LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True,
                    dashboard_address=None, host=LOOPBACK, silence_logs=logging.ERROR,
                    death_timeout=timeout,
                    # no dashboard; the scheduler's bare HTTP server (health, info) on a
                    # free loopback port rather than 8787, which may be taken
                    scheduler_kwargs={"dashboard": False,
                                      "dashboard_address": f"{LOOPBACK}:0"})
                self._client = Client(self._cluster, timeout=timeout, set_as_default=False)
                self._client.wait_for_workers(n, timeout=timeout)
            except BaseException:
                self.close()
                raise
            self.name = "dask local cluster"
        else:
            assert address is not None
            try:
                self._client = _bounded_client()(address, timeout=timeout,
                                                 set_as_default=False)
            except OSError as e:  # refused, timed out or no answer to the handshake
                detail = "" if isinstance(e, TimeoutError) or not str(e).strip() else f": {e}"
                raise ConnectionError(f"could not connect to the Dask scheduler at {address} "
                                      f"within {timeout:g} s{detail}") from None
            except Exception as e:  # something answered, but not as a Dask scheduler
                raise ConnectionError(f"no Dask scheduler at {address}: something answered "
                                      f"but not as one ({type(e).__name__}: {e})") from None
            try:
                self._client.wait_for_workers(1, timeout=timeout)
            except TimeoutError:
                self.close()
                raise ConnectionError(f"the Dask scheduler at {address} has no workers "
                                      f"(waited {timeout:g} s)") from None
            self.name = f"dask at {address}"
        if plugins:
            try:
                self._client.register_plugin(UserModules(plugins), name="capsim-plugins")
            except BaseException:
                self.close()
                raise
        nthreads = self._client.nthreads()
        self.workers = len(nthreads)
        # a bounded window (two tasks per thread): memory stays flat in the number of chunks
        self._window = 2 * max(1, sum(nthreads.values()))

    def map_unordered(self, fn: Callable[..., Any],
                      calls: Sequence[Call]) -> Iterator[tuple[Hashable, Any]]:
        from distributed import KilledWorker, as_completed

        if self._client is None:
            raise RuntimeError("DaskBackend is closed")
        client = self._client
        batch = uuid.uuid4().hex
        pending = iter(calls)
        keys: dict[str, Hashable] = {}
        shared: dict[int, tuple[Any, Any]] = {}  # id(obj) -> (obj, its future)

        def remote(arg: Any) -> Any:
            if _plain(arg):
                return arg
            if id(arg) not in shared:
                name = f"capsim-{batch}-arg{len(shared)}"
                shared[id(arg)] = (arg, client.submit(_identity, arg, key=name, pure=False))
            return shared[id(arg)][1]

        def submit() -> Any | None:
            call = next(pending, None)
            if call is None:
                return None
            key, args = call
            name = f"capsim-{batch}-{key}"
            keys[name] = key
            return client.submit(fn, *(remote(a) for a in args), key=name, pure=False,
                                 retries=RETRIES)

        running = as_completed(loop=client.loop)
        try:
            for _ in range(self._window):
                future = submit()
                if future is None:
                    break
                running.add(future)
            for future in running:
                key = keys.pop(future.key)
                try:
                    result = future.result()  # raises if the chunk raised RETRIES + 1 times
                except KilledWorker:
                    raise WorkerCrashed(f"chunk {key}: its worker died at every attempt the "
                                        "scheduler allows (distributed.scheduler."
                                        "allowed-failures)") from None
                future.release()
                following = submit()
                if following is not None:
                    running.add(following)
                yield key, result
        finally:
            # an abandoned or failed batch leaves nothing running or stored on the cluster
            leftover = list(running.futures)
            if leftover:
                client.cancel(leftover)
            for _, future in shared.values():
                future.release()
            shared.clear()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        try:
            if client is not None:
                client.close(timeout=CLOSE_TIMEOUT)
        finally:
            if cluster is not None:
                cluster.close(timeout=CLOSE_TIMEOUT)

    def __enter__(self) -> DaskBackend:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


@cache
def _bounded_client() -> type:
    """`distributed.Client` with a start that ends within the client's timeout and closes
    what it opened when it fails (the class is made on first use: distributed is heavy).

    Why: distributed (2026.8) waits for the peer's handshake without a bound, so an
    address where something other than a scheduler listens (an HTTP server, say) stalls
    the start for ever; and it leaves a client whose start failed to its destructor, which
    at exit waits twice the timeout and then prints a traceback.
    """
    from distributed import Client

    class BoundedClient(Client):
        def start(self, **kwargs: Any) -> None:
            if not self.asynchronous:
                kwargs.setdefault("callback_timeout", kwargs.get("timeout"))
            try:
                super().start(**kwargs)
            except BaseException:
                with suppress(Exception):
                    self.close(timeout=CLOSE_TIMEOUT)
                raise

    return BoundedClient


_SCALARS = (bool, int, float, str, bytes, type(None))


def _identity(arg: Any) -> Any:
    """The task that holds a shared argument on the cluster."""
    return arg


def _plain(arg: Any) -> bool:
    """Cheap to send with every task: a scalar, or a list or tuple of scalars."""
    return isinstance(arg, _SCALARS) or (
        isinstance(arg, (list, tuple)) and all(isinstance(v, _SCALARS) for v in arg))
