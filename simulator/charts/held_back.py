"""Chart of what holds the stages back: money, supplier slots, blocked orders.

Small panels with the constraint figures of SPEC.md section 6, so the reader sees which
lever would help most: days each paying stage's budget stood empty and build-days of new
plants paused for money (more or earlier money helps); money left unspent at the end
(money was not the limit); per supplier, the mean and 90th-percentile wait for a
production slot (more slots or suppliers help); per supplier, orders placed and blocked,
and orders that lapsed (sanctions and export controls, and money gone by re-ordering);
and, per component, how long its machines waited for a slot (the slots serve orders first
come, first served, so more orders elsewhere delay every component's machines). Figures
are means over simulated futures with whiskers for the 10–90% range. The chart draws the
tables of `simulator.analysis.held_back` and computes nothing itself.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import MaxNLocator

from simulator.analysis.common import ALL
from simulator.charts.style import (
    END_COLOUR,
    OKABE_ITO,
    STAGE_COLOURS,
    chart_style,
    plain_number,
    plain_number_axis,
)

TITLE = "What holds the stages back? Money, supplier slots and blocked orders"
NOTE = "Bars: mean of {n} simulated futures; whiskers: 10–90% of futures"
BLOCKED_COLOUR = OKABE_ITO["vermillion"]
STAGE_WORDS = {"procurement": "New machines", "investment": "New plants"}


def what_holds_it_back(budget: pd.DataFrame, suppliers: pd.DataFrame | None,
                       components: pd.DataFrame | None = None, *,
                       currency: str | None = None, run_days: float | None = None,
                       supplier_names: Mapping[str, str] | None = None,
                       component_names: Mapping[str, str] | None = None,
                       title: str | None = None) -> Figure:
    """Which lever would help most — more money, sooner; more supplier slots; or routes
    round the blocks on orders? And whose machines wait longest for a slot?

    Parameters
    ----------
    budget
        One variant's ``budget_held_back`` table (`simulator.analysis.held_back`):
        ``figure``, ``stage``, ``unit``, ``mean``, ``p10``, ``p90``, ``n``.
    suppliers
        One variant's ``supplier_waits`` table: a row per supplier (orders, blocked, slot
        waits) and an ``all`` row (orders lapsed), or None.
    components
        One variant's ``component_waits`` table (machines ordered, slot waits, machines
        still waiting at the end, per component), or None: without it (or without a
        machine that got a slot) the panel of component waits is left out.
    currency
        For the unspent-money panel.
    run_days
        The run's length in days, marked on the waiting-for-money panel for scale.
    supplier_names, component_names
        Plain names of the supplier and component ids.
    """
    per_supplier = pd.DataFrame() if suppliers is None else suppliers
    overall = per_supplier[per_supplier["supplier"] == ALL] if len(per_supplier) else None
    if len(per_supplier):
        per_supplier = per_supplier[per_supplier["supplier"] != ALL].set_index("supplier")
    lapsed = None
    if overall is not None and len(overall) and "lapsed" in overall and \
            np.isfinite(float(overall["lapsed"].iloc[0])):
        lapsed = {"mean": float(overall["lapsed"].iloc[0])}
    names = {k: textwrap.fill(v, 28) for k, v in (supplier_names or {}).items() if v}
    waits = _drawn_waits(components)
    n = int(budget["n"].max()) if len(budget) else 0
    with chart_style():
        height = 8.0 + (_waits_height(waits) if waits is not None else 0.0)
        fig = Figure(figsize=(12.0, height), layout="constrained")
        ratios = [1.0, 1.35] + ([_waits_height(waits) / 3.2] if waits is not None else [])
        rows = cast(Sequence[SubFigure], fig.subfigures(len(ratios), 1, height_ratios=ratios))
        empty, paused, unspent = rows[0].subplots(1, 3)
        slots, orders = rows[1].subplots(1, 2)
        _days_panel(empty, budget[budget["unit"] == "days"], run_days,
                    "Budget stood empty", "days (mean)")
        _days_panel(paused, budget[budget["unit"] == "build-days"], None,
                    "Plant building paused for money", "build-days, summed over plants")
        _unspent_panel(unspent, budget[budget["unit"] == "money"], currency)
        _slots_panel(slots, per_supplier, names)
        _orders_panel(orders, per_supplier, names, lapsed)
        if waits is not None:
            assert components is not None  # `waits` comes from it
            _component_panel(rows[2].subplots(1, 1), waits, components,
                             dict(component_names or {}))
        fig.suptitle(title or TITLE, fontweight="bold")
        if n:
            fig.supxlabel(NOTE.format(n=n), fontsize=8, color="#555555")
    return fig


def _hbars(ax: Axes, labels: list[str], means: np.ndarray, low: np.ndarray,
           high: np.ndarray, colours: list[str], *, hatches: list[str | None] | None = None,
           fmt=lambda v: f"{v:,.0f}") -> None:
    y = np.arange(len(labels))
    means = np.nan_to_num(means)
    bars = ax.barh(y, means, height=0.6, color=colours, edgecolor="#FFFFFF")
    if hatches is not None:
        for patch, hatch in zip(bars.patches, hatches, strict=True):
            if hatch:
                patch.set_hatch(hatch)
                patch.set_edgecolor("#333333")
    spread = np.isfinite(low) & np.isfinite(high) & (high > low)
    ax.errorbar(means[spread], y[spread],
                xerr=[np.clip(means - np.nan_to_num(low), 0, None)[spread],
                      np.clip(np.nan_to_num(high) - means, 0, None)[spread]],
                fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
    for yi, value, top in zip(y, means, np.where(spread, np.nan_to_num(high), means),
                              strict=True):
        ax.text(max(value, top), float(yi), f"  {fmt(value)}", va="center", ha="left", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.grid(False, axis="y")
    ax.grid(True, axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_xlim(left=0)
    right = float(np.nanmax(np.concatenate([means, np.nan_to_num(high)]), initial=0.0))
    ax.set_xlim(0, max(right * 1.25, 1.0))


def _days_panel(ax: Axes, rows: pd.DataFrame, run_days: float | None, title: str,
                xlabel: str) -> None:
    ax.set_title(title, loc="left", fontsize=10)
    if rows.empty:
        _nothing(ax, "not in these results")
        return
    colours = [STAGE_COLOURS[s] for s in rows["stage"]]
    hatches = ["////" if f == "paused_build_days" else None for f in rows["figure"]]
    _hbars(ax, [STAGE_WORDS.get(s, s) for s in rows["stage"]], rows["mean"].to_numpy(float),
           rows["p10"].to_numpy(float), rows["p90"].to_numpy(float), colours, hatches=hatches)
    if run_days:
        ax.axvline(run_days, color=END_COLOUR, linestyle="--", linewidth=1.0)
        left, right = ax.get_xlim()
        ax.set_xlim(left, max(right, run_days * 1.1))
        xlabel += f"; dashed: the run's {run_days:,.0f} days"
    ax.set_xlabel(xlabel)


def _unspent_panel(ax: Axes, rows: pd.DataFrame, currency: str | None) -> None:
    ax.set_title("Money left unspent at the end", loc="left", fontsize=10)
    if rows.empty:
        _nothing(ax, "no unspent-money figures in these results")
        return
    _hbars(ax, [STAGE_WORDS.get(s, s) for s in rows["stage"]], rows["mean"].to_numpy(float),
           rows["p10"].to_numpy(float), rows["p90"].to_numpy(float),
           [STAGE_COLOURS[s] for s in rows["stage"]],
           fmt=lambda v: f"{plain_number(v)} {currency or ''}".strip())
    plain_number_axis(ax, axis="x")
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.set_xlabel(currency or "money")


def _slots_panel(ax: Axes, table: pd.DataFrame, names: Mapping[str, str]) -> None:
    ax.set_title("Waiting for a supplier's slot (new machines)", loc="left", fontsize=10)
    if table.empty or "slot_wait_mean_days" not in table:
        _nothing(ax, "no supplier figures in these results")
        return
    suppliers = list(table.index)
    y = np.arange(len(suppliers))
    height = 0.38
    colour = STAGE_COLOURS["procurement"]
    for offset, column, label, style in (
        (-height / 2, "slot_wait_mean_days", "Mean wait",
         {"color": colour, "edgecolor": "#FFFFFF"}),
        (height / 2, "slot_wait_p90_days", "90th percentile: 1 order in 10 waits longer",
         {"color": "#FFFFFF", "edgecolor": colour, "hatch": "////", "linewidth": 1.0}),
    ):
        values = np.nan_to_num(table[column].to_numpy(float))
        ax.barh(y + offset, values, height=height * 0.92, label=label, **style)
        for yi, value in zip(y + offset, values, strict=True):
            ax.text(value, yi, f"  {value:,.0f} days", va="center", fontsize=8)
    ax.set_yticks(y, [names.get(s) or s for s in suppliers])
    ax.set_ylim(len(suppliers) - 0.5, -0.5)
    ax.grid(False, axis="y")
    ax.grid(True, axis="x", color="#DDDDDD", linewidth=0.6)
    top = float(np.nanmax(table["slot_wait_p90_days"].to_numpy(float), initial=0.0))
    ax.set_xlim(0, max(top * 1.3, 1.0))
    ax.set_xlabel("days from order placed to building started (mean over futures)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=8)


def _orders_panel(ax: Axes, table: pd.DataFrame, names: Mapping[str, str],
                  lapsed: dict[str, float] | None) -> None:
    ax.set_title("Machine orders blocked and lapsed", loc="left", fontsize=10)
    if table.empty or "orders" not in table:
        _nothing(ax, "no supplier figures in these results")
        return
    suppliers = list(table.index)
    labels = [names.get(s) or s for s in suppliers]
    y = np.arange(len(suppliers) + (1 if lapsed else 0))
    placed = np.nan_to_num(table["orders"].to_numpy(float))
    blocked = np.nan_to_num(table["blocked"].to_numpy(float)) if "blocked" in table else \
        np.zeros(len(suppliers))
    ax.barh(y[:len(suppliers)], placed, height=0.6, color="#DDDDDD", edgecolor="#FFFFFF",
            label="Orders placed (incl. re-orders)")
    ax.barh(y[:len(suppliers)], blocked, height=0.6, color=BLOCKED_COLOUR, hatch="xxx",
            edgecolor="#FFFFFF", label="of which blocked (sanctions, export controls)")
    for yi, total, value, share in zip(y, placed, blocked, table["share_blocked"], strict=False):
        text = f"  {value:,.1f} of {total:,.1f} blocked"
        if np.isfinite(share):
            text += f" ({100 * share:.0f}%)"
        ax.text(total, float(yi), text, va="center", fontsize=8)
    if lapsed:
        value = np.nan_to_num(lapsed["mean"])
        ax.barh([y[-1]], [value], height=0.6, color="#000000", label="Lapsed: money gone "
                "before re-ordering")
        ax.text(value, y[-1], f"  {value:,.1f} lapsed", va="center", fontsize=8)
        labels.append("All suppliers")
    ax.set_yticks(y, labels)
    ax.set_ylim(len(y) - 0.5, -0.5)
    ax.grid(False, axis="y")
    ax.grid(True, axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_xlim(0, max(float(placed.max(initial=0.0)) * 1.6, 1.0))
    ax.set_xlabel("orders per simulated future (mean)")
    handles, texts = ax.get_legend_handles_labels()
    ax.legend(handles, texts, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=1,
              fontsize=8)


def _drawn_waits(components: pd.DataFrame | None) -> pd.DataFrame | None:
    """The components whose machines got a slot in the run (rows of `components`), or
    None when there is none to draw."""
    if components is None or components.empty or "n_waits" not in components:
        return None
    drawn = components[components["n_waits"] > 0]
    return drawn if len(drawn) else None


def _waits_height(waits: pd.DataFrame) -> float:
    """Inches the component panel needs: a row per component, room for its legend."""
    return 0.34 * len(waits) + 1.6


def _component_panel(ax: Axes, waits: pd.DataFrame, components: pd.DataFrame,
                     names: Mapping[str, str]) -> None:
    """Per component with machines that got a slot: the mean and 90th-percentile wait over
    its machines, with machines ordered per future (and any still waiting at the end)."""
    idle = [names.get(c) or c for c in components["component"]
            if c not in set(waits["component"])]
    ax.set_title("Waiting for a slot, by component", loc="left", fontsize=10)
    y = np.arange(len(waits))
    height = 0.38
    colour = STAGE_COLOURS["procurement"]
    mean = np.nan_to_num(waits["slot_wait_mean_days"].to_numpy(float))
    p90 = np.nan_to_num(waits["slot_wait_p90_days"].to_numpy(float))
    ax.barh(y - height / 2, mean, height=height * 0.92, color=colour, edgecolor="#FFFFFF",
            label="Mean wait over its machines")
    ax.barh(y + height / 2, p90, height=height * 0.92, color="#FFFFFF", edgecolor=colour,
            hatch="////", linewidth=1.0, label="90th percentile: 1 machine in 10 waits longer")
    for yi, value in zip(y - height / 2, mean, strict=True):
        ax.text(value, yi, f"  {value:,.0f} days", va="center", fontsize=8)
    ordered = waits["machines_ordered"].to_numpy(float)
    waiting = np.nan_to_num(waits["machines_waiting_at_end"].to_numpy(float))
    for yi, value, count, left in zip(y + height / 2, p90, ordered, waiting, strict=True):
        text = f"  {value:,.0f} days   ({count:,.1f} machines ordered a future"
        text += f", {left:,.1f} still waiting at the end)" if left > 0 else ")"
        ax.text(value, yi, text, va="center", fontsize=8, color="#333333")
    ax.set_yticks(y, [textwrap.fill(names.get(c) or c, 40) for c in waits["component"]])
    ax.set_ylim(len(waits) - 0.5, -0.5)
    ax.grid(False, axis="y")
    ax.grid(True, axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_xlim(0, max(float(p90.max(initial=0.0)) * 1.9, 1.0))
    xlabel = ("days from order placed to building started, over the machines that got a "
              "slot (all futures pooled)")
    if idle:
        # wrapped: the default case's long names ran off the figure on one line
        xlabel += "\n" + textwrap.fill("No machine got a slot for: " + ", ".join(idle), 120)
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8,
              frameon=False)


def _nothing(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=9,
            color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


__all__ = ["what_holds_it_back"]
