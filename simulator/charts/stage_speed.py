"""Chart of how fast each stage closes the gap: its share of each year's gap, and t50/t90.

The upper panel shows, year by year, the share of that year's gap each stage serves (served
summed over the year and over all simulated futures, over the gap summed the same way:
SPEC.md section 6), as side-by-side bars in the stages' colours. The lower panel marks when
each stage's served rate first reaches half and 90% of its own peak (t50, t90: the median
over the futures in which the stage serves), as dates. The chart draws one variant's
``gap_shares`` (`simulator.analysis.shortfall`) and ``stage_speed``
(`simulator.analysis.speed`) rows of one component and computes nothing.

The year helpers (`year_centres`, `label_years`, `fractional_year`) are shared with the
money charts: years sit on a numeric axis where year Y spans [Y, Y + 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullFormatter

from simulator.analysis.common import ALL, STAGES
from simulator.charts.style import (
    GAP_COLOUR,
    STAGE_COLOURS,
    chart_style,
    share_axis,
    stage_fill,
)

TITLE = "Which stage closes the gap, year by year, and how fast does each get going?"
SHARE_LABEL = "Share of the year's gap served"
SPEED_TITLE = "When each stage first reaches half and 90% of its peak rate (median)"
T50_LABEL = "Reaches half of its peak rate"
T90_LABEL = "Reaches 90% of its peak rate"
LABEL_CLEARANCE = 9.0  # points from a marker's centre to its label (markers: ~4 pt)
STAGE_SHORT = {"sharing": "Sharing", "procurement": "New machines", "investment": "New plants"}


# ---------------------------------------------------------------------- year helpers


def fractional_year(date: dt.date | pd.Timestamp) -> float:
    """A date on the year axis: 2025-07-02 → about 2025.5 (year Y spans [Y, Y + 1))."""
    stamp = pd.Timestamp(date)
    days = 366 if stamp.is_leap_year else 365
    return stamp.year + (stamp.day_of_year - 0.5) / days


def year_centres(years: Iterable[int]) -> np.ndarray:
    """The middle of each year on the year axis."""
    return np.asarray(list(years), dtype=float) + 0.5


def label_years(ax: Axes, years: Sequence[int], *, start_date: dt.date | str | None = None,
                end_date: dt.date | str | None = None) -> None:
    """Year labels in the middle of each year, thin separators at the year boundaries; a
    first or last year the run covers only in part says so ("2023 (from Jul)")."""
    years = list(years)
    if not years:
        return
    labels = [str(y) for y in years]
    if start_date is not None:
        start = pd.Timestamp(start_date)
        if start.year == years[0] and (start.month, start.day) != (1, 1):
            labels[0] += f"\n(from {start:%b})"
    if end_date is not None:
        end = pd.Timestamp(end_date)
        if end.year == years[-1] and (end.month, end.day) != (12, 31):
            labels[-1] += f"\n(to {end:%b})"
    ax.set_xlim(years[0], years[-1] + 1)
    ax.set_xticks(list(year_centres(years)), labels)
    ax.xaxis.set_minor_locator(FixedLocator([float(y) for y in [*years, years[-1] + 1]]))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(axis="x", which="major", length=0)
    ax.tick_params(axis="x", which="minor", length=4)


# --------------------------------------------------------------------------- the chart


def stage_speed_chart(gap_shares: pd.DataFrame, speed: pd.DataFrame, *,
                      component: str = ALL, name: str | None = None,
                      start_date: dt.date | str | None = None,
                      end_date: dt.date | str | None = None,
                      title: str | None = None) -> Figure:
    """Which stage serves how much of each year's gap, and how soon does each stage get
    going?

    Parameters
    ----------
    gap_shares
        One variant's ``gap_shares`` table (`simulator.analysis.shortfall`): per component
        and year, each stage's share of that year's gap (``gap_share_<stage>``).
    speed
        One variant's ``stage_speed`` table (`simulator.analysis.speed`): per component and
        stage, the median t50/t90 dates and how many futures they are over.
    component
        The component drawn (default ``all``, value-weighted).
    name
        Its plain name for the panel title (default: "all components, value-weighted" for
        ``all``, else the id).
    start_date, end_date
        The run's first and last day, so that a first or last year covered in part says so.
    """
    shares = _rows(gap_shares, component, "gap_shares").set_index("year")
    t_speed = _rows(speed, component, "stage_speed").set_index("stage")
    years = [int(y) for y in shares.index]
    n = int(shares["n_replications"].max()) if len(shares) else 0
    with chart_style():
        fig = Figure(figsize=(9.0, 6.4), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3.0, 1.25])
        _draw_shares(top, shares, years)
        _draw_speed(bottom, t_speed, years)
        label_years(bottom, years, start_date=start_date, end_date=end_date)
        top.tick_params(axis="x", labelbottom=True)
        handles, labels = top.get_legend_handles_labels()
        speed_handles = [
            Line2D([], [], marker="o", linestyle="", color=GAP_COLOUR, label=T50_LABEL),
            Line2D([], [], marker="D", linestyle="", color=GAP_COLOUR, markerfacecolor="white",
                   label=T90_LABEL),
        ]
        fig.legend([*handles, *speed_handles], [*labels, T50_LABEL, T90_LABEL],
                   loc="outside lower center", ncols=3)
        what = name or ("all components, value-weighted" if component == ALL else component)
        suffix = f" ({what}; {n} simulated futures)" if n else f" ({what})"
        fig.suptitle(title or TITLE, fontweight="bold")
        top.set_title("Each stage's share of the year's gap" + suffix, loc="left", fontsize=9,
                      fontweight="normal")
    return fig


def _rows(table: pd.DataFrame, component: str, what: str) -> pd.DataFrame:
    """One component's rows of an analysis table (a selection: nothing computed). Raises
    ValueError for several variants' rows (a chart draws one variant)."""
    if "variant" in table and table["variant"].nunique() > 1:
        raise ValueError(f"{what} holds several variants' rows: pass one variant's")
    return table[table["component"].astype(str) == component]


def _draw_shares(ax: Axes, shares: pd.DataFrame, years: list[int]) -> None:
    width = 0.27
    offsets = {"sharing": -width, "procurement": 0.0, "investment": width}
    centres = year_centres(years)
    highest = 0.0
    for stage in STAGES:
        column = f"gap_share_{stage}"
        values = (shares[column].to_numpy(dtype=float) if column in shares
                  else np.zeros(len(years)))
        values = np.nan_to_num(values)
        x = centres + offsets[stage]
        ax.bar(x, values, width=width * 0.92, **stage_fill(stage))
        for xi, value in zip(x, values, strict=True):
            if value >= 0.005:
                ax.text(xi, value, f"{100 * value:.0f}%", ha="center", va="bottom", fontsize=7)
        highest = max(highest, float(values.max(initial=0.0)))
    ax.set_ylim(0, max(0.1, highest * 1.15))
    share_axis(ax)
    ax.set_ylabel(SHARE_LABEL)


def _draw_speed(ax: Axes, speed: pd.DataFrame, years: list[int]) -> None:
    rows = list(STAGES)
    right = (years[-1] + 1) if years else None
    for i, stage in enumerate(rows):
        colour = STAGE_COLOURS[stage]
        t50 = speed["t50_date"].get(stage, pd.NaT) if "t50_date" in speed else pd.NaT
        t90 = speed["t90_date"].get(stage, pd.NaT) if "t90_date" in speed else pd.NaT
        if pd.isna(t50):
            ax.text(years[0] + 0.05 if years else 0, i, "never serves in these futures",
                    va="center", fontsize=8, color="#555555")
            continue
        x50 = fractional_year(t50)
        x90 = fractional_year(t90) if not pd.isna(t90) else x50
        ax.plot([x50, x90], [i, i], color=colour, linewidth=3.0, solid_capstyle="butt")
        ax.plot([x50], [i], marker="o", color=colour, markeredgecolor=GAP_COLOUR,
                markersize=7, linestyle="")
        ax.plot([x90], [i], marker="D", color="white", markeredgecolor=GAP_COLOUR,
                markersize=6, linestyle="")
        text = f"{_month(t50)} → {_month(t90)}" if not pd.isna(t90) else _month(t50)
        served, n = speed["t50_n"].get(stage, 0), speed["n_replications"].get(stage, 0)
        if n and served < n:
            text += f" (serves in {served} of {n} futures)"
        near_end = right is not None and x90 > right - 1.6
        # set off from the marker by a fixed distance on the page, whatever the span
        ax.annotate(text, (x50 if near_end else x90, i), va="center",
                    xytext=(-LABEL_CLEARANCE if near_end else LABEL_CLEARANCE, 0),
                    textcoords="offset points", ha="right" if near_end else "left",
                    fontsize=8)
    ax.set_yticks(range(len(rows)), [STAGE_SHORT[s] for s in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(False, axis="y")
    ax.grid(True, axis="x", which="minor", color="#DDDDDD", linewidth=0.6)
    ax.set_title(SPEED_TITLE, loc="left", fontsize=9, fontweight="normal")


def _month(value: pd.Timestamp) -> str:
    return pd.Timestamp(value).strftime("%b %Y")
