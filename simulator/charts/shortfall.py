"""Charts of how the gap is closed over time, stage by stage.

Month by month, each stage's share of the gap and the share still missing, stacked in
merit order (sharing, new machines, new plants, still missing) from 0 to 100%: served (or
missing) summed over the simulated futures, over the gap summed the same way (the measure
the summary's ``gap_share_by_year`` and the heat map use). The uncertainty is the 10–90%
range over futures of the share still missing, drawn where the served part ends: a share
of the gap, it cannot rise above the whole gap. `shortfall_by_stage` draws one component
(or ``all``, value-weighted) under a panel of the gap itself (its median and 10–90%
range, in units or currency a year); `shortfall_small_multiples` draws the shares for the
overall panel and one small panel per component. Both draw the rows of one variant's
``shortfall_bands`` table (`simulator.analysis.shortfall`) and compute nothing.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.analysis.common import ALL
from simulator.analysis.shortfall import SHARES
from simulator.charts.style import (
    GAP_COLOUR,
    GAP_LABEL,
    chart_style,
    figure_and_axes,
    plain_date_axis,
    plain_number_axis,
    share_axis,
    stage_fill,
)

STACK_STAGES = ("sharing", "procurement", "investment", "shortfall")
SHARE_COLUMNS = SHARES
OVERALL_NAME = "All components (value-weighted)"
SHARE_LABEL = "Share of the gap"
MISSING_BAND_LABEL = "Share still missing: 10–90% of futures (dashed)"
GAP_BAND_LABEL = "Gap to close: 10–90% of futures"
SHARES_NOTE = ("Each stage's share of the gap and the share still missing, all futures "
               "pooled")


def shortfall_by_stage(
    bands: pd.DataFrame,
    *,
    component: str = ALL,
    title: str | None = None,
    unit: str | None = None,
    name: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """What share of the gap does each stage close, month by month, what share is still
    missing, and how uncertain is that share?

    A new figure has two panels: the gap itself (median and 10–90% of the simulated
    futures, in `unit` per year) over the shares of it (each stage's share and the share
    still missing, all futures pooled, with the 10–90% range of the share still missing).
    Into a given `ax` only the shares are drawn.

    Parameters
    ----------
    bands
        One variant's ``shortfall_bands`` table (`simulator.analysis.shortfall`); the
        rows of `component` are drawn.
    component
        A component id, or ``"all"`` for the value-weighted total (in currency per year).
    title
        Defaults to "Share of the gap closed by each stage and still missing (N simulated
        futures)".
    unit
        The unit of the gap: the component's unit, or the currency for ``all``; the gap
        panel's y label reads "<unit> per year".
    name
        The component's name for the default title.
    ax
        Draw the shares into this axes instead of a new figure.
    """
    bands = component_rows(bands, component)
    n = int(bands["n_replications"].iloc[0])
    with chart_style():
        if ax is not None:
            fig, shares = figure_and_axes(ax, figsize=(9.0, 5.2))
            draw_stage_stack(shares, bands)
            shares.set_title(title or _default_title(component, name, n), loc="left")
            shares.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=3)
            return fig
        fig = Figure(figsize=(9.0, 6.6), layout="constrained")
        gap, shares = fig.subplots(2, 1, sharex=True, height_ratios=[1.0, 2.6])
        draw_gap(gap, bands)
        gap.set_ylabel(_y_label(component, unit))
        gap.set_title("The gap to close", loc="left", fontsize=9, fontweight="normal")
        draw_stage_stack(shares, bands)
        shares.set_title(SHARES_NOTE, loc="left", fontsize=9, fontweight="normal")
        handles, labels = shares.get_legend_handles_labels()
        gap_handles, gap_labels = gap.get_legend_handles_labels()
        fig.legend([*handles, *gap_handles], [*labels, *gap_labels],
                   loc="outside lower center", ncols=3)
        fig.suptitle(title or _default_title(component, name, n), fontweight="bold")
    return fig


def shortfall_small_multiples(
    bands: pd.DataFrame,
    components: Sequence[str],
    *,
    names: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    ncols: int = 3,
    title: str | None = None,
) -> Figure:
    """For each component, and overall, what share of the gap does each stage close over
    time, and what share is still missing?

    One small panel per component after the overall, value-weighted panel (where the table
    has ``all`` rows), all on the same 0–100% scale; one shared legend. `bands` is one
    variant's ``shortfall_bands`` table (`simulator.analysis.shortfall`: months ×
    components, small whatever the number of futures); `components` the component ids to
    draw, in order. `names` maps component ids (and ``"all"``) to plain names. `units` is
    accepted for symmetry with `shortfall_by_stage`; the panels show shares, so no unit is
    drawn.
    """
    names = dict(names or {})
    del units  # shares carry no unit
    overall = [ALL] if (bands["component"].astype(str) == ALL).any() else []
    panels = [*overall, *[c for c in components if c != ALL]]
    ncols = max(1, min(ncols, len(panels)))
    nrows = math.ceil(len(panels) / ncols)
    with chart_style():
        fig = Figure(figsize=(4.2 * ncols, 3.0 * nrows + 1.2), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        n = 0
        for i, (ax, component) in enumerate(zip(axes, panels, strict=False)):
            rows = component_rows(bands, component)
            n = int(rows["n_replications"].iloc[0])
            draw_stage_stack(ax, rows, quarters=False)  # narrow panels: years only
            if i % ncols:  # the same 0–100% scale: the label once per row
                ax.set_ylabel("")
            default = OVERALL_NAME if component == ALL else component
            # wrapped to the panel's width: a long name ran into the next panel's
            ax.set_title(textwrap.fill(names.get(component) or default, PANEL_TITLE_WIDTH),
                         loc="left", fontsize=10)
        for ax in axes[len(panels):]:
            ax.remove()
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=3)
        text = title or ("Share of each component's gap closed by each stage and still "
                         f"missing ({n} simulated futures, pooled)")
        # wrapped to the figure's width (about 9 bold characters an inch), so a figure of
        # one or two panels does not cut its title off at the edges
        fig.suptitle(textwrap.fill(text, int(9 * fig.get_figwidth())), fontweight="bold")
    return fig


PANEL_TITLE_WIDTH = 44
"""Characters a line of a small panel's title takes (10-point text in a 4.2-inch panel)."""


def component_rows(bands: pd.DataFrame, component: str) -> pd.DataFrame:
    """One component's rows of a ``shortfall_bands`` table, indexed by month (a selection:
    nothing computed). Raises ValueError when the table has no such rows, or holds several
    variants' rows (a chart draws one variant)."""
    if "variant" in bands and bands["variant"].nunique() > 1:
        raise ValueError("shortfall_bands holds several variants' rows: pass one variant's")
    rows = bands[bands["component"].astype(str) == component]
    if rows.empty:
        raise ValueError(f"no shortfall_bands rows for component {component!r}")
    return rows.set_index(pd.DatetimeIndex(rows["month"], name="month"))


def draw_stage_stack(ax: Axes, bands: pd.DataFrame, *, quarters: bool = True) -> None:
    """Draw the stages' shares of the gap stacked from 0 to 100%, the share still missing
    on top, and the 10–90% range of the share still missing where the served part ends,
    from one component's ``shortfall_bands`` rows indexed by month (`component_rows`)
    into `ax`.

    Every drawn edge is held within [0, 1] whatever the table holds, so no band can rise
    above the whole gap or below nothing. `quarters`: quarter marks on the date axis (not
    in narrow panels)."""
    x = cast(pd.DatetimeIndex, bands.index).to_pydatetime()  # indexed by month start
    base = np.zeros(len(bands))
    for stage, column in zip(STACK_STAGES, SHARE_COLUMNS, strict=True):
        if stage == "shortfall":  # what is left of the whole: no gap, nothing drawn
            top = np.where(np.isfinite(bands[column].to_numpy(dtype=float)), 1.0, base)
        else:
            top = np.clip(base + np.nan_to_num(bands[column].to_numpy(dtype=float)), 0.0, 1.0)
        ax.fill_between(x, base, top, **stage_fill(stage))
        base = top
    # the missing share's range, as where the served part ends: 1 - p90 to 1 - p10
    low = 1.0 - np.clip(bands["gap_share_shortfall_p90"].to_numpy(dtype=float), 0.0, 1.0)
    high = 1.0 - np.clip(bands["gap_share_shortfall_p10"].to_numpy(dtype=float), 0.0, 1.0)
    ax.fill_between(x, low, high, facecolor="#FFFFFF", alpha=0.45, edgecolor="none")
    for edge, label in ((low, MISSING_BAND_LABEL), (high, None)):
        ax.plot(x, edge, color=GAP_COLOUR, linewidth=0.9, linestyle=(0, (3, 2)), label=label)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel(SHARE_LABEL)
    share_axis(ax)
    plain_date_axis(ax, quarters=quarters)


def draw_gap(ax: Axes, bands: pd.DataFrame) -> None:
    """Draw the gap's median and its 10–90% range over the futures into `ax`."""
    x = cast(pd.DatetimeIndex, bands.index).to_pydatetime()
    ax.fill_between(x, bands["gap_p10"].to_numpy(dtype=float),
                    bands["gap_p90"].to_numpy(dtype=float), facecolor="#BBBBBB", alpha=0.5,
                    edgecolor="none", label=GAP_BAND_LABEL)
    ax.plot(x, bands["gap"].to_numpy(dtype=float), color=GAP_COLOUR, linewidth=1.6,
            label=GAP_LABEL)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(bottom=0)
    plain_date_axis(ax)
    plain_number_axis(ax)


def _default_title(component: str, name: str | None, n: int) -> str:
    what = "the gap" if component == ALL else f"the gap in {name or component}"
    return textwrap.fill(f"Share of {what} closed by each stage and still missing "
                         f"({n} simulated futures)", 80)


def _y_label(component: str, unit: str | None) -> str:
    if component == ALL:
        return f"{unit} per year" if unit else "value per year"
    return f"{unit or 'units'} per year"
