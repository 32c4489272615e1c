"""`run`: a scenario's replications, in parallel local processes, into a `RunResult`.

Replications are split into chunks that run in a process pool (or in this process for
one worker); chunks are gathered by index, so results are identical for any number of
workers. A rich progress bar shows replications done when asked for
(`simulator.experiments.progress`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.model.record import STAGES

if TYPE_CHECKING:
    from simulator.experiments.backends import Backend
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
