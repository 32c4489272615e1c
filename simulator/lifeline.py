"""Signals and child processes: a batch stops cleanly and leaves no process behind.

In the main process SIGTERM is made to act as Ctrl-C (`stop_signals_interrupt`), in every
phase of a command, so one clean-up path serves both; the request is also remembered, so a
`KeyboardInterrupt` that Python swallows (raised inside a fork hook) still stops the batch
at its next `check_stop`. Every child process capsim forks (pool
workers, chart and merge processes) calls `child_setup` first: it gives SIGTERM back its
default action (a parent's `terminate()` then ends the child at once; a child that inherits
"SIGTERM raises KeyboardInterrupt" can catch that while blocked writing to a pipe no one
reads, and live on), ignores SIGINT (Ctrl-C reaches the whole process group; the parent
decides what stops), and starts a watchdog that ends the child when its parent dies, even by
SIGKILL or the out-of-memory killer, which run no clean-up in the parent.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

WATCH_SECONDS = 0.5  # how often a child checks that its parent is alive
_stop = {"requested": False, "depth": 0}


def _raise_interrupt(_signum: int, _frame: object) -> None:
    _stop["requested"] = True
    raise KeyboardInterrupt


def check_stop() -> None:
    """Raise `KeyboardInterrupt` if a stop was asked for and its exception was lost: raised
    where Python ignores exceptions (a fork hook, a finaliser), it is only printed. Called
    at the points where a batch commits work (a chunk saved, a chart drawn, the results
    folder renamed into place)."""
    if _stop["requested"]:
        raise KeyboardInterrupt


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT raise `KeyboardInterrupt` (main thread only;
    elsewhere signals are left alone). SIGINT is set explicitly: a process started in the
    background by a shell inherits SIGINT as ignored, and `kill -INT` must still stop it."""
    previous: dict[signal.Signals, object] = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, _raise_interrupt)
    except ValueError:  # not the main thread
        for sig, old in previous.items():
            signal.signal(sig, old)  # type: ignore[arg-type]
        yield
        return
    if _stop["depth"] == 0:
        _stop["requested"] = False  # a new command or batch: earlier stops are handled
    _stop["depth"] += 1
    hook = sys.unraisablehook
    sys.unraisablehook = _quiet_lost_interrupt(hook)
    try:
        yield
    finally:
        _stop["depth"] -= 1
        sys.unraisablehook = hook
        for sig, old in previous.items():
            signal.signal(sig, old)  # type: ignore[arg-type]


def _quiet_lost_interrupt(hook: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable-exception hook that stays silent about our own interrupt (it is
    remembered and acted on at the next `check_stop`), and reports anything else."""
    def quiet(info: Any) -> object:
        if isinstance(info.exc_value, KeyboardInterrupt) and _stop["requested"]:
            return None
        return hook(info)

    return quiet


_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


@contextmanager
def signals_blocked() -> Iterator[None]:
    """Block SIGTERM and SIGINT in this thread while it forks children: a child starts with
    them blocked (it inherits the mask, not just the handlers) and unblocks them in
    `child_setup` once its own handlers are set, so a `terminate()` that comes at once
    cannot reach the parent's handler in the child. The parent gets a signal that arrived
    meanwhile when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def child_setup(parent: int | None = None) -> None:
    """First thing in a forked child: default SIGTERM, ignored SIGINT (then both unblocked,
    see `signals_blocked`), and a watchdog that ends this process (`os._exit`, no clean-up
    of the parent's state) once `parent` (default: the current parent) is gone."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    watch_parent(os.getppid() if parent is None else parent)


def watch_parent(parent: int) -> None:
    """Start a daemon thread that exits this process when `parent` is no longer its parent
    (an orphan is re-parented to init or a subreaper, so its parent id changes)."""
    if os.getppid() != parent:  # already orphaned
        os._exit(1)

    def watch() -> None:
        stop = threading.Event()
        while not stop.wait(WATCH_SECONDS):
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="capsim-parent-watch", daemon=True).start()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (ours or another user's)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True
