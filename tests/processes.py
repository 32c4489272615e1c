"""Helpers for tests that run capsim as a real process and crash, kill or signal it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL = "tests/scenario/good/minimal.yaml"
RUN = [sys.executable, "-m", "simulator", "run", "--no-charts", "--no-report", "--no-progress"]


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def chunk_files(partial: Path) -> list[Path]:
    chunks = partial / "chunks"
    if not chunks.is_dir():
        return []
    return [p for p in chunks.iterdir() if not p.name.startswith(".")]


def wait_until(condition, timeout: float = 60.0, every: float = 0.01) -> bool:
    """Poll `condition()` until it is true or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def start(args: list[str], base: list[str] = RUN, **kwargs) -> subprocess.Popen:
    """Start `base + args` (default `capsim run` without charts, report or progress bar).
    Its output goes to files, not pipes: a pipe held open by an orphaned child would block
    the reader for ever."""
    err = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    proc = subprocess.Popen([*base, *args], stdout=subprocess.DEVNULL, stderr=err, text=True,
                            **kwargs)
    proc.err_file = err  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen, timeout: float = 120.0) -> tuple[int, str]:
    """Wait for a process from `start` (killing it if it hangs, which fails the test); its
    exit status and standard error."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        for child in children(proc.pid):
            os.kill(child, 9)
        proc.kill()
        proc.wait(timeout=30)
        raise AssertionError(f"capsim did not exit within {timeout} s (it hangs)") from None
    err_file = proc.err_file  # type: ignore[attr-defined]
    err_file.seek(0)
    text = err_file.read()
    err_file.close()
    return proc.returncode, text
