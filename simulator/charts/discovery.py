"""Charts of scenario discovery (PRIM): the trade-off, the box, the two main factors.

`peeling_chart` (coverage against density along PRIM's peeling, the chosen box marked),
`box_limits_chart` (each restricted factor's limits against its full range) and
`box_scatter_chart` (the points over the two most restricted factors, coloured by the
outcome, with the box drawn). Each takes the analysis tables (`analysis.discovery`),
computes nothing and returns a `Figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from simulator.charts.sensitivity import factor_label
from simulator.charts.style import OKABE_ITO, chart_style, figure_and_axes, share_axis


def peeling_chart(trajectory: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """How much purity (density) does each box buy at the cost of how many cases of
    interest (coverage)? PRIM's peeling trajectory, the chosen box circled."""
    with chart_style():
        fig, ax = figure_and_axes(ax, (6.0, 4.4))
        points = ax.scatter(trajectory["coverage"], trajectory["density"],
                            c=trajectory["restricted"], cmap="viridis", s=18)
        fig.colorbar(points, ax=ax, label="factors restricted")
        chosen = trajectory[trajectory["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], s=120, facecolors="none",
                   edgecolors=OKABE_ITO["vermillion"], linewidths=1.5, label="chosen box")
        ax.set_xlabel("coverage: share of the cases of interest inside the box")
        ax.set_ylabel("density: share of the box's points that are cases")
        share_axis(ax)
        share_axis(ax, axis="x")
        ax.legend(loc="lower left")
        ax.set_title("PRIM's peeling trajectory")
    return fig


def box_limits_chart(limits: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Where does the box cut each restricted factor's range? The box's limits as a
    share of the factor's full range (0 = its lowest sampled value, 1 = its highest)."""
    part = limits[limits["restricted_low"] | limits["restricted_high"]].iloc[::-1]
    with chart_style():
        fig, ax = figure_and_axes(ax, (6.5, 0.9 + 0.4 * max(2, len(part))))
        width = (part["full_high"] - part["full_low"]).replace(0, np.nan).to_numpy(float)
        low = (part["low"].to_numpy(float) - part["full_low"].to_numpy(float)) / width
        high = (part["high"].to_numpy(float) - part["full_low"].to_numpy(float)) / width
        rows = np.arange(len(part))
        ax.barh(rows, np.ones(len(part)), color="#E5E5E5", height=0.6, label="full range")
        ax.barh(rows, high - low, left=low, color=OKABE_ITO["blue"], height=0.6,
                label="inside the box")
        for i, row in enumerate(part.itertuples()):
            ax.text(1.02, i, f"{row.low:.3g} – {row.high:.3g}", va="center", fontsize=7)
        ax.set_yticks(rows, [factor_label(str(f)) for f in part["factor"]])
        ax.set_xlim(0, 1.25)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("position in the factor's sampled range")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=7)
        fig.suptitle("The box's limits on each restricted assumption", fontweight="bold")
    return fig


def box_scatter_chart(points: pd.DataFrame, values: pd.Series, limits: pd.DataFrame,
                      label: str, *, ax: Axes | None = None) -> Figure:
    """The points over the two most restricted factors, coloured by the outcome, with
    the box's limits on them drawn."""
    order = limits.sort_values("share_of_range", kind="stable")["factor"].tolist()
    first, second = (order + order)[:2] if len(order) == 1 else order[:2]
    lim = limits.set_index("factor")
    with chart_style():
        fig, ax = figure_and_axes(ax, (6.0, 4.6))
        shown = ax.scatter(points[first], points[second], c=values.to_numpy(float),
                           cmap="viridis", s=16)
        fig.colorbar(shown, ax=ax, label=label)
        ax.add_patch(Rectangle((lim.loc[first, "low"], lim.loc[second, "low"]),
                               lim.loc[first, "high"] - lim.loc[first, "low"],
                               lim.loc[second, "high"] - lim.loc[second, "low"],
                               fill=False, edgecolor=OKABE_ITO["vermillion"], linewidth=1.5))
        ax.set_xlabel(factor_label(str(first)))
        ax.set_ylabel(factor_label(str(second)))
        ax.grid(False)
        ax.set_title("The two most restricted assumptions and the box")
    return fig
