"""`run`: a scenario's replications, in parallel local processes, into a `RunResult`.

Replications are split into chunks that run in a process pool (or in this process for
one worker); chunks are gathered by index, so results are identical for any number of
workers. A rich progress bar shows replications done when asked for.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.model.record import STAGES

if TYPE_CHECKING:
    from simulator.experiments.backends import Backend
    from simulator.experiments.batch import Variant
    from simulator.results import FolderHook, RunResult
    from simulator.scenario import Scenario

STAGE_NAMES = set(STAGES)


def configure(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
              stages: Iterable[str] | None = None) -> Scenario:
    """The scenario with command-line overrides applied (seed, replications, stages)."""
    from simulator.scenario.limits import MAX_REPLICATIONS

    meta_update: dict[str, int] = {}
    if replications is not None and not 1 <= int(replications) <= MAX_REPLICATIONS:
        raise ValueError(f"replications must be between 1 and {MAX_REPLICATIONS:,}, "
                         f"not {int(replications):,}")
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


def run(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
        stages: Iterable[str] | None = None, workers: int | None = None,
        events: str = "milestones", progress: bool = False, out: Path | str | None = None,
        resume: bool = False, charts: bool = True, backend: Backend | None = None,
        finishing: FolderHook | None = None) -> RunResult:
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
    out, resume, charts
        Write the results folder `out` (atomically; finished chunks are kept in
        `<out>.partial/` until then, and `resume` continues from them); without `out` the
        tables are returned in memory only.
    backend
        Where chunks run (see `simulator.experiments.backends`); default from `workers`.
    """
    from simulator.experiments.batch import Variant, run_batch

    scenario = configure(scenario, replications=replications, seed=seed, stages=stages)
    variant = Variant(scenario.scenario.name, scenario)
    return run_batch([variant], backend=backend, workers=workers, out=out, resume=resume,
                     progress=progress, events=events, charts=charts, finishing=finishing)


def batch_meta(variants: list[Variant], n: int) -> dict:
    """Provenance of a batch: the first variant's, plus every variant's name and columns."""
    meta = run_meta(variants[0].scenario)
    meta["replications"] = n
    if len(variants) > 1:
        meta["variants"] = [
            {"name": v.name, "scenario": v.scenario.scenario.name,
             "scenario_hash": v.scenario.source_hash,
             "stages": [s for s in STAGES if getattr(v.scenario.stages, s) is not None],
             **{k: val for k, val in v.columns.items()}}
            for v in variants
        ]
    return meta


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


def progress_bar(show: bool, total: int) -> AbstractContextManager[Callable[[int], object]]:
    if not show:
        return nullcontext(lambda k: None)
    return _RichProgress(total)


def finishing_status(show: bool) -> AbstractContextManager[object]:
    """A spinner while the results folder is written (for a large batch the tables, charts
    and report take a while after the last replication)."""
    if not show:
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(
        "writing the results folder (tables, charts, report)")


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

        rate = TextColumn("{task.fields[rate]}")
        self.progress = Progress(TextColumn("replications"), BarColumn(), MofNCompleteColumn(),
                                 rate, TimeElapsedColumn(), TextColumn("left"),
                                 TimeRemainingColumn(), transient=True)
        self.progress.__enter__()
        self.task = self.progress.add_task("run", total=self.total, rate="")
        return self._advance

    def _advance(self, k: int) -> None:
        self.progress.advance(self.task, k)
        speed = self.progress.tasks[0].speed
        self.progress.update(self.task, rate=f"{speed:.1f}/s" if speed else "")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.progress.__exit__(exc_type, exc, tb)
