"""Memory is flat in the replication count (issue: scenario batches).

Runs `capsim run` on the frozen baseline with 2 workers at 1,000 and 10,000 replications
and prints, for each, the peak resident memory of the main process, of the largest worker
(simulation or chart worker) and of the whole process tree (sampled from /proc every
0.1 s: RSS summed, which counts pages shared by forked workers once per process, and PSS,
which splits them), the wall time and the size of the results folder on disk. Targets:
every process's peak at 10,000 within 100 MiB of its peak at 1,000, and the whole tree
under 1.5 GiB. Run from the repository root:

    python benchmarks/bench_memory.py [--small 1000] [--large 10000]

(10,000 replications take a few minutes on two cores.)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from proctree import measure  # noqa: E402

FROZEN = Path(__file__).with_name("baseline_frozen.yaml")


def folder_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10_000)
    args = parser.parse_args()
    rows = {}
    for n in (args.small, args.large):
        out = Path(tempfile.mkdtemp(prefix="capsim-mem-")) / "run"
        usage = measure([sys.executable, "-m", "simulator", "run", str(FROZEN), "-n", str(n),
                         "--workers", "2", "--out", str(out), "--no-progress"])
        if usage.returncode != 0:
            sys.exit(f"failed: {usage.stderr}")
        rows[n] = (usage, folder_mib(out))
        shutil.rmtree(out.parent)
        print(f"{n:>6} replications: {usage.seconds:6.1f} s; peak RSS main "
              f"{usage.peak_main_mib:6.0f} MiB, largest worker {usage.peak_worker_mib:6.0f} MiB; "
              f"whole tree {usage.peak_total_mib:6.0f} MiB RSS summed "
              f"({usage.peak_total_pss_mib:6.0f} MiB PSS, shared pages counted once); "
              f"results folder {rows[n][1]:6.1f} MiB")
    (small, _), (large, _) = rows[args.small], rows[args.large]
    main_delta = large.peak_main_mib - small.peak_main_mib
    worker_delta = large.peak_worker_mib - small.peak_worker_mib
    print(f"growth {args.small} -> {args.large}: main {main_delta:+.0f} MiB, worker "
          f"{worker_delta:+.0f} MiB (target: within 100 MiB); whole tree at {args.large}: "
          f"{large.peak_total_mib:.0f} MiB RSS summed, {large.peak_total_pss_mib:.0f} MiB PSS "
          f"(target: under 1536 MiB)")


if __name__ == "__main__":
    main()
