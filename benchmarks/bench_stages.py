"""Stage attribution at scale: `capsim stages` on the frozen baseline, 1,000 replications
per stage set (3,000 in all), 2 local workers, charts included. Target: under 60 s.
Runs the command several times and prints the median (memory sampled as RSS only: sampling
the proportional set size every 0.1 s took 1.5 to 3 s of CPU from the two cores).
From the repository root:

    python benchmarks/bench_stages.py [--repeats 3] [--replications 1000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from proctree import measure  # noqa: E402

FROZEN = Path(__file__).with_name("baseline_frozen.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--replications", type=int, default=1000)
    args = parser.parse_args()
    times, trees, cpus = [], [], []
    for _ in range(args.repeats):
        out = Path(tempfile.mkdtemp(prefix="capsim-stages-")) / "stages"
        usage = measure([sys.executable, "-m", "simulator", "stages", str(FROZEN), "-n",
                         str(args.replications), "--workers", "2", "--out", str(out),
                         "--no-progress"], pss=False)  # PSS sampling slows the run
        shutil.rmtree(out.parent)
        if usage.returncode != 0:
            sys.exit(f"failed: {usage.stderr}")
        times.append(usage.seconds)
        cpus.append(usage.cpu_seconds)
        trees.append(usage.peak_total_mib)
    med = statistics.median(times)
    print(f"capsim stages, {args.replications} replications x 3 stage sets: median {med:.1f} s "
          f"(min {min(times):.1f}, max {max(times):.1f}, n={len(times)}); CPU of the process "
          f"tree median {statistics.median(cpus):.1f} s; peak process tree "
          f"{max(trees):.0f} MiB — {'meets' if med < 60 else 'MISSES'} the 60 s target")


if __name__ == "__main__":
    main()
