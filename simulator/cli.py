"""The `capsim` command: thin subcommands that each call one library function.

Exit status: 0 success, 2 refused input (a bad scenario or bad arguments), 1 anything
else. Errors are one clear message; a traceback only with `--debug`. Heavy modules are
imported inside the subcommands so that `capsim validate` answers quickly.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

    from simulator.experiments.backends import Backend
    from simulator.results import RunResult
    from simulator.scenario import Scenario

T = TypeVar("T")

DEFAULT_SCENARIO = "scenarios/baseline.yaml"
EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


class Refused(Exception):
    """Input the command cannot accept (exit status 2)."""


class Failed(Exception):
    """A run that stopped or failed, its message already complete (exit status 1)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="capsim",
        description="Simulate how fast sharing, machine procurement and new plants close a "
                    "component shortfall.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a scenario's replications and write a results folder")
    run.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO,
                     help=f"scenario file (default: {DEFAULT_SCENARIO})")
    run.add_argument("--stages", help="comma-separated stages to enable, e.g. "
                     "sharing,procurement (default: as in the scenario)")
    _add_batch_options(run)

    stages = sub.add_parser("stages", help="stage attribution: {sharing}, {sharing, "
                            "procurement}, {all three} with common random numbers")
    stages.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO,
                        help=f"scenario file (default: {DEFAULT_SCENARIO})")
    stages.add_argument("--shapley", action="store_true",
                        help="run all eight stage subsets and report Shapley shares")
    _add_batch_options(stages)

    compare = sub.add_parser("compare", help="several scenarios side by side, paired "
                             "against the first")
    compare.add_argument("scenarios", nargs="+", help="two or more scenario files")
    _add_batch_options(compare)

    sweep = sub.add_parser("sweep", help="a parameter sweep from an experiment file")
    sweep.add_argument("experiment", help="experiment file (see experiments/README.md)")
    _add_batch_options(sweep)

    _add_sensitivity_parser(sub)
    _add_discover_parser(sub)

    report = sub.add_parser("report", help="write the HTML report of a results folder")
    report.add_argument("results", help="a results folder written by run, stages, compare "
                        "or sweep")
    report.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)

    backcast = sub.add_parser("backcast", help="run the frozen as_of_2023 scenario and set "
                              "its 10-90%% bands beside the observations of 2023-2025")
    backcast.add_argument("--observations", type=Path, default=None, metavar="FILE",
                          help="observations file (default: validation/observations.yaml); "
                               "it names the scenario it tests")
    backcast.add_argument("--replications", "-n", type=int, default=None,
                          help="number of replications (default: 200)")
    backcast.add_argument("--workers", type=int, help="local processes (default: all cores)")
    backcast.add_argument("--out", type=Path, help="also write the run's results folder "
                          "and backcast.csv there (default: nothing is written)")
    backcast.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help=argparse.SUPPRESS)

    validate = sub.add_parser("validate", help="check a scenario file and summarise it")
    validate.add_argument("scenario", help="scenario file")
    _add_plugin_option(validate)
    validate.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help=argparse.SUPPRESS)
    return parser


def _add_sensitivity_parser(sub: Any) -> None:
    """`capsim sensitivity EXPERIMENT.yaml` (Morris or Sobol' with SALib)."""
    sens = sub.add_parser("sensitivity", help="global sensitivity (Morris or Sobol') from an "
                          "experiment file")
    sens.add_argument("experiment", help="experiment file with method: morris | sobol "
                      "(see experiments/README.md)")
    sens.add_argument("--replications", "-n", type=int, help="replications per point")
    sens.add_argument("--out", type=Path, help="results folder (default: "
                      "results/<name>/<timestamp>/)")
    sens.add_argument("--bootstrap", type=int, default=200,
                      help="resamples of the replications for the noise intervals")
    _add_execution_options(sens)
    sens.add_argument("--no-charts", action="store_true", help="skip drawing charts")
    sens.add_argument("--no-report", action="store_true", help="skip report.html")
    sens.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    sens.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                      help=argparse.SUPPRESS)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """`capsim sensitivity EXPERIMENT.yaml`: the design's batch, indices, charts, report;
    prints the ranked assumptions per outcome."""
    from simulator.experiments.sensitivity import load_sensitivity
    from simulator.scenario import ScenarioError
    from simulator.sensitivity_study import run_sensitivity

    args.seed, args.plugin = None, []
    _checked_counts(args)
    if args.bootstrap < 0:
        raise Refused(f"--bootstrap must be >= 0, not {args.bootstrap}")
    try:
        experiment = load_sensitivity(args.experiment)
    except ScenarioError as err:
        raise Refused(str(err)) from None
    out = _out_dir(args, f"sensitivity-{Path(args.experiment).stem}")
    progress = not args.no_progress and sys.stderr.isatty()
    with _backend(args) as backend:
        result = _interruptible(lambda: run_sensitivity(
            experiment, replications=args.replications, out=out, resume=args.resume,
            backend=backend, progress=progress, charts=not args.no_charts,
            report=not args.no_report, bootstrap=args.bootstrap))
    n = len(result.per_replication) // max(1, len(experiment.points))
    console_print(f"{experiment.method}: {len(experiment.factors)} factors, "
                  f"{len(experiment.points)} points × {n} replications in "
                  f"{result.seconds:.1f} s")
    console_print(f"results: {out}")
    from simulator.report.sensitivity import ranking_words

    for outcome in experiment.outcomes:
        console_print(" ".join(ranking_words(result.indices, outcome)))
    return EXIT_OK


def _add_discover_parser(sub: Any) -> None:
    """`capsim discover RESULTS_DIR --where CONDITION` (PRIM, the EMA Workbench's, optional)."""
    disc = sub.add_parser("discover", help="scenario discovery (PRIM) over a sensitivity "
                          "batch: where does a condition on an outcome hold?")
    disc.add_argument("results", help="a results folder written by capsim sensitivity")
    disc.add_argument("--where", required=True, metavar="CONDITION",
                      help='e.g. "closed_by_end >= 0.8" (an outcome of the batch, an '
                           "operator >=, >, <=, <, a number)")
    disc.add_argument("--min-density", type=float, default=0.8,
                      help="the chosen box is the most covering one with at least this "
                           "density (default 0.8)")
    disc.add_argument("--out", type=Path, help="folder to write (default: "
                      "RESULTS/discovery-<condition>/)")
    disc.add_argument("--no-charts", action="store_true", help="skip drawing charts")
    disc.add_argument("--no-report", action="store_true", help="skip discovery.html")
    disc.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                      help=argparse.SUPPRESS)


def cmd_discover(args: argparse.Namespace) -> int:
    """`capsim discover RESULTS_DIR --where ...`: the PRIM box in words and charts."""
    try:
        with warnings.catch_warnings():  # it warns of its own optional parts on import
            warnings.simplefilter("ignore")
            import ema_workbench  # noqa: F401 - the optional dependency, checked first
    except ImportError:
        raise Refused("discover needs the EMA Workbench's PRIM: pip install "
                      "'capsim[discover]'") from None
    from simulator.discovery_study import run_discovery

    if not 0 < args.min_density <= 1:
        raise Refused(f"--min-density must be in (0, 1], not {args.min_density}")
    try:
        result = run_discovery(args.results, args.where, out=args.out,
                               min_density=args.min_density, charts=not args.no_charts,
                               report=not args.no_report)
    except ValueError as err:
        raise Refused(str(err)) from None
    console_print(result.words)
    console_print(f"written: {result.out_dir}")
    return EXIT_OK


def _add_batch_options(parser: argparse.ArgumentParser) -> None:
    """The options every simulating command shares."""
    parser.add_argument("--replications", "-n", type=int, help="number of replications")
    parser.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    parser.add_argument("--out", type=Path, help="results folder (default: "
                        "results/<name>/<timestamp>/)")
    _add_execution_options(parser)
    parser.add_argument("--events", choices=("milestones", "all"), default="milestones",
                        help="'all' also logs line failures and repairs (large)")
    parser.add_argument("--no-charts", action="store_true", help="skip drawing charts")
    parser.add_argument("--no-report", action="store_true",
                        help="skip the HTML report (report.html, report.xlsx, tables/)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_plugin_option(parser)
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)


def _add_execution_options(parser: argparse.ArgumentParser) -> None:
    """Where and how a batch runs: local processes or Dask, and resuming."""
    parser.add_argument("--workers", type=int, help="local processes (default: all cores); "
                        "with --dask local, the cluster's workers")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on an existing Dask cluster")
    parser.add_argument("--dask", choices=("local",),
                        help="start a local Dask cluster for this run")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run from the chunks kept in "
                             "<out>.partial/ (same command and --out)")


def _add_plugin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="import a Python module or .py file first (e.g. one that "
                             "registers your own policy); repeatable")


def import_plugins(names: list[str]) -> None:
    """Import the user's modules (dotted names or .py files) so their policies register."""
    import importlib
    import importlib.util

    for name in names:
        try:
            if name.endswith(".py"):
                path = Path(name)
                if not path.is_file():
                    raise Refused(f"--plugin {name}: no such file")
                spec = importlib.util.spec_from_file_location(path.stem, path)
                assert spec is not None and spec.loader is not None
                module = importlib.util.module_from_spec(spec)
                sys.modules[path.stem] = module
                spec.loader.exec_module(module)
            else:
                if "" not in sys.path:
                    sys.path.insert(0, "")
                importlib.import_module(name)
        except Refused:
            raise
        except Exception as err:  # noqa: BLE001 - the user's module: say what went wrong
            raise Refused(f"--plugin {name}: {type(err).__name__}: {err}") from None
        from simulator import policies

        policies.note_plugin(name)


def _load(path: str) -> Scenario:
    from simulator.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as err:
        raise Refused(str(err)) from None


def cmd_validate(args: argparse.Namespace) -> int:
    """`capsim validate PATH`: say the file is valid and summarise it, or what is wrong."""
    from simulator.scenario.summary import describe

    import_plugins(args.plugin)
    scenario = _load(args.scenario)
    print(f"{args.scenario}: valid.")
    print(describe(scenario))
    return EXIT_OK


def _checked_counts(args: argparse.Namespace) -> None:
    from simulator.scenario.limits import MAX_REPLICATIONS

    if args.replications is not None and not 1 <= args.replications <= MAX_REPLICATIONS:
        raise Refused(f"--replications must be between 1 and {MAX_REPLICATIONS:,} "
                      f"(not {args.replications:,})")
    if args.seed is not None and args.seed < 0:
        raise Refused(f"--seed must be a whole number >= 0, not {args.seed}")


def _batch_kwargs(args: argparse.Namespace, out: Path, backend: Backend) -> dict:
    return {"backend": backend, "events": args.events, "out": out, "resume": args.resume,
            "charts": not args.no_charts, "report": not args.no_report,
            "progress": not args.no_progress and sys.stderr.isatty()}


def cmd_report(args: argparse.Namespace) -> int:
    """`capsim report RESULTS_DIR`: (re)write report.html, report.xlsx and tables/. A
    folder that is not a results folder, or has a missing or damaged file, is refused by
    that file's name (and the report, written all or nothing, is left as it was)."""
    from simulator.report import write_report
    from simulator.results import DamagedResults

    try:
        path = write_report(Path(args.results))
    except DamagedResults as err:
        raise Refused(str(err)) from None
    print(f"report: {path}")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """`capsim run [PATH]`: run, write the results folder, print a short summary."""
    import_plugins(args.plugin)
    scenario = _load(args.scenario)
    stages = None
    if args.stages is not None:
        stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    _checked_counts(args)
    from simulator.experiments.runner import configure
    from simulator.pipeline import run

    try:
        scenario = configure(scenario, replications=args.replications, seed=args.seed,
                             stages=stages)
    except ValueError as err:
        raise Refused(str(err)) from None
    out = _out_dir(args, scenario.scenario.name)
    started = time.perf_counter()
    with _backend(args) as backend:
        result = _interruptible(lambda: run(scenario, **_batch_kwargs(args, out, backend)))
    with _results_complete(out):
        print_summary(result, out, time.perf_counter() - started)
    return EXIT_OK


def cmd_backcast(args: argparse.Namespace) -> int:
    """`capsim backcast`: the model's 10–90% band beside each observation, hit or miss
    (exit 0 whatever the hits)."""
    from simulator.analysis.labels import start_date
    from simulator.backcast import (
        DEFAULT_OBSERVATIONS,
        DEFAULT_REPLICATIONS,
        prepare,
        run_backcast,
    )
    from simulator.display import backcast_words
    from simulator.scenario import ScenarioError
    from simulator.validation import ObservationsRefused

    _checked_counts(argparse.Namespace(replications=args.replications, seed=None))
    if args.workers is not None and args.workers < 1:
        raise Refused("--workers must be at least 1")
    try:
        observations, scenario = prepare(args.observations or DEFAULT_OBSERVATIONS)
    except (ObservationsRefused, ScenarioError) as err:
        raise Refused(str(err)) from None
    out = _out_dir(argparse.Namespace(out=args.out, resume=False), "backcast") \
        if args.out is not None else None
    started = time.perf_counter()
    found = _interruptible(lambda: run_backcast(
        observations, scenario, replications=args.replications or DEFAULT_REPLICATIONS,
        workers=args.workers, out=out))
    meta = found.result.meta
    table = found.table
    start = start_date(found.result)
    assert start is not None
    console_print(f"Back-cast of '{meta['scenario']}' against {observations.path}: "
                  f"{meta['replications']} replications (seed {meta['seed']}) in "
                  f"{time.perf_counter() - started:.1f} s")
    if out is not None:
        console_print(f"results: {out}")
    console_print(_rich_table(backcast_words(table, start),
                              "The model's 10-90% band beside each observation"))
    hits, n = int(table["hit"].sum()), len(table)
    console_print(f"{hits} of {n} observations inside the model's 10-90% band (a model "
                  f"that is right puts about 80% of observations inside: {0.8 * n:.1f}).")
    skipped = observations.content.not_comparable
    if skipped:
        console_print(f"Not comparable ({len(skipped)}; the reasons are in "
                      f"{observations.path}): {', '.join(item.id for item in skipped)}.")
    console_print("Vehicle output is an input of the scenario (demand follows the output "
                  "forecast), never a result: agreeing with it would prove nothing.")
    return EXIT_OK


def cmd_stages(args: argparse.Namespace) -> int:
    """`capsim stages [PATH]`: what each stage adds, with common random numbers."""
    from simulator.display import stage_gains_table, variant_outcomes_table
    from simulator.experiments.runner import configure
    from simulator.experiments.studies import stage_variants
    from simulator.pipeline import run_stages

    import_plugins(args.plugin)
    _checked_counts(args)
    scenario = configure(_load(args.scenario), replications=args.replications, seed=args.seed)
    try:
        stage_variants(scenario, shapley=args.shapley)
    except ValueError as err:
        raise Refused(str(err)) from None
    out = _out_dir(args, f"{scenario.scenario.name}-stages")
    started = time.perf_counter()
    with _backend(args) as backend:
        result = _interruptible(lambda: run_stages(
            scenario, shapley=args.shapley, **_batch_kwargs(args, out, backend)))
    with _results_complete(out):
        _print_batch(result, out, time.perf_counter() - started,
                     variant_outcomes_table(result),
                     "When the overall shortfall is closed with each set of stages")
        console_print(_rich_table(stage_gains_table(result),
                                  "What each added stage gains (overall row 'all' weighs "
                                  "components by value; positive months = closed earlier)"))
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    """`capsim compare A.yaml B.yaml ...`: scenarios side by side, paired with the first."""
    from simulator.display import compare_table
    from simulator.experiments.studies import compare_variants
    from simulator.pipeline import run_compare

    import_plugins(args.plugin)
    _checked_counts(args)
    scenarios = [_load(path) for path in args.scenarios]
    try:
        compare_variants(scenarios, seed=args.seed, replications=args.replications)
    except ValueError as err:
        raise Refused(str(err)) from None
    out = _out_dir(args, "compare-" + "-vs-".join(Path(p).stem for p in args.scenarios[:3]))
    started = time.perf_counter()
    with _backend(args) as backend:
        result = _interruptible(lambda: run_compare(
            scenarios, seed=args.seed, replications=args.replications,
            **_batch_kwargs(args, out, backend)))
    with _results_complete(out):
        _print_batch(result, out, time.perf_counter() - started, compare_table(result),
                     f"Scenarios compared with '{result.variants()[0]}' (same random numbers)")
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    """`capsim sweep EXPERIMENT.yaml`: one batch over the experiment's points."""
    from simulator.display import sweep_table
    from simulator.pipeline import run_sweep
    from simulator.scenario import ScenarioError

    import_plugins(args.plugin)
    _checked_counts(args)
    if args.seed is not None:
        raise Refused("sweep: set the seed in the experiment file (`seed:`)")
    try:
        from simulator.experiments.sweep import load_experiment

        experiment = load_experiment(args.experiment)
    except ScenarioError as err:
        raise Refused(str(err)) from None
    out = _out_dir(args, f"sweep-{Path(args.experiment).stem}")
    started = time.perf_counter()
    kwargs = _batch_kwargs(args, out, backend=None)  # type: ignore[arg-type]
    with _backend(args) as backend:
        kwargs["backend"] = backend
        if args.replications is not None:
            kwargs["replications"] = args.replications
        result = _interruptible(lambda: run_sweep(args.experiment, **kwargs))
    with _results_complete(out):
        _print_batch(result, out, time.perf_counter() - started, sweep_table(result),
                     f"Sweep '{experiment.name}': {len(experiment.points)} points")
    return EXIT_OK


def _print_batch(result: RunResult, folder: Path, elapsed: float, table: pd.DataFrame,
                 title: str) -> None:
    """Where a batch's results went and its answer as a table."""
    from rich.console import Console

    meta = result.meta
    console = Console(highlight=False)
    console.print(f"{len(result.variants())} variants × {meta['replications']} replications "
                  f"(seed {meta['seed']}) in {elapsed:.1f} s", markup=False)
    console.print(f"results: {folder}", markup=False)
    console.print(_rich_table(table, title))


def console_print(renderable: object) -> None:
    """Print a rich renderable to standard output (a string as written, never as markup)."""
    from rich.console import Console

    Console(highlight=False).print(renderable, markup=False)


def _rich_table(frame: pd.DataFrame, title: str | None = None) -> Table:
    """`frame` as a rich table. Every text is shown as written, never read as markup (ids
    such as `suppliers[cn_cnc]` are data). When printed, the columns are fitted to the
    console so that lines wrap only between words, headers first, and no id is cut
    (`printing.column_widths`). `frame.attrs` may give shorter `console_headers` and a
    `console_caption` printed under the table."""
    from rich.cells import cell_len
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.table import Table
    from rich.text import Text

    from simulator.display import column_widths

    short = frame.attrs.get("console_headers", {})
    headers = [str(short.get(col, col)) for col in frame.columns]
    rows = [[str(v) for v in row] for row in frame.itertuples(index=False)]
    columns = [[header, *(row[i] for row in rows)] for i, header in enumerate(headers)]

    class FittedTable(Table):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            room = options.max_width - 3 * len(headers) - 1  # borders and one space a side
            for column, width in zip(self.columns, column_widths(columns, room, cell_len),
                                     strict=True):
                column.width = width
            return super().__rich_console__(console, options)

    caption = frame.attrs.get("console_caption")
    table = FittedTable(title=Text(title, "table.title") if title else None,
                        title_justify="left", caption_justify="left",
                        caption=Text(caption, "table.caption") if caption else None)
    for header in headers:
        table.add_column(Text(header), overflow="fold")  # fold only if words cannot fit
    for row in rows:
        table.add_row(*map(Text, row))
    return table


def _out_dir(args: argparse.Namespace, name: str) -> Path:
    """The results folder: --out or results/<name>/<timestamp>/, checked before anything
    runs (`simulator.folders.usable_out_dir`): never one with results, one another run is
    using, or one that could not receive them."""
    from simulator.folders import FolderInUse, UnusableFolder, lock_holder, usable_out_dir

    if args.resume and args.out is None:
        raise Refused("--resume needs the --out folder of the interrupted run")
    try:
        out = usable_out_dir(args.out or default_out_dir(name))
    except UnusableFolder as err:
        raise Refused(str(err)) from None
    partial = Path(f"{out}.partial")
    if partial.exists():
        holder = lock_holder(partial)
        if holder is not None:
            raise Refused(str(FolderInUse(partial, holder)))
        if not args.resume:
            raise Refused(f"{partial} holds an interrupted run: add --resume to continue it, "
                          "or remove that folder to start again")
    return out


@contextmanager
def _backend(args: argparse.Namespace) -> Iterator[Backend]:
    """The execution backend the options ask for, closed at the end."""
    from simulator.experiments.backends import make_backend

    if args.workers is not None and args.workers < 1:
        raise Refused("--workers must be at least 1")
    if args.scheduler and args.dask:
        raise Refused("give either --scheduler (an existing cluster) or --dask local, not both")
    if args.scheduler:
        from simulator.experiments.dask_backend import check_scheduler_address

        try:  # at once: distributed takes a minute to refuse a malformed address
            check_scheduler_address(args.scheduler)
        except ValueError as err:
            raise Refused(f"--scheduler: {err}") from None
    try:
        backend = make_backend(args.workers, scheduler=args.scheduler,
                               dask_local=args.dask == "local", plugins=args.plugin)
    except (OSError, TimeoutError, ConnectionError) as err:
        raise Refused(str(err)) from None
    try:
        yield backend
    finally:
        backend.close()


def _interruptible(work: Callable[[], T]) -> T:
    """Run a batch; Ctrl-C or SIGTERM stop it cleanly and a failure is one message, both
    keeping the finished chunks (the message says where and how to continue)."""
    from simulator.experiments.store import StoreMismatch
    from simulator.folders import FolderInUse
    from simulator.pipeline import BatchFailed, BatchInterrupted

    try:
        return work()
    except BatchInterrupted as err:
        raise Failed(str(err)) from None
    except BatchFailed as err:
        raise Failed(f"error: {err}") from None
    except (StoreMismatch, FolderInUse) as err:
        raise Refused(str(err)) from None


def default_out_dir(name: str) -> Path:
    """results/<scenario-name>/<timestamp>/ (a suffix is added if that exists already)."""
    from simulator.folders import safe_name

    safe = safe_name(name)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path("results") / safe / stamp
    k = 2
    while out.exists():
        out = Path("results") / safe / f"{stamp}-{k}"
        k += 1
    return out


@contextmanager
def _results_complete(folder: Path) -> Iterator[None]:
    """Around the printing after a run: the results folder is complete by then, so a
    Ctrl-C here says so (not "nothing was written")."""
    try:
        yield
    except KeyboardInterrupt:
        raise Failed(f"interrupted while printing; the results are complete in {folder}"
                     ) from None


def print_summary(result: RunResult, folder: Path, elapsed: float) -> None:
    """Where the results went and the short summary table."""
    from rich.console import Console

    from simulator.analysis.summary import economics_table, summary_table, threshold_sentence

    meta = result.meta
    console = Console(highlight=False)
    console.print(f"{meta['replications']} replications of '{meta['scenario']}' "
                  f"(seed {meta['seed']}, stages: {', '.join(meta['stages']) or 'none'}) "
                  f"in {elapsed:.1f} s", markup=False)
    console.print(f"results: {folder}", markup=False)
    console.print(_rich_table(summary_table(result.summary)))
    sentence = threshold_sentence(result.summary)
    if sentence:
        console.print(sentence, markup=False)
    economics = economics_table(result.summary)
    if economics is not None:
        console.print(_rich_table(economics))
    for warning in result.summary.get("warnings", []):
        console.print(f"warning: {warning}", markup=False)


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "stages": cmd_stages,
            "backcast": cmd_backcast,
            "compare": cmd_compare, "sweep": cmd_sweep, "report": cmd_report,
            "sensitivity": cmd_sensitivity, "discover": cmd_discover}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    from simulator.lifeline import stop_signals_interrupt

    args = _parser().parse_args(argv)
    try:
        with stop_signals_interrupt():  # SIGTERM acts as Ctrl-C in every phase
            return COMMANDS[args.command](args)
    except Refused as err:
        print(f"capsim: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except Failed as err:
        print(f"capsim: {err}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("capsim: interrupted; nothing was written", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # the reader of our output went away (`capsim validate x | head -1`): not an error;
        # point stdout at devnull so the interpreter's final flush stays quiet
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - the one place that turns errors into messages
        if args.debug:
            traceback.print_exc()
        print(f"capsim: error: {type(err).__name__}: {err}"
              + ("" if args.debug else " (run with --debug for details)"), file=sys.stderr)
        return EXIT_FAILED
    finally:
        from simulator import policies

        policies.forget_plugins()  # they belong to this command, not to later runs


if __name__ == "__main__":
    sys.exit(main())
