"""Chart of when each component's shortfall is closed: one ECDF of close dates per row.

Each row shows, for one component (the value-weighted overall first, then components by
median close date), the share of simulated futures in which the shortfall is closed by each
date. Futures not closed by the end never reach the top: the share left is written at the
right of the end-of-horizon line. The chart draws one variant's ``close_times`` and
``survival`` tables (`simulator.analysis.close_dates`) and computes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import cast

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from simulator.analysis.common import ALL
from simulator.charts.style import (
    END_COLOUR,
    OKABE_ITO,
    as_datetime,
    chart_style,
    plain_date_axis,
    share_axis,
)

LINE_COLOUR = OKABE_ITO["blue"]
OVERALL_NAME = "All components (value-weighted)"
TITLE = "When is each component's shortfall closed?"
LABEL_CLEARANCE = 6.0  # points between the end-of-horizon line and its label


def close_date_distribution(
    close_times: pd.DataFrame,
    survival: pd.DataFrame,
    *,
    end_date: dt.date | str,
    start_date: dt.date | str | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """When is each component's shortfall closed, and how sure is that?

    Per component (rows, overall first, then by median close date) the empirical CDF of the
    close date: the share of simulated futures closed by each date. The end of the horizon
    is marked; the share never closed by the end is written at the right.

    Parameters
    ----------
    close_times
        One variant's ``close_times`` table (`simulator.analysis.close_dates`): per
        component ``share_closed`` and ``median_close_date`` (NaT where not defined).
    survival
        One variant's ``survival`` table: per component the share of futures closed
        (``share_closed``) by each ``date`` a future closes on, from the start to the
        horizon.
    end_date, start_date
        The run's last and first day (the x axis spans them; `start_date` defaults to just
        before the earliest close date).
    names
        Plain names for component ids.
    """
    names = dict(names or {})
    overview = _row_order(_one_variant(close_times, "close_times"))
    ecdf = _one_variant(survival, "survival")
    end = as_datetime(end_date)
    start = as_datetime(start_date) if start_date else _default_start(ecdf, end)
    right = end + (end - start) * 0.01
    with chart_style():
        fig = Figure(figsize=(9.0, 1.15 * len(overview) + 1.4), layout="constrained")
        axes = fig.subplots(len(overview), 1, sharex=True, squeeze=False)[:, 0]
        for ax, row in zip(axes, overview.itertuples(index=False), strict=True):
            component, share_closed = cast(str, row.component), cast(float, row.share_closed)
            steps = _steps(ecdf, component, start, end)
            dates = [start, *steps["date"].dt.to_pydatetime(), end]
            last = steps["share_closed"].iloc[-1] if len(steps) else 0.0
            shares = [0.0, *steps["share_closed"], last]
            ax.step(dates, shares, where="post", color=LINE_COLOUR, linewidth=1.6)
            ax.fill_between(dates, shares, step="post", color=LINE_COLOUR, alpha=0.12)
            ax.axvline(end, color=END_COLOUR, linestyle="--", linewidth=1.0)
            ax.text(
                1.01, 0.5, f"not closed\nby end: {100 * (1 - share_closed):.0f}%",
                transform=ax.transAxes, va="center", ha="left", fontsize=8,
            )
            label = names.get(component) or (OVERALL_NAME if component == ALL else component)
            ax.set_title(label, loc="left", fontsize=9,
                         fontweight="bold" if component == ALL else "normal")
            ax.set_ylim(0, 1.02)
            ax.set_yticks([0, 0.5, 1])
            share_axis(ax)
        axes[0].annotate(  # above the line's top, clear of it
            "end of horizon", (mdates.date2num(end), 1.0), xycoords=blended_transform_factory(
                axes[0].transData, axes[0].transAxes), xytext=(0, LABEL_CLEARANCE),
            textcoords="offset points", ha="center", va="bottom", fontsize=8,
            color=END_COLOUR, annotation_clip=False)
        axes[-1].set_xlim(start, right)
        plain_date_axis(axes[-1], quarters=False)  # one row per component: years only
        fig.supylabel("Share of simulated futures closed by this date", fontsize=9)
        fig.suptitle(title or TITLE, fontweight="bold")
    return fig


def _one_variant(table: pd.DataFrame, what: str) -> pd.DataFrame:
    """`table` as given, checked to hold one variant's rows (a chart draws one)."""
    if "variant" in table and table["variant"].nunique() > 1:
        raise ValueError(f"{what} holds several variants' rows: pass one variant's")
    return table


def _row_order(close_times: pd.DataFrame) -> pd.DataFrame:
    """The rows top to bottom: ``all`` first, then components by median close date, those
    without one last by share closed (most first), ties in table order."""
    rows = close_times.assign(_component=close_times["component"] != ALL,
                              median_close_date=pd.to_datetime(
                                  close_times["median_close_date"]))
    rows = rows.sort_values(["_component", "median_close_date", "share_closed"],
                            ascending=[True, True, False], na_position="last", kind="stable")
    return rows.drop(columns="_component").reset_index(drop=True)


def _steps(survival: pd.DataFrame, component: str, start: dt.datetime,
           end: dt.datetime) -> pd.DataFrame:
    """The component's survival steps from `start` to `end` (the horizon's row, the instant
    after the last day, is left out: the line ends at `end` on the last share)."""
    rows = survival[survival["component"].astype(str) == component]
    dates = pd.to_datetime(rows["date"])
    keep = (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
    return pd.DataFrame({"date": dates[keep], "share_closed": rows["share_closed"][keep]})


def _default_start(survival: pd.DataFrame, end: dt.datetime) -> dt.datetime:
    """Just before the earliest close (a year before the end at the latest)."""
    closing = survival[survival["share_closed"] > 0] if len(survival) else survival
    if closing.empty:
        return end - dt.timedelta(days=365)
    first = pd.Timestamp(pd.to_datetime(closing["date"]).min()).to_pydatetime()
    return min(first - dt.timedelta(days=30), end - dt.timedelta(days=365))
