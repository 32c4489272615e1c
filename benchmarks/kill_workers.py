"""A batch survives its workers being killed: SIGKILL a pool worker every few chunks.

Runs `capsim run` with `--workers 2` and kills one of its pool workers (SIGKILL, as the
out-of-memory killer would) each time a few more chunks have been saved; the run must
finish, exit 0 and give results identical, table by table, to a `--workers 1` run of the
same batch. Prints the kills, the times and the verdict; exits 1 if anything differs.

    python benchmarks/kill_workers.py                      # 2,000 replications, ~6 min
    python benchmarks/kill_workers.py -n 400 --scenario tests/scenario/good/minimal.yaml
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from proctree import children  # noqa: E402

from simulator.experiments.batch import chunk_ranges  # noqa: E402
from simulator.results import read_results  # noqa: E402

TABLES = ("kpis", "series", "yearly", "events", "suppliers", "assembly")


def capsim(scenario: str, n: int, workers: int, out: Path) -> list[str]:
    return [sys.executable, "-m", "simulator", "run", scenario, "-n", str(n), "--workers",
            str(workers), "--out", str(out), "--no-charts", "--no-report", "--no-progress"]


def saved(partial: Path) -> int:
    chunks = partial / "chunks"
    return sum(1 for p in chunks.iterdir() if not p.name.startswith(".")) \
        if chunks.is_dir() else 0


def killed_run(command: list[str], partial: Path, total: int, every: int,
               rng: random.Random, timeout: float) -> tuple[int, list[int], float]:
    """Run `command`, killing a pool worker each time `every` more chunks are saved;
    return the exit status, the chunk counts at each kill, and the wall time."""
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    kills: list[int] = []
    last = 0
    while proc.poll() is None:
        if time.monotonic() - started > timeout:
            for child in children(proc.pid):
                os.kill(child, signal.SIGKILL)
            proc.kill()
            raise SystemExit(f"HANG: capsim did not finish within {timeout:.0f} s")
        done = saved(partial)
        if done - last >= every and done < total - 1:
            workers = children(proc.pid)
            if workers:
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills.append(done)
                last = done
        time.sleep(0.05)
    return proc.returncode, kills, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="replications (default 2000)")
    parser.add_argument("--scenario", default="benchmarks/baseline_frozen.yaml")
    parser.add_argument("--every", type=int, default=4, help="chunks between kills")
    parser.add_argument("--seed", type=int, default=1, help="which worker is killed")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    total = len(chunk_ranges(args.n))
    with tempfile.TemporaryDirectory() as tmp:
        reference, victim = Path(tmp) / "workers1", Path(tmp) / "killed"
        t0 = time.monotonic()
        subprocess.run(capsim(args.scenario, args.n, 1, reference), cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        t_ref = time.monotonic() - t0
        code, kills, t_kill = killed_run(
            capsim(args.scenario, args.n, 2, victim), Path(f"{victim}.partial"), total,
            args.every, random.Random(args.seed), args.timeout)
        print(f"{args.n} replications of {args.scenario} ({total} chunks)")
        print(f"--workers 1: {t_ref:.1f} s")
        print(f"--workers 2 with {len(kills)} workers killed (after chunk "
              f"{', '.join(map(str, kills))}): exit {code} in {t_kill:.1f} s")
        if code != 0:
            print("FAILED: the killed run did not exit 0")
            return 1
        a, b = read_results(reference), read_results(victim)
        differ = [name for name in TABLES if not a.read(name).equals(b.read(name))]
        print("tables identical to --workers 1: " + ("yes" if not differ else
                                                     f"NO ({', '.join(differ)})"))
        return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
