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
from typing import Any, TypeVar

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
    if not can_fork():
        return function(*args)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, os.getpid(), function, args),
                            daemon=True)
    with signals_blocked():
        child.start()
    send.close()
    try:
        try:
            ok, value = receive.recv()
        except EOFError:  # the child died before it could answer
            child.join()
            return function(*args)
        child.join()
    finally:
        receive.close()
        if child.is_alive():  # interrupted while waiting: stop the child too
            child.terminate()
            child.join()
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


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
