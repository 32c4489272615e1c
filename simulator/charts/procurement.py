"""Gantt-style chart of the machine orders of one representative simulated future.

Each row is one machine order (``line/m3``: the third machine ordered for that line),
labelled with the plant a reader knows (and which of its lines, where it has several for
the component) and grouped under the component's name, component by component in the
scenario's order, by time of decision within each; its phases are those of
`simulator.analysis.procurement`: approval (decided → placed), queued at the supplier
(placed → building started), being built (→ shipped), shipping (→ delivered) and installing
(→ installed). A blocked order (sanctions, export controls) is marked where it was blocked
and shows the wait until it was placed again; an order that lapsed (the money had gone by
the time it could be re-placed) ends in a square. Ramp-up after installation is not in the
events: when the scenario gives its median the chart draws it, lightly, and says so.
The chart computes nothing: the future, its phases and setbacks are the analysis tables;
`line_names` only reads the scenario's names for the row labels.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Mapping
from typing import Any, NamedTuple

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulator.charts.style import (
    END_COLOUR,
    OKABE_ITO,
    as_datetime,
    chart_style,
    plain_date_axis,
)

MAX_ROWS = 60
BAR_HEIGHT = 0.72
# phase: (legend label, face colour, hatch); light to dark alternate so grey prints read
PHASES = {
    "approval": ("Approval (decided, not yet placed)", "#CCCCCC", None),
    "blocked": ("Blocked, waiting to re-order", "#FFFFFF", "xxxx"),
    "queued": ("Queued for a supplier's slot", OKABE_ITO["orange"], "////"),
    "building": ("Being built", OKABE_ITO["blue"], None),
    "shipping": ("Shipping", OKABE_ITO["sky_blue"], None),
    "installing": ("Installing", OKABE_ITO["bluish_green"], None),
    "ramping": ("Ramping up", "#B3E2D5", None),
}
BLOCKED_COLOUR = OKABE_ITO["vermillion"]
BLOCKED_LABEL = "Order blocked"
LAPSED_LABEL = "Order lapsed (money gone before re-ordering)"
TITLE = "Machine orders in one typical simulated future"


class LineName(NamedTuple):
    """What a reader knows a production line by."""

    component: str
    """The name of the component the line makes (the row group)."""
    plant: str
    """The plant's name, with ", line 2" where the plant has several lines for it."""


def line_names(scenario: Mapping[str, Any]) -> dict[str, LineName]:
    """Line id → `LineName`, from a scenario as a mapping (e.g. ``result.scenario_dict``),
    in the scenario's component order, then plant order (the order the rows follow)."""
    components = [c for c in scenario.get("components") or [] if isinstance(c, dict)]
    component_names = {c.get("id"): c.get("name") or c.get("id") for c in components}
    rank = {c.get("id"): i for i, c in enumerate(components)}
    found: list[tuple[int, int, str, LineName]] = []
    for p_index, plant in enumerate(scenario.get("plants") or []):
        lines = [line for line in plant.get("lines") or [] if isinstance(line, dict)]
        for index, line in enumerate(lines):
            component = line.get("component")
            same = [other for other in lines if other.get("component") == component]
            where = _short_name(str(plant.get("name") or plant.get("id")))
            if len(same) > 1:
                where += f", line {same.index(line) + 1}"
            line_id = str(line.get("id") or f"{plant.get('id')}#{index}")
            name = LineName(str(component_names.get(component) or component), where)
            found.append((rank.get(component, len(rank)), p_index, line_id, name))
    return {line_id: name for *_order, line_id, name in sorted(found, key=lambda f: f[:2])}


def _short_name(name: str, longest: int = 30) -> str:
    """A long plant name without its closing remark in brackets: "Itelma, Moscow
    (automotive electronics)" → "Itelma, Moscow"; shorter names stay whole."""
    shorter = re.sub(r"\s*\([^()]*\)$", "", name)
    return shorter if len(name) > longest and len(shorter) >= 8 else name


def procurement_timeline(
    orders: pd.DataFrame,
    setbacks: pd.DataFrame,
    representative: pd.DataFrame,
    *,
    start_date: dt.date | str,
    end_date: dt.date | str | None = None,
    line_names: Mapping[str, LineName] | None = None,
    max_rows: int = MAX_ROWS,
    title: str | None = None,
) -> Figure:
    """In one typical simulated future, how long does each machine order spend waiting for
    approval, queued at a supplier, being built, shipped and installed, and which orders
    were blocked?

    Parameters
    ----------
    orders, setbacks, representative
        The ``procurement_orders``, ``procurement_setbacks`` and
        ``procurement_representative`` tables of `simulator.analysis.procurement` (one
        variant's rows): the phases of each order, its blocked and lapsed events, and which
        future it is (with why, how many orders and the ramp-up drawn, if any).
    start_date, end_date
        The run's first and last day: the x axis starts at the first; at the last a dashed
        line ends the run (without it, the axis ends a little after the last phase).
    line_names
        Line id → `LineName` (`line_names` of the scenario): rows are then labelled with
        the plant and grouped under the component, in the mapping's order; without it (or
        for a line it lacks) a row reads "<line id>, machine N", in time order.
    max_rows
        At most this many orders are drawn, the earliest decided first.
    """
    about = representative.iloc[0]
    replication, n_orders = int(about["replication"]), int(about["n_orders"])
    ramp_days = None if pd.isna(about["ramp_days"]) else float(about["ramp_days"])
    start = as_datetime(start_date)
    end_day = ((as_datetime(end_date) - start).days + 1.0) if end_date else None
    shown = min(n_orders, max_rows)
    phases = orders[orders["order_rank"] < shown]
    marks = setbacks[setbacks["order_rank"] < shown]
    position, ticks = _grouped_rows(_row_orders(phases, marks, shown), line_names or {})
    phases = phases.assign(row=phases["order_rank"].map(position))
    marks = marks.assign(row=marks["order_rank"].map(position))
    slots = len(ticks)
    origin = mdates.date2num(start)
    with chart_style():
        fig = Figure(figsize=(10.0, 0.16 * max(slots, 8) + 2.6), layout="constrained")
        ax = fig.add_subplot()
        for phase in PHASES:
            part = phases[phases["phase"] == phase]
            if part.empty:
                continue
            # one collection per phase: drawn at once, far faster than a patch per bar
            left = origin + part["start_day"].to_numpy(dtype=float)
            right = origin + part["end_day"].to_numpy(dtype=float)
            row = part["row"].to_numpy(dtype=float)
            low, high = row - BAR_HEIGHT / 2, row + BAR_HEIGHT / 2
            boxes = np.stack([np.column_stack(corner) for corner in (
                (left, low), (left, high), (right, high), (right, low))], axis=1)
            ax.add_collection(PolyCollection(list(boxes), **_phase_style(phase)))
        mark_styles: dict[str, dict[str, Any]] = {
            "blocked": {"marker": "x", "color": BLOCKED_COLOUR, "markersize": 6,
                        "markeredgewidth": 1.8},
            "lapsed": {"marker": "s", "color": "#000000", "markersize": 5},
        }
        for kind, style in mark_styles.items():
            part = marks[marks["kind"] == kind]
            ax.plot(origin + part["day"].to_numpy(dtype=float),
                    part["row"].to_numpy(dtype=float), linestyle="", **style)
        ax.set_yticks(range(slots), [label for label, _header in ticks],
                      fontsize=7 if slots > 30 else 8)
        for tick, (_label, header) in zip(ax.get_yticklabels(), ticks, strict=True):
            if header:
                tick.set_fontweight("bold")
        for y, (_label, header) in enumerate(ticks):
            if header and y > 0:  # a thin rule between component groups
                ax.axhline(y - 0.5, color="#BBBBBB", linewidth=0.6)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(max(slots, 1) - 0.5, -0.5)
        ax.grid(False, axis="y")
        ax.grid(True, axis="x", color="#DDDDDD", linewidth=0.6)
        # the axis ends a little after the last drawn phase, or at the end of the run
        last_drawn = float(phases["end_day"].max()) if len(phases) else 365.0
        right_day = last_drawn + 120.0
        if end_day is not None and right_day >= end_day:
            right_day = end_day
            ax.axvline(origin + end_day, color=END_COLOUR, linestyle="--", linewidth=1.0)
        right = origin + right_day
        ax.set_xlim(origin, right + (right - origin) * 0.01)
        plain_date_axis(ax)
        if n_orders == 0:
            ax.text(0.5, 0.5, "No machine orders in this simulated future",
                    transform=ax.transAxes, ha="center", va="center")
        handles, names = _legend(ramp_days)
        fig.legend(handles, names, loc="outside lower center", ncols=3)
        count = (f": first {shown} of {n_orders} orders" if n_orders > shown
                 else f": {n_orders} order{'' if n_orders == 1 else 's'}")
        fig.suptitle(title or f"{TITLE} (no. {replication}){count}", fontweight="bold")
        rule = str(about.get("rule") or "")
        note = f"Typical: {rule}." if rule else ""
        if not ramp_days:
            note += " Ramp-up after installation is not recorded per order and is not shown."
        if end_day is not None and right_day >= end_day:
            note += " Dashed line: end of the run."
        ax.set_title(textwrap.fill(note.strip(), 140), loc="left", fontsize=8,
                     fontweight="normal")
    return fig


def _phase_style(phase: str) -> dict[str, Any]:
    """Colours of a phase (for its bars and its legend key)."""
    _label, colour, hatch = PHASES[phase]
    edge = BLOCKED_COLOUR if phase == "blocked" else ("#FFFFFF" if not hatch else "#333333")
    return {"facecolor": colour, "hatch": hatch, "edgecolor": edge, "linewidth": 0.3}


def _legend(ramp_days: float | None) -> tuple[list, list[str]]:
    """Every phase (drawn or not: the legend doubles as the key), then the markers."""
    handles: list = []
    names: list[str] = []
    for phase, (label, _colour, _hatch) in PHASES.items():
        if phase == "ramping":
            if not ramp_days:
                continue
            label = f"Ramping up (scenario median {ramp_days:.0f} days; not recorded per order)"
        handles.append(Patch(**_phase_style(phase)))
        names.append(label)
    handles += [
        Line2D([], [], marker="x", color=BLOCKED_COLOUR, linestyle="", markersize=6,
               markeredgewidth=1.8),
        Line2D([], [], marker="s", color="#000000", linestyle="", markersize=5),
    ]
    names += [BLOCKED_LABEL, LAPSED_LABEL]
    return handles, names


def _row_orders(phases: pd.DataFrame, marks: pd.DataFrame, shown: int
                ) -> list[tuple[str, int | None, str]]:
    """(line, machine number, order id) of the orders ranked 0 .. `shown` - 1, as the
    tables name them (("", None, "") for an order with nothing to draw)."""
    columns = ["order_rank", "line", "machine", "order"]
    named = pd.concat([phases[columns], marks[columns]]).drop_duplicates("order_rank")
    found = {int(rank): (str(line), None if pd.isna(machine) else int(machine), str(order))
             for rank, line, machine, order in named.itertuples(index=False)}
    return [found.get(rank, ("", None, "")) for rank in range(shown)]


def _grouped_rows(orders: list[tuple[str, int | None, str]], names: Mapping[str, LineName]
                  ) -> tuple[dict[int, int], list[tuple[str, bool]]]:
    """Where each order (given in time order, as (line, machine, order id)) is drawn, and
    the y tick labels.

    Returns ``(position, ticks)``: `position` maps an order's index in `orders` to its row
    on the chart; `ticks` lists each row's (label, is a component header). With `names`,
    orders are grouped by component (in the order of `names`), each group under a header
    row with the component's name, in time order within it; orders whose line `names`
    lacks come last. Without `names`, rows keep their time order and no header is drawn.
    """
    groups: dict[str, list[tuple[int, str]]] = {
        name.component: [] for name in names.values()}
    other: list[tuple[int, str]] = []
    for index, (line, machine, order) in enumerate(orders):
        name = names.get(line) if line and machine is not None else None
        if name is None:
            label = f"{line}, machine {machine}" if line and machine is not None else order
            other.append((index, label))
        else:
            groups[name.component].append((index, f"{name.plant}, machine {machine}"))
    filled = {component: rows for component, rows in groups.items() if rows}
    if other and filled:
        filled["Other lines"] = other
    position: dict[int, int] = {}
    ticks: list[tuple[str, bool]] = []
    if not filled:
        for index, label in other:
            position[index] = len(ticks)
            ticks.append((label, False))
        return position, ticks
    for component, rows in filled.items():
        ticks.append((component, True))
        for index, label in rows:
            position[index] = len(ticks)
            ticks.append((label, False))
    return position, ticks


__all__ = ["LineName", "line_names", "procurement_timeline"]
