"""Charts of a run: one function per chart, each returning a matplotlib `Figure`.

Chart functions take prepared tables (and draw nothing they have to compute beyond light
reshaping; the aggregation lives in `simulator.summary`), and their docstrings state the
question each answers. `save_figure` writes a PNG and an SVG; `draw_run_charts` writes the
standard set for a `RunResult`. Figures are built without pyplot; the Agg backend is
selected here unless pyplot was already imported (an interactive session keeps its own).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib
import numpy as np
import pandas as pd

from simulator.lifeline import check_stop, signals_blocked
from simulator.results import release_memory

if "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from simulator.charts.assembly import vehicles_supportable  # noqa: E402
from simulator.charts.close_dates import close_date_distribution  # noqa: E402
from simulator.charts.heatmap import shortfall_heatmap  # noqa: E402
from simulator.charts.held_back import what_holds_it_back  # noqa: E402
from simulator.charts.money import cost_per_unit_chart, money_by_year  # noqa: E402
from simulator.charts.procurement import (  # noqa: E402
    procurement_timeline,
    representative_replication,
)
from simulator.charts.shortfall import (  # noqa: E402
    shortfall_by_stage,
    shortfall_small_multiples,
)
from simulator.charts.stage_speed import (  # noqa: E402
    stage_speed_chart,
    stage_speed_dates,
    yearly_gap_shares,
)
from simulator.charts.style import chart_style  # noqa: E402

if TYPE_CHECKING:
    from simulator.results import RunResult

__all__ = [
    "CHART_CAPTIONS",
    "close_date_distribution",
    "cost_per_unit_chart",
    "draw_batch_charts",
    "draw_run_charts",
    "money_by_year",
    "procurement_timeline",
    "representative_replication",
    "save_figure",
    "shortfall_by_stage",
    "shortfall_heatmap",
    "shortfall_small_multiples",
    "stage_speed_chart",
    "vehicles_supportable",
    "what_holds_it_back",
]

PNG_DPI = 150
_MONEY = re.compile(r"^(released|capex_(committed|spent))_\w+$")  # yearly money columns
RUN_CHARTS = ("shortfall_overall", "shortfall_by_component", "close_dates", "stage_speed",
              "procurement_timeline", "money", "cost_per_unit", "shortfall_heatmap",
              "held_back", "vehicles")
"""The standard charts of a run, in report order (``vehicles`` only where the scenario
gives `units_per_vehicle`, so the result has an ``assembly`` table)."""

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
    "shortfall_heatmap": (
        "The share of each component's gap still missing, year by year, all simulated "
        "futures pooled: where and until when the shortfall bites."),
    "held_back": (
        "What holds the stages back: days without money, plant building paused, money left "
        "unspent, waits for supplier slots and orders blocked or lapsed, so the most "
        "useful lever stands out."),
    "vehicles": (
        "How many vehicles a year the components' supply supports over time, and which "
        "component limits output in what share of simulated futures."),
    "close_dates_compared": (
        "For each variant, the share of simulated futures in which the overall shortfall "
        "is closed by each date."),
    "shortfall_compared": (
        "The overall shortfall month by month under each variant: the typical path with "
        "its 10–90% range."),
    "stage_gains": (
        "How many months earlier each added stage closes the shortfall, with 95% "
        "confidence intervals (paired futures with common random numbers)."),
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


def draw_run_charts(result: RunResult, folder: Path | str, *,
                    workers: int | None = None) -> list[Path]:
    """Write the standard charts of a run to `folder` (PNG and SVG each; stems as in
    `RUN_CHARTS`, ``vehicles`` only when the result has an ``assembly`` table); return the
    paths, in `RUN_CHARTS` order. A batch of several variants gets `draw_batch_charts`
    instead. Tables left on disk by a large run are read a part at a time.

    `workers` processes draw the charts side by side (default: one per core, at most
    `MAX_CHART_WORKERS`; 1 draws them all in this process)."""
    from simulator.summary import ALL, component_labels, component_order, horizon, month_bands

    if len(result.variants()) > 1:
        return draw_batch_charts(result, folder)
    start, end = horizon(result)
    names, units = component_labels(result)
    currency = units.get(ALL)
    in_kpis = set(result.kpis["component"].unique())
    components = [c for c in component_order(result) if c != ALL and c in in_kpis]

    def rows(component: str) -> pd.DataFrame:
        """One component's monthly bands, computed without a frame of its series rows."""
        release_memory()
        return month_bands(result, component)

    def procurement_chart() -> Figure:
        from simulator.charts.procurement import line_names

        replication = representative_replication(result.kpis)
        return procurement_timeline(
            _read(result, "events", ["time_days", "date", "kind", "stage", "entity"],
                  replication=replication),
            replication, start_date=start, end_date=end,
            ramp_days=_procurement_ramp_days(result),
            line_names=line_names(result.scenario_dict))

    yearly_columns = ["replication", "year", "component", "demand", "gap", "shortfall",
                      "served_sharing", "served_procurement", "served_investment"]
    drawers = {
        "shortfall_overall": lambda: shortfall_by_stage(
            rows, component=ALL, unit=units.get(ALL)
        ),
        "shortfall_by_component": lambda: shortfall_small_multiples(
            rows, components, names=names, units=units
        ),
        "close_dates": lambda: close_date_distribution(
            result.kpis, end_date=end, start_date=start, names=names
        ),
        "procurement_timeline": procurement_chart,
        "cost_per_unit": lambda: cost_per_unit_chart(
            result.kpis, names=names, units=units, currency=currency,
            order=components),
        "held_back": lambda: what_holds_it_back(
            result.kpis, _read(result, "suppliers"), currency=currency,
            run_days=(end - start).days + 1, supplier_names=_supplier_names(result)),
    }
    if result.has("yearly"):
        drawers["stage_speed"] = lambda: stage_speed_chart(
            yearly_gap_shares(_read(result, "yearly", yearly_columns, component=ALL)),
            stage_speed_dates(result.kpis, start), end_date=end)
        money_columns = ["replication", "year", "component",
                         *(c for c in result.columns("yearly") if _MONEY.match(c))]
        drawers["money"] = lambda: money_by_year(
            _read(result, "yearly", money_columns, component=ALL), currency=currency,
            start_date=start, end_date=end)
        drawers["shortfall_heatmap"] = lambda: shortfall_heatmap(
            _unmet_shares(result, yearly_columns), names=names, start_date=start,
            end_date=end)
    if result.has("assembly"):
        drawers["vehicles"] = lambda: _vehicles(result, names)
    stems = [stem for stem in RUN_CHARTS if stem in drawers]
    return _draw_charts(drawers, stems, Path(folder), workers)


# How long each chart takes to draw, roughly (1: most charts), so that in parallel the
# slowest start first and the workers finish together.
_DRAW_COST = {"shortfall_by_component": 5.0, "close_dates": 3.0, "procurement_timeline": 2.0,
              "held_back": 1.5}
MAX_CHART_WORKERS = 4
_JOBS: dict[str, Callable[[], Figure]] = {}


def _draw_charts(drawers: dict[str, Callable[[], Figure]], stems: list[str], folder: Path,
                 workers: int | None) -> list[Path]:
    """Draw and save the charts `stems`; return their paths in order. With more than one
    core each chart is drawn in a process of its own, forked from this one (the figures
    are independent; the child shares the result's tables with this process instead of
    copying them, and exits when its chart is saved, so what one chart allocates is never
    carried into the next). A chart whose process fails (an error, out of memory) is drawn
    here afterwards, where an error is raised as usual."""
    n = _chart_workers(workers, len(stems))
    drawn = _draw_in_forks(drawers, stems, folder, n) if n > 1 else set()
    for stem in stems:
        if stem not in drawn:
            save_figure(drawers[stem](), folder, stem)
            release_memory()
    return [folder / f"{stem}.{kind}" for stem in stems for kind in ("png", "svg")]


def _draw_in_forks(drawers: dict[str, Callable[[], Figure]], stems: list[str], folder: Path,
                   n: int) -> set[str]:
    """Draw the charts in forked processes, at most `n` at a time, the slowest first;
    return the stems drawn and saved."""
    import multiprocessing
    from multiprocessing.connection import wait

    global _JOBS
    context = multiprocessing.get_context("fork")
    todo = sorted(stems, key=lambda stem: -_DRAW_COST.get(stem, 1.0))
    running: dict[int, tuple[str, Any]] = {}  # sentinel: (stem, process)
    drawn: set[str] = set()
    _JOBS = drawers  # read by the forked processes
    try:
        while todo or running:
            while todo and len(running) < n:
                stem = todo.pop(0)
                process = context.Process(target=_draw_job, args=(stem, folder, os.getpid()),
                                          daemon=True)
                with signals_blocked():
                    process.start()
                running[process.sentinel] = (stem, process)
            for sentinel in wait(list(running)):
                stem, process = running.pop(cast(int, sentinel))
                process.join()
                if process.exitcode == 0:
                    drawn.add(stem)
            check_stop()  # a stop whose exception a fork hook swallowed
    finally:
        _JOBS = {}
        for _stem, child in running.values():  # interrupted: stop the others
            child.terminate()
            child.join()
    return drawn


def _draw_job(stem: str, folder: Path, parent: int) -> None:
    """In a forked process: draw one chart of `_JOBS` and save it; any failure only sets
    the exit code (the parent draws the chart again and reports the error itself)."""
    from simulator.lifeline import child_setup

    child_setup(parent)  # dies with the parent; the parent's terminate() ends it at once
    try:
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


def _read(result: RunResult, name: str, columns: list[str] | None = None,
          **equal: object) -> pd.DataFrame:
    """A table (its rows matching `equal`, the `columns` it has), from memory or read a
    part at a time from disk; empty (with `columns`) when the result has no such table."""
    if not result.has(name):
        return pd.DataFrame(columns=columns or [])
    if columns is not None:
        present = result.columns(name)
        columns = [c for c in columns if c in present]
    return result.read(name, columns=columns, where=equal)  # type: ignore[arg-type]


def _procurement_ramp_days(result: RunResult) -> float | None:
    """The scenario's median ramp-up of a new machine, when it gives one."""
    from simulator.distributions import parse_distribution

    stages = result.scenario_dict.get("stages") or {}
    raw = (stages.get("procurement") or {}).get("ramp_up_days")
    if raw is None:
        return None
    try:
        return max(0.0, float(parse_distribution(raw).sample(0.5)))
    except (ValueError, TypeError):
        return None


def _supplier_names(result: RunResult) -> dict[str, str]:
    stages = result.scenario_dict.get("stages") or {}
    suppliers = (stages.get("procurement") or {}).get("suppliers") or []
    return {s["id"]: s["name"] for s in suppliers
            if isinstance(s, dict) and s.get("id") and s.get("name")}


BATCH_CHARTS = ("close_dates_compared", "shortfall_compared", "stage_gains")


def draw_batch_charts(result: RunResult, folder: Path | str) -> list[Path]:
    """Write a batch's charts: close dates and overall shortfall paths of every variant
    overlaid, and (for stage attribution) the months each added stage gains."""
    from simulator.charts.compare import (
        close_dates_compared,
        shortfall_paths_compared,
        stage_gains_chart,
    )
    from simulator.summary import ALL, component_labels, horizon

    start, end = horizon(result)
    names, units = component_labels(result)
    drawers = {
        "close_dates_compared": lambda: close_dates_compared(
            result.kpis, end_date=end, start_date=start, component=ALL),
        "shortfall_compared": lambda: shortfall_paths_compared(
            _variant_paths(result), unit=units.get(ALL)),
    }
    if "stage_gains" in result.extra:
        drawers["stage_gains"] = lambda: stage_gains_chart(
            result.extra["stage_gains"], component_names=names)
    paths: list[Path] = []
    for stem, draw in drawers.items():
        paths += save_figure(draw(), folder, stem)
    return paths


def _variant_paths(result: RunResult) -> pd.DataFrame:
    """Per variant and month, the overall shortfall's median and 10–90% band (the table
    `shortfall_paths_compared` draws), one variant at a time to stay lean."""
    from simulator.summary import ALL, month_bands

    parts = []
    for variant in result.variants():
        bands = month_bands(result, ALL, variant)
        parts.append(pd.DataFrame({
            "month": bands.index, "variant": variant,
            "shortfall_median": bands["shortfall"].to_numpy(),
            "p10": bands["shortfall_p10"].to_numpy(), "p90": bands["shortfall_p90"].to_numpy(),
        }))
        release_memory()
    return pd.concat(parts, ignore_index=True)


def _unmet_shares(result: RunResult, _columns: list[str]) -> pd.DataFrame:
    """`missing_share_by_year` (the share of the gap still missing: the shortfall summed over
    the futures over the gap summed the same way) computed a component at a time from numpy
    blocks, so a 10,000-replication result is never held whole. (`_columns`: unused, the
    sums need only ``shortfall`` and ``gap``.)"""
    rows, n = {}, 0
    for component in dict.fromkeys(result.kpis["component"].astype(str)):
        years, blocks = result.numeric_block("yearly", ["shortfall", "gap"], "year",
                                             component=component)
        gap, shortfall = blocks["gap"].sum(axis=1), blocks["shortfall"].sum(axis=1)
        share = shortfall / np.where(gap > 0, gap, 1.0)
        rows[component] = pd.Series(np.where(gap > 0, share, np.nan),
                                    index=[int(y) for y in years])
        n = blocks["gap"].shape[1]
        release_memory()
    table = pd.DataFrame(rows).T
    table = table.reindex(columns=sorted(table.columns))
    table.columns.name = "year"
    table.attrs["n_replications"] = n
    return table


def _vehicles(result: RunResult, names: dict[str, str]) -> Figure:
    """The assembly chart from lean parts: bands from a numpy block, binding counts from an
    Arrow group-by (never a frame of every replication's months)."""
    from simulator.charts.assembly import binding_shares, vehicles_supportable

    blocks = result.blocks("assembly", "month")
    months, values = blocks.labels, blocks.column("vehicles_per_year")
    low, mid, high = np.quantile(values, [0.1, 0.5, 0.9], axis=1)
    index = pd.to_datetime(pd.Index(months), format="%Y-%m")
    bands = pd.DataFrame({"median": mid, "p10": low, "p90": high}, index=index)
    bands.index.name = "month"
    bands.attrs["n_replications"] = int(values.shape[1])
    table = result.assembly
    if table is None and result.table_dir is not None:
        from simulator.table_parts import iter_matching

        keys = ["month", "binding_component"]
        parts = [part.group_by(keys).aggregate([("month", "count")]).to_pandas()
                 for part in iter_matching(result.table_dir / "assembly.parquet", keys, {})]
        grouped = pd.concat(parts).groupby(keys)["month_count"].sum().reset_index()
        counts = grouped.pivot(index="month", columns="binding_component",
                               values="month_count").fillna(0)
    else:
        assert table is not None
        counts = pd.crosstab(table["month"].astype(str).to_numpy(),
                             table["binding_component"].astype(str).to_numpy())
    counts.index = pd.to_datetime(pd.Index(counts.index.astype(str)), format="%Y-%m")
    counts = counts.sort_index()
    release_memory()
    return vehicles_supportable(None, bands=bands, shares=binding_shares(None, counts=counts),
                                names=names)
