"""Charts comparing variants of a batch: close dates, shortfall paths, stage gains.

Each function takes an analysis table of the batch (the ``survival``, overall
``shortfall_bands`` and ``stage_gains`` tables of `simulator.analysis`) and returns a
`Figure`. Variants get the Okabe–Ito colours in order and differ in line style too, so the
charts read in grey; stage-set names (``sharing+procurement``) are written in plain words.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Mapping
from typing import Any, cast

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator

from simulator.analysis.common import ALL
from simulator.charts.style import (
    END_COLOUR,
    OKABE_ITO,
    STAGE_COLOURS,
    STAGE_LABELS,
    as_datetime,
    chart_style,
    figure_and_axes,
    plain_date_axis,
    plain_number_axis,
    share_axis,
)

VARIANT_COLOURS = tuple(OKABE_ITO[k] for k in (
    "blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "black",
    "yellow"))
VARIANT_LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))
STAGE_WORDS = {"sharing": "sharing", "procurement": "new machines", "investment": "new plants"}
OVERALL_NAME = "All components (value-weighted)"
CLOSE_TITLE = "When is the shortfall closed, variant by variant?"
PATHS_TITLE = "How much is still missing each month, variant by variant?"
GAINS_TITLE = "How many months earlier does each added stage close the shortfall?"
GAINS_SUBTITLE = ("Paired differences over {n} simulated futures in the restricted mean time "
                  "to close: a future that never closes counts as closing at the end of "
                  "the run. Bars: mean; lines: 95% interval.")
EARLIER_LABEL = "months earlier (+) / later (−) than without the stage"
NUMBERS_HEADER = "Months earlier (95% interval)"
GAINS_LABEL_WIDTH = 34
GAINS_WORDS_WIDTH = 60
"""Where the stage gains chart wraps component names and the numbers column's words
(characters): long names and notes once collapsed its layout and cut both off."""
SURVIVAL_TITLE = "In what share of simulated futures is the shortfall closed by each date?"
NEVER_CLOSED_WORDS = "not closed in any future\nunder any variant"
CI_LABEL = "95% confidence interval"
CENSORED_LABEL = "Hatched: in some futures a side never closed (censored; see the share)"
BAND_NOTE = "Light bands: 10–90% of simulated futures"
NO_BANDS_NOTE = "{n} variants: medians only (their 10–90% bands would hide each other)"
MAX_BANDS = 3


def variant_label(name: str, names: Mapping[str, str] | None = None) -> str:
    """A plain label: `names[name]`, else stage sets in words ("Sharing + new machines",
    "All three stages", "No stages"), else the name itself."""
    if names and name in names:
        return names[name]
    if name == "none":
        return "No stages"
    parts = name.split("+")
    if not all(p in STAGE_WORDS for p in parts):
        return name
    if len(set(parts)) == len(STAGE_WORDS):
        return "All three stages"
    words = " + ".join(STAGE_WORDS[p] for p in parts)
    return (words[0].upper() + words[1:]) + (" only" if len(parts) == 1 else "")


def close_dates_compared(
    survival: pd.DataFrame,
    *,
    end_date: dt.date | str,
    start_date: dt.date | str,
    component: str = ALL,
    names: Mapping[str, str] | None = None,
    component_name: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """By each date, in what share of simulated futures is the shortfall closed — under each
    variant?

    One step line per variant from `survival` (`simulator.analysis.close_dates.survival`:
    ``variant``, ``component``, ``date``, ``share_closed``), for `component` (``all`` by
    default); futures never closed by the end keep the line below 100%, and the share
    never closed is in each variant's legend entry. `names` maps variants to plain names.
    """
    rows = survival[survival["component"].astype(str) == component]
    if rows.empty:
        raise ValueError(f"no survival rows for component {component!r}")
    start, end = as_datetime(start_date), as_datetime(end_date)
    with chart_style():
        fig, ax = figure_and_axes(ax, figsize=(9.0, 5.0))
        for i, (variant, frame) in enumerate(_by_variant(rows)):
            frame = frame.sort_values("date")
            dates = pd.DatetimeIndex(pd.to_datetime(frame["date"])).to_pydatetime()
            shares = frame["share_closed"].to_numpy(float)
            share = float(shares[-1]) if len(shares) else 0.0
            label = f"{variant_label(variant, names)} — never closed: {100 * (1 - share):.0f}%"
            ax.step(dates, shares, where="post", label=label, linewidth=1.8,
                    **_variant_style(i))
        left, right = (float(mdates.date2num(d)) for d in (start, end))
        ax.axvline(right, color=END_COLOUR, linestyle="--", linewidth=1.0)
        ax.annotate("end of horizon", xy=(right, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(-4, -4), textcoords="offset points", ha="right", va="top",
                    fontsize=8, color=END_COLOUR)
        ax.set_xlim(left, right + (right - left) * 0.01)
        ax.set_ylim(0, 1.1)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        share_axis(ax)
        plain_date_axis(ax)
        ax.set_ylabel("Share of simulated futures closed by this date")
        what = component_name or (OVERALL_NAME if component == ALL else component)
        ax.set_title(title or f"{CLOSE_TITLE} — {what}", loc="left")
        ax.legend(loc="upper left")
    return fig


def shortfall_paths_compared(
    medians: pd.DataFrame,
    *,
    unit: str | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """How much is still missing month by month in the typical future, under each variant,
    and how uncertain is it?

    `medians` is the overall (``all``) rows of the ``shortfall_bands`` analysis table:
    ``month`` (Timestamp or "YYYY-MM"), ``variant``, ``shortfall`` (the median),
    ``shortfall_p10`` and ``shortfall_p90`` (one row per variant and month). Each
    variant's median shortfall is a line over a light band from its 10% to its 90%
    quantile; with more than `MAX_BANDS` variants the bands are left out (overlaid, they
    hide each other and the lines) and a note says so. `unit` is the unit of the values
    (the currency for the overall shortfall); the y label reads "<unit> per year".
    """
    variants = _by_variant(medians)
    bands = len(variants) <= MAX_BANDS
    with chart_style():
        fig, ax = figure_and_axes(ax, figsize=(9.0, 5.0 if bands else 6.5))
        for i, (variant, frame) in enumerate(variants):
            frame = frame.assign(month=pd.to_datetime(frame["month"].astype(str).str[:7],
                                                      format="%Y-%m")).sort_values("month")
            x = cast(pd.DatetimeIndex, pd.DatetimeIndex(frame["month"])).to_pydatetime()
            style = _variant_style(i)
            if bands:
                ax.fill_between(x, frame["shortfall_p10"].to_numpy(float),
                                frame["shortfall_p90"].to_numpy(float),
                                color=style["color"], alpha=0.15, linewidth=0)
            ax.plot(x, frame["shortfall"].to_numpy(float), linewidth=1.8,
                    label=f"{variant_label(variant, names)} (median)", **style)
        ax.set_ylim(bottom=0)
        plain_date_axis(ax)
        plain_number_axis(ax)
        ax.set_ylabel(f"Still missing, {unit} per year" if unit else "Still missing per year")
        ax.set_title(title or PATHS_TITLE, loc="left")
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Patch(facecolor="#999999", alpha=0.3 if bands else 0.0, linewidth=0))
        labels.append(BAND_NOTE if bands else NO_BANDS_NOTE.format(n=len(variants)))
        if bands:
            ax.legend(handles, labels, loc="upper right")
        else:  # many variants: below the plot, where it hides no line
            fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
    return fig


def stage_gains_chart(
    gains: pd.DataFrame,
    names: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """How many months earlier does each added stage close the shortfall, per component
    and overall, and how sure is that?

    `gains` is `simulator.analysis.comparison.stage_gains` output: one row per component
    (``all`` drawn first, as the overall row) and added stage. Each gets a horizontal bar
    of ``earlier_months`` — the paired difference of the restricted mean time to close,
    months earlier (+) or later (−) than without the stage, a future that never closes
    counting as the end of the run — with its 95% interval as a line, and the number
    with its interval (or, where nothing changes in any future, the ``note`` in words:
    "already closed by sharing", "neither closes by December 2030") in a column to the
    right of the plot, so no text is drawn over a bar or a line. `names` maps component
    ids to plain names.
    """
    names = dict(names or {})
    if gains.empty:
        raise ValueError("the gains table is empty: nothing to draw")
    components = _components_overall_first(gains["component"])
    stages = list(dict.fromkeys(gains["stage"].astype(str)))
    pitch = 0.8 / len(stages)
    # a bar's slot is as tall as its words (wrapped to the column's width) need
    lines = max(_earlier_text(row).count("\n") + 1 for row in gains.itertuples(index=False))
    slot = max(0.26, 0.135 * lines + 0.05)
    height = len(components) * (slot * len(stages) + 0.14) + 1.9
    with chart_style():
        fig = Figure(figsize=(12.0, height), layout="constrained")
        ax = fig.add_subplot()
        ax.set_axisbelow(True)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        ax.grid(axis="y", visible=False)
        position = {c: i for i, c in enumerate(components)}
        for j, stage in enumerate(stages):
            part = gains[gains["stage"].astype(str) == stage]
            y = part["component"].astype(str).map(position).to_numpy(float) \
                + (j - (len(stages) - 1) / 2) * pitch
            _draw_earlier_bars(ax, part, y, pitch, stage, j)
        ax.axvline(0, color="#444444", linewidth=0.8)
        ax.set_yticks(range(len(components)),
                      [textwrap.fill(_component_label(c, names), GAINS_LABEL_WIDTH)
                       for c in components])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(components) - 0.5, -0.5)
        low = np.nanmin(np.r_[0.0, gains["earlier_months_low"].to_numpy(float),
                              gains["earlier_months"].to_numpy(float)])
        high = np.nanmax(np.r_[1.0, gains["earlier_months_high"].to_numpy(float),
                               gains["earlier_months"].to_numpy(float)])
        pad = 0.04 * (high - low)
        ax.set_xlim(low - pad if low < 0 else 0.0, high + pad)
        ax.set_xlabel(EARLIER_LABEL)
        ax.annotate(NUMBERS_HEADER, xy=(1.0, 1.0), xycoords="axes fraction", xytext=(8, 6),
                    textcoords="offset points", ha="left", va="bottom", fontsize=8,
                    fontweight="bold")
        n = int(np.nanmax(gains["n_pairs"].to_numpy(float)))
        ax.annotate(textwrap.fill(GAINS_SUBTITLE.format(n=n), 150), xy=(0.01, 1.0),
                    xycoords=("figure fraction", "axes fraction"), xytext=(0, 24),
                    textcoords="offset points", ha="left", va="bottom", fontsize=8,
                    color="#333333")
        fig.suptitle(title or GAINS_TITLE, x=0.01, ha="left", fontsize=11,
                     fontweight="bold")
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Line2D([], [], color="#333333", marker="|", markersize=8,
                              linestyle="-", linewidth=1.0))
        labels.append(CI_LABEL)
        fig.legend(handles, labels, loc="outside lower center", ncols=len(handles))
    return fig


def survival_small_multiples(
    survival: pd.DataFrame,
    names: Mapping[str, str] | None = None,
    variant_labels: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
    ncols: int = 3,
) -> Figure:
    """By each date, in what share of simulated futures is each component's shortfall
    closed — with each stage set (or variant)?

    `survival` is `simulator.analysis.comparison.survival` output (``variant``,
    ``component``, ``date``, ``share_closed``; rows at the start, at each close and at the
    end of the run). One panel per component, the value-weighted overall first; in each,
    one step line per variant (colour and line style as in the other comparison charts,
    the first variant drawn widest so that lines that coincide stay visible). A panel in
    which no variant ever closes says so in words. `names` maps component ids to plain
    names, `variant_labels` variants to plain labels (stage sets are put in words by
    default). One legend for every panel.
    """
    if survival.empty:
        raise ValueError("the survival table is empty: nothing to draw")
    components = _components_overall_first(survival["component"])
    variants = list(dict.fromkeys(survival["variant"].astype(str)))
    names = dict(names or {})
    ncols = max(1, min(ncols, len(components)))
    nrows = math.ceil(len(components) / ncols)
    dates = pd.to_datetime(survival["date"])
    left, right = dates.min().to_pydatetime(), dates.max().to_pydatetime()
    with chart_style():
        fig = Figure(figsize=(10.0, 2.0 * nrows + 1.4), layout="constrained")
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        for k, component in enumerate(components):
            ax = axes[k // ncols][k % ncols]
            rows = survival[survival["component"].astype(str) == component]
            for i, variant in enumerate(variants):
                line = rows[rows["variant"].astype(str) == variant].sort_values("day")
                if line.empty:
                    continue
                x = cast(pd.DatetimeIndex, pd.DatetimeIndex(line["date"])).to_pydatetime()
                ax.step(x, line["share_closed"].to_numpy(float), where="post",
                        linewidth=max(1.3, 2.6 - 0.6 * i),
                        label=variant_label(variant, variant_labels), **_variant_style(i))
            if not (rows["share_closed"] > 0).any():
                ax.text(0.5, 0.55, NEVER_CLOSED_WORDS, transform=ax.transAxes, ha="center",
                        va="center", fontsize=8, color="#555555")
            ax.set_title(textwrap.fill(_component_label(component, names), 40), loc="left",
                         fontsize=9, fontweight="bold" if component == ALL else "normal")
        for k in range(len(components), nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
            # the panel above is then the lowest of its column: it shows the years
            axes[k // ncols - 1][k % ncols].xaxis.set_tick_params(labelbottom=True)
        first = axes[0][0]
        first.set_xlim(left, right)
        first.set_ylim(-0.03, 1.05)
        first.set_yticks([0, 0.5, 1.0])
        share_axis(first)
        _year_ticks(first, left, right)
        for row in axes:
            row[0].set_ylabel("Futures closed")
        fig.suptitle(title or SURVIVAL_TITLE, x=0.01, ha="left", fontsize=11,
                     fontweight="bold")
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center",
                   ncols=legend_columns(labels, width=fig.get_figwidth()))
    return fig


def legend_columns(labels: list[str], *, width: float) -> int:
    """How many columns a legend of `labels` under a figure `width` inches wide can take
    without running past its edges (about 12 characters an inch at the legend's size)."""
    room = int(width * 12)
    for columns in range(len(labels), 1, -1):
        longest = max(len(label) for label in labels)
        if columns * (longest + 6) <= room:
            return columns
    return 1


def _draw_earlier_bars(ax: Axes, part: pd.DataFrame, y: np.ndarray, pitch: float,
                       stage: str, j: int) -> None:
    """One added stage's bars and 95% interval lines, and their numbers (or the note) in
    the column right of the plot."""
    colour = STAGE_COLOURS.get(stage, VARIANT_COLOURS[j % len(VARIANT_COLOURS)])
    earlier = part["earlier_months"].to_numpy(float)
    low = part["earlier_months_low"].to_numpy(float)
    high = part["earlier_months_high"].to_numpy(float)
    notes = (part["note"].fillna("").astype(str).tolist() if "note" in part
             else [""] * len(part))
    ax.barh(y, np.nan_to_num(earlier), height=pitch * 0.85, color=colour,
            edgecolor="#333333", linewidth=0.4, label=STAGE_LABELS.get(stage, stage))
    spread = np.isfinite(low) & np.isfinite(high) & (high > low)
    if spread.any():
        ax.errorbar(earlier[spread], y[spread],
                    xerr=np.vstack([earlier[spread] - low[spread],
                                    high[spread] - earlier[spread]]),
                    fmt="none", ecolor="#333333", elinewidth=1.0, capsize=3)
    words = [_earlier_text(row) for row in part.itertuples(index=False)]
    for yy, text, note in zip(y, words, notes, strict=True):
        ax.annotate("■", xy=(1.0, yy), xycoords=("axes fraction", "data"), xytext=(8, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=7.5,
                    color=colour)
        ax.annotate(text, xy=(1.0, yy), xycoords=("axes fraction", "data"), xytext=(19, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=7.5,
                    color="#222222" if not note else "#555555")


def _earlier_text(row: Any) -> str:
    """A gains row's words in the numbers column, as wrapped there."""
    note = getattr(row, "note", "")
    return textwrap.fill(_earlier_words(row.earlier_months, row.earlier_months_low,
                                        row.earlier_months_high,
                                        note if isinstance(note, str) else ""),
                         GAINS_WORDS_WIDTH)


def _earlier_words(value: float, low: float, high: float, note: str) -> str:
    """"+8.2 (5.2 to 11.3)", or "0 — already closed by sharing" where nothing changes."""
    if note:
        return f"0 — {note}"
    if not np.isfinite(value):
        return "no futures to compare"
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{_signed(value)} (one future: no interval)"
    return f"{_signed(value)} ({_signed(low)} to {_signed(high)})"


def _signed(value: float) -> str:
    """+8.2, −1.5 (a true minus sign), and 0.0 without a sign."""
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text.replace("-", "−")


def _component_label(component: str, names: Mapping[str, str]) -> str:
    return names.get(component) or (OVERALL_NAME if component == ALL else component)


def _year_ticks(ax: Axes, left: dt.datetime, right: dt.datetime) -> None:
    """Year ticks on a date axis (every other year past six), fixed positions: matplotlib's
    rrule-based locators are slow."""
    years = list(range(left.year + (left.month > 1 or left.day > 1), right.year + 1))
    step = 2 if len(years) > 6 else 1
    ticks = [dt.datetime(year, 1, 1) for year in years[::step]]
    ax.xaxis.set_major_locator(FixedLocator(mdates.date2num(ticks)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _by_variant(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(variant, rows) in order of first appearance."""
    order = list(dict.fromkeys(table["variant"].astype(str)))
    variants = table["variant"].astype(str)
    return [(v, table[variants == v]) for v in order]


def _variant_style(i: int) -> dict:
    return {"color": VARIANT_COLOURS[i % len(VARIANT_COLOURS)],
            "linestyle": VARIANT_LINESTYLES[i % len(VARIANT_LINESTYLES)]}


def _components_overall_first(components: pd.Series) -> list[str]:
    seen = list(dict.fromkeys(components.astype(str)))
    return ([ALL] if ALL in seen else []) + [c for c in seen if c != ALL]
