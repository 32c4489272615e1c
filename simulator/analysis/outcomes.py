"""The outcomes a sensitivity study asks about, per replication and per point.

An outcome is one number per replication of a variant (a sweep or sensitivity point), the
KPIs users quote: `closed_by_end` and `closed_by_<year>` (1 where the overall shortfall
is closed by the run's end / that year's end, as `close_dates.closed_by_year` counts it),
`restricted_mean_months` and `restricted_mean_months[<component>]` (the close day, the
horizon where not closed, in months, as `close_dates.close_times`),
`cumulative_shortfall_value` and `npv` (the KPI table's overall row), and
`share_served_<stage>` (the stage's served amount over the gap, both summed over the run's
years on the value-weighted overall rows, as `shortfall` shares the gap). Their means over
replications (`point_means`) are the outcomes the indices are computed from.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.analysis.close_dates import year_ends
from simulator.analysis.common import ALL, DAYS_PER_MONTH, STAGES
from simulator.analysis.frames import close_frame

if TYPE_CHECKING:
    from simulator.scenario import Scenario

PLAIN = ("closed_by_end", "restricted_mean_months", "cumulative_shortfall_value", "npv",
         *(f"share_served_{s}" for s in STAGES))
"""Outcomes with a fixed name (the others name a year or a component)."""
KPI_COLUMNS = ["variant", "replication", "component", "closed", "close_day",
               "cumulative_shortfall_value", "npv"]
YEARLY_COLUMNS = ["variant", "replication", "component", "gap",
                  *(f"served_{s}" for s in STAGES)]


def default_outcomes(scenario: Scenario) -> list[str]:
    """Closed by the end and by each year end, the restricted mean time to close, the
    cumulative shortfall value, each stage's share of the gap, NPV."""
    years = [d.year for d in _ends(scenario.scenario.start, scenario.n_days)[:-1]]
    return ["closed_by_end", *(f"closed_by_{y}" for y in years), "restricted_mean_months",
            "cumulative_shortfall_value",
            *(f"share_served_{s}" for s in STAGES if s in scenario.enabled_stages()), "npv"]


def check_outcomes(name: str, scenario: Scenario) -> str | None:
    """Why `name` is not an outcome of this scenario (None when it is)."""
    if name in PLAIN:
        return None
    years = [d.year for d in _ends(scenario.scenario.start, scenario.n_days)]
    if name.startswith("closed_by_"):
        year = name.removeprefix("closed_by_")
        if year.isdigit() and int(year) in years:
            return None
        return f"{name!r}: the run's years are {years[0]}..{years[-1]}"
    if name.startswith("restricted_mean_months[") and name.endswith("]"):
        component = name[len("restricted_mean_months["):-1]
        ids = [c.id for c in scenario.components]
        if component in ids:
            return None
        return f"{name!r}: no component {component!r} (components: {', '.join(ids)})"
    return (f"unknown outcome {name!r} (outcomes: {', '.join(PLAIN)}, closed_by_<year>, "
            f"restricted_mean_months[<component>])")


def replication_outcomes(kpis: pd.DataFrame, yearly: pd.DataFrame, outcomes: list[str],
                         n_days: int, start: dt.date) -> pd.DataFrame:
    """One row per variant × replication, one column per outcome (see the module)."""
    frame = close_frame(kpis, n_days)
    frame["replication"] = kpis["replication"].to_numpy()
    index = ["variant", "replication"]
    overall = frame[frame["component"] == ALL].set_index(index)
    out = pd.DataFrame(index=overall.index)
    ends = _ends(start, n_days)
    end_day = {str(d.year): float((d - start).days) for d in ends}
    end_day["end"] = float(n_days - 1)
    rows = kpis[kpis["component"].astype(str) == ALL].assign(
        variant=lambda f: f["variant"].astype(str)).set_index(index)
    served = _served_shares(yearly) if any(o.startswith("share_served_") for o in outcomes) \
        else None
    for name in outcomes:
        if name.startswith("closed_by_"):
            day = end_day[name.removeprefix("closed_by_")]
            out[name] = (overall["is_closed"] & (overall["day"] <= day)).astype(float)
        elif name == "restricted_mean_months":
            out[name] = overall["day"] / DAYS_PER_MONTH
        elif name.startswith("restricted_mean_months["):
            component = name[len("restricted_mean_months["):-1]
            part = frame[frame["component"] == component].set_index(index)
            out[name] = part["day"] / DAYS_PER_MONTH
        elif name.startswith("share_served_"):
            assert served is not None
            out[name] = served[name]
        else:
            out[name] = rows[name].astype(float)
    return out.reset_index()


def point_means(per_replication: pd.DataFrame) -> pd.DataFrame:
    """Each outcome's mean over replications, one row per variant (in order)."""
    grouped = per_replication.drop(columns="replication").groupby("variant", sort=False)
    return grouped.mean().reset_index()


def _served_shares(yearly: pd.DataFrame) -> pd.DataFrame:
    overall = yearly[yearly["component"].astype(str) == ALL].assign(
        variant=lambda f: f["variant"].astype(str))
    sums = overall.groupby(["variant", "replication"], sort=False)[
        ["gap", *(f"served_{s}" for s in STAGES)]].sum()
    gap = sums["gap"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame({f"share_served_{s}": np.where(gap > 0, sums[f"served_{s}"] / gap,
                                                           np.nan)
                             for s in STAGES}, index=sums.index)


def _ends(start: dt.date, n_days: int) -> list[dt.date]:
    return year_ends(start, start + dt.timedelta(days=n_days - 1))


def outcome_label(name: str) -> str:
    """An outcome in plain words, for charts and the report."""
    stage_words = {"sharing": "sharing spare capacity", "procurement": "new machines",
                   "investment": "new plants"}
    if name == "closed_by_end":
        return "P(overall shortfall closed by the end)"
    if name.startswith("closed_by_"):
        return f"P(closed by end {name.removeprefix('closed_by_')})"
    if name == "restricted_mean_months":
        return "mean months to close (restricted)"
    if name.startswith("restricted_mean_months["):
        return f"mean months to close {name[len('restricted_mean_months['):-1]} (restricted)"
    if name.startswith("share_served_"):
        stage = name.removeprefix("share_served_")
        return f"share of the gap served by {stage_words.get(stage, stage)}"
    return {"cumulative_shortfall_value": "cumulative shortfall value",
            "npv": "NPV"}.get(name, name)
