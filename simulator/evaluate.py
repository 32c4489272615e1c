"""From one replication's record to the daily grid: capacity, gap, merit order, shortfall.

Day d's value is the rate in force at time d + 0.5 (SPEC.md §2). Capacity sources ramp
linearly from `t_ready` over `ramp_days`; a line's sharing offer and machines produce
nothing while the line is down. The stages serve the gap in merit order, sharing first
(SPEC.md §5). Everything is vectorised numpy over days; nothing here loops over days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.model.record import INVESTMENT, Record
from simulator.model.world import Plan


@dataclass
class Grid:
    """Day-grid facts shared by all replications of a plan."""

    n_days: int
    mid: np.ndarray  # (N,) day midpoints
    demand_base: np.ndarray  # (C, N) demand before factors
    supply: np.ndarray  # (C, N) domestic supply
    unit_value: np.ndarray  # (C,)
    month: np.ndarray  # (N,) month number 0..M-1
    month_labels: list[str]
    month_starts: np.ndarray  # (M,) first day of each month
    year: np.ndarray  # (N,) year number 0..Y-1
    year_labels: list[int]
    year_starts: np.ndarray  # (Y,)
    discount: np.ndarray  # (N,) (1 + r)^-((d + 0.5) / 365.25)
    n_lines: int
    market_days: np.ndarray | None = None  # day numbers of the market levels, if any
    import_share: np.ndarray | None = None  # (C, N) import-share path, nan without one

    @classmethod
    def from_plan(cls, plan: Plan) -> Grid:
        scenario = plan.scenario
        n = plan.n_days
        mid = np.arange(n) + 0.5
        demand = np.array([np.interp(mid, c.demand_x, c.demand_y) for c in plan.components])
        supply = np.array([np.interp(mid, c.supply_x, c.supply_y) for c in plan.components])
        dates = np.datetime64(scenario.scenario.start.isoformat(), "D") + np.arange(n)
        months = dates.astype("datetime64[M]")
        month_starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
        month = np.cumsum(np.r_[False, months[1:] != months[:-1]])
        years = dates.astype("datetime64[Y]")
        year_starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
        year = np.cumsum(np.r_[False, years[1:] != years[:-1]])
        rate = float(scenario.scenario.discount_rate)
        shares = [c for c in plan.components if c.share_x is not None]
        share = None
        if shares:
            share = np.full((len(plan.components), n), np.nan)
            for c in shares:
                share[c.index] = np.interp(mid, c.share_x, c.share_y)  # type: ignore[arg-type]
        return cls(
            n_days=n, mid=mid, demand_base=demand.reshape(len(plan.components), n),
            supply=supply.reshape(len(plan.components), n),
            unit_value=np.array([c.unit_value for c in plan.components], dtype=float),
            month=month, month_labels=[str(m) for m in months[month_starts]],
            month_starts=month_starts, year=year,
            year_labels=[int(str(y)) for y in years[year_starts]], year_starts=year_starts,
            discount=(1.0 + rate) ** (-mid / 365.25), n_lines=len(plan.lines),
            market_days=plan.market.days if plan.market is not None else None,
            import_share=share,
        )


@dataclass
class Daily:
    """One replication on the daily grid (rates in units/year)."""

    demand: np.ndarray  # (C, N) demand * factors * market level
    gap: np.ndarray  # (C, N)
    available: np.ndarray  # (3, C, N) stage capacity after ramp-up and downtime
    served: np.ndarray  # (3, C, N)
    shortfall: np.ndarray  # (C, N)
    supply: np.ndarray  # (C, N) domestic supply (realised where it follows an import share)


def ramp_profile(mid: np.ndarray, t_ready: float, ramp_days: float) -> np.ndarray:
    """Share of nameplate available at each midpoint: 0 before `t_ready`, linear ramp, 1."""
    if ramp_days <= 0:
        return (mid >= t_ready).astype(float)
    return np.clip((mid - t_ready) / ramp_days, 0.0, 1.0)


def line_up_mask(grid: Grid, downtime: list[tuple[int, float, float]]) -> np.ndarray:
    """(lines, N) 1 where the line is up at the day's midpoint, 0 where it is down."""
    n, width = grid.n_days, grid.n_days + 1
    if not downtime:
        return np.ones((grid.n_lines, n))
    arr = np.asarray(downtime, dtype=float)
    lines = arr[:, 0].astype(np.int64)
    # day d is down when t_down <= d + 0.5 < t_up
    first = np.clip(np.ceil(arr[:, 1] - 0.5), 0, n).astype(np.int64)
    stop = np.clip(np.ceil(arr[:, 2] - 0.5), 0, n).astype(np.int64)
    # +1 where a spell starts, -1 where it ends, counted per (line, day) in whole numbers
    # (`bincount`: `np.add.at` took a tenth of a replication's evaluation)
    size = grid.n_lines * width
    steps = (np.bincount(lines * width + first, minlength=size)
             - np.bincount(lines * width + stop, minlength=size)).reshape(grid.n_lines, width)
    down = np.cumsum(steps[:, :n], axis=1) > 0
    return (~down).astype(float)


def available_capacity(grid: Grid, record: Record, n_components: int) -> np.ndarray:
    """(3, C, N) capacity each stage can supply each day."""
    available = np.zeros((3, n_components, grid.n_days))
    up = line_up_mask(grid, record.downtime) if record.downtime else None
    for stage, comp, line, t_ready, ramp, capacity in record.sources:
        if t_ready >= grid.n_days:
            continue
        profile = ramp_profile(grid.mid, t_ready, ramp) * capacity
        if up is not None and line >= 0 and stage != INVESTMENT:
            profile *= up[line]
        available[stage, comp] += profile
    return available


def merit_order(gap: np.ndarray, available: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Serve the gap with stage 1, then 2, then 3; return (served (3, ...), shortfall)."""
    served = np.empty_like(available)
    left = gap.copy()
    for k in range(available.shape[0]):
        served[k] = np.minimum(left, available[k])
        left = left - served[k]
    return served, np.maximum(left, 0.0)


def evaluate(grid: Grid, record: Record) -> Daily:
    """The daily grid of one replication."""
    factors = np.asarray(record.demand_factors, dtype=float)[:, None]
    demand = grid.demand_base * factors
    if grid.market_days is not None:
        demand = demand * np.interp(grid.mid, grid.market_days, record.market_levels)
    supply = realised_supply(grid, record, demand)
    gap = np.maximum(0.0, demand - supply)
    available = available_capacity(grid, record, len(factors))
    served, shortfall = merit_order(gap, available)
    return Daily(demand, gap, available, served, shortfall, supply)


def realised_supply(grid: Grid, record: Record, demand: np.ndarray) -> np.ndarray:
    """(C, N) domestic supply: the scenario's path, or, for a component with an import
    share, demand * (1 - clip(share + the replication's shift, 0, 1))."""
    if grid.import_share is None:
        return grid.supply
    shift = np.asarray(record.import_share_shifts, dtype=float)[:, None]
    share = np.clip(grid.import_share + shift, 0.0, 1.0)
    return np.where(np.isnan(grid.import_share), grid.supply, demand * (1.0 - share))
