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
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

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
