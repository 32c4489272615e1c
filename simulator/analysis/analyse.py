"""`analyse`: from a run's raw tables to its analysis tables and summary, once.

Every run gets the close-date tables and, a variant at a time, the tables of each question
module (`RUN_MODULES`: each has `tables(result, variant)`). A study that compares variants
(`meta["study"]`: stage attribution, a comparison, a sweep, a batch of one's own) also gets
the paired comparison tables against its reference: restricted-mean differences and what
each added stage gains, year by year shares and shortfall removed, the dates by which the
shortfall is cut by half and 90%, and Shapley shares over the eight stage subsets. The
summary (`summary.json`) is then built from these tables, so every consumer reads one
definition of each number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator.analysis import (
    close_dates,
    comparison,
    cumulative,
    held_back,
    market,
    money,
    plants,
    procurement,
    shortfall,
    speed,
    vehicles,
)
from simulator.analysis.common import ALL
from simulator.analysis.frames import appearing
from simulator.analysis.labels import horizon
from simulator.analysis.summary import summarise
from simulator.forked import Call, run_side_by_side
from simulator.results import release_memory

if TYPE_CHECKING:
    from simulator.results import RunResult

RUN_MODULES: tuple[ModuleType, ...] = (shortfall, speed, money, held_back, vehicles,
                                        procurement, plants, market)
"""The question modules whose `tables(result, variant)` every run gets, per variant."""
COSTS: dict[Callable[..., Any], float] = {
    shortfall.tables: 0.55, held_back.tables: 0.55, close_dates.tables: 0.12,
    vehicles.tables: 0.12, comparison.paired_differences: 0.1, comparison.stage_gains: 0.15}
"""About how long each part of the analysis takes (seconds on the default scenario at
1,000 replications; others less than 0.1), so that `run_side_by_side` can share the parts
out between the cores evenly."""


def study_of(result: RunResult) -> dict[str, Any]:
    """What the study is: `meta["study"]`, or for older results what its tables show."""
    study = result.meta.get("study")
    if isinstance(study, dict) and study.get("kind"):
        return study
    variants = result.variants()
    names = set(result.analysis) | set(result.extra)
    kind = "run" if len(variants) <= 1 else "batch"
    if "stage_gains" in names:
        kind = "stages"
    elif "points" in names:
        kind = "sweep"
    elif "scenario_differences" in names:
        kind = "compare"
    return {"kind": kind, "reference": variants[0] if variants else "",
            "shapley": "shapley" in names}


def analyse(result: RunResult) -> RunResult:
    """Fill `result.analysis` and `result.summary` from the run's tables.

    The parts are independent (each reads the run's tables, none another's output), so they
    are shared out between this process and forked children, one process per core."""
    start, end = horizon(result)
    n_days = (end - start).days + 1
    variants: list[str | None] = list(result.variants()) or [None]
    own = [_call(close_dates.tables, result, n_days, start), _call(cumulative.tables, result)]
    per_variant = [_call(module.tables, result, variant)
                   for variant in variants for module in RUN_MODULES]
    compared = comparison_calls(result, study_of(result), n_days, start)
    release_memory()  # the children forked next start from this process's pages
    results = iter(run_side_by_side([*own, *per_variant, *compared.values()],
                                    after_each=release_memory))
    tables: dict[str, pd.DataFrame] = {}
    for _ in own:
        tables |= next(results)
    parts: dict[str, list[pd.DataFrame]] = {}
    for variant in variants:
        for _module in RUN_MODULES:
            for name, frame in next(results).items():
                parts.setdefault(name, []).append(
                    frame.assign(variant=variant or "")[["variant", *frame.columns]])
    tables |= {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    found = {name: next(results) for name in compared}
    tables |= _comparison_from(found)
    result.analysis = tables
    result.summary = summarise(result)
    release_memory()  # what the summary read from disk on the way
    return result


def comparison_tables(result: RunResult, study: dict[str, Any], n_days: int,
                      start: dt.date) -> dict[str, pd.DataFrame]:
    """The paired comparison of a batch's variants against its reference: `differences`
    (restricted mean time to close and cumulative shortfall), `yearly_differences`,
    `reduction_dates` (against no action, and against the reference), and for stage
    attribution `stage_gains` and, over all eight subsets, `shapley`. Empty for a run."""
    calls = comparison_calls(result, study, n_days, start)
    found = dict(zip(calls, run_side_by_side(list(calls.values())), strict=True))
    return _comparison_from(found)


def comparison_calls(result: RunResult, study: dict[str, Any], n_days: int,
                     start: dt.date) -> dict[str, Call]:
    """The calls that compute `comparison_tables`, by the name of what each gives (the
    reduction dates in one part per baseline they are measured against)."""
    from simulator.analysis.shapley import shapley_values

    variants = result.variants()
    if study["kind"] == "run" or len(variants) < 2:
        return {}
    reference = str(study.get("reference") or variants[0])
    kpis = result.kpis
    calls = {
        "differences": _call(comparison.paired_differences, kpis, reference, None, n_days,
                             start_date=start),
        "yearly_differences": Call(_yearly_differences, (result, reference), 0.45),
        "plant_differences": _call(plants.plant_differences, kpis, reference),
    }
    against = ["none"] + ([reference] if reference != "none" else [])
    for baseline in against:
        calls[f"reduction_dates:{baseline}"] = Call(_reduction_dates,
                                                    (result, baseline, start), 0.4)
    if study["kind"] == "stages":
        sequence = (("none",) if study.get("shapley") else ()) + comparison.STAGE_SEQUENCE
        calls["stage_gains"] = _call(comparison.stage_gains, kpis, n_days, sequence,
                                     start_date=start)
        if study.get("shapley"):
            calls["shapley"] = Call(partial(shapley_values, n_days=n_days), (kpis,), 0.2)
    return calls


def _comparison_from(found: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """`comparison_tables` from the results of `comparison_calls`, by name (the parts of a
    table, ``name:part``, put together in order)."""
    tables: dict[str, pd.DataFrame] = {}
    for name, frame in found.items():
        table = name.split(":")[0]
        tables[table] = pd.concat([tables[table], frame], ignore_index=True) \
            if table in tables else frame
    return tables


def _call(function: Callable[..., Any], *args: Any, **keywords: Any) -> Call:
    """`function(*args, **keywords)` with its cost from `COSTS` (0.05 when not listed)."""
    bound = partial(function, **keywords) if keywords else function
    return Call(bound, args, COSTS.get(function, 0.05))


def _reduction_dates(result: RunResult, against: str, start: dt.date) -> pd.DataFrame:
    """`comparison.reduction_dates` of the overall series against `against` (read here,
    only the columns needed)."""
    series_all = result.read("series", columns=["variant", "replication", "month", "gap",
                                                "shortfall"], component=ALL)
    return comparison.reduction_dates(series_all, against, start)


def _yearly_differences(result: RunResult, reference: str) -> pd.DataFrame:
    """`comparison.yearly_differences`, a component at a time (the yearly table of a
    large batch stays on disk)."""
    columns = ["variant", "replication", "year", "component", "gap", "shortfall",
               "served_sharing", "served_procurement", "served_investment"]
    parts = []
    for component in appearing(result.kpis["component"]):
        yearly = result.read("yearly", columns=columns, component=component)
        parts.append(comparison.yearly_differences(yearly, reference))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
