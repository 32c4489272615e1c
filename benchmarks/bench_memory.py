"""Memory is flat in the replication count (issue: scenario batches).

Runs `capsim run` on the frozen baseline with 2 workers at 1,000 and 10,000 replications
and prints, for each, the peak resident memory of the main process, of the largest other
process (a simulation worker, the child that merges the chunk files, or a chart's process)
and of the whole process tree (sampled from /proc every
0.1 s: RSS summed, which counts pages shared by forked workers once per process, and PSS,
which splits them), the wall time and the size of the results folder on disk. Targets:
every process's peak at 10,000 within 100 MiB of its peak at 1,000, and the whole tree
under 1.5 GiB. Run from the repository root:

    python benchmarks/bench_memory.py [--small 1000] [--large 10000] [--repeats 3]

(10,000 replications take a few minutes on two cores.)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from proctree import Usage, measure  # noqa: E402

FROZEN = Path(__file__).with_name("baseline_frozen.yaml")


def folder_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def run_once(n: int) -> tuple[Usage, float]:
    """One `capsim run` of n replications: its memory and its results folder's size."""
    out = Path(tempfile.mkdtemp(prefix="capsim-mem-")) / "run"
    usage = measure([sys.executable, "-m", "simulator", "run", str(FROZEN), "-n", str(n),
                     "--workers", "2", "--out", str(out), "--no-progress"])
    if usage.returncode != 0:
        sys.exit(f"failed: {usage.stderr}")
    size = folder_mib(out)
    shutil.rmtree(out.parent)
    print(f"{n:>6} replications: {usage.seconds:6.1f} s; peak RSS main "
          f"{usage.peak_main_mib:6.0f} MiB, largest other process {usage.peak_worker_mib:6.0f} "
          f"MiB; whole tree {usage.peak_total_mib:6.0f} MiB RSS summed "
          f"({usage.peak_total_pss_mib:6.0f} MiB PSS, shared pages counted once); "
          f"results folder {size:6.1f} MiB", flush=True)
    return usage, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=1,
                        help="pairs of runs; medians are printed when more than one")
    args = parser.parse_args()
    growth: dict[str, list[float]] = {"main": [], "other": [], "tree": [], "pss": []}
    for _ in range(args.repeats):
        small, _size = run_once(args.small)
        large, _size = run_once(args.large)
        growth["main"].append(large.peak_main_mib - small.peak_main_mib)
        growth["other"].append(large.peak_worker_mib - small.peak_worker_mib)
        growth["tree"].append(large.peak_total_mib)
        growth["pss"].append(large.peak_total_pss_mib)
        print(f"growth {args.small} -> {args.large}: main {growth['main'][-1]:+.0f} MiB, "
              f"largest other process {growth['other'][-1]:+.0f} MiB (target: within 100 "
              f"MiB); whole tree at {args.large}: {growth['tree'][-1]:.0f} MiB RSS summed, "
              f"{growth['pss'][-1]:.0f} MiB PSS (target: under 1536 MiB)", flush=True)
    if args.repeats > 1:
        med = {key: statistics.median(values) for key, values in growth.items()}
        print(f"medians of {args.repeats}: growth main {med['main']:+.0f} MiB, largest other "
              f"process {med['other']:+.0f} MiB; whole tree at {args.large}: "
              f"{med['tree']:.0f} MiB RSS summed, {med['pss']:.0f} MiB PSS")


if __name__ == "__main__":
    main()
