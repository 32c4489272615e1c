"""Charts of money: what each paying stage receives, commits and spends each year, and what
a unit of capacity costs.

`money_by_year` draws, for new machines (stage 2) and new plants (stage 3) side by side,
per year the money released to the stage (budget and tranches), the capex committed (orders
placed, projects started) and the capex spent (paid out): the mean over simulated futures,
with whiskers for the 10–90% range. `cost_per_unit_chart` draws, per component and paying
stage, the capex spent per unit/year of capacity added by the end (all futures pooled).
Both draw the tables of `simulator.analysis.money` (``money_by_year``, ``cost_per_unit``)
and compute nothing themselves.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from simulator.analysis.money import MONEY_KINDS, PAYING_STAGES
from simulator.charts.stage_speed import STAGE_SHORT, label_years, year_centres
from simulator.charts.style import (
    STAGE_COLOURS,
    STAGE_LABELS,
    chart_style,
    plain_number,
    plain_number_axis,
)

KIND_LABELS = {
    "released": "Money released to the stage (budget, tranches)",
    "capex_committed": "Capex committed (machines ordered, plants started)",
    "capex_spent": "Capex spent (paid out)",
}
MONEY_TITLE = "How much money each stage receives, commits and spends, year by year"
COST_TITLE = "What does a unit of yearly capacity cost, by component and stage?"
COST_NOTE = ("Capex spent ÷ capacity in place, both at the end of the run; all simulated "
             "futures pooled.\nEach figure is per unit a year of capacity, in the unit "
             "after the dot (e.g. per engine a year).")
COST_OFFSET = 0.36  # the two stages' dots sit just above and below their component's middle
WHISKER_NOTE = ("Bars: mean of {n} simulated futures; whiskers (committed, spent): "
                "10–90% of futures")


# --------------------------------------------------------------------------- the charts


def money_by_year(table: pd.DataFrame, *, currency: str | None = None,
                  end_date: object = None, start_date: object = None,
                  title: str | None = None) -> Figure:
    """Each year, how much money does each paying stage receive, commit and spend — and does
    the money arrive before it is needed?

    Parameters
    ----------
    table
        One variant's ``money_by_year`` table (`simulator.analysis.money.money_by_year`):
        ``year``, ``stage``, ``kind`` (``released``, ``capex_committed``,
        ``capex_spent``), ``mean``, ``p10``, ``p90``, ``n``.
    currency
        For the y label ("RUB per year").
    start_date, end_date
        The run's first and last day, so that years covered in part say so.
    """
    n = int(table["n"].max()) if len(table) else 0
    stages = [s for s in PAYING_STAGES if (table["stage"] == s).any()] if len(table) else []
    stages = stages or list(PAYING_STAGES)
    with chart_style():
        fig = Figure(figsize=(11.0, 4.8), layout="constrained")
        axes = fig.subplots(1, len(stages), squeeze=False)[0]
        for ax, stage in zip(axes, stages, strict=True):
            part = _by_year(table, stage)
            _draw_money(ax, part, stage)
            ax.set_title(STAGE_LABELS[stage], loc="left", fontsize=10)
            ax.set_ylabel(f"{currency} per year" if currency else "money per year")
            years = [int(y) for y in part["year"]] if len(part) else []
            label_years(ax, years, start_date=start_date,  # type: ignore[arg-type]
                        end_date=end_date)  # type: ignore[arg-type]
        keys = _money_legend(stages)
        legend = fig.legend(cast(Any, keys),  # tuples: drawn side by side by HandlerTuple
                            [KIND_LABELS[kind] for kind in MONEY_KINDS],
                            handler_map={tuple: HandlerTuple(ndivide=None, pad=0.4)},
                            handlelength=3.2, loc="outside lower center", ncols=3,
                            title=WHISKER_NOTE.format(n=n) if n else None)
        legend.get_title().set_fontsize(8)
        fig.suptitle(title or MONEY_TITLE, fontweight="bold")
    return fig


def _by_year(table: pd.DataFrame, stage: str) -> pd.DataFrame:
    """One stage's rows reshaped to one row per year: ``year``, then per kind its mean
    (``<kind>``) and range (``<kind>_p10``, ``<kind>_p90``)."""
    rows = table[table["stage"] == stage] if len(table) else table
    columns = ["year", *(f"{k}{s}" for k in MONEY_KINDS for s in ("", "_p10", "_p90"))]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    wide = rows.pivot(index="year", columns="kind", values=["mean", "p10", "p90"])
    out = pd.DataFrame({"year": wide.index.astype(int)})
    for kind in MONEY_KINDS:
        for value, suffix in (("mean", ""), ("p10", "_p10"), ("p90", "_p90")):
            out[f"{kind}{suffix}"] = (wide[(value, kind)].to_numpy(float)
                                      if (value, kind) in wide else np.nan)
    return out[columns]


def _kind_style(stage: str, kind: str) -> dict:
    colour = STAGE_COLOURS[stage]
    if kind == "released":
        return {"facecolor": "#FFFFFF", "edgecolor": colour, "linewidth": 1.2, "hatch": None}
    if kind == "capex_committed":
        return {"facecolor": colour, "edgecolor": "#FFFFFF", "linewidth": 0.0, "hatch": "////",
                "alpha": 0.55}
    return {"facecolor": colour, "edgecolor": "#FFFFFF", "linewidth": 0.4, "hatch": None}


def _draw_money(ax: Axes, part: pd.DataFrame, stage: str) -> None:
    if part.empty:
        ax.text(0.5, 0.5, "no money flows", transform=ax.transAxes, ha="center")
        return
    width = 0.27
    centres = year_centres(part["year"].astype(int))
    for i, kind in enumerate(MONEY_KINDS):
        x = centres + (i - 1) * width
        values = np.nan_to_num(part[kind].to_numpy(dtype=float))
        ax.bar(x, values, width=width * 0.92, **_kind_style(stage, kind))
        low = np.nan_to_num(part[f"{kind}_p10"].to_numpy(dtype=float))
        high = np.nan_to_num(part[f"{kind}_p90"].to_numpy(dtype=float))
        spread = high > low
        if kind == "released":  # scheduled money: only its timing varies; no whiskers
            continue
        ax.errorbar(x[spread], values[spread],
                    yerr=[np.clip(values - low, 0, None)[spread],
                          np.clip(high - values, 0, None)[spread]],
                    fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
    ax.set_ylim(bottom=0)
    plain_number_axis(ax)


def _money_legend(stages: Sequence[str]) -> list[tuple[Patch, ...]]:
    """One key per money kind, in that kind's style, with a swatch in each drawn stage's
    colour side by side (the bars' own colours)."""
    return [tuple(Patch(label=KIND_LABELS[kind], **_kind_style(stage, kind)) for stage in stages)
            for kind in MONEY_KINDS]


def cost_per_unit_chart(table: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                        units: Mapping[str, str] | None = None, currency: str | None = None,
                        order: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """For each component, what does a unit of yearly capacity cost when bought as new
    machines, and when built as new plants?

    Capex spent by the end over the nameplate capacity in place by the end (units per year),
    all simulated futures pooled; a dot per component and stage on a log scale (components
    differ by orders of magnitude; a dot's position, not a bar's length, carries the
    value). Money spent on plants still being built at the end raises the figure, and
    capacity is not credited for its life after the end.

    Parameters
    ----------
    table
        One variant's ``cost_per_unit`` table (`simulator.analysis.money.cost_per_unit`):
        ``component``, ``stage``, ``capex_spent_sum``, ``capacity_added_sum``,
        ``cost_per_unit``.
    names, units
        Plain names and units of the components.
    currency
        For the x label and the figures.
    order
        Component ids top to bottom (default: as in `table`).
    """
    names, units = dict(names or {}), dict(units or {})
    components = list(dict.fromkeys(table["component"])) if len(table) else []
    if order is not None:
        components = [c for c in order if c in components] + [
            c for c in components if c not in order]
    drawn = [c for c in components
             if table[(table["component"] == c)]["cost_per_unit"].notna().any()]
    idle = [c for c in components if c not in drawn]
    money = currency or "money"
    with chart_style():
        fig = Figure(figsize=(9.0, 0.6 * max(len(drawn), 2) + 2.1), layout="constrained")
        ax = fig.add_subplot()
        for row in range(1, len(drawn)):  # a thin rule between components
            ax.axhline(row - 0.5, color="#CCCCCC", linewidth=0.6, zorder=0)
        for j, stage in enumerate(PAYING_STAGES):
            y = np.arange(len(drawn)) + (j - 0.5) * COST_OFFSET
            values = np.array([_cost(table, c, stage) for c in drawn], dtype=float)
            shown = np.isfinite(values) & (values > 0)
            ax.plot(values[shown], y[shown], linestyle="", **_cost_marker(stage))
            for yi, value, component in zip(y, values, drawn, strict=True):
                if np.isfinite(value) and value > 0:
                    ax.annotate(f"{plain_number(value)} {money}", (value, yi),
                                xytext=(7, 0), textcoords="offset points", va="center",
                                ha="left", fontsize=7)
                else:
                    why = f"{STAGE_SHORT[stage]}: {_why_missing(table, component, stage)}"
                    ax.text(0.005, yi, why, va="center",
                            ha="left", fontsize=7, color="#555555",
                            transform=ax.get_yaxis_transform())
        labels = [textwrap.fill(_cost_label(names.get(c) or c, units.get(c)), LABEL_WIDTH)
                  for c in drawn]
        ax.set_yticks(range(len(drawn)), labels)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(drawn) - 0.5, -0.5)
        finite = table["cost_per_unit"].dropna()
        finite = finite[finite > 0]
        if len(finite):
            ax.set_xscale("log")
            ax.set_xlim(finite.min() / 2.0, finite.max() * 5.0)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: plain_number(v)))
        ax.grid(False, axis="y")
        ax.grid(True, axis="x", color="#DDDDDD", linewidth=0.6)
        ax.set_xlabel(f"{money} spent per unit of yearly capacity added (log scale)")
        note = COST_NOTE
        if not drawn:
            ax.set_xticks([])
            ax.set_xlabel("")
            ax.text(0.5, 0.5, "No capacity was bought or built by the end in these results",
                    transform=ax.transAxes, ha="center", va="center", color="#555555")
            idle = []
        if idle:
            note += "\nNo capacity bought or built for: " + ", ".join(
                names.get(c) or c for c in idle)
        # from the figure's left edge, wrapped to its width (as an axes title it started
        # where the plot starts, right of the names, and ran off the figure)
        ax.annotate("\n".join(textwrap.fill(line, int(NOTE_CHARS_PER_INCH
                                                       * fig.get_figwidth()))
                              for line in note.split("\n")),
                    xy=(0.01, 1.0), xycoords=("figure fraction", "axes fraction"),
                    xytext=(0, 8), textcoords="offset points", ha="left", va="bottom",
                    fontsize=8)
        if drawn:
            fig.legend(handles=[Line2D([], [], linestyle="", label=STAGE_LABELS[s],
                                       **_cost_marker(s)) for s in PAYING_STAGES],
                       loc="outside lower center", ncols=2, fontsize=8)
        fig.suptitle(title or COST_TITLE, fontweight="bold")
    return fig


LABEL_WIDTH = 36
"""Characters a line of a component's name takes beside the cost chart (longer ones wrap:
a long name once pushed the plot and its labels off the figure)."""
NOTE_CHARS_PER_INCH = 12
"""About how many characters of 8-point text an inch of figure holds."""


def _cost_marker(stage: str) -> dict:
    """A dot per stage: its colour, and a shape of its own so that grey prints read."""
    return {"marker": "o" if stage == "procurement" else "D", "markersize": 7,
            "color": STAGE_COLOURS[stage], "markeredgecolor": "#333333",
            "markeredgewidth": 0.6}


def _cost_label(name: str, unit: str | None) -> str:
    """The component's name, then the unit it is counted in: "Engines · engines" (the name
    alone for the generic "units")."""
    return f"{name} · {unit}" if unit and unit != "units" else name


def _cost(table: pd.DataFrame, component: str, stage: str) -> float:
    row = table[(table["component"] == component) & (table["stage"] == stage)]
    return float(row["cost_per_unit"].iloc[0]) if len(row) else np.nan


def _why_missing(table: pd.DataFrame, component: str, stage: str) -> str:
    row = table[(table["component"] == component) & (table["stage"] == stage)]
    if row.empty:
        return "no figures"
    spent = float(row["capex_spent_sum"].iloc[0])
    if np.isfinite(spent) and spent > 0:
        return "money spent, nothing finished by the end"
    return "nothing bought or built"
