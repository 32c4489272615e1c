"""Charts of a sensitivity study: which assumptions decide an outcome.

`morris_chart` (μ* against σ), `sobol_chart` (first-order and total indices with their
intervals, sorted) and `tornado_chart` (the outcome's mean at each factor's low and high
end). Each takes the analysis tables (`analysis.sensitivity`), computes nothing itself and
returns a `Figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.analysis.labels import factor_words
from simulator.charts.style import OKABE_ITO, chart_style, figure_and_axes, plain_number_axis

LABELLED = 8  # Morris chart: the factors numbered on the chart and named in its key


def factor_label(name: str, width: int = 44) -> str:
    """A factor's label: in words where it is a grouped field (`factor_words`), else
    without `stages.` and cut at the front if still long."""
    words = factor_words(name)
    if words != name:
        return words
    name = name.removeprefix("stages.")
    return name if len(name) <= width else "…" + name[-(width - 1):]


def morris_chart(table: pd.DataFrame, outcome: str, label: str, *,
                 ax: Axes | None = None) -> Figure:
    """Which factors move `outcome`, and which act through interactions or curvature?
    Morris μ* (mean absolute elementary effect) against σ (their spread), with μ*'s
    replication-noise interval as a horizontal bar."""
    part = table[table["outcome"] == outcome]
    wide = part.pivot_table(index="factor", columns="index", values="value", sort=False)
    noise = part[part["index"] == "mu_star"].set_index("factor")
    with chart_style():
        fig, ax = figure_and_axes(ax, (9.5, 4.6))
        x, y = wide["mu_star"].to_numpy(float), wide["sigma"].to_numpy(float)
        low = (x - noise["noise_low"].reindex(wide.index).to_numpy(float)).clip(0)
        high = (noise["noise_high"].reindex(wide.index).to_numpy(float) - x).clip(0)
        ax.errorbar(x, y, xerr=np.nan_to_num(np.vstack([low, high])), fmt="o",
                    color=OKABE_ITO["blue"], ecolor="#999999", capsize=2)
        # the largest μ* numbered beside their dots and named in a key on the right:
        # names written at the dots would run over each other where dots crowd
        top = np.argsort(-x, kind="stable")[:LABELLED]
        for rank, i in enumerate(top, start=1):
            ax.annotate(str(rank), (x[i], y[i]), fontsize=7, fontweight="bold",
                        xytext=(3, 3), textcoords="offset points")
        key = "\n".join(f"{rank}  {factor_label(str(wide.index[i]), 40)}"
                        for rank, i in enumerate(top, start=1))
        ax.text(1.03, 1.0, key, transform=ax.transAxes, fontsize=7, va="top", ha="left")
        reach = np.concatenate([x + np.nan_to_num(high), y, [0.0]])
        limit = float(np.nanmax(reach)) * 1.08 or 1.0
        ax.plot([0, limit], [0, limit], color="#BBBBBB", linewidth=0.8, linestyle="--")
        ax.set_xlim(0, limit)
        ax.set_ylim(0, limit)
        ax.set_xlabel(f"μ*: mean absolute effect on {label}")
        ax.set_ylabel("σ: spread of the effects")
        plain_number_axis(ax)
        plain_number_axis(ax, axis="x")
        ax.set_title("Which assumptions move the outcome (Morris)")
    return fig


def sobol_chart(table: pd.DataFrame, outcome: str, label: str, *,
                ax: Axes | None = None) -> Figure:
    """How much of the variance of `outcome` each factor explains alone (first order) and
    with its interactions (total), with intervals, most important first."""
    part = table[table["outcome"] == outcome]
    total = part[part["index"] == "ST"].set_index("factor").sort_values("value")
    first = part[part["index"] == "S1"].set_index("factor").reindex(total.index)
    with chart_style():
        fig, ax = figure_and_axes(ax, (7.0, 0.9 + 0.32 * max(3, len(total))))
        rows = np.arange(len(total))
        for values, frame, shift, colour, name in (
                (total["value"], total, 0.18, OKABE_ITO["blue"], "total (with interactions)"),
                (first["value"], first, -0.18, OKABE_ITO["sky_blue"], "first order (alone)")):
            v = values.to_numpy(float)
            err = np.vstack([(v - frame["low"].to_numpy(float)).clip(0),
                             (frame["high"].to_numpy(float) - v).clip(0)])
            ax.barh(rows + shift, v, height=0.34, color=colour, label=name,
                    xerr=np.nan_to_num(err), error_kw={"ecolor": "#555555", "capsize": 2})
        ax.set_yticks(rows, [factor_label(str(f)) for f in total.index])
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(f"Share of the variance of\n{label}")  # two lines: never cut off
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=7)
        fig.suptitle("Which assumptions decide the outcome (Sobol')", fontweight="bold")
    return fig


def tornado_chart(spans: pd.DataFrame, label: str, *, ax: Axes | None = None) -> Figure:
    """How far `label` moves across each factor's range: its mean over the points with the
    factor at its low end and at its high end, widest first."""
    frame = spans.iloc[::-1]
    with chart_style():
        fig, ax = figure_and_axes(ax, (7.0, 0.9 + 0.32 * max(3, len(frame))))
        rows = np.arange(len(frame))
        low, high = frame["at_low"].to_numpy(float), frame["at_high"].to_numpy(float)
        centre = float(frame["mean"].iloc[0]) if len(frame) else 0.0
        ax.barh(rows + 0.17, low - centre, left=centre, height=0.34,
                color=OKABE_ITO["sky_blue"], label="at the low end")
        ax.barh(rows - 0.17, high - centre, left=centre, height=0.34,
                color=OKABE_ITO["vermillion"], label="at the high end")
        ax.axvline(centre, color="#555555", linewidth=0.8, label="mean of all points")
        ax.set_yticks(rows, [factor_label(str(f)) for f in frame["factor"]])
        ax.set_ylim(-0.6, len(frame) - 0.4)
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
        plain_number_axis(ax, axis="x")
        # anchored at the axes' right edge, the legend runs left over the labels' column
        # rather than past the figure's edge
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3, fontsize=7)
        ax.set_xlabel(label)
        fig.suptitle("How far the outcome moves across each assumption's range",
                     fontweight="bold")
    return fig
