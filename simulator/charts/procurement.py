"""Gantt-style chart of the machine orders of one representative simulated future.

Each row is one machine order (``line/m3``: the third machine ordered for that line),
labelled with the plant a reader knows (and which of its lines, where it has several for
the component) and grouped under the component's name, component by component in the
scenario's order, by time of decision within each; its phases are read from the run's
events: approval (decided → placed), queued at the supplier
(placed → building started), being built (→ shipped), shipping (→ delivered) and installing
(→ installed). A blocked order (sanctions, export controls) is marked where it was blocked
and shows the wait until it was placed again; an order that lapsed (the money had gone by
the time it could be re-placed) ends in a square. Ramp-up after installation is not in the
events: when the scenario gives its median the chart draws it, lightly, and says so.

`representative_replication` picks the future to show: the one whose overall close date
and cumulative shortfall both sit closest to their medians.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
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
from simulator.summary import ALL

MAX_ROWS = 60
BAR_HEIGHT = 0.72
ORDER_KINDS = ("order_decided", "order_placed", "order_blocked", "order_reordered",
               "order_lapsed", "building_started", "shipped", "delivered", "installed")
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
TYPICAL_NOTE = ("Typical: the future whose overall close date and cumulative shortfall sit "
                "closest to their medians.")


def representative_replication(kpis: pd.DataFrame) -> int:
    """The replication closest to the median future: on the overall (``all``) rows, the
    sum of how far its close day and its cumulative shortfall value sit from the middle in
    rank (a future never closed ranks after every closed one, so censoring is respected);
    ties go to the lowest replication number. Without ``all`` rows, the components'
    latest close day and summed shortfall value stand in."""
    rows = kpis[kpis["component"] == ALL] if "component" in kpis else kpis
    if rows.empty:
        if kpis.empty:
            raise ValueError("no kpis rows: no replication to choose")
        grouped = kpis.groupby("replication")
        rows = pd.DataFrame({
            "replication": grouped.size().index,
            "close_day": grouped["close_day"].max().where(grouped["close_day"].count()
                                                          == grouped.size()).to_numpy(),
            "cumulative_shortfall_value": grouped["cumulative_shortfall_value"].sum().to_numpy(),
        })
    close = rows["close_day"].fillna(np.inf) if "close_day" in rows else None
    score = pd.Series(0.0, index=rows.index)
    for column in (close, rows.get("cumulative_shortfall_value")):
        if column is None or column.isna().all():
            continue
        # mid-ranks as shares, (rank - 0.5) / n: the middle future of an odd count sits at 0.5
        share = (column.rank(method="average") - 0.5) / len(column)
        score += (share - 0.5).abs().fillna(1.0)
    ranked = pd.DataFrame({"score": score.round(12), "replication": rows["replication"]})
    best = ranked.sort_values(["score", "replication"], kind="stable").iloc[0]
    return int(best["replication"])


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


@dataclass
class Order:
    """One machine order's milestones (days from the start)."""

    entity: str
    first: float
    decided: float | None = None
    placed: list[float] = field(default_factory=list)
    blocked: list[float] = field(default_factory=list)
    lapsed: float | None = None
    building: float | None = None
    shipped: float | None = None
    delivered: float | None = None
    installed: float | None = None


def order_phases(events: pd.DataFrame, replication: int | None = None, *,
                 end_day: float | None = None, ramp_days: float | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The phases of each machine order of one replication, earliest decision first.

    Returns ``(phases, marks, n_orders)``: `phases` has one row per drawn segment (order,
    row, phase, start_day, end_day; a phase still running at `end_day` ends there), `marks`
    one row per blocked or lapsed event (order, row, kind, day), and the number of orders.
    """
    rows = events
    if replication is not None and "replication" in rows:
        rows = rows[rows["replication"] == replication]
    keep = rows["kind"].isin(ORDER_KINDS)
    if "stage" in rows:  # investment projects have building_started events too
        keep &= rows["stage"] == "procurement"
    rows = rows[keep]
    orders: dict[str, Order] = {}
    for entity, kind, day in zip(rows["entity"].astype(str), rows["kind"].astype(str),
                                 rows["time_days"].astype(float), strict=True):
        order = orders.setdefault(entity, Order(entity, day))
        if kind == "order_decided":
            order.decided = day if order.decided is None else order.decided
        elif kind == "order_placed":
            order.placed.append(day)
        elif kind == "order_blocked":
            order.blocked.append(day)
        elif kind == "order_lapsed":
            order.lapsed = day
        elif kind in ("building_started", "shipped", "delivered", "installed"):
            setattr(order, "building" if kind == "building_started" else kind, day)
    last = end_day if end_day is not None else (
        float(rows["time_days"].max()) if len(rows) else 0.0)
    ordered = sorted(orders.values(), key=lambda o: (o.first, _natural(o.entity)))
    phases, marks = [], []
    for row, order in enumerate(ordered):
        for phase, start, end in _segments(order, last, ramp_days):
            phases.append({"order": order.entity, "row": row, "phase": phase,
                           "start_day": start, "end_day": end})
        marks += [{"order": order.entity, "row": row, "kind": "blocked", "day": d}
                  for d in order.blocked]
        if order.lapsed is not None:
            marks.append({"order": order.entity, "row": row, "kind": "lapsed",
                          "day": order.lapsed})
    phase_frame = pd.DataFrame(phases, columns=["order", "row", "phase", "start_day", "end_day"])
    mark_frame = pd.DataFrame(marks, columns=["order", "row", "kind", "day"])
    return phase_frame, mark_frame, len(ordered)


def _segments(order: Order, last: float, ramp_days: float | None
              ) -> list[tuple[str, float, float]]:
    """(phase, start, end) of one order; an unfinished phase runs to `last`."""
    out: list[tuple[str, float, float]] = []

    def add(phase: str, start: float | None, end: float | None) -> None:
        if start is None:
            return
        stop = min(end if end is not None else last, last)
        if stop > start:
            out.append((phase, start, stop))

    placed = sorted(order.placed)
    first_placed = placed[0] if placed else None
    add("approval", order.decided, first_placed if first_placed is not None else order.lapsed)
    for blocked in order.blocked:
        again = next((p for p in placed if p > blocked), None)
        add("blocked", blocked, again if again is not None else order.lapsed)
    if order.lapsed is None and placed:
        add("queued", placed[-1], order.building)
    add("building", order.building, order.shipped)
    add("shipping", order.shipped, order.delivered)
    add("installing", order.delivered, order.installed)
    if ramp_days and order.installed is not None:
        add("ramping", order.installed, order.installed + ramp_days)
    return out


def procurement_timeline(
    events: pd.DataFrame,
    replication: int | None = None,
    *,
    start_date: dt.date | str | None = None,
    end_date: dt.date | str | None = None,
    ramp_days: float | None = None,
    line_names: Mapping[str, LineName] | None = None,
    max_rows: int = MAX_ROWS,
    title: str | None = None,
) -> Figure:
    """In one typical simulated future, how long does each machine order spend waiting for
    approval, queued at a supplier, being built, shipped and installed, and which orders
    were blocked?

    Parameters
    ----------
    events
        The run's ``events`` table (or that replication's rows).
    replication
        Which replication to draw (e.g. `representative_replication(kpis)`); None when
        `events` holds one replication only.
    start_date, end_date
        The run's first and last day (the x axis spans them; by default they are read off
        the events).
    ramp_days
        The ramp-up after installation (e.g. the scenario's median), drawn lightly; it is
        not recorded per order, so it is left out when None.
    line_names
        Line id → `LineName` (`line_names` of the scenario): rows are then labelled with
        the plant and grouped under the component, in the mapping's order; without it (or
        for a line it lacks) a row reads "<line id>, machine N", in time order.
    max_rows
        At most this many orders are drawn, the earliest decided first.
    """
    rows = events
    if replication is not None and "replication" in rows:
        rows = rows[rows["replication"] == replication]
    start = as_datetime(start_date) if start_date else _start_of(rows)
    end_day = ((as_datetime(end_date) - start).days + 1.0) if end_date else None
    phases, marks, n_orders = order_phases(rows, end_day=end_day, ramp_days=ramp_days)
    shown = min(n_orders, max_rows)
    phases, marks = phases[phases["row"] < shown], marks[marks["row"] < shown]
    order_ids = dict(zip(marks["row"], marks["order"], strict=False))
    order_ids |= dict(zip(phases["row"], phases["order"], strict=False))
    position, ticks = _grouped_rows([order_ids.get(i, "") for i in range(shown)],
                                    line_names or {})
    phases = phases.assign(row=phases["row"].map(position))
    marks = marks.assign(row=marks["row"].map(position))
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
            ax.plot(origin + part["day"].to_numpy(), part["row"].to_numpy(), linestyle="",
                    **style)
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
        which = f" (no. {replication})" if replication is not None else ""
        count = (f": first {shown} of {n_orders} orders" if n_orders > shown
                 else f": {n_orders} order{'' if n_orders == 1 else 's'}")
        fig.suptitle(title or f"{TITLE}{which}{count}", fontweight="bold")
        note = TYPICAL_NOTE if replication is not None else ""
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


def _start_of(events: pd.DataFrame) -> dt.datetime:
    """The run's first day, from any event's date and its day number."""
    if events.empty or "date" not in events:
        return dt.datetime(2000, 1, 1)
    first = events.iloc[0]
    day = pd.Timestamp(first["date"]) - pd.Timedelta(days=int(np.floor(first["time_days"])))
    return as_datetime(day.date())


def _grouped_rows(orders: list[str], names: Mapping[str, LineName]
                  ) -> tuple[dict[int, int], list[tuple[str, bool]]]:
    """Where each order (given in time order) is drawn, and the y tick labels.

    Returns ``(position, ticks)``: `position` maps an order's index in `orders` to its row
    on the chart; `ticks` lists each row's (label, is a component header). With `names`,
    orders are grouped by component (in the order of `names`), each group under a header
    row with the component's name, in time order within it; orders whose line `names`
    lacks come last. Without `names`, rows keep their time order and no header is drawn.
    """
    groups: dict[str, list[tuple[int, str]]] = {
        name.component: [] for name in names.values()}
    other: list[tuple[int, str]] = []
    for index, entity in enumerate(orders):
        line, _, machine = entity.rpartition("/m")
        name = names.get(line) if line and machine.isdigit() else None
        if name is None:
            other.append((index, _order_label(entity)))
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


def _order_label(entity: str) -> str:
    """``zmz_petrol/m3`` → ``zmz_petrol, machine 3``."""
    line, _, machine = entity.rpartition("/m")
    return f"{line}, machine {machine}" if line and machine.isdigit() else entity


def _natural(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


__all__ = ["LineName", "line_names", "order_phases", "procurement_timeline",
           "representative_replication"]
