"""Chart of the assembly view: how many vehicles the parts support, and which part binds.

Cars need every part, so a value-weighted total can hide the one component that limits
output. The upper panel shows, month by month, the vehicles per year that the supply of the
components with a ``units_per_vehicle`` supports (the median over simulated futures, with
the 10–90% range as a band). The lower panel shows, month by month, in what share of the
futures each component is the binding one (the one in shortest supply per vehicle);
components that rarely bind are pooled as "other components". With vehicle families,
`vehicles_by_family` draws a line per family and their sum in the upper panel and one
binding panel per family below (a component keeps its colour in every panel). The
numbers are `simulator.analysis.vehicles`'s tables; the chart only draws them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.analysis.vehicles import ALL_FAMILIES, FAMILY, OTHER
from simulator.charts.style import (
    OKABE_ITO,
    chart_style,
    plain_date_axis,
    plain_number_axis,
    share_axis,
)

TITLE = "How many vehicles can the parts supply support, and which part limits it?"
FAMILY_TITLE = ("How many vehicles of each kind can the parts supply support, and which "
                "part limits each?")
TOTAL_LABEL = "All families (median)"
# vehicle families: Okabe–Ito colours not used for the total (black)
FAMILY_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"],
                  OKABE_ITO["reddish_purple"], OKABE_ITO["orange"], OKABE_ITO["sky_blue"])
MEDIAN_LABEL = "Vehicles supportable (median)"
BAND_LABEL = "10–90% of simulated futures"
OTHER_LABEL = "Other components"
LINE_COLOUR = OKABE_ITO["black"]
BAND_COLOUR = OKABE_ITO["sky_blue"]
# binding components: Okabe–Ito colours, alternating light and dark, and hatches for grey
BIND_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["blue"], OKABE_ITO["yellow"],
                OKABE_ITO["reddish_purple"], OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"],
                OKABE_ITO["sky_blue"])
BIND_HATCHES = (None, "////", "..", "\\\\\\\\", "xx", "--", "oo")
OTHER_COLOUR = "#BBBBBB"


def vehicles_supportable(vehicles: pd.DataFrame, binding: pd.DataFrame, *,
                         names: Mapping[str, str] | None = None,
                         title: str | None = None) -> Figure:
    """How many vehicles a year can the components' supply support over time, how sure is
    that, and which component limits it — in what share of simulated futures?

    Parameters
    ----------
    vehicles
        The ``vehicles`` table of `simulator.analysis.vehicles` (one variant's rows):
        month, median, p10, p90, n_replications.
    binding
        Its ``binding_components`` table (the same variant's rows): month, component,
        rank, share; stacked in rank order, the pooled rarely-binding components
        (``component`` `OTHER`) in grey, as "Other components".
    names
        Plain names of the component ids.
    """
    names = dict(names or {})
    bands = vehicles.sort_values("month")
    n = int(bands["n_replications"].iloc[0]) if len(bands) else 0
    # one column per component, in rank order (a reshaping: the shares are the table's)
    shares = binding.pivot(index="month", columns="component", values="share").sort_index()
    ranks = binding.drop_duplicates("component").sort_values("rank", kind="stable")
    shares = shares[list(ranks["component"])]
    x = pd.DatetimeIndex(bands["month"]).to_pydatetime()
    with chart_style():
        fig = Figure(figsize=(9.0, 7.2), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.3, 1.0])
        top.fill_between(x, bands["p10"], bands["p90"], color=BAND_COLOUR, alpha=0.35,
                         linewidth=0, label=BAND_LABEL)
        top.plot(x, bands["median"], color=LINE_COLOUR, linewidth=1.8, label=MEDIAN_LABEL)
        top.set_ylim(bottom=0)
        plain_number_axis(top)
        top.set_ylabel("vehicles per year")
        top.set_title("Vehicles a year that the parts supply supports"
                      + (f" ({n} simulated futures)" if n else ""), loc="left", fontsize=10)
        top.legend(loc="lower right")
        sx = _binding_panel(bottom, shares, names)
        bottom.set_ylim(0, 1)
        share_axis(bottom)
        bottom.set_ylabel("share of simulated futures")
        bottom.set_title("Which component limits output (binds), month by month", loc="left",
                         fontsize=10)
        bottom.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2)
        if len(sx):
            bottom.set_xlim(sx[0], sx[-1])
        plain_date_axis(bottom)
        fig.suptitle(title or TITLE, fontweight="bold")
    return fig


def vehicles_by_family(vehicles: pd.DataFrame, binding: pd.DataFrame, *,
                       names: Mapping[str, str] | None = None,
                       family_names: Mapping[str, str] | None = None,
                       title: str | None = None) -> Figure:
    """How many vehicles of each family a year can the components' supply support over
    time, how many in all, and which component limits each family?

    Parameters
    ----------
    vehicles
        The ``vehicles`` table of `simulator.analysis.vehicles` for a run with vehicle
        families (one variant's rows): family (``all`` for the sum), month, median, p10,
        p90, n_replications.
    binding
        Its ``binding_components`` table: family, month, component, rank, share.
    names, family_names
        Plain names of the component ids and of the family ids.
    """
    names, family_names = dict(names or {}), dict(family_names or {})
    families = [f for f in pd.unique(vehicles[FAMILY].astype(str)) if f != ALL_FAMILIES]
    n = int(vehicles["n_replications"].iloc[0]) if len(vehicles) else 0
    # a component keeps one colour in every family's panel: by its best rank anywhere
    order = (binding[binding["component"] != OTHER].groupby("component")["rank"].min()
             .sort_values(kind="stable").index)
    colours = {c: (BIND_COLOURS[i % len(BIND_COLOURS)], BIND_HATCHES[i % len(BIND_HATCHES)])
               for i, c in enumerate(order)}
    with chart_style():
        fig = Figure(figsize=(9.0, 4.2 + 1.9 * len(families)), layout="constrained")
        axes = fig.subplots(1 + len(families), 1, sharex=True,
                            height_ratios=[2.0] + [1.0] * len(families), squeeze=False)[:, 0]
        top = axes[0]
        lines = [(f, family_names.get(f) or f, FAMILY_COLOURS[i % len(FAMILY_COLOURS)])
                 for i, f in enumerate(families)]
        lines.append((ALL_FAMILIES, TOTAL_LABEL, LINE_COLOUR))
        for family, label, colour in lines:
            bands = vehicles[vehicles[FAMILY].astype(str) == family].sort_values("month")
            x = pd.DatetimeIndex(bands["month"]).to_pydatetime()
            top.fill_between(x, bands["p10"], bands["p90"], color=colour, alpha=0.15,
                             linewidth=0)
            top.plot(x, bands["median"], color=colour, linewidth=1.8, label=(
                label if family == ALL_FAMILIES else f"{label} (median)"))
        top.set_ylim(bottom=0)
        plain_number_axis(top)
        top.set_ylabel("vehicles per year")
        top.set_title("Vehicles a year the parts supply supports, by family (shaded: "
                      "10–90%" + (f" of {n} simulated futures)" if n else ")"),
                      loc="left", fontsize=10)
        top.legend(loc="upper left", fontsize=8)
        sx = np.array([])
        for ax, family in zip(axes[1:], families, strict=True):
            rows = binding[binding[FAMILY].astype(str) == family]
            shares = rows.pivot(index="month", columns="component", values="share").sort_index()
            ranks = rows.drop_duplicates("component").sort_values("rank", kind="stable")
            sx = _binding_panel(ax, shares[list(ranks["component"])], names, colours)
            ax.set_ylim(0, 1)
            share_axis(ax)
            ax.set_ylabel("share of futures")
            ax.set_title(f"{family_names.get(family) or family}: which component limits "
                         "output (binds)", loc="left", fontsize=10)
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
        if len(sx):
            axes[-1].set_xlim(sx[0], sx[-1])
        plain_date_axis(axes[-1])
        fig.suptitle(title or FAMILY_TITLE, fontweight="bold")
    return fig


def _binding_panel(ax: Axes, shares: pd.DataFrame, names: Mapping[str, str],
                   colours: Mapping[str, tuple[str, str | None]] | None = None) -> np.ndarray:
    """Stack the binding shares (month × component, in stacking order) on `ax` as steps
    over whole months; return the step edges (one more at the end of the last month).
    `colours` gives a component its (colour, hatch); by default by stacking position."""
    starts = pd.DatetimeIndex(shares.index)
    sx = pd.DatetimeIndex(starts.append(starts[-1:] + pd.offsets.MonthBegin(1))
                          if len(starts) else starts).to_pydatetime()
    base = np.zeros(len(sx))
    for i, component in enumerate(shares.columns):
        values = shares[component].to_numpy(dtype=float)
        values = np.append(values, values[-1:]) if len(values) else values
        other = component == OTHER
        if colours is not None and component in colours:
            colour, hatch = colours[component]
        else:
            colour = OTHER_COLOUR if other else BIND_COLOURS[i % len(BIND_COLOURS)]
            hatch = None if other else BIND_HATCHES[i % len(BIND_HATCHES)]
        label = OTHER_LABEL if other else names.get(component) or component
        ax.fill_between(sx, base, base + values, step="post", facecolor=colour,
                        edgecolor="#333333" if hatch else "#FFFFFF", hatch=hatch,
                        linewidth=0.0, label=label)
        base = base + values
    return sx
