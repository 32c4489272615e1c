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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from simulator.experiments.backends import Backend
    from simulator.results import RunResult
    from simulator.scenario import Scenario

T = TypeVar("T")

DEFAULT_SCENARIO = "scenarios/baseline.yaml"
EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


class Refused(Exception):
    """Input the command cannot accept (exit status 2)."""


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
    run.add_argument("--replications", "-n", type=int, help="number of replications")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument("--out", type=Path, help="results folder (default: "
                     "results/<scenario-name>/<timestamp>/)")
    run.add_argument("--stages", help="comma-separated stages to enable, e.g. "
                     "sharing,procurement (default: as in the scenario)")
    _add_execution_options(run)
    run.add_argument("--events", choices=("milestones", "all"), default="milestones",
                     help="'all' also logs line failures and repairs (large)")
    run.add_argument("--no-charts", action="store_true", help="skip drawing charts")
    _add_plugin_option(run)
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                     help=argparse.SUPPRESS)

    validate = sub.add_parser("validate", help="check a scenario file and summarise it")
    validate.add_argument("scenario", help="scenario file")
    _add_plugin_option(validate)
    validate.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help=argparse.SUPPRESS)
    return parser


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


def cmd_run(args: argparse.Namespace) -> int:
    """`capsim run [PATH]`: run, write the results folder, print a short summary."""
    import_plugins(args.plugin)
    scenario = _load(args.scenario)
    stages = None
    if args.stages is not None:
        stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    if args.replications is not None and args.replications < 1:
        raise Refused("--replications must be at least 1")
    if args.workers is not None and args.workers < 1:
        raise Refused("--workers must be at least 1")
    from simulator.experiments.runner import configure, run

    try:
        scenario = configure(scenario, replications=args.replications, seed=args.seed,
                             stages=stages)
    except ValueError as err:
        raise Refused(str(err)) from None
    out = _out_dir(args, scenario.scenario.name)
    started = time.perf_counter()
    with _backend(args) as backend:
        result = _interruptible(lambda: run(
            scenario, backend=backend, events=args.events, out=out, resume=args.resume,
            charts=not args.no_charts, progress=not args.no_progress and sys.stderr.isatty()))
    elapsed = time.perf_counter() - started
    print_summary(result, out, elapsed)
    return EXIT_OK


def _out_dir(args: argparse.Namespace, name: str) -> Path:
    """The results folder: --out or results/<name>/<timestamp>/; never one with results."""
    if args.resume and args.out is None:
        raise Refused("--resume needs the --out folder of the interrupted run")
    out: Path = args.out or default_out_dir(name)
    if out.exists() and any(out.iterdir()):
        raise Refused(f"--out {out}: folder exists and is not empty")
    partial = Path(f"{out}.partial")
    if partial.exists() and not args.resume:
        raise Refused(f"{partial} holds an interrupted run: add --resume to continue it, "
                      "or remove that folder to start again")
    return out


@contextmanager
def _backend(args: argparse.Namespace) -> Iterator[Backend]:
    """The execution backend the options ask for, closed at the end."""
    from simulator.experiments.backends import make_backend

    if args.workers is not None and args.workers < 1:
        raise Refused("--workers must be at least 1")
    try:
        backend = make_backend(args.workers, scheduler=args.scheduler,
                               dask_local=args.dask == "local")
    except (OSError, TimeoutError, ConnectionError) as err:
        raise Refused(f"cannot reach the Dask scheduler: {err}") from None
    try:
        yield backend
    finally:
        backend.close()


def _interruptible(work: Callable[[], T]) -> T:
    """Run a batch; Ctrl-C or SIGTERM stop it cleanly (finished chunks are kept)."""
    from simulator.experiments.batch import BatchInterrupted
    from simulator.experiments.store import StoreMismatch

    try:
        return work()
    except BatchInterrupted as err:
        print(f"capsim: {err}", file=sys.stderr)
        raise SystemExit(EXIT_FAILED) from None
    except StoreMismatch as err:
        raise Refused(str(err)) from None


def default_out_dir(name: str) -> Path:
    """results/<scenario-name>/<timestamp>/ (a suffix is added if that exists already)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "scenario"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path("results") / safe / stamp
    k = 2
    while out.exists():
        out = Path("results") / safe / f"{stamp}-{k}"
        k += 1
    return out


def print_summary(result: RunResult, folder: Path, elapsed: float) -> None:
    """Where the results went and the short summary table."""
    from rich.console import Console
    from rich.table import Table

    from simulator.summary import summary_table

    meta = result.meta
    console = Console(highlight=False)
    console.print(f"{meta['replications']} replications of '{meta['scenario']}' "
                  f"(seed {meta['seed']}, stages: {', '.join(meta['stages']) or 'none'}) "
                  f"in {elapsed:.1f} s")
    console.print(f"results: {folder}")
    frame = summary_table(result.summary)
    table = Table(show_lines=False)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)
    for warning in result.summary.get("warnings", []):
        console.print(f"warning: {warning}")


COMMANDS = {"run": cmd_run, "validate": cmd_validate}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except Refused as err:
        print(f"capsim: {err}", file=sys.stderr)
        return EXIT_REFUSED
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


if __name__ == "__main__":
    sys.exit(main())
