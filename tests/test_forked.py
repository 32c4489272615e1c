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


def _sleep_then(seconds: float, value: int) -> tuple[int, int]:
    import time

    time.sleep(seconds)
    return os.getpid(), value


def test_calls_side_by_side_come_back_in_order_from_the_children():
    import time

    from simulator.forked import Call, run_side_by_side

    calls = [Call(_sleep_then, (0.4, k), cost=0.4) for k in range(4)]
    started = time.monotonic()
    results = run_side_by_side(calls, processes=2)
    assert [value for _pid, value in results] == [0, 1, 2, 3]
    assert os.getpid() not in {pid for pid, _value in results}
    assert time.monotonic() - started < 1.5  # two at a time: about 0.8 s, not 1.6 s


def test_cheap_calls_are_done_here_while_the_children_work():
    from simulator.forked import Call, run_side_by_side

    calls = [Call(_pid_and_sum, (k, 0), cost=0.01) for k in range(3)]
    calls.insert(1, Call(_sleep_then, (0.3, 99), cost=5.0))
    done_here = []
    results = run_side_by_side(calls, processes=1, after_each=lambda: done_here.append(1))
    assert results[1][1] == 99 and results[1][0] != os.getpid()
    assert [results[k] for k in (0, 2, 3)] == [(os.getpid(), k) for k in range(3)]
    assert len(done_here) == 3


def test_an_error_side_by_side_is_raised_here_and_stops_the_children():
    import time

    from simulator.forked import Call, run_side_by_side

    calls = [Call(time.sleep, (30,), cost=9.0), Call(_fails, (), cost=0.1)]
    started = time.monotonic()
    with pytest.raises(ValueError, match="bad chunk file"):
        run_side_by_side(calls, processes=2)
    assert time.monotonic() - started < 10  # the sleeping child was stopped, not awaited


def test_side_by_side_without_fork_runs_everything_here(monkeypatch):
    from simulator.forked import Call, run_side_by_side

    monkeypatch.setattr(forked, "can_fork", lambda: False)
    results = run_side_by_side([Call(_pid_and_sum, (k, 1)) for k in range(3)], processes=4)
    assert results == [(os.getpid(), k + 1) for k in range(3)]
