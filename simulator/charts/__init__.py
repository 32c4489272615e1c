"""Charts of a run: one function per chart, each returning a matplotlib `Figure`.

Chart functions take analysis tables (`RunResult.analysis`, made by `simulator.analysis`)
and labels, compute nothing themselves, and their docstrings state the question each
answers. `save_figure` writes a PNG and an SVG; `draw_run_charts` writes the standard set
of an analysed `RunResult` (of one variant), `draw_batch_charts` a batch's comparison
charts and the run charts of its reference variant. Figures are built without pyplot; the
Agg backend is selected here unless pyplot was already imported (an interactive session
keeps its own).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib
import pandas as pd

from simulator.analysis.common import ALL
from simulator.analysis.labels import (
    component_labels,
    component_order,
    family_names,
    horizon,
    supplier_names,
    variant_names,
)
from simulator.lifeline import check_stop, signals_blocked
from simulator.results import release_memory

if "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from simulator.charts.assembly import vehicles_by_family, vehicles_supportable  # noqa: E402
from simulator.charts.close_dates import close_date_distribution  # noqa: E402
from simulator.charts.economic_value import economic_value_chart  # noqa: E402
from simulator.charts.heatmap import shortfall_heatmap  # noqa: E402
from simulator.charts.held_back import what_holds_it_back  # noqa: E402
from simulator.charts.money import cost_per_unit_chart, money_by_year  # noqa: E402
from simulator.charts.procurement import line_names, procurement_timeline  # noqa: E402
from simulator.charts.shortfall import (  # noqa: E402
    shortfall_by_stage,
    shortfall_small_multiples,
)
from simulator.charts.stage_speed import stage_speed_chart  # noqa: E402
from simulator.charts.style import chart_style  # noqa: E402

if TYPE_CHECKING:
    from simulator.results import RunResult

__all__ = [
    "CHART_CAPTIONS",
    "close_date_distribution",
    "cost_per_unit_chart",
    "draw_batch_charts",
    "draw_run_charts",
    "economic_value_chart",
    "money_by_year",
    "procurement_timeline",
    "save_figure",
    "shortfall_by_stage",
    "shortfall_heatmap",
    "shortfall_small_multiples",
    "stage_speed_chart",
    "vehicles_by_family",
    "vehicles_supportable",
    "what_holds_it_back",
]

PNG_DPI = 150
RUN_CHARTS = ("shortfall_overall", "shortfall_by_component", "close_dates", "stage_speed",
              "procurement_timeline", "money", "cost_per_unit", "economic_value",
              "shortfall_heatmap", "held_back", "vehicles")
"""The standard charts of a run, in report order (``vehicles`` only where the scenario
gives `units_per_vehicle`, so the result has an ``assembly`` table; ``economic_value``
only where it has `economics`)."""

CHART_CAPTIONS: dict[str, str] = {
    "shortfall_overall": (
        "The overall gap (value-weighted) month by month, and the share of it served by "
        "sharing, new machines and new plants and still missing, all simulated futures "
        "pooled, with the 10–90% range of the share still missing."),
    "shortfall_by_component": (
        "The same shares component by component: what share of each component's gap each "
        "stage serves over time, and what share is still missing."),
    "close_dates": (
        "For each component, the share of simulated futures in which its shortfall is "
        "closed by each date, and the share never closed by the end of the run."),
    "stage_speed": (
        "Each stage's share of each year's gap, and when each stage first reaches half and "
        "90% of its peak rate: how fast each stage closes the shortfall."),
    "procurement_timeline": (
        "The machine orders of one typical simulated future, phase by phase: approval, "
        "queueing at the supplier, building, shipping and installing, with blocked and "
        "lapsed orders marked."),
    "money": (
        "Per year and paying stage, the money released (budget and tranches) against the "
        "capex committed and spent, averaged over simulated futures."),
    "cost_per_unit": (
        "What a unit of yearly capacity costs per component when bought as new machines "
        "and when built as new plants (capex spent over capacity added by the end)."),
    "economic_value": (
        "Per stage, the economic NPV of import substitution at the stated real rate with "
        "its 95% confidence interval, and the IRR and payback where they are defined."),
    "shortfall_heatmap": (
        "The share of each component's gap still missing, year by year, all simulated "
        "futures pooled: where and until when the shortfall bites."),
    "held_back": (
        "What holds the stages back: days without money, plant building paused, money left "
        "unspent, waits for supplier slots and orders blocked or lapsed, so the most "
        "useful lever stands out."),
    "vehicles": (
        "How many vehicles a year the components' supply supports over time, and which "
        "component limits output in what share of simulated futures (per vehicle family "
        "and in all, where the scenario has families)."),
    "close_dates_compared": (
        "For each variant, the share of simulated futures in which the overall shortfall "
        "is closed by each date."),
    "shortfall_compared": (
        "The overall shortfall month by month under each variant: the typical path with "
        "its 10–90% range."),
    "survival_by_component": (
        "For each component and each variant, the share of simulated futures in which the "
        "shortfall is closed by each date."),
    "stage_gains": (
        "How many months earlier each added stage closes the shortfall on average within "
        "the horizon (a future that never closes counts as closing at the end), with 95% "
        "confidence intervals from paired futures with common random numbers; where "
        "nothing changes, the reason in words."),
}
"""One plain sentence per chart stem (of `draw_run_charts` and `draw_batch_charts`), for
reports."""


def save_figure(fig: Figure, folder: Path | str, stem: str) -> list[Path]:
    """Write `fig` as ``<folder>/<stem>.png`` (150 dpi) and ``.svg``; return both paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    with chart_style():
        fig.savefig(png, dpi=PNG_DPI)
        # the layout found for the PNG holds for the SVG (it is in figure fractions), so it
        # is kept rather than worked out again: a third less time for the SVG
        engine = fig.get_layout_engine()
        if engine is not None:
            fig.set_layout_engine("none")
        try:
            fig.savefig(svg, metadata={"Date": None})  # no timestamp: same chart, same file
        finally:
            if engine is not None:
                fig.set_layout_engine(engine)
    return [png, svg]


def draw_run_charts(result: RunResult, folder: Path | str, *, variant: str | None = None,
                    workers: int | None = None) -> list[Path]:
    """Write the standard charts of an analysed run to `folder` (PNG and SVG each; stems as
    in `RUN_CHARTS`, ``vehicles`` only where the run has an assembly table, ``money`` and
    the yearly charts where it has yearly tables); return the paths, in `RUN_CHARTS` order.
    A batch of several variants gets `draw_batch_charts` unless `variant` names the one to
    draw. Only `result.analysis` tables are read.

    `workers` processes draw the charts side by side (default: one per core, at most
    `MAX_CHART_WORKERS`; 1 draws them all in this process)."""
    if len(result.variants()) > 1 and variant is None:
        return draw_batch_charts(result, folder, workers=workers)
    drawers = _run_drawers(result, variant)
    stems = [stem for stem in RUN_CHARTS if stem in drawers]
    return _draw_charts(drawers, stems, Path(folder), workers)


def _run_drawers(result: RunResult, variant: str | None) -> dict[str, Callable[[], Figure]]:
    """The run charts of one variant that its tables allow, by stem: each a call that
    draws the figure."""
    table = _analysis_rows(result, variant)
    start, end = horizon(result)
    names, units = component_labels(result)
    currency = units.get(ALL)
    bands = table("shortfall_bands")
    components = [c for c in component_order(result)
                  if c != ALL and c in set(bands["component"].astype(str))]
    shares = table("gap_shares")
    drawers = {
        "shortfall_overall": lambda: shortfall_by_stage(bands, component=ALL,
                                                        unit=units.get(ALL)),
        "shortfall_by_component": lambda: shortfall_small_multiples(
            bands, components, names=names, units=units),
        "close_dates": lambda: close_date_distribution(
            table("close_times"), table("survival"), end_date=end, start_date=start,
            names=names),
        "cost_per_unit": lambda: cost_per_unit_chart(
            table("cost_per_unit"), names=names, units=units, currency=currency,
            order=components),
        "held_back": lambda: what_holds_it_back(
            table("budget_held_back"), table("supplier_waits"), table("component_waits"),
            currency=currency, run_days=(end - start).days + 1,
            supplier_names=supplier_names(result.scenario_dict), component_names=names),
    }
    if len(table("procurement_representative")):
        drawers["procurement_timeline"] = lambda: procurement_timeline(
            table("procurement_orders"), table("procurement_setbacks"),
            table("procurement_representative"), start_date=start, end_date=end,
            line_names=line_names(result.scenario_dict))
    if len(shares):
        drawers["stage_speed"] = lambda: stage_speed_chart(
            shares, table("stage_speed"), start_date=start, end_date=end)
        drawers["shortfall_heatmap"] = lambda: shortfall_heatmap(
            shares, names=names, start_date=start, end_date=end)
    if len(table("money_by_year")):
        drawers["money"] = lambda: money_by_year(
            table("money_by_year"), currency=currency, start_date=start, end_date=end)
    if len(table("economic_value")):
        drawers["economic_value"] = lambda: economic_value_chart(
            table("economic_value"), currency=currency)
    if len(table("vehicles")) and "family" in table("vehicles"):
        drawers["vehicles"] = lambda: vehicles_by_family(
            table("vehicles"), table("binding_components"), names=names,
            family_names=family_names(result.scenario_dict))
    elif len(table("vehicles")):
        drawers["vehicles"] = lambda: vehicles_supportable(
            table("vehicles"), table("binding_components"), names=names)
    return drawers


def _analysis_rows(result: RunResult, variant: str | None) -> Callable[[str], pd.DataFrame]:
    """A reader of one variant's rows of an analysis table (without the `variant` column;
    empty where the run has no such table)."""
    chosen = variant if variant is not None else next(iter(result.variants()), None)

    def table(name: str) -> pd.DataFrame:
        frame = result.analysis.get(name)
        if frame is None:
            return pd.DataFrame()
        if "variant" in frame:
            if chosen is not None and frame["variant"].nunique() > 1:
                frame = frame[frame["variant"].astype(str) == chosen]
            frame = frame.drop(columns="variant")
        return frame.reset_index(drop=True)

    return table


# How long each chart takes to draw and save, roughly (1: most charts; measured on the
# default scenario), so that the charts can be shared out evenly between the processes.
_DRAW_COST = {"shortfall_by_component": 4.5, "close_dates": 3.1, "procurement_timeline": 2.4,
              "held_back": 2.5, "survival_by_component": 2.1, "stage_gains": 1.1,
              "close_dates_compared": 0.7, "shortfall_compared": 0.7}
MAX_CHART_WORKERS = 4
_JOBS: dict[str, Callable[[], Figure]] = {}


def _draw_charts(drawers: dict[str, Callable[[], Figure]], stems: list[str], folder: Path,
                 workers: int | None) -> list[Path]:
    """Draw and save the charts `stems`; return their paths in order. With more than one
    core the charts are shared out between processes forked from this one, one per core,
    each drawing its share in turn and exiting (the figures are independent and read only
    the small analysis tables, which the children share with this process). Charts whose
    process fails (an error, out of memory) are drawn here afterwards, where an error is
    raised as usual."""
    n = _chart_workers(workers, len(stems))
    drawn = _draw_in_forks(drawers, stems, folder, n) if n > 1 else set()
    for stem in stems:
        if stem not in drawn:
            save_figure(drawers[stem](), folder, stem)
            release_memory()
            check_stop()
    return [folder / f"{stem}.{kind}" for stem in stems for kind in ("png", "svg")]


def share_out(stems: list[str], n: int) -> list[list[str]]:
    """The charts in `n` shares of about equal drawing time (the slowest first, each to the
    lightest share so far)."""
    shares: list[list[str]] = [[] for _ in range(n)]
    loads = [0.0] * n
    for stem in sorted(stems, key=lambda s: -_DRAW_COST.get(s, 1.0)):
        k = loads.index(min(loads))
        shares[k].append(stem)
        loads[k] += _DRAW_COST.get(stem, 1.0)
    return [share for share in shares if share]


def _draw_in_forks(drawers: dict[str, Callable[[], Figure]], stems: list[str], folder: Path,
                   n: int) -> set[str]:
    """Draw the charts in `n` forked processes, each its share; return the stems drawn and
    saved (a process that failed has its whole share drawn again by the caller)."""
    import multiprocessing
    from multiprocessing.connection import wait

    global _JOBS
    context = multiprocessing.get_context("fork")
    running: dict[int, tuple[list[str], Any]] = {}  # sentinel: (stems, process)
    drawn: set[str] = set()
    _JOBS = drawers  # read by the forked processes
    try:
        for share in share_out(stems, n):
            process = context.Process(target=_draw_job, args=(share, folder, os.getpid()),
                                      daemon=True)
            with signals_blocked():
                process.start()
            running[process.sentinel] = (share, process)
        while running:
            for sentinel in wait(list(running)):
                share, process = running.pop(cast(int, sentinel))
                process.join()
                if process.exitcode == 0:
                    drawn.update(share)
            check_stop()  # a stop whose exception a fork hook swallowed
    finally:
        _JOBS = {}
        for _share, child in running.values():  # interrupted: stop the others
            child.terminate()
            child.join()
    return drawn


def _draw_job(stems: list[str], folder: Path, parent: int) -> None:
    """In a forked process: draw the charts `stems` of `_JOBS` and save them; any failure
    only sets the exit code (the parent draws them again and reports the error itself)."""
    from simulator.lifeline import child_setup

    child_setup(parent)  # dies with the parent; the parent's terminate() ends it at once
    try:
        for stem in stems:
            save_figure(_JOBS[stem](), folder, stem)
    except BaseException:
        os._exit(1)


def _chart_workers(workers: int | None, n_charts: int) -> int:
    """How many processes draw the charts: `workers` if given, else one per core (at most
    `MAX_CHART_WORKERS`); 1 where processes cannot be forked (Windows) or from a daemon
    process (a pool's worker may not start processes)."""
    from simulator.forked import can_fork

    if not can_fork():
        return 1
    if workers is not None:
        return max(1, min(workers, n_charts))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_CHART_WORKERS, n_charts))


BATCH_CHARTS = ("close_dates_compared", "shortfall_compared", "survival_by_component",
                "stage_gains")


def draw_batch_charts(result: RunResult, folder: Path | str, *,
                      workers: int | None = None) -> list[Path]:
    """Write a batch's charts: when the overall shortfall closes and how much is missing
    month by month under every variant, the share of futures closed by date per component
    and variant, (for stage attribution) what each added stage gains — and the run charts
    of `charted_variant`, so that the report of a comparison carries them too. All of
    them are shared out between `workers` processes, as in `draw_run_charts`."""
    from simulator.charts.compare import (
        close_dates_compared,
        shortfall_paths_compared,
        stage_gains_chart,
        survival_small_multiples,
    )

    start, end = horizon(result)
    names, units = component_labels(result)
    analysis = result.analysis
    survival = analysis["survival"]
    bands = analysis["shortfall_bands"]
    labels = variant_names(result)
    drawers: dict[str, Callable[[], Figure]] = {
        "close_dates_compared": lambda: close_dates_compared(
            survival, end_date=end, start_date=start, component=ALL, names=labels),
        "shortfall_compared": lambda: shortfall_paths_compared(
            bands[bands["component"].astype(str) == ALL], unit=units.get(ALL),
            names=labels),
        "survival_by_component": lambda: survival_small_multiples(
            survival, names=names, variant_labels=labels),
    }
    if "stage_gains" in analysis:
        drawers["stage_gains"] = lambda: stage_gains_chart(analysis["stage_gains"],
                                                           names=names)
    run = _run_drawers(result, charted_variant(result))
    stems = [*drawers, *(stem for stem in RUN_CHARTS if stem in run)]
    return _draw_charts(drawers | run, stems, Path(folder), workers)


def charted_variant(result: RunResult) -> str:
    """The variant whose run charts a batch's report carries: the whole plan (all stages)
    for stage attribution, else the reference the others are compared with."""
    from simulator.analysis.analyse import study_of

    study = study_of(result)
    variants = result.variants()
    if study["kind"] == "stages":
        full = [v for v in variants if set(v.split("+")) == {"sharing", "procurement",
                                                               "investment"}]
        if full:
            return full[0]
    reference = str(study.get("reference") or variants[0])
    return reference if reference in variants else variants[0]
