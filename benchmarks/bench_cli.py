"""End-to-end timings of the command line on the frozen baseline (issue targets).

Targets: `capsim run` of 200 replications, charts and report included, within 10 s
(issue 9); `capsim validate` under 2 s. Each command runs as a fresh process (interpreter
start-up included) several times; the median and the spread are printed. Run from the
repository root:

    python benchmarks/bench_cli.py [--repeats 5] [--replications 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FROZEN = Path(__file__).with_name("baseline_frozen.yaml")


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr}")
    return elapsed


def report(label: str, times: list[float], target: float) -> None:
    med = statistics.median(times)
    verdict = "meets" if med < target else "MISSES"
    print(f"{label}: median {med:.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
          f"n={len(times)}) — {verdict} the {target:.0f} s target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--replications", type=int, default=200)
    args = parser.parse_args()
    capsim = [sys.executable, "-m", "simulator"]
    print(f"machine: {os.cpu_count()} cores; scenario: {FROZEN}")
    validate = [timed(capsim + ["validate", str(FROZEN)]) for _ in range(args.repeats)]
    report("capsim validate", validate, 2.0)
    runs = []
    for _ in range(args.repeats):
        out = Path(tempfile.mkdtemp(prefix="capsim-bench-")) / "run"
        runs.append(timed(capsim + ["run", str(FROZEN), "--replications",
                                    str(args.replications), "--out", str(out)]))
        shutil.rmtree(out.parent)
    report(f"capsim run ({args.replications} replications, charts)", runs, 10.0)


if __name__ == "__main__":
    main()
