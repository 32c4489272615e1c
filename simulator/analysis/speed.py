"""How fast each stage gets going: when its served rate first reaches half and 90% of its
own peak (t50, t90; SPEC.md §6).

Each replication's ``kpis`` rows give ``t50_days_<stage>`` / ``t90_days_<stage>``, empty
where the stage never serves in that future. A typical time is the median over the futures
in which the stage serves, said together with how many those are (a stage that serves in
two futures of a hundred has a median, but a weak one). `stage_speed` gives per component
and stage the medians in days and as dates, and the counts: the numbers the stage-speed
chart draws and the summary's ``stage_speed`` quotes. The stages' shares of each year's
gap are `simulator.analysis.shortfall.gap_shares`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.analysis.common import STAGES
from simulator.analysis.labels import start_date
from simulator.analysis.shortfall import components

if TYPE_CHECKING:
    from simulator.results import RunResult

SPEED_COLUMNS = ["component", "stage", "n_replications", "t50_n", "t90_n", "t50_days_median",
                 "t90_days_median", "t50_date", "t90_date"]
"""The columns of `stage_speed`, in order."""
LEVELS = (50, 90)

__all__ = ["LEVELS", "SPEED_COLUMNS", "stage_speed", "tables"]


def tables(result: RunResult, variant: str | None) -> dict[str, pd.DataFrame]:
    """The stage-speed table of one variant of `result` (None: every row, a plain run):
    ``stage_speed`` (`stage_speed`), without a ``variant`` column. Read from the ``kpis``
    table, which a result holds in memory."""
    kpis = result.kpis
    if variant and "variant" in kpis:
        kpis = kpis[kpis["variant"].astype(str) == variant]
    return {"stage_speed": stage_speed(kpis, start_date(result),
                                       components(result, variant))}


def stage_speed(kpis: pd.DataFrame, start_date: dt.date | str | None,
                order: Sequence[str] | None = None) -> pd.DataFrame:
    """Per component × stage: the median t50 and t90 over the futures in which the stage
    serves, in days and as dates, and how many futures that is.

    Parameters
    ----------
    kpis
        One variant's ``kpis`` rows: ``component``, ``t50_days_<stage>`` and
        ``t90_days_<stage>`` (days from the start; NaN where the stage never serves).
    start_date
        The scenario start (day 0), for the dates; None leaves them NaT.
    order
        The components, in order (default: as they appear in `kpis`); one not in `kpis`
        is left out.

    Returns
    -------
    pandas.DataFrame
        One row per component × stage (stages in merit order), columns `SPEED_COLUMNS`:
        ``n_replications`` (the component's futures), ``t50_n`` / ``t90_n`` (futures in
        which the stage serves: t given), ``t50_days_median`` / ``t90_days_median`` (the
        median over those futures; NaN where there are none, or where `kpis` has no such
        column) and ``t50_date`` / ``t90_date`` (start + the median rounded to whole days;
        NaT where the median is NaN).
    """
    columns = [f"t{k}_days_{s}" for s in STAGES for k in LEVELS]
    present = [c for c in columns if c in kpis]
    frame = kpis[["component", *present]].assign(component=kpis["component"].astype(str))
    grouped = frame.groupby("component", sort=False)
    medians, sizes = grouped[present].median().to_dict(), grouped.size()
    counts = grouped[present].count().to_dict()  # {column: {component: futures served}}
    wanted = list(dict.fromkeys(order)) if order is not None else list(sizes.index)
    start = pd.Timestamp(start_date) if start_date is not None else None
    rows = []
    for component in (c for c in wanted if c in sizes.index):
        for stage in STAGES:
            row: dict[str, object] = {"component": component, "stage": stage,
                                      "n_replications": int(sizes[component])}
            for k in LEVELS:
                column = f"t{k}_days_{stage}"
                days = float(medians[column][component]) if column in present else np.nan
                row[f"t{k}_n"] = int(counts[column][component]) if column in present else 0
                row[f"t{k}_days_median"] = days
                row[f"t{k}_date"] = (start + pd.Timedelta(days=round(days))
                                     if start is not None and np.isfinite(days) else pd.NaT)
            rows.append(row)
    table = pd.DataFrame(rows, columns=SPEED_COLUMNS)
    for k in LEVELS:
        table[f"t{k}_date"] = pd.to_datetime(table[f"t{k}_date"])
        table[f"t{k}_n"] = table[f"t{k}_n"].astype("int64")
    table["n_replications"] = table["n_replications"].astype("int64")
    return table


