"""`run`: a scenario's replications, in parallel local processes, into a `RunResult`.

Replications are split into chunks that run in a process pool (or in this process for
one worker); chunks are gathered by index, so results are identical for any number of
workers. A rich progress bar shows replications done when asked for.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from simulator.experiments.chunks import concat_columns, run_chunk
from simulator.model.record import STAGES
from simulator.results import RunResult

if TYPE_CHECKING:
    from simulator.scenario import Scenario

STAGE_NAMES = set(STAGES)


def configure(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
              stages: Iterable[str] | None = None) -> Scenario:
    """The scenario with command-line overrides applied (seed, replications, stages)."""
    meta_update: dict[str, int] = {}
    if replications is not None and int(replications) < 1:
        raise ValueError("replications must be at least 1")
    if seed is not None and int(seed) < 0:
        raise ValueError(f"the seed must be a whole number >= 0, not {seed}")
    if replications is not None:
        meta_update["replications"] = int(replications)
    if seed is not None:
        meta_update["seed"] = int(seed)
    if meta_update:
        scenario = scenario.model_copy(
            update={"scenario": scenario.scenario.model_copy(update=meta_update)})
    if stages is not None:
        stages = set(stages)
        unknown = stages - STAGE_NAMES
        if unknown:
            raise ValueError(f"unknown stage(s) {', '.join(sorted(unknown))}; "
                             f"stages are {', '.join(STAGES)}")
        if not stages:
            raise ValueError("no stage named: give at least one of "
                             f"{', '.join(STAGES)}")
        missing = sorted(s for s in stages if getattr(scenario.stages, s) is None)
        if missing:
            raise ValueError(f"stage(s) {', '.join(missing)} not set up in this scenario "
                             "(omitted or enabled: false), so they cannot be enabled")
        scenario = scenario.with_stages(stages)
    return scenario


def chunk_ranges(n: int, workers: int) -> list[list[int]]:
    """Replication indices split into chunks: several per worker, at most 50 each."""
    size = max(1, min(50, math.ceil(n / max(1, workers * 4))))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def run(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
        stages: Iterable[str] | None = None, workers: int | None = None,
        events: str = "milestones", progress: bool = False) -> RunResult:
    """Simulate the scenario's replications and return the result tables.

    Parameters
    ----------
    scenario
        A loaded `Scenario` (see `simulator.load_scenario`).
    replications, seed, stages
        Overrides of the scenario's own values; `stages` names the stages enabled.
    workers
        Local processes (default: all cores); 1 runs in this process.
    events
        "milestones" (decisions and milestones) or "all" (line failures and repairs too).
    progress
        Show a progress bar of replications done.
    """
    if events not in ("milestones", "all"):
        raise ValueError(f"events must be 'milestones' or 'all', not {events!r}")
    scenario = configure(scenario, replications=replications, seed=seed, stages=stages)
    n = int(scenario.scenario.replications)
    workers = max(1, int(workers or os.cpu_count() or 1))
    chunks = chunk_ranges(n, workers)
    log_failures = events == "all"
    results: dict[int, dict] = {}
    with _progress_bar(progress, n) as advance:
        if workers == 1 or len(chunks) == 1:
            for i, reps in enumerate(chunks):
                results[i] = run_chunk(scenario, reps, log_failures)
                advance(len(reps))
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
                futures = {pool.submit(run_chunk, scenario, reps, log_failures): i
                           for i, reps in enumerate(chunks)}
                for future in as_completed(futures):
                    i = futures[future]
                    results[i] = future.result()
                    advance(len(chunks[i]))
    ordered = [results[i] for i in range(len(chunks))]
    return assemble(scenario, ordered)


def assemble(scenario: Scenario, chunk_results: list[dict]) -> RunResult:
    """Concatenate chunk columns into the result's DataFrames."""
    names = {name for chunk in chunk_results for name in chunk}
    tables = {name: pd.DataFrame(concat_columns([c[name] for c in chunk_results if name in c]))
              for name in names}
    start = pd.Timestamp(scenario.scenario.start)
    kpis = tables["kpis"]
    kpis.insert(3, "close_date", _dates(start, kpis["close_day"]))
    events = tables["events"]
    if len(events):
        days = cast(pd.Series, np.floor(events["time_days"].astype(float)))  # a Series at runtime
        events.insert(2, "date", _dates(start, days))
    else:
        events["date"] = pd.Series(dtype="datetime64[s]")
    return RunResult(
        kpis=kpis, series=tables["series"], yearly=tables["yearly"], events=events,
        suppliers=tables["suppliers"], assembly=tables.get("assembly"),
        meta=run_meta(scenario), scenario_dict=scenario.resolved_dict(),
    )


def _dates(start: pd.Timestamp, days: pd.Series) -> pd.Series:
    values = pd.to_numeric(days, errors="coerce").to_numpy(dtype=float)
    out = start + pd.to_timedelta(values, unit="D")
    return pd.Series(out, index=days.index).dt.normalize()


def run_meta(scenario: Scenario) -> dict:
    """What is needed to reproduce the run."""
    import pydantic
    import scipy
    import simpy

    from simulator import __version__

    enabled = [s for s in STAGES if getattr(scenario.stages, s) is not None]
    return {
        "scenario": scenario.scenario.name,
        "scenario_file": scenario.source_file,
        "scenario_hash": scenario.source_hash,
        "seed": int(scenario.scenario.seed),
        "replications": int(scenario.scenario.replications),
        "stages": enabled,
        "start": scenario.scenario.start.isoformat(),
        "end": scenario.scenario.end.isoformat(),
        "currency": scenario.scenario.currency,
        "versions": {
            "capsim": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "pandas": pd.__version__, "simpy": simpy.__version__,
            "scipy": scipy.__version__, "pydantic": pydantic.__version__,
        },
        "git_commit": git_commit(Path(scenario.source_file).parent if scenario.source_file
                                 else Path.cwd()),
    }


def git_commit(folder: Path) -> str | None:
    """The commit of the repository holding `folder`, if there is one; "+dirty" is added
    when the working tree has uncommitted changes (the results may not match the commit)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True,
                              text=True, timeout=5)
        if head.returncode != 0 or not head.stdout.strip():
            return None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=folder, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    dirty = status.returncode == 0 and bool(status.stdout.strip())
    return head.stdout.strip() + ("+dirty" if dirty else "")


def _progress_bar(show: bool, total: int) -> AbstractContextManager[Callable[[int], object]]:
    if not show:
        return nullcontext(lambda k: None)
    return _RichProgress(total)


class _RichProgress:
    """A rich progress bar of replications done, with rate and time left."""

    def __init__(self, total: int) -> None:
        self.total = total

    def __enter__(self) -> Callable[[int], None]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(TextColumn("replications"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TimeRemainingColumn(), transient=True)
        self.progress.__enter__()
        self.task = self.progress.add_task("run", total=self.total)
        return lambda k: self.progress.advance(self.task, k)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.progress.__exit__(exc_type, exc, tb)
