"""A function run in a forked child: its result, its error, and a child that dies."""

import os
import threading

import pytest

from simulator import forked
from simulator.forked import run_forked

PARENT = os.getpid()


def _pid_and_sum(a: int, b: int) -> tuple[int, int]:
    return os.getpid(), a + b


def _fails() -> None:
    raise ValueError("bad chunk file")


def _dies_in_a_child() -> str:
    if os.getpid() != PARENT:
        os._exit(9)  # as if killed for lack of memory
    return "done here"


def _unpicklable() -> threading.Lock:
    return threading.Lock()


def test_the_result_comes_back_from_another_process():
    pid, total = run_forked(_pid_and_sum, 2, 3)
    assert total == 5
    assert pid != os.getpid()


def test_the_childs_error_is_raised_here():
    with pytest.raises(ValueError, match="bad chunk file"):
        run_forked(_fails)


def test_a_child_that_dies_is_followed_by_a_run_here():
    assert run_forked(_dies_in_a_child) == "done here"


def test_a_result_that_cannot_travel_is_an_error():
    with pytest.raises(RuntimeError, match="_unpicklable: its result cannot be sent back"):
        run_forked(_unpicklable)


def test_without_fork_it_runs_here(monkeypatch):
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    pid, total = run_forked(_pid_and_sum, 1, 1)
    assert (pid, total) == (os.getpid(), 2)


def test_a_started_call_runs_while_this_process_works():
    import time

    from simulator.forked import start_forked

    started = time.monotonic()
    pending = start_forked(time.sleep, 0.5)
    time.sleep(0.5)  # both sleeps at once: about 0.5 s in all, not 1 s
    pending.result()
    assert time.monotonic() - started < 0.9
