"""Run a function in a forked child process, so that what it allocates goes when it ends.

Merging a large batch's chunk files into Parquet tables allocates and frees a great deal;
the C heap and Arrow's allocator keep part of it, so the main process's resident size
would ratchet up with the batch. A forked child shares the parent's memory until it
writes to it, and gives everything back when it exits. Where processes cannot be forked
(Windows) or from a daemon process (which may not have children), the function runs here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, NamedTuple, TypeVar

from simulator.lifeline import child_setup, signals_blocked

T = TypeVar("T")


def can_fork() -> bool:
    """Whether this process can fork children (not on Windows, not from a daemon)."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def run_forked(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a forked child; its result (pickled) or its exception comes
    back. A child that dies without a word (killed, out of memory) is followed by a run
    here, where any error is raised as usual."""
    return start_forked(function, *args).result()


class Forked(Generic[T]):
    """A call running in a forked child (or, where there is no fork, done already);
    `result()` waits for it."""

    def __init__(self, function: Callable[..., T], args: tuple) -> None:
        self.function, self.args = function, args
        self.child: Any = None
        self.receive: Connection | None = None
        if not can_fork():
            return
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)
        self.child = context.Process(target=_child, args=(send, os.getpid(), function, args),
                                     daemon=True)
        with signals_blocked():
            self.child.start()
        send.close()

    def ready(self) -> bool:
        """Whether `result()` would not wait (the child answered or died)."""
        return self.receive is None or self.receive.poll()

    def cancel(self) -> None:
        """Stop the child at once, its result unwanted."""
        if self.child is not None and self.receive is not None:
            self.receive.close()
            self.child.terminate()
            self.child.join()
            self.child = None

    def result(self) -> T:
        """The call's result, or its exception raised here; a child that died without a
        word is followed by a run here."""
        if self.child is None or self.receive is None:
            return self.function(*self.args)
        try:
            try:
                ok, value = self.receive.recv()
            except EOFError:  # the child died before it could answer
                self.child.join()
                return self.function(*self.args)
            self.child.join()
        finally:
            self.receive.close()
            if self.child.is_alive():  # interrupted while waiting: stop the child too
                self.child.terminate()
                self.child.join()
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]


def start_forked(function: Callable[..., T], *args: Any) -> Forked[T]:
    """Start `function(*args)` in a forked child and return at once (`result()` waits):
    this process can work meanwhile."""
    return Forked(function, args)


def _child(send: Connection, parent: int, function: Callable[..., Any], args: tuple) -> None:
    child_setup(parent)  # dies with the parent; the parent's terminate() ends it at once
    try:
        outcome = (True, function(*args))
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent
        outcome = (False, error)
    try:
        send.send(outcome)
    except Exception as error:  # the result or the error cannot be pickled
        what = "result" if outcome[0] else "error"
        send.send((False, RuntimeError(
            f"{function.__name__}: its {what} cannot be sent back from the child process "
            f"({error}): {outcome[1]!r}")))
    finally:
        send.close()
        os._exit(0)  # no clean-up of the parent's state (atexit, buffered files) here


class Call(NamedTuple):
    """`function(*args)`, of about `cost` (any unit: only the ratios matter)."""

    function: Callable[..., Any]
    args: tuple
    cost: float = 1.0


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_side_by_side(calls: Sequence[Call], *, processes: int | None = None,
                     after_each: Callable[[], object] | None = None,
                     here_below: float = 0.1) -> list[Any]:
    """The calls' results, in order, computed in up to `processes` forked children at a
    time (default: one per core).

    The costliest call still waiting goes to the next free child, so the processes end
    together; while every child is busy, this process does the calls cheaper than
    `here_below` itself (a fork costs more than they do), then `after_each()` (e.g. to hand
    memory back). Where processes cannot be forked, every call runs here in turn. An error
    in any call is raised here, and the children still running are then stopped.
    """
    children = (processes or usable_cores()) if can_fork() else 0
    waiting = deque(sorted(range(len(calls)), key=lambda k: -calls[k].cost))
    running: dict[int, Forked[Any]] = {}
    results: dict[int, Any] = {}
    try:
        while waiting or running:
            while len(running) < children and waiting and \
                    calls[waiting[0]].cost >= here_below:
                k = waiting.popleft()
                running[k] = start_forked(calls[k].function, *calls[k].args)
            if waiting and (calls[waiting[-1]].cost < here_below or not children):
                k = waiting.pop()
                results[k] = calls[k].function(*calls[k].args)
                if after_each is not None:
                    after_each()
            elif running:
                wait([f.receive for f in running.values() if f.receive is not None])
            for k in [k for k, forked in running.items() if forked.ready()]:
                results[k] = running.pop(k).result()
    finally:
        for forked in running.values():
            forked.cancel()
    return [results[k] for k in range(len(calls))]
