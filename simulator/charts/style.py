"""The charts' look: one colour, hatch and plain-words label per stage, and axis helpers.

Colours are from the Okabe–Ito palette (safe for the common colour-vision deficiencies);
the stages also differ in lightness and hatching so that a chart printed in grey still
reads: sharing light, new machines mid, new plants dark and dotted, the shortfall hatched.
Charts build `matplotlib.figure.Figure` objects directly (no pyplot state), inside
`chart_style()` so that fonts and sizes are the same everywhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, PercentFormatter

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

STAGE_COLOURS = {
    "sharing": OKABE_ITO["sky_blue"],
    "procurement": OKABE_ITO["bluish_green"],
    "investment": OKABE_ITO["blue"],
    "shortfall": OKABE_ITO["vermillion"],
}
STAGE_HATCHES = {"sharing": "", "procurement": "", "investment": "..", "shortfall": "///"}
STAGE_LABELS = {
    "sharing": "Stage 1: sharing spare capacity",
    "procurement": "Stage 2: new machines",
    "investment": "Stage 3: new plants",
    "shortfall": "Still missing (shortfall)",
}
GAP_COLOUR = OKABE_ITO["black"]
GAP_LABEL = "Gap to close (median)"
END_COLOUR = "#555555"

RC: dict[RcKeyType, Any] = {
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "capsim",  # stable ids: the same chart gives the same SVG
}


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """Matplotlib settings shared by every chart (used while drawing and saving)."""
    with mpl.rc_context(RC):
        yield


def stage_fill(stage: str) -> dict[str, Any]:
    """Keyword arguments for a filled area of `stage` (colour, hatch, thin white edge)."""
    hatch = STAGE_HATCHES[stage]
    return {
        "facecolor": STAGE_COLOURS[stage],
        "edgecolor": "#FFFFFF" if not hatch else _darker(STAGE_COLOURS[stage]),
        "hatch": hatch or None,
        "linewidth": 0.4 if not hatch else 0.0,
        "label": STAGE_LABELS[stage],
    }


def figure_and_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure of `ax`, or a new figure with one axes when `ax` is None."""
    if ax is not None:
        try:
            return cast(Figure, ax.get_figure(root=True)), ax  # stubs allow None (detached)
        except TypeError:  # matplotlib < 3.10: get_figure() is already the root figure
            return cast(Figure, ax.get_figure()), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plain_date_axis(ax: Axes, *, axis: str = "x", quarters: bool = True) -> None:
    """Label a date axis plainly: years for spans of three years or more (with quarter
    marks unless `quarters` is False: small multiples go without, as their panels are
    narrow and the marks cost a quarter of such a chart's drawing time), else months.

    Call it after the data (or the limits) are set: it reads the axis' view interval.
    """
    target = ax.xaxis if axis == "x" else ax.yaxis
    low, high = (mdates.num2date(v) for v in sorted(target.get_view_interval()))
    if (high - low).days >= 3 * 365:
        # fixed tick positions: matplotlib's rrule-based locators cost seconds per figure
        first = np.datetime64(low.date(), "Y")
        years = np.arange(first, np.datetime64(high.date(), "Y") + 1)
        marks = np.arange(first.astype("datetime64[M]"),
                          (years[-1] + 1).astype("datetime64[M]"), 3)
        target.set_major_locator(FixedLocator(mdates.date2num(years.astype("datetime64[D]"))))
        target.set_major_formatter(mdates.DateFormatter("%Y"))
        if quarters:
            target.set_minor_locator(
                FixedLocator(mdates.date2num(marks.astype("datetime64[D]"))))
    else:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        target.set_major_locator(locator)
        target.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))


def plain_number_axis(ax: Axes, *, axis: str = "y") -> None:
    """Tick labels like 250k, 1.2m, 3bn instead of scientific notation."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda value, _pos: plain_number(value)))


def share_axis(ax: Axes, *, axis: str = "y") -> None:
    """A 0–100% axis for shares given as fractions."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def plain_number(value: float) -> str:
    """250000 → '250k', 1.25e6 → '1.25m', 3e9 → '3bn'."""
    magnitude = abs(value)
    for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if magnitude >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def as_datetime(value: dt.date | str) -> dt.datetime:
    """A date (or ISO string) as the datetime matplotlib's date axis expects."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return dt.datetime(value.year, value.month, value.day)


def _darker(colour: str, factor: float = 0.55) -> str:
    r, g, b = mpl.colors.to_rgb(colour)
    return mpl.colors.to_hex((r * factor, g * factor, b * factor))
