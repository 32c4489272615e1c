"""Run a command and sample the resident memory of its whole process tree (Linux /proc).

Used by the benchmarks: the peak of every process (main and workers) and the peak of their
sum, sampled every 0.1 s, plus the wall time and the CPU time of the whole tree (steadier
than the wall time on a shared machine).
"""

from __future__ import annotations

import resource
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def children(pid: int) -> list[int]:
    """The direct children of a process."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def _field_mib(path: str, name: str) -> float:
    """A `Name:  N kB` line of a /proc file, in MiB (0 when the process is gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _pss_mib(pid: int) -> float:
    """Proportional set size: shared pages (e.g. a fork's copy-on-write pages) are split
    between the processes sharing them, so the tree's sum is not double-counted."""
    return _field_mib(f"/proc/{pid}/smaps_rollup", "Pss:")


def _rss_mib(pid: int) -> float:
    return _field_mib(f"/proc/{pid}/status", "VmRSS:")


@dataclass
class Usage:
    seconds: float = 0.0
    returncode: int = 0
    peak_total_mib: float = 0.0
    peak_main_mib: float = 0.0
    peak_worker_mib: float = 0.0
    peak_total_pss_mib: float = 0.0
    cpu_seconds: float = 0.0  # user + system of the command and every process it waited for
    samples: int = 0
    stderr: str = field(default="", repr=False)


def measure(cmd: list[str], interval: float = 0.1, *, pss: bool = True) -> Usage:
    """Run `cmd` to the end while sampling its process tree's memory. `pss=False` leaves
    out the proportional set size: the kernel walks every page of every process to give
    it, which takes CPU from the command measured (a timing benchmark wants RSS only)."""
    usage = Usage()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None:
        pids = _tree(proc.pid)
        sizes = {p: _rss_mib(p) for p in pids}
        usage.peak_total_mib = max(usage.peak_total_mib, sum(sizes.values()))
        if pss:
            usage.peak_total_pss_mib = max(usage.peak_total_pss_mib,
                                           sum(_pss_mib(p) for p in pids))
        usage.peak_main_mib = max(usage.peak_main_mib, sizes.get(proc.pid, 0.0))
        workers = [v for p, v in sizes.items() if p != proc.pid]
        usage.peak_worker_mib = max([usage.peak_worker_mib, *workers])
        usage.samples += 1
        time.sleep(interval)
    usage.stderr = proc.stderr.read() if proc.stderr else ""
    usage.returncode = proc.returncode
    usage.seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    usage.cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return usage
