"""Charts of how the gap is closed over time, stage by stage.

Month by month, the median over replications of what each stage serves and of what is
still missing, stacked in merit order (sharing, new machines, new plants, shortfall), with
the median gap as a line and the shortfall's 10–90% range across simulated futures as a
band on top. `shortfall_by_stage` draws one component (or ``all``, in money);
`shortfall_small_multiples` draws the overall panel and one small panel per component.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import cast

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.charts.style import (
    BAND_LABEL,
    GAP_COLOUR,
    GAP_LABEL,
    STAGE_COLOURS,
    chart_style,
    figure_and_axes,
    plain_date_axis,
    plain_number_axis,
    stage_fill,
)
from simulator.summary import ALL, STACK, stage_medians_by_month

STACK_STAGES = ("sharing", "procurement", "investment", "shortfall")
OVERALL_NAME = "All components (value-weighted)"


def shortfall_by_stage(
    series: pd.DataFrame | Callable[[str], pd.DataFrame],
    *,
    component: str = ALL,
    title: str | None = None,
    unit: str | None = None,
    name: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """How much of the gap does each stage close, month by month, and how much is still
    missing — in the typical simulated future, and how uncertain is what remains?

    Parameters
    ----------
    series
        The run's ``series`` table.
    component
        A component id, or ``"all"`` for the value-weighted total (in currency per year).
    title
        Defaults to "How the component gap is closed, by stage (median of N simulated
        futures)".
    unit
        The unit of the values: the component's unit, or the currency for ``all``;
        the y label reads "<unit> per year".
    name
        The component's name for the default title.
    ax
        Draw into this axes instead of a new figure.
    """
    bands = _bands(series, component)
    n = bands.attrs["n_replications"]
    with chart_style():
        fig, ax = figure_and_axes(ax, figsize=(9.0, 5.2))
        draw_stage_stack(ax, bands)
        ax.set_title(title or _default_title(component, name, n), loc="left")
        ax.set_ylabel(_y_label(component, unit))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=3)
    return fig


def shortfall_small_multiples(
    series: pd.DataFrame | Callable[[str], pd.DataFrame],
    components: Sequence[str],
    *,
    names: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    ncols: int = 3,
    title: str | None = None,
) -> Figure:
    """For each component, and overall, how is the gap closed stage by stage over time?

    One small panel per component (each on its own scale and unit) after the overall,
    value-weighted panel; one shared legend. `names` and `units` map component ids (and
    ``"all"``, whose unit is the currency) to plain names and units. `series` may be a
    function giving one component's rows, so a large batch is read a component at a time.
    """
    names, units = dict(names or {}), dict(units or {})
    panels = [ALL, *[c for c in components if c != ALL]]
    ncols = max(1, min(ncols, len(panels)))
    nrows = math.ceil(len(panels) / ncols)
    with chart_style():
        fig = Figure(figsize=(4.2 * ncols, 3.0 * nrows + 1.2), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        n = 0
        for ax, component in zip(axes, panels, strict=False):
            bands = _bands(series, component)
            n = bands.attrs["n_replications"]
            draw_stage_stack(ax, bands)
            default = OVERALL_NAME if component == ALL else component
            ax.set_title(names.get(component) or default, loc="left", fontsize=10)
            ax.set_ylabel(_y_label(component, units.get(component)))
        for ax in axes[len(panels):]:
            ax.remove()
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=3)
        fig.suptitle(
            title or f"How each component's gap is closed, by stage (median of {n} simulated "
            "futures)",
            fontweight="bold",
        )
    return fig


def _bands(series: pd.DataFrame | Callable[[str], pd.DataFrame], component: str
           ) -> pd.DataFrame:
    """The monthly bands to draw: from a function (rows or ready bands for a component),
    or computed from the series rows."""
    table = series(component) if callable(series) else series
    if "shortfall_p10" in table.columns:  # already `stage_medians_by_month` output
        return table
    return stage_medians_by_month(table, component)


def draw_stage_stack(ax: Axes, bands: pd.DataFrame) -> None:
    """Draw the stacked medians, the shortfall band and the gap line from
    `simulator.summary.stage_medians_by_month` output into `ax`."""
    x = cast(pd.DatetimeIndex, bands.index).to_pydatetime()  # indexed by month start
    base = pd.Series(0.0, index=bands.index)
    for stage, column in zip(STACK_STAGES, STACK, strict=True):
        top = base + bands[column]
        ax.fill_between(x, base.to_numpy(), top.to_numpy(), **stage_fill(stage))
        base = top
    served = bands[list(STACK[:3])].sum(axis=1)
    low, high = served + bands["shortfall_p10"], served + bands["shortfall_p90"]
    colour = STAGE_COLOURS["shortfall"]
    ax.fill_between(x, low, high, facecolor=colour, alpha=0.18, linewidth=0, label=BAND_LABEL)
    for edge in (low, high):
        ax.plot(x, edge, color=colour, linewidth=0.9, linestyle="--")
    ax.plot(x, bands["gap"], color=GAP_COLOUR, linewidth=1.8, label=GAP_LABEL)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(bottom=0)
    plain_date_axis(ax)
    plain_number_axis(ax)


def _default_title(component: str, name: str | None, n: int) -> str:
    what = "the component gap" if component == ALL else f"the gap in {name or component}"
    return f"How {what} is closed, by stage (median of {n} simulated futures)"


def _y_label(component: str, unit: str | None) -> str:
    if component == ALL:
        return f"{unit} per year" if unit else "value per year"
    return f"{unit or 'units'} per year"
