"""One pipeline for every simulating command: simulate → analyse → charts → report → the
results folder put in place.

`run_study` owns the whole life of a study: it checks the request, locks and opens the
partial folder (`<out>.partial/`), simulates the chunks on a backend, merges them into a
staging folder next to `out`, analyses the tables once, draws the charts from the
analysis, writes the report, and renames the staging folder into place; only then are the
finished chunks deleted. A stop (Ctrl-C, SIGTERM) raises `BatchInterrupted`, any other
failure `BatchFailed`, both keeping the finished chunks for `resume=True`. Without `out`
the tables stay in memory and are analysed there (notebooks); `write_results` saves such
a result later, with its charts and report. The command line and the Python API call
these functions: `run`, `run_stages`, `run_compare`, `run_sweep`, `run_variants`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.analysis import analyse
from simulator.experiments.assemble import assemble_in_memory, assemble_on_disk
from simulator.experiments.backends import Backend, make_backend
from simulator.experiments.batch import (
    BatchFailed,
    BatchInterrupted,
    Variant,
    batch_calls,
    checked_replications,
    failures_keep_chunks,
    fingerprint,
    fit_workers,
    kept_chunks,
    open_store,
    simulate_chunks,
)
from simulator.experiments.progress import finishing_status
from simulator.experiments.runner import configure
from simulator.experiments.store import ChunkStore
from simulator.experiments.studies import (
    Study,
    compare_study,
    run_study_of,
    stage_study,
    sweep_study,
    variants_study,
)
from simulator.lifeline import stop_signals_interrupt
from simulator.results import (
    CHARTS_FOLDER,
    RunResult,
    put_in_place,
    release_memory,
    staging_folder,
    write_analysis,
    write_extra,
    write_scenario,
    write_summary,
    write_tables,
)

if TYPE_CHECKING:
    from simulator.scenario import Scenario

__all__ = ["BatchFailed", "BatchInterrupted", "run", "run_compare", "run_stages", "run_study",
           "run_sweep", "run_variants", "write_results"]


def run(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
        stages: Iterable[str] | None = None, **options: Any) -> RunResult:
    """Simulate the scenario's replications and return the result.

    Parameters
    ----------
    scenario
        A loaded `Scenario` (see `simulator.load_scenario`).
    replications, seed, stages
        Overrides of the scenario's own values; `stages` names the stages enabled.
    **options
        As `run_study`: `out`, `resume`, `workers`, `backend`, `events`, `progress`,
        `charts`, `report`.
    """
    scenario = configure(scenario, replications=replications, seed=seed, stages=stages)
    return run_study(run_study_of(scenario), **options)


def run_stages(scenario: Scenario, *, shapley: bool = False, **options: Any) -> RunResult:
    """Stage attribution: the same replications with stages added in the announced order
    (or every subset, for Shapley shares), with paired differences and what each stage
    gains. Options as `run_study`."""
    return run_study(stage_study(scenario, shapley=shapley), **options)


def run_compare(scenarios: Sequence[Scenario], *, seed: int | None = None,
                replications: int | None = None, **options: Any) -> RunResult:
    """Several scenarios side by side with the first one's seed, paired against the first,
    with the table of what differs between the files. Options as `run_study`."""
    study = compare_study(scenarios, seed=seed, replications=replications)
    return run_study(study, **options)


def run_sweep(path: Path | str, **options: Any) -> RunResult:
    """A parameter sweep from an experiment file (one variant per point). Options as
    `run_study`."""
    return run_study(sweep_study(path), **options)


def run_variants(variants: list[Variant], *, base: Scenario | None = None,
                 **options: Any) -> RunResult:
    """A batch of your own variants (same replication indices, so common random numbers),
    paired against the first. Options as `run_study`."""
    return run_study(variants_study(variants, base), **options)


def run_study(study: Study, *, replications: int | None = None,
              out: Path | str | None = None, resume: bool = False,
              backend: Backend | None = None, workers: int | None = None,
              progress: bool = False, events: str = "milestones", charts: bool = True,
              report: bool = True,
              on_progress: Callable[[int], object] | None = None) -> RunResult:
    """Run a study's batch and return its result, analysed.

    Parameters
    ----------
    replications
        Per variant (default: the study's).
    out, resume
        The results folder to write, atomically (finished chunks are kept in
        `<out>.partial/` until it is complete; `resume` continues from them). Without `out`
        the tables are held and analysed in memory and nothing is written.
    backend, workers
        Where chunks run (`simulator.experiments.backends`); default `workers` local
        processes (all cores).
    progress, on_progress
        Show a progress bar; call `on_progress(k)` as each chunk of k replications ends.
    events
        "milestones" (decisions and milestones) or "all" (line failures and repairs too).
    charts, report
        Draw the charts, write the HTML report (with `out`).
    """
    variants = study.variants
    n = checked_replications(variants, replications or study.replications, events)
    store, done = open_store(out, fingerprint(variants, n, events), resume)
    owned = backend is None
    with failures_keep_chunks(store):
        calls = batch_calls(variants, n, events == "all", skip=done)
        with stop_signals_interrupt():
            try:
                backend = backend or make_backend(workers)
                fit_workers(backend, len(calls))
                chunks = simulate_chunks(calls, backend, store, n * len(variants), progress,
                                         on_progress)
            finally:
                if owned and backend is not None:
                    backend.close()  # workers killed at once on a stop, never left running
            if store is None:
                result = assemble_in_memory(variants, n, chunks, base=study.base)
                return analyse(_described(result, study))
            try:
                with finishing_status(progress):
                    result = _write_study(study, n, store, Path(str(out)), charts=charts,
                                          report=report)
            except KeyboardInterrupt:
                raise BatchInterrupted(
                    f"stopped while writing the results{kept_chunks(store)}") from None
            store.remove()  # only now: the results folder is complete
            return result


def write_results(result: RunResult, out: Path | str, *, charts: bool = True,
                  report: bool = True) -> Path:
    """Save a result held in memory as a results folder, atomically, with its analysis,
    charts and report (as a run with `out` writes it); return the folder.

    Raises
    ------
    ValueError
        If `out` exists and is not an empty folder (results are never overwritten).
    """
    out = Path(out)
    with staging_folder(out) as staging:
        write_tables(result, staging)
        if not result.summary:
            analyse(result)
        _finish(result, staging, out, charts=charts, report=report)
    return out


def _described(result: RunResult, study: Study) -> RunResult:
    """The result with its study in its metadata and the study's input tables."""
    result.meta["study"] = study.describe()
    result.extra.update(study.inputs)
    return result


def _write_study(study: Study, n: int, store: ChunkStore, out: Path, *, charts: bool,
                 report: bool) -> RunResult:
    """The results folder from the saved chunks: merged in a staging folder, analysed,
    drawn, reported, renamed into place. The staging folder goes on failure."""
    with staging_folder(out) as staging:
        result = assemble_on_disk(study.variants, n, store, staging, base=study.base)
        analyse(_described(result, study))
        _finish(result, staging, out, charts=charts, report=report)
    return result


def _finish(result: RunResult, staging: Path, out: Path, *, charts: bool,
            report: bool) -> None:
    """Write an analysed result's summary, analysis tables, scenario, charts and report into
    `staging`, then put it in place as `out`."""
    write_extra(result, staging)
    write_analysis(result, staging)
    write_summary(staging, result.summary)
    write_scenario(staging, result.scenario_dict)
    if charts:
        from simulator.charts import draw_run_charts  # imports matplotlib

        draw_run_charts(result, staging / CHARTS_FOLDER)
        release_memory()
    if report:
        from simulator.report import write_report

        write_report(staging, result=result)
    put_in_place(staging, out)
    result.out_dir = out
    if result.table_dir == staging:
        result.table_dir = out
