"""What holds the stages back: money, supplier slots, blocked orders, idle capacity.

`tables` gives one variant's tables of the constraint figures of SPEC.md §6, so a reader
sees which lever would help most: ``budget_held_back`` (per paying stage, days its budget
stood empty, build-days of plants paused for money, money left unspent at the end),
``supplier_waits`` (per supplier and for all suppliers, orders placed, blocked and lapsed
and the wait for a production slot), ``component_waits`` (per component, from the events:
machines ordered, how long they waited for a supplier's slot, when they were installed —
extra orders crowding the suppliers' first-come-first-served slots delay every component's
machines) and ``idle_capacity`` (per component, capacity available beyond the gap, and the
capacity and capex each stage added).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.analysis.common import ALL
from simulator.analysis.frames import appearing, overall_rows
from simulator.analysis.money import PAYING_STAGES, spread, variant_kpis
from simulator.results import release_memory

if TYPE_CHECKING:
    from simulator.results import RunResult

PROCUREMENT = "procurement"
BUDGET_FIGURES = re.compile(r"^(empty_budget_days_(\w+)|paused_build_days|unspent_(\w+))$")
SUPPLIER_FIGURES = ("orders", "blocked", "lapsed", "slot_wait_mean_days", "slot_wait_p90_days")
# the overall (``all``) kpis row's names of the supplier figures, summed over suppliers
ALL_SUPPLIER_COLUMNS = {"orders_placed": "orders", "orders_blocked": "blocked",
                        "orders_lapsed": "lapsed", "slot_wait_mean_days": "slot_wait_mean_days",
                        "slot_wait_p90_days": "slot_wait_p90_days"}
COMPONENT_MEANS = re.compile(
    r"^(idle_capacity|idle_capacity_value|capacity_added_\w+|capex_(committed|spent)_\w+"
    r"|capacity_offered_\w+|capacity_never_qualified_\w+|offered_value"
    r"|never_qualified_value)$")
EVENT_COLUMNS = ["replication", "time_days", "kind", "entity"]
EVENT_ROWS = 200_000
"""Procurement events taken together when read from disk: fewer, larger parts cost less
to group (a part per row group took three times as long), and memory stays that of a part."""

BUDGET_COLUMNS = ["figure", "stage", "unit", "mean", "p10", "p90", "n"]
SUPPLIER_COLUMNS = ["supplier",
                    *(f"{f}{s}" for f in SUPPLIER_FIGURES for s in ("", "_p10", "_p90")),
                    "share_blocked", "n"]
COMPONENT_WAIT_COLUMNS = [
    "component", "machines_ordered", "orders_placed", "orders_blocked", "machines_lapsed",
    "machines_started", "machines_waiting_at_end", "machines_installed",
    "slot_wait_mean_days", "slot_wait_p90_days", "installed_day_mean", "n_waits", "n",
]

__all__ = ["budget_held_back", "component_waits", "idle_capacity", "slot_waits",
           "supplier_waits", "tables"]


def tables(result: RunResult, variant: str | None) -> dict[str, pd.DataFrame]:
    """One variant's held-back tables (the whole result for `variant=None`), without a
    ``variant`` column: ``budget_held_back``, ``supplier_waits``, ``component_waits`` and
    ``idle_capacity``.

    The ``suppliers`` table is read a variant at a time and the ``events`` table a
    component at a time (only the procurement rows and the four columns needed), from
    disk when the result left them there.
    """
    kpis = variant_kpis(result, variant)
    where = {} if variant is None else {"variant": variant}
    return {
        "budget_held_back": budget_held_back(kpis),
        "supplier_waits": supplier_waits(kpis, _suppliers(result, where)),
        "component_waits": _component_waits(result, kpis, where),
        "idle_capacity": idle_capacity(kpis),
    }


# ------------------------------------------------------------------------ the tables


def budget_held_back(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per paying stage: how long money was short, and how much was left over.

    Parameters
    ----------
    kpis
        One variant's ``kpis`` rows; the ``all`` rows carry ``empty_budget_days_<stage>``,
        ``paused_build_days`` and ``unspent_<stage>``.

    Returns
    -------
    pandas.DataFrame
        One row per ``figure`` present — days each stage's budget stood empty (``unit``
        ``days``), build-days of new plants paused for money (``build-days``, summed over
        plants, stage ``investment``), money left unspent at the end (``money``) — in that
        order, stages procurement then investment: ``stage``, ``unit``, ``mean`` over
        replications, ``p10``, ``p90`` (linear quantiles) and ``n`` (replications with a
        value). An empty budget says more or earlier money would help; money left unspent
        says money was not the limit.
    """
    rows = overall_rows(kpis, [c for c in kpis.columns if BUDGET_FIGURES.match(c)])
    found = []
    for column in rows.columns:
        match = BUDGET_FIGURES.match(column)
        if match is None:
            continue
        if match[2]:
            rank, stage, unit = 0, match[2], "days"
        elif match[3]:
            rank, stage, unit = 2, match[3], "money"
        else:
            rank, stage, unit = 1, "investment", "build-days"
        found.append((rank, _stage_rank(stage), column, stage, unit))
    out = [{"figure": column, "stage": stage, "unit": unit, **spread(rows[column])}
           for _r, _s, column, stage, unit in sorted(found)]
    return _typed(pd.DataFrame(out, columns=BUDGET_COLUMNS), n="int64")


def supplier_waits(kpis: pd.DataFrame, suppliers: pd.DataFrame | None) -> pd.DataFrame:
    """Per machine-tool supplier, then for all of them: orders, blocks and slot waits.

    Parameters
    ----------
    kpis
        One variant's ``kpis`` rows; the ``all`` rows carry ``orders_placed``,
        ``orders_blocked``, ``orders_lapsed``, ``slot_wait_mean_days`` and
        ``slot_wait_p90_days`` over every supplier.
    suppliers
        One variant's ``suppliers`` rows (``supplier``, ``orders``, ``blocked``,
        ``slot_wait_mean_days``, ``slot_wait_p90_days`` per replication), or None.

    Returns
    -------
    pandas.DataFrame
        One row per ``supplier`` (table order), then one ``all`` row (from the kpis): for
        each figure — ``orders`` placed (re-orders included), ``blocked``, ``lapsed``
        (money gone before re-ordering: on the ``all`` row only, NaN per supplier),
        ``slot_wait_mean_days`` and ``slot_wait_p90_days`` (each replication's mean and
        90th percentile of the days from an order placed to its building started) — the
        mean over replications and the 10% and 90% quantiles over replications
        (``<figure>_p10``, ``<figure>_p90``); a replication in which no machine got a slot
        has no wait and is left out of the wait figures. ``share_blocked``: blocked over
        orders, all futures pooled; ``n``: replications.
    """
    out = []
    if suppliers is not None and len(suppliers) and "supplier" in suppliers:
        for supplier, frame in suppliers.groupby("supplier", sort=False):
            out.append(_supplier_row(str(supplier), {f: frame[f] for f in SUPPLIER_FIGURES
                                                      if f in frame},
                                     frame["replication"].nunique() if "replication" in frame
                                     else len(frame)))
    rows = overall_rows(kpis, list(ALL_SUPPLIER_COLUMNS))
    figures = {figure: rows[column] for column, figure in ALL_SUPPLIER_COLUMNS.items()
               if column in rows}
    if figures:
        out.append(_supplier_row(ALL, figures, len(rows)))
    return _typed(pd.DataFrame(out, columns=SUPPLIER_COLUMNS), n="int64")


def component_waits(events: pd.DataFrame, n_replications: int) -> pd.DataFrame:
    """Per component: what delays its machines — ordering, blocks, the wait for a slot.

    Parameters
    ----------
    events
        Procurement events of one variant (``replication``, ``component``, ``time_days``,
        ``kind``, ``entity``: the machine's order id, unique within a replication), or one
        component's (the ``component`` column may then be missing: the rows are taken as
        one component, named ``""``).
    n_replications
        The variant's replications (a replication without events orders nothing).

    Returns
    -------
    pandas.DataFrame
        One row per component (order of appearance): per replication, the means of
        ``machines_ordered`` (``order_decided``), ``orders_placed`` (re-orders included),
        ``orders_blocked``, ``machines_lapsed``, ``machines_started`` (building started in
        the run), ``machines_waiting_at_end`` (placed and not blocked, still without a slot
        at the end: their wait is censored and left out of the waits) and
        ``machines_installed`` (in the run); over the machines that got a slot in the run,
        all futures pooled, ``slot_wait_mean_days`` and ``slot_wait_p90_days`` (90th
        percentile, linear) of the wait for a supplier's slot — building started minus the
        machine's last ``order_placed`` — and their number ``n_waits``;
        ``installed_day_mean``, the mean day installed (days from the scenario start) over
        the machines installed in the run; ``n``, the replications.

    Notes
    -----
    A supplier's slots serve orders first come, first served: more orders (a larger
    budget, say) lengthen every machine's wait for a slot, whichever component it is for.
    """
    frame = events if "component" in events else events.assign(component="")
    if "stage" in frame:
        frame = frame[frame["stage"] == PROCUREMENT]
    out = [_waits_row(str(component), part, n_replications)
           for component, part in frame.groupby("component", sort=False)]
    return _component_table(out)


def slot_waits(events: pd.DataFrame) -> pd.Series:
    """Each machine's wait for a supplier's slot, in days: its ``building_started`` time
    minus its last ``order_placed`` time (the placement that was not blocked), per
    (replication, entity); machines that never started building are left out."""
    keys = ["replication", "entity"]
    placed = events[events["kind"] == "order_placed"].groupby(keys)["time_days"].max()
    started = events[events["kind"] == "building_started"].groupby(keys)["time_days"].min()
    waits = started - placed.reindex(started.index)
    return waits.dropna()


def idle_capacity(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per component (``all`` included): capacity left idle, and what each stage added.

    Parameters
    ----------
    kpis
        One variant's ``kpis`` rows.

    Returns
    -------
    pandas.DataFrame
        One row per component (order of appearance), the mean over replications (missing
        values left out) of each of ``idle_capacity`` (units: capacity available beyond the
        gap, summed over days / 365.25; NaN on ``all``), ``idle_capacity_value``
        (currency; the total on ``all``), ``capacity_added_<stage>`` (units/year in place
        by the end; NaN on ``all``), ``capex_committed_<stage>`` and ``capex_spent_<stage>``
        (currency) that the table has, and ``n`` (replications).
    """
    columns = [c for c in kpis.columns if COMPONENT_MEANS.match(c)]
    grouped = kpis.groupby("component", sort=False)
    table = grouped[columns].mean() if columns else pd.DataFrame(index=grouped.size().index)
    table["n"] = grouped.size().astype("int64")
    return table.reset_index()


# ------------------------------------------------------------------------- helpers


def _supplier_row(supplier: str, figures: dict[str, pd.Series], n: int) -> dict:
    row: dict[str, object] = {"supplier": supplier}
    for figure in SUPPLIER_FIGURES:
        summary = spread(figures[figure]) if figure in figures else spread(np.array([]))
        row[figure] = summary["mean"]
        row[f"{figure}_p10"], row[f"{figure}_p90"] = summary["p10"], summary["p90"]
    orders = float(np.nansum(figures["orders"])) if "orders" in figures else 0.0
    blocked = float(np.nansum(figures["blocked"])) if "blocked" in figures else math.nan
    row["share_blocked"] = blocked / orders if orders > 0 else math.nan
    row["n"] = n
    return row


class _WaitTotals:
    """The procurement events of every component, summed part by part (a part holds whole
    replications, so every order's events are in one part): counts by component and kind,
    each machine's slot wait, each installation's day, machines still waiting at the end.
    Each part is grouped once for all components (grouping it per component costs ten
    times more on the default scenario)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.waits: dict[str, list[np.ndarray]] = {}
        self.installed: dict[str, list[np.ndarray]] = {}
        self.waiting: dict[str, int] = {}

    def add(self, events: pd.DataFrame) -> None:
        if events.empty:
            return
        events = events.assign(component=events["component"].astype(str),
                               kind=events["kind"].astype(str))
        kinds = events["kind"]
        sizes = events.groupby(["component", "kind"]).size()
        for (component, kind), count in zip(sizes.index.tolist(), sizes.tolist(), strict=True):
            key = (str(component), str(kind))
            self.counts[key] = self.counts.get(key, 0) + int(count)
        keys = ["replication", "entity"]
        owner = events.drop_duplicates(keys).set_index(keys)["component"]  # order's component
        waits = slot_waits(events)
        for name, part in waits.groupby(owner.reindex(waits.index).to_numpy()):
            self.waits.setdefault(str(name), []).append(part.to_numpy(float))
        placed = events[kinds == "order_placed"].groupby(keys).size()
        blocked = events[kinds == "order_blocked"].groupby(keys).size().reindex(
            placed.index, fill_value=0)
        started = events[kinds == "building_started"].set_index(keys).index
        waiting = (placed > blocked) & ~placed.index.isin(started)
        per_owner = waiting.groupby(owner.reindex(waiting.index).to_numpy()).sum()
        for whose, count in zip(per_owner.index.tolist(), per_owner.tolist(), strict=True):
            self.waiting[str(whose)] = self.waiting.get(str(whose), 0) + int(count)
        installed = events[kinds == "installed"]
        for which, times in installed.groupby("component")["time_days"]:
            self.installed.setdefault(str(which), []).append(times.to_numpy(float))

    def row(self, component: str, n: int) -> dict[str, object]:
        waits = np.concatenate(self.waits.get(component) or [np.array([])])
        installed = np.concatenate(self.installed.get(component) or [np.array([])])

        def per_replication(kind: str) -> float:
            return self.counts.get((component, kind), 0) / n if n else math.nan

        return {
            "component": component,
            "machines_ordered": per_replication("order_decided"),
            "orders_placed": per_replication("order_placed"),
            "orders_blocked": per_replication("order_blocked"),
            "machines_lapsed": per_replication("order_lapsed"),
            "machines_started": per_replication("building_started"),
            "machines_waiting_at_end": self.waiting.get(component, 0) / n if n else math.nan,
            "machines_installed": per_replication("installed"),
            "slot_wait_mean_days": float(waits.mean()) if waits.size else math.nan,
            "slot_wait_p90_days": float(np.quantile(waits, 0.9)) if waits.size else math.nan,
            "installed_day_mean": float(installed.mean()) if installed.size else math.nan,
            "n_waits": int(waits.size),
            "n": n,
        }


def _waits_row(component: str, events: pd.DataFrame, n: int) -> dict[str, object]:
    """One component's `component_waits` row from its procurement events."""
    totals = _WaitTotals()
    totals.add(events if "component" in events else events.assign(component=component))
    return totals.row(component, n)


def _component_waits(result: RunResult, kpis: pd.DataFrame,
                     where: dict[str, str]) -> pd.DataFrame:
    """`component_waits`, one row per component of the kpis (``all`` aside), in their
    order: the procurement events read in one pass, a row group (whole replications) at a
    time when the table is on disk, so memory stays flat in the replications."""
    components = [c for c in appearing(kpis["component"]) if c != ALL]
    present = set(result.columns("events"))
    if not result.has("events") or not {*EVENT_COLUMNS, "component", "stage"} <= present:
        return _component_table([])
    n = int(kpis["replication"].nunique()) if "replication" in kpis else 0
    totals = _WaitTotals()
    for part in _procurement_events(result, where):
        totals.add(part)
        del part
        release_memory()  # else each part's leftovers pile up: +25 MiB at 10,000 replications
    return _component_table([totals.row(c, n) for c in components])


def _procurement_events(result: RunResult, where: dict[str, str]) -> Iterator[pd.DataFrame]:
    """The procurement events (the columns `component_waits` needs) of the rows matching
    `where`: the table held in memory as one part, or the file's row groups one by one."""
    columns = [*EVENT_COLUMNS, "component"]
    equal = {**where, "stage": PROCUREMENT}
    if result.events is not None or result.table_dir is None:
        yield result.read("events", columns=columns, where=equal)
        return
    from simulator.table_parts import iter_matching

    for part in iter_matching(result.table_dir / "events.parquet", columns, equal,
                              at_least=EVENT_ROWS):
        yield part.to_pandas(strings_to_categorical=True)


def _component_table(rows: list[dict[str, object]]) -> pd.DataFrame:
    return _typed(pd.DataFrame(rows, columns=COMPONENT_WAIT_COLUMNS), n_waits="int64",
                  n="int64")


def _suppliers(result: RunResult, where: dict[str, str]) -> pd.DataFrame | None:
    """One variant's ``suppliers`` rows (the columns used), or None without the table."""
    if not result.has("suppliers"):
        return None
    present = result.columns("suppliers")
    columns = [c for c in ("replication", "supplier", *SUPPLIER_FIGURES) if c in present]
    return result.read("suppliers", columns=columns, where=where)


def _stage_rank(stage: str) -> int:
    return PAYING_STAGES.index(stage) if stage in PAYING_STAGES else len(PAYING_STAGES)


def _typed(table: pd.DataFrame, **dtypes: str) -> pd.DataFrame:
    """`table` with the given columns cast (an empty table keeps its columns)."""
    return table.astype(dtypes)
