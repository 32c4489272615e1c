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
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator.analysis import (
    close_dates,
    comparison,
    cumulative,
    held_back,
    money,
    procurement,
    shortfall,
    speed,
    vehicles,
)
from simulator.analysis.common import ALL
from simulator.analysis.labels import horizon
from simulator.analysis.summary import summarise
from simulator.forked import start_forked
from simulator.results import release_memory

if TYPE_CHECKING:
    from simulator.results import RunResult

RUN_MODULES: tuple[ModuleType, ...] = (shortfall, speed, money, held_back, vehicles,
                                        procurement)
"""The question modules whose `tables(result, variant)` every run gets, per variant."""
FORKED_MODULE = shortfall
"""The slowest module (it reads the monthly series), run in a forked child while this
process runs the others: on two cores, the analysis takes the time of the slowest part."""


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
    """Fill `result.analysis` and `result.summary` from the run's tables."""
    start, end = horizon(result)
    n_days = (end - start).days + 1
    tables = close_dates.tables(result, n_days, start)
    tables |= cumulative.tables(result)
    tables |= _per_variant(result)
    tables |= comparison_tables(result, study_of(result), n_days, start)
    result.analysis = tables
    result.summary = summarise(result)
    release_memory()  # what the summary read from disk on the way
    return result


def _per_variant(result: RunResult) -> dict[str, pd.DataFrame]:
    """Each question module's tables, a variant at a time, with a `variant` column."""
    variants: list[str | None] = list(result.variants()) or [None]
    parts: dict[str, list[pd.DataFrame]] = {}
    for variant in variants:
        found: dict[str, pd.DataFrame] = {}
        pending = start_forked(FORKED_MODULE.tables, result, variant)
        try:
            for module in RUN_MODULES:
                if module is not FORKED_MODULE:
                    found |= module.tables(result, variant)
                    release_memory()
        finally:
            found = pending.result() | found  # the forked module's tables first, as listed
        for name, frame in found.items():
            parts.setdefault(name, []).append(
                frame.assign(variant=variant or "")[["variant", *frame.columns]])
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def comparison_tables(result: RunResult, study: dict[str, Any], n_days: int,
                      start: dt.date) -> dict[str, pd.DataFrame]:
    """The paired comparison of a batch's variants against its reference: `differences`
    (restricted mean time to close and cumulative shortfall), `yearly_differences`,
    `reduction_dates` (against no action, and against the reference), and for stage
    attribution `stage_gains` and, over all eight subsets, `shapley`."""
    from simulator.analysis.shapley import shapley_values

    variants = result.variants()
    if study["kind"] == "run" or len(variants) < 2:
        return {}
    reference = str(study.get("reference") or variants[0])
    kpis = result.kpis
    tables = {
        "differences": comparison.paired_differences(kpis, reference, None, n_days,
                                                     start_date=start),
        "yearly_differences": _yearly_differences(result, reference),
    }
    series_all = result.read("series", columns=["variant", "replication", "month", "gap",
                                                "shortfall"], component=ALL)
    against = ["none"] + ([reference] if reference != "none" else [])
    tables["reduction_dates"] = pd.concat(
        [comparison.reduction_dates(series_all, a, start) for a in against],
        ignore_index=True)
    del series_all
    if study["kind"] == "stages":
        sequence = (("none",) if study.get("shapley") else ()) + comparison.STAGE_SEQUENCE
        tables["stage_gains"] = comparison.stage_gains(kpis, n_days, sequence,
                                                       start_date=start)
        if study.get("shapley"):
            tables["shapley"] = shapley_values(kpis, n_days=n_days)
    release_memory()
    return tables


def _yearly_differences(result: RunResult, reference: str) -> pd.DataFrame:
    """`comparison.yearly_differences`, a component at a time (the yearly table of a
    large batch stays on disk)."""
    columns = ["variant", "replication", "year", "component", "gap", "shortfall",
               "served_sharing", "served_procurement", "served_investment"]
    parts = []
    for component in dict.fromkeys(result.kpis["component"].astype(str)):
        yearly = result.read("yearly", columns=columns, component=component)
        parts.append(comparison.yearly_differences(yearly, reference))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
