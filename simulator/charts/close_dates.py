"""Chart of when each component's shortfall is closed: one ECDF of close dates per row.

Each row shows, for one component (the value-weighted overall first, then components by
median close date), the share of simulated futures in which the shortfall is closed by each
date. Futures not closed by the end never reach the top: the share left is written at the
right of the end-of-horizon line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import cast

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from simulator.charts.style import (
    END_COLOUR,
    OKABE_ITO,
    as_datetime,
    chart_style,
    plain_date_axis,
    share_axis,
)
from simulator.summary import ALL, close_date_ecdf, close_date_overview

LINE_COLOUR = OKABE_ITO["blue"]
OVERALL_NAME = "All components (value-weighted)"
TITLE = "When is each component's shortfall closed?"
LABEL_CLEARANCE = 6.0  # points between the end-of-horizon line and its label


def close_date_distribution(
    kpis: pd.DataFrame,
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
    kpis
        The run's ``kpis`` table (``component``, ``replication``, ``closed``, ``close_date``).
    end_date, start_date
        The run's last and first day (the x axis spans them; `start_date` defaults to just
        before the earliest close date).
    names
        Plain names for component ids.
    """
    names = dict(names or {})
    overview = close_date_overview(kpis)
    ecdf = close_date_ecdf(kpis)
    end = as_datetime(end_date)
    start = as_datetime(start_date) if start_date else _default_start(ecdf, end)
    right = end + (end - start) * 0.01
    with chart_style():
        fig = Figure(figsize=(9.0, 1.15 * len(overview) + 1.4), layout="constrained")
        axes = fig.subplots(len(overview), 1, sharex=True, squeeze=False)[:, 0]
        for ax, row in zip(axes, overview.itertuples(index=False), strict=True):
            component, share_closed = cast(str, row.component), cast(float, row.share_closed)
            points = ecdf[ecdf["component"] == component]
            dates = [start, *points["close_date"].dt.to_pydatetime(), end]
            last = points["share_closed"].iloc[-1] if len(points) else 0.0
            shares = [0.0, *points["share_closed"], last]
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
        plain_date_axis(axes[-1])
        fig.supylabel("Share of simulated futures closed by this date", fontsize=9)
        fig.suptitle(title or TITLE, fontweight="bold")
    return fig


def _default_start(ecdf: pd.DataFrame, end: dt.datetime) -> dt.datetime:
    if ecdf.empty:
        return end - dt.timedelta(days=365)
    first = ecdf["close_date"].min().to_pydatetime()
    return min(first - dt.timedelta(days=30), end - dt.timedelta(days=365))
