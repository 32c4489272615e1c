"""`analyse`: from a run's raw tables to its summary and analysis tables, once.

Reads what the study is (`meta["study"]`: a plain run, stage attribution, a comparison, a
sweep) and computes its summary (`summary.json`) and tables (paired differences, stage
gains, Shapley shares), which the console, the charts and the report then read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator.results import release_memory

if TYPE_CHECKING:
    from simulator.results import RunResult


def study_of(result: RunResult) -> dict[str, Any]:
    """What the study is: `meta["study"]`, or for older results what its tables show."""
    study = result.meta.get("study")
    if isinstance(study, dict) and study.get("kind"):
        return study
    variants = result.variants()
    kind = "run" if len(variants) <= 1 else "batch"
    if "stage_gains" in result.extra:
        kind = "stages"
    elif "points" in result.extra:
        kind = "sweep"
    elif "scenario_differences" in result.extra:
        kind = "compare"
    return {"kind": kind, "reference": variants[0] if variants else "",
            "shapley": "shapley" in result.extra}


def analyse(result: RunResult) -> RunResult:
    """Fill `result.summary` and add the study's analysis tables to `result.extra`."""
    from simulator.summary import summarise

    result.extra.update(comparison_tables(result, study_of(result)))
    result.summary = summarise(result)
    release_memory()  # what the summary read from disk on the way
    return result


def comparison_tables(result: RunResult, study: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Paired differences against the reference (comparisons, stage attribution), what each
    added stage gains, and Shapley shares (all eight stage subsets)."""
    from simulator.experiments.attribution import shapley_values
    from simulator.experiments.differences import (
        STAGE_SEQUENCE,
        paired_differences,
        stage_gains,
    )

    kind = study["kind"]
    if kind not in ("stages", "compare"):
        return {}
    n_days, censor = _horizon_days(result)
    kpis = result.kpis
    tables = {"differences": paired_differences(kpis, study["reference"], n_days=n_days,
                                                censor_day=censor)}
    if kind == "stages":
        order = (("none",) if study.get("shapley") else ()) + STAGE_SEQUENCE
        tables["stage_gains"] = stage_gains(kpis, order, n_days=n_days, censor_day=censor)
        if study.get("shapley"):
            tables["shapley"] = shapley_values(kpis, n_days=n_days, censor_day=censor)
    return tables


def _horizon_days(result: RunResult) -> tuple[int, float]:
    """Days in the run, and the earliest day a not-closed side could still close (the
    censoring day of the paired bounds: n_days - close_hold_days + 1)."""
    from simulator.summary import horizon

    start, end = horizon(result)
    n_days = (end - start).days + 1
    hold = int((result.scenario_dict.get("scenario") or {}).get("close_hold_days", 90))
    return n_days, float(n_days - hold + 1)
