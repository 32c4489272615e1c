"""One replication's rows of the result tables, as numpy columns.

`replication_tables` turns a record and its daily grid into the columns of `kpis`,
`series`, `yearly`, `events`, `suppliers` and `assembly` (docs/design/internal-contracts.md
§3). Columns, not DataFrames: a batch concatenates thousands of replications cheaply and
builds each DataFrame once.
"""

from __future__ import annotations

import numpy as np

from simulator.economics import economic_columns, project_columns
from simulator.evaluate import Daily, Grid
from simulator.families import family_grid, family_vehicles
from simulator.kpis import (
    CloseRule,
    daily_money,
    days_in_spells,
    neighbour_thresholds,
    smoothed_initial_gap_ratio,
    smoothed_ratio,
    stage_speed,
)
from simulator.model.record import INVESTMENT, SHARING, STAGES, Record
from simulator.model.world import Plan

Columns = dict[str, np.ndarray | list]
YEAR = 365.25


def _per_period(values: np.ndarray, starts: np.ndarray, mean: bool) -> np.ndarray:
    """Sums (or means) of the last axis over contiguous periods starting at `starts`."""
    sums = np.add.reduceat(values, starts, axis=-1)
    if not mean:
        return sums
    lengths = np.diff(np.r_[starts, values.shape[-1]])
    return sums / lengths


def kpi_columns(plan: Plan, grid: Grid, record: Record, daily: Daily) -> Columns:
    """One row per component and one `all` row."""
    meta = plan.scenario.scenario
    names = [c.id for c in plan.components] + ["all"]
    n_rows = len(names)
    v = grid.unit_value[:, None]
    cols: Columns = {"component": names}
    short_v = (v * daily.shortfall).sum(axis=0)
    ratios = _closing_ratios(plan, grid, daily, short_v)
    threshold, hold = float(meta.close_threshold), int(meta.close_hold_days)
    rules = [CloseRule(ratio, hold) for ratio in ratios]  # close_day, thresholds at once
    closed, day, reopened = [], [], []
    for rule in rules:
        ok, d, again = rule.close(threshold)
        closed.append(ok)
        day.append(float(d) if ok else np.nan)
        reopened.append(again)
    cols["closed"], cols["close_day"], cols["reopened"] = closed, day, reopened
    cols["close_threshold"] = np.full(n_rows, threshold)
    for which, other in zip(("lower", "higher"), neighbour_thresholds(
            threshold, meta.close_threshold_neighbours), strict=True):
        found = [rule.close(other) if other is not None else (False, -1, False)
                 for rule in rules]
        cols[f"{which}_threshold"] = np.full(n_rows, np.nan if other is None else other)
        cols[f"closed_{which}_threshold"] = [ok for ok, _d, _r in found]
        cols[f"close_day_{which}_threshold"] = [float(d) if ok else np.nan
                                                 for ok, d, _r in found]
    units = daily.shortfall.sum(axis=1) / YEAR
    cols["cumulative_shortfall"] = np.r_[units, np.nan]
    cols["cumulative_shortfall_value"] = np.r_[units * grid.unit_value, short_v.sum() / YEAR]
    for k, stage in enumerate(STAGES):
        per = [stage_speed(daily.served[k, c]) for c in range(len(plan.components))]
        per.append(stage_speed((v * daily.served[k]).sum(axis=0)))
        cols[f"t50_days_{stage}"] = [p[0] for p in per]
        cols[f"t90_days_{stage}"] = [p[1] for p in per]
    idle = (daily.available - daily.served).sum(axis=(0, 2)) / YEAR
    cols["idle_capacity"] = np.r_[idle, np.nan]
    cols["idle_capacity_value"] = np.r_[idle * grid.unit_value, (idle * grid.unit_value).sum()]
    added = np.zeros((3, len(plan.components)))
    for stage_index, comp, _line, t_ready, _ramp, capacity in record.sources:
        if t_ready < grid.n_days:
            added[stage_index, comp] += capacity
    for k, stage in enumerate(STAGES):
        cols[f"capacity_added_{stage}"] = np.r_[added[k], np.nan]
    cols.update(_qualification_columns(plan, grid, record))
    cols.update(_plant_columns(plan, grid, record, n_rows))
    level = (float(np.interp(grid.mid[-1], grid.market_days, record.market_levels))
             if grid.market_days is not None and grid.n_days else np.nan)
    cols["market_level_end"] = _only_all(level, n_rows)  # the demand process's level
    cols.update(_money_columns(plan, grid, record, daily, n_rows))
    return cols


QUALIFIED_STAGES = (SHARING, INVESTMENT)
"""The stages whose capacity must be qualified (shared lines and new plants)."""


def _qualification_columns(plan: Plan, grid: Grid, record: Record) -> Columns:
    """Per qualifying stage, the nameplate offered for qualification (sharing offers made,
    new plants finished) and the part of it given up by the end; on the `all` row the
    value of each, over both stages (currency/year)."""
    n = len(plan.components)
    offered, lost = np.zeros((3, n)), np.zeros((3, n))
    for stage, component, capacity in record.offered:
        offered[stage, component] += capacity
    for stage, component, day, capacity in record.never_qualified:
        if day < grid.n_days:
            lost[stage, component] += capacity
    cols: Columns = {}
    for stage in QUALIFIED_STAGES:
        cols[f"capacity_offered_{STAGES[stage]}"] = np.r_[offered[stage], np.nan]
        cols[f"capacity_never_qualified_{STAGES[stage]}"] = np.r_[lost[stage], np.nan]
    value = grid.unit_value
    cols["offered_value"] = _only_all(float((offered.sum(axis=0) * value).sum()), n + 1)
    cols["never_qualified_value"] = _only_all(float((lost.sum(axis=0) * value).sum()), n + 1)
    return cols


def _plant_columns(plan: Plan, grid: Grid, record: Record, n_rows: int) -> Columns:
    """New plants and their tooling (issue 10, item 1): per component and in all, plants
    whose building was done within the run, those producing by the end, the mean day they
    started producing (the horizon N where they had not: a restricted mean, like the close
    day's) and the mean days they waited for their tooling after the building was done;
    on the `all` row the tooling orders placed and blocked and their mean wait for a slot."""
    n, end = len(plan.components), float(grid.n_days)
    plants = np.array(record.plants, dtype=float).reshape(-1, 3)
    built = plants[plants[:, 1] < end]
    producing = np.where(np.isnan(built[:, 2]), end, np.minimum(built[:, 2], end))
    comp = built[:, 0].astype(int)
    groups = [comp == c for c in range(n)] + [np.ones(len(built), dtype=bool)]
    cols: Columns = {
        "plants_built": [float(g.sum()) for g in groups],
        "plants_producing": [float((producing[g] < end).sum()) for g in groups],
        "plant_start_day_mean": [float(producing[g].mean()) if g.any() else np.nan
                                 for g in groups],
        "tooling_wait_days_mean": [float((producing[g] - built[g, 1]).mean()) if g.any()
                                   else np.nan for g in groups],
    }
    waits = record.tooling_waits
    cols["tooling_orders_placed"] = _only_all(record.tooling_placed, n_rows)
    cols["tooling_orders_blocked"] = _only_all(record.tooling_blocked, n_rows)
    cols["tooling_slot_wait_mean_days"] = _only_all(
        float(np.mean(waits)) if waits else np.nan, n_rows)
    return cols


def _closing_ratios(plan: Plan, grid: Grid, daily: Daily, short_v: np.ndarray
                    ) -> list[np.ndarray]:
    """Each component's closing ratio, then the overall value-weighted one (SPEC.md §6):
    the smoothed shortfall as a share of demand, or with `close_relative_to: initial_gap`
    as a share of this future's gap on day 0."""
    meta = plan.scenario.scenario
    window = int(meta.close_smoothing_days)
    n_components = len(plan.components)
    v = grid.unit_value[:, None]
    if meta.close_relative_to == "initial_gap":
        gap0 = daily.gap[:, 0] if daily.gap.shape[1] else np.zeros(n_components)
        return [smoothed_initial_gap_ratio(daily.shortfall[c], float(gap0[c]), window)
                for c in range(n_components)] + [
            smoothed_initial_gap_ratio(short_v, float((grid.unit_value * gap0).sum()), window)]
    demand_v = (v * daily.demand).sum(axis=0)
    return [smoothed_ratio(daily.shortfall[c], daily.demand[c], window)
            for c in range(n_components)] + [smoothed_ratio(short_v, demand_v, window)]


def _only_all(value: float, n_rows: int) -> np.ndarray:
    out = np.full(n_rows, np.nan)
    out[-1] = value
    return out


def _money_columns(plan: Plan, grid: Grid, record: Record, daily: Daily, n_rows: int) -> Columns:
    """Money and "what holds it back" figures: capex per component and in all, the rest on
    the `all` row only; `npv` is SPEC's gross value served less capex. Where the scenario
    has `economics`, the economic value per stage and overall follows
    (`simulator.economics`)."""
    n = grid.n_days
    cols: Columns = {}
    spent_total = np.zeros(n)
    n_components = len(plan.components)
    for k, stage in enumerate(STAGES[1:], start=1):
        spent = daily_money([(a, b, x) for s, kind, a, b, x, _c in record.money
                             if s == k and kind == "spent"], n)
        spent_total += spent
        for kind in ("committed", "spent"):
            by_component = np.zeros(n_components)
            for s, kd, a, _b, x, c in record.money:
                if s == k and kd == kind and a < n and c >= 0:
                    by_component[c] += x
            cols[f"capex_{kind}_{stage}"] = np.r_[by_component, by_component.sum()]
        spells = [(a, b) for s, a, b in record.empty_budget if s == k]
        cols[f"empty_budget_days_{stage}"] = _only_all(float(days_in_spells(spells, n)), n_rows)
        cols[f"unspent_{stage}"] = _only_all(record.unspent[k], n_rows)
    served_value = (grid.unit_value[:, None] * daily.served.sum(axis=0)).sum(axis=0) / YEAR
    cols["served_value"] = _only_all(served_value.sum(), n_rows)
    cols["npv"] = _only_all(float((grid.discount * (served_value - spent_total)).sum()), n_rows)
    cols["capex_before_start"] = _only_all(record.capex_before_start, n_rows)
    cols["paused_build_days"] = _only_all(record.paused_build_days, n_rows)
    cols["orders_placed"] = _only_all(record.orders_placed, n_rows)
    cols["orders_blocked"] = _only_all(record.orders_blocked, n_rows)
    cols["orders_lapsed"] = _only_all(record.orders_lapsed, n_rows)
    waits = [w for ws in record.slot_waits.values() for w in ws]
    cols["slot_wait_mean_days"] = _only_all(float(np.mean(waits)) if waits else np.nan, n_rows)
    cols["slot_wait_p90_days"] = _only_all(
        float(np.quantile(waits, 0.9)) if waits else np.nan, n_rows)
    if plan.scenario.economics is not None:  # absent: the columns above, bit for bit
        cols.update(economic_columns(plan, grid, record, daily))
    return cols


def series_columns(plan: Plan, grid: Grid, daily: Daily) -> Columns:
    """Monthly means per component (units/year) and `all` (currency/year)."""
    v = grid.unit_value[:, None]
    blocks = {
        "demand": daily.demand, "gap": daily.gap, "served_sharing": daily.served[0],
        "served_procurement": daily.served[1], "served_investment": daily.served[2],
        "shortfall": daily.shortfall,
    }
    months = len(grid.month_starts)
    names = [c.id for c in plan.components] + ["all"]
    cols: Columns = {
        "month": np.tile(np.asarray(grid.month_labels, dtype=object), len(names)),
        "component": np.repeat(np.asarray(names, dtype=object), months),
    }
    for name, values in blocks.items():
        with_all = np.vstack([values, (v * values).sum(axis=0)])
        cols[name] = _per_period(with_all, grid.month_starts, mean=True).ravel()
    return cols


def yearly_columns(plan: Plan, grid: Grid, record: Record, daily: Daily) -> Columns:
    """Sums per calendar year (units, `all` in currency) and money per stage and year."""
    v = grid.unit_value[:, None]
    years = len(grid.year_starts)
    names = [c.id for c in plan.components] + ["all"]
    cols: Columns = {
        "year": np.tile(np.asarray(grid.year_labels), len(names)),
        "component": np.repeat(np.asarray(names, dtype=object), years),
    }
    blocks = {"demand": daily.demand, "gap": daily.gap, "served_sharing": daily.served[0],
              "served_procurement": daily.served[1], "served_investment": daily.served[2],
              "shortfall": daily.shortfall}
    for name, values in blocks.items():
        with_all = np.vstack([values, (v * values).sum(axis=0)])
        cols[name] = (_per_period(with_all, grid.year_starts, mean=False) / YEAR).ravel()
    n = grid.n_days
    for k, stage in enumerate(STAGES[1:], start=1):
        for kind, label in (("committed", "capex_committed"), ("spent", "capex_spent"),
                            ("released", "released")):
            per_day = daily_money([(a, b, x) for s, kd, a, b, x, _c in record.money
                                   if s == k and kd == kind], n)
            per_year = _per_period(per_day, grid.year_starts, mean=False)
            column = np.full(len(names) * years, np.nan)
            column[-years:] = per_year
            cols[f"{label}_{stage}"] = column
    return cols


def supplier_columns(plan: Plan, record: Record) -> Columns:
    """Orders, blocks and slot waits per supplier."""
    procurement = plan.scenario.stages.procurement
    ids = [s.id for s in procurement.suppliers] if procurement is not None else []
    waits = [record.slot_waits.get(s, []) for s in ids]
    return {
        "supplier": ids,
        "orders": [record.supplier_orders.get(s, 0) for s in ids],
        "blocked": [record.supplier_blocked.get(s, 0) for s in ids],
        "slot_wait_mean_days": [float(np.mean(w)) if w else np.nan for w in waits],
        "slot_wait_p90_days": [float(np.quantile(w, 0.9)) if w else np.nan for w in waits],
    }


def assembly_columns(plan: Plan, grid: Grid, daily: Daily) -> Columns | None:
    """Vehicles supportable per month and the component that binds most days of it (per
    vehicle family and in all, where the scenario has `vehicle_families`)."""
    if plan.scenario.vehicle_families:
        return family_assembly_columns(plan, grid, daily)
    linked = [c for c in plan.components if c.units_per_vehicle]
    if not linked:
        return None
    idx = [c.index for c in linked]
    per = np.array([c.units_per_vehicle for c in linked], dtype=float)[:, None]
    vehicles = (daily.supply[idx] + daily.served[:, idx].sum(axis=0)) / per
    binding = np.argmin(vehicles, axis=0)
    months = len(grid.month_starts)
    counts = np.zeros((months, len(idx)))
    np.add.at(counts, (grid.month, binding), 1.0)
    names = np.asarray([c.id for c in linked], dtype=object)
    return {
        "month": np.asarray(grid.month_labels, dtype=object),
        "vehicles_per_year": _per_period(vehicles.min(axis=0), grid.month_starts, mean=True),
        "binding_component": names[np.argmax(counts, axis=1)],
    }


def family_assembly_columns(plan: Plan, grid: Grid, daily: Daily) -> Columns:
    """Per vehicle family (in file order, then `all`, their sum) and month: the vehicles
    per year supportable (the monthly mean of the daily values) and the component binding
    on most days of the month (ties: the first in file order; none on the `all` rows)."""
    ids = [c.id for c in plan.components]
    families = family_grid(plan.scenario, ids, grid.mid)
    available = daily.supply + daily.served.sum(axis=0)  # realised (import shares)
    vehicles, binding = family_vehicles(available, families.shares, families.units)
    months = len(grid.month_starts)
    names = np.asarray(ids, dtype=object)
    bound = []
    for f in range(len(families.ids)):
        counts = np.zeros((months, len(ids)))
        np.add.at(counts, (grid.month, binding[f]), 1.0)
        bound.append(names[np.argmax(counts, axis=1)])
    per_month = _per_period(np.vstack([vehicles, vehicles.sum(axis=0)]), grid.month_starts,
                            mean=True)
    rows = [*families.ids, ALL_FAMILIES]
    return {
        "month": np.tile(np.asarray(grid.month_labels, dtype=object), len(rows)),
        "family": np.repeat(np.asarray(rows, dtype=object), months),
        "vehicles_per_year": per_month.ravel(),
        "binding_component": np.concatenate([*bound, np.full(months, None, dtype=object)]),
    }


ALL_FAMILIES = "all"
"""The `family` of the rows that add up every family."""


def event_columns(grid: Grid, record: Record) -> Columns:
    """The decisions and milestones within the run, in time order."""
    rows = sorted((e for e in record.events if e[0] < grid.n_days), key=lambda e: e[0])
    keys = ("time_days", "kind", "stage", "entity", "component", "supplier", "amount")
    return {k: [r[i] for r in rows] for i, k in enumerate(keys)}


def replication_tables(plan: Plan, grid: Grid, record: Record, daily: Daily) -> dict[str, Columns]:
    """All tables' columns for one replication (without the replication column)."""
    tables = {
        "kpis": kpi_columns(plan, grid, record, daily),
        "series": series_columns(plan, grid, daily),
        "yearly": yearly_columns(plan, grid, record, daily),
        "events": event_columns(grid, record),
        "suppliers": supplier_columns(plan, record),
    }
    assembly = assembly_columns(plan, grid, daily)
    if assembly is not None:
        tables["assembly"] = assembly
    investment = plan.scenario.stages.investment
    if plan.scenario.economics is not None and investment is not None and investment.projects:
        tables["projects"] = project_columns(plan, grid, record, daily)
    return tables
