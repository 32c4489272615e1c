"""The machine orders of one representative simulated future, phase by phase.

A reader understands the procurement stage best by following its orders through one
future: how long each waits for approval, queues for a supplier's slot, is built, shipped
and installed, and which were blocked or lapsed. `representative_replication` picks the
future to follow (the one whose overall close date and cumulative shortfall both sit
closest to their medians); `order_phases` turns that future's events into phases;
`tables` gives, for one variant of a run, ``procurement_orders`` (one row per phase of
each order), ``procurement_setbacks`` (one row per blocked or lapsed event) and
``procurement_representative`` (which future, why, how many orders, the ramp drawn).
Only that future's events are read, so memory stays flat in the number of replications.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.analysis.common import ALL

if TYPE_CHECKING:
    from simulator.results import RunResult

ORDER_KINDS = ("order_decided", "order_placed", "order_blocked", "order_reordered",
               "order_lapsed", "building_started", "shipped", "delivered", "installed")
PHASES = ("approval", "blocked", "queued", "building", "shipping", "installing", "ramping")
"""The phases of an order, in the order they happen."""
SETBACKS = ("blocked", "lapsed")
RULE = ("the future whose overall close date and cumulative shortfall sit closest to their "
        "medians")
"""Why the representative future was chosen, in words (`representative_replication`)."""
_ORDER = ["replication", "order", "order_rank", "line", "machine", "component"]
ORDERS_COLUMNS = [*_ORDER, "phase", "start_day", "end_day"]
SETBACKS_COLUMNS = [*_ORDER, "kind", "day"]
REPRESENTATIVE_COLUMNS = ["replication", "n_replications", "close_day",
                          "cumulative_shortfall_value", "score", "n_orders", "ramp_days",
                          "horizon_days", "rule"]
_EVENT_COLUMNS = ["time_days", "kind", "stage", "entity", "component"]

__all__ = ["ORDERS_COLUMNS", "PHASES", "REPRESENTATIVE_COLUMNS", "RULE", "SETBACKS_COLUMNS",
           "order_phases", "ramp_days", "representative_replication",
           "representative_scores", "tables"]


def tables(result: RunResult, variant: str | None) -> dict[str, pd.DataFrame]:
    """The representative future's machine orders, for one variant of a run (`variant`
    None: a plain run, every row).

    Returns
    -------
    dict
        ``procurement_orders`` and ``procurement_setbacks`` (`order_phases`, with the
        replication and each order's line, machine number and component) and
        ``procurement_representative`` (one row: `representative_scores`'s row of the
        chosen future, with ``n_replications``, ``n_orders``, ``ramp_days`` — the
        scenario's median ramp-up, drawn after installation, or NaN — ``horizon_days`` and
        the ``rule`` in words); no ``variant`` column. Empty where the result has no
        ``events`` table or no KPI rows of that variant. A future without machine orders
        gives empty order tables and ``n_orders`` 0.
    """
    from simulator.analysis.labels import horizon

    kpis = result.kpis
    if variant is not None:
        kpis = kpis[kpis["variant"] == variant] if "variant" in kpis else kpis.iloc[0:0]
    if not result.has("events") or kpis.empty:
        return {}
    scores = representative_scores(kpis)
    chosen = scores.iloc[0]
    replication = int(chosen["replication"])
    where: dict[str, Any] = {"replication": replication}
    if variant is not None:
        where["variant"] = variant
    present = set(result.columns("events"))
    events = result.read("events", columns=[c for c in _EVENT_COLUMNS if c in present],
                         where=where)
    start, end = horizon(result)
    n_days = (end - start).days + 1
    ramp = ramp_days(result.scenario_dict)
    phases, setbacks, n_orders = order_phases(events, end_day=float(n_days), ramp_days=ramp)
    representative = pd.DataFrame([{
        "replication": replication, "n_replications": len(scores),
        "close_day": chosen["close_day"],
        "cumulative_shortfall_value": chosen["cumulative_shortfall_value"],
        "score": chosen["score"], "n_orders": n_orders,
        "ramp_days": np.nan if ramp is None else ramp, "horizon_days": n_days, "rule": RULE,
    }], columns=REPRESENTATIVE_COLUMNS)
    return {"procurement_orders": phases.assign(replication=replication)[ORDERS_COLUMNS],
            "procurement_setbacks": setbacks.assign(replication=replication)[SETBACKS_COLUMNS],
            "procurement_representative": representative}


# --------------------------------------------------------------- the representative future


def representative_scores(kpis: pd.DataFrame) -> pd.DataFrame:
    """Every future ranked by how far it sits from the median future, closest first.

    On the overall (``all``) rows, a future's score is the sum, over its close day and its
    cumulative shortfall value, of how far its mid-rank share, (rank − 0.5) / n, sits from
    0.5 (the middle future of an odd count scores 0). A future never closed ranks after
    every closed one, so censoring is respected and no end date stands in for a close date.
    Ties go to the lowest replication number. Without ``all`` rows, the components' latest
    close day (missing where any component never closes) and summed shortfall value stand
    in.

    Returns
    -------
    pandas.DataFrame
        ``replication``, ``close_day``, ``cumulative_shortfall_value``, ``score``; the
        representative future first.

    Raises
    ------
    ValueError
        If `kpis` has no rows.
    """
    if kpis.empty:
        raise ValueError("no kpis rows: no replication to choose")
    rows = kpis[kpis["component"] == ALL] if "component" in kpis else kpis
    if rows.empty:
        grouped = kpis.groupby("replication")
        rows = pd.DataFrame({
            "replication": grouped.size().index,
            "close_day": grouped["close_day"].max().where(grouped["close_day"].count()
                                                          == grouped.size()).to_numpy(),
            "cumulative_shortfall_value": grouped["cumulative_shortfall_value"].sum().to_numpy(),
        })
    close = rows["close_day"].astype(float).fillna(np.inf) if "close_day" in rows else None
    shortfall = rows.get("cumulative_shortfall_value")
    score = pd.Series(0.0, index=rows.index)
    for column in (close, shortfall):
        if column is None or column.isna().all():
            continue
        # mid-ranks as shares, (rank - 0.5) / n: the middle future of an odd count sits at 0.5
        share = (column.rank(method="average") - 0.5) / len(column)
        score += (share - 0.5).abs().fillna(1.0)
    ranked = pd.DataFrame({
        "replication": rows["replication"].astype(int),
        "close_day": rows["close_day"].astype(float) if "close_day" in rows else np.nan,
        "cumulative_shortfall_value": (shortfall.astype(float) if shortfall is not None
                                       else np.nan),
        "score": score.round(12)})
    return ranked.sort_values(["score", "replication"], kind="stable").reset_index(drop=True)


def representative_replication(kpis: pd.DataFrame) -> int:
    """The replication closest to the median future (`representative_scores`'s first)."""
    return int(representative_scores(kpis)["replication"].iloc[0])


def ramp_days(scenario: dict) -> float | None:
    """The scenario's median ramp-up of a new machine (days), when it gives one: ramp-up
    is not in the events, so the timeline can only show its median after installation."""
    from simulator.distributions import parse_distribution

    stages = scenario.get("stages") or {}
    raw = (stages.get("procurement") or {}).get("ramp_up_days")
    if raw is None:
        return None
    try:
        return max(0.0, float(parse_distribution(raw).sample(0.5)))
    except (ValueError, TypeError):
        return None


# ------------------------------------------------------------------------- order phases


@dataclass
class Order:
    """One machine order's milestones (days from the start)."""

    entity: str
    first: float
    component: str = ""
    decided: float | None = None
    placed: list[float] = field(default_factory=list)
    blocked: list[float] = field(default_factory=list)
    lapsed: float | None = None
    building: float | None = None
    shipped: float | None = None
    delivered: float | None = None
    installed: float | None = None


def order_phases(events: pd.DataFrame, *, end_day: float | None = None,
                 ramp_days: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The phases of each machine order in the events of one future.

    An order (entity ``<line>/m<n>``: the n-th machine ordered for that line) is in
    *approval* from its decision until first placed, *blocked* from each block until placed
    again, *queued* from its last placing until building starts, then *building*,
    *shipping*, *installing*, and *ramping* for `ramp_days` after installation. An order
    that lapsed (the money had gone by the time it could be re-placed) is never queued.
    Investment projects' events are left out (their stage is not procurement).

    Parameters
    ----------
    events
        One future's events (``time_days``, ``kind``, ``entity``; ``stage`` and
        ``component`` where present).
    end_day
        The run's length in days: a phase still running then ends there (default: the
        last event's day).
    ramp_days
        The ramp-up after installation (not recorded per order); left out when None.

    Returns
    -------
    tuple
        ``(phases, setbacks, n_orders)``: `phases` one row per phase of positive length
        (order, order_rank, line, machine, component, phase, start_day, end_day);
        `setbacks` one row per blocked or lapsed event (order, order_rank, line, machine,
        component, kind, day); the number of orders. ``order_rank`` numbers the orders by
        their first event, then by entity in natural order (``m2`` before ``m10``).
    """
    rows = events[events["kind"].isin(ORDER_KINDS)]
    if "stage" in rows:  # investment projects have building_started events too
        rows = rows[rows["stage"] == "procurement"]
    components = (rows["component"].fillna("").astype(str) if "component" in rows
                  else pd.Series("", index=rows.index))
    orders: dict[str, Order] = {}
    for entity, kind, day, component in zip(
            rows["entity"].astype(str), rows["kind"].astype(str),
            rows["time_days"].astype(float), components, strict=True):
        order = orders.setdefault(entity, Order(entity, day))
        order.component = order.component or component
        _record(order, kind, day)
    last = end_day if end_day is not None else (
        float(rows["time_days"].max()) if len(rows) else 0.0)
    ordered = sorted(orders.values(), key=lambda o: (o.first, _natural(o.entity)))
    phases: list[dict[str, Any]] = []
    setbacks: list[dict[str, Any]] = []
    for rank, order in enumerate(ordered):
        about = _about(order, rank)
        phases += [{**about, "phase": phase, "start_day": start, "end_day": end}
                   for phase, start, end in _segments(order, last, ramp_days)]
        setbacks += [{**about, "kind": "blocked", "day": day} for day in order.blocked]
        if order.lapsed is not None:
            setbacks.append({**about, "kind": "lapsed", "day": order.lapsed})
    phase_frame = pd.DataFrame(phases, columns=ORDERS_COLUMNS[1:])
    setback_frame = pd.DataFrame(setbacks, columns=SETBACKS_COLUMNS[1:])
    for frame in (phase_frame, setback_frame):
        frame["machine"] = frame["machine"].astype("Int64")
        frame["order_rank"] = frame["order_rank"].astype(int)
    return phase_frame, setback_frame, len(ordered)


def _record(order: Order, kind: str, day: float) -> None:
    """Note one event's milestone on its order."""
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


def _about(order: Order, rank: int) -> dict[str, Any]:
    """The columns naming an order: entity, rank, line and machine number (from
    ``<line>/m<n>``; an entity of another form has line "" and no machine), component."""
    line, _, machine = order.entity.rpartition("/m")
    parsed = bool(line) and machine.isdigit()
    return {"order": order.entity, "order_rank": rank, "line": line if parsed else "",
            "machine": int(machine) if parsed else None, "component": order.component}


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


def _natural(text: str) -> list:
    """``m10`` after ``m2``: digits compared as numbers."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]
