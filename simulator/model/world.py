"""The shared state of one replication, and the scenario facts every process needs.

`Plan` holds what follows from the scenario alone (component order, expected demand paths,
flat line list, day numbers); it is built once and reused for every replication. `World`
holds one replication's environment, streams, record and the pipeline counts that the
stages' projections read (offers made, machines ordered, projects started).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

from simulator.model.market import MarketPlan
from simulator.model.record import Record
from simulator.model.streams import KnownKeys, Streams

if TYPE_CHECKING:
    from simulator.model.investment import InvestmentStage
    from simulator.model.procurement import ProcurementStage
    from simulator.model.suppliers import Market
    from simulator.scenario import Component, Line, Scenario


def _points(scenario: Scenario, points: dict[dt.date, float]) -> tuple[np.ndarray, np.ndarray]:
    """A `{date: value}` mapping as sorted day numbers and values (empty -> zero)."""
    if not points:
        return np.array([0.0]), np.array([0.0])
    items = sorted((scenario.day(d), float(v)) for d, v in points.items())
    return np.array([x for x, _ in items]), np.array([y for _, y in items])


def interpolate(t: float, xs: np.ndarray, ys: np.ndarray) -> float:
    """`numpy.interp` for one point (linear, flat outside), without numpy's call overhead:
    the planners call it tens of thousands of times per batch."""
    n = len(xs)
    if t <= xs[0]:
        return float(ys[0])
    if t >= xs[n - 1]:
        return float(ys[n - 1])
    i = bisect.bisect_right(xs, t)
    x0, x1 = xs[i - 1], xs[i]
    return float(ys[i - 1] + (ys[i] - ys[i - 1]) * (t - x0) / (x1 - x0))


@dataclass
class ComponentPlan:
    """A component group as the planners see it: expected demand path and supply."""

    index: int
    id: str
    unit_value: float
    units_per_vehicle: float | None
    demand_x: np.ndarray
    demand_y: np.ndarray
    supply_x: np.ndarray
    supply_y: np.ndarray
    expected_factor: float
    spec: Component  # the scenario's component (qualification and the rest)
    market: MarketPlan | None = None  # the scenario's demand process, if any
    share_x: np.ndarray | None = None  # import-share path, if the component has one
    share_y: np.ndarray | None = None
    share_shift_mean: float = 0.0  # E[import_share_shift]

    def expected_gap(self, t: float) -> float:
        """`max(0, demand(t) * E[factors] - domestic_supply(t))` (SPEC.md §3), demand times
        the expected market level and, with an import-share path, domestic supply =
        demand * (1 - clip(share(t) + E[shift], 0, 1))."""
        demand = interpolate(t, self.demand_x, self.demand_y) * self.expected_factor
        if self.market is not None:
            demand *= interpolate(t, self.market.days, self.market.expected)
        if self.share_x is not None and self.share_y is not None:
            share = interpolate(t, self.share_x, self.share_y) + self.share_shift_mean
            supply = demand * (1.0 - min(1.0, max(0.0, share)))
        else:
            supply = interpolate(t, self.supply_x, self.supply_y)
        return max(0.0, demand - supply)

    def max_expected_gap(self, t0: float, t1: float) -> float:
        """The largest expected gap on [t0, t1] (at the ends or a point in between; with a
        market level or an import-share path, also at the midpoints between knots, as a
        product of two lines may peak inside a segment)."""
        extra = [a for a in (self.market.days if self.market is not None else None,
                             self.share_x) if a is not None]
        knots = np.concatenate(([t0, t1], self.demand_x, self.supply_x, *extra))
        knots = knots[(knots >= t0) & (knots <= t1)]
        if extra:
            knots = np.unique(knots)
            knots = np.concatenate((knots, 0.5 * (knots[:-1] + knots[1:])))
        return max(self.expected_gap(float(t)) for t in knots)


@dataclass
class LinePlan:
    """A plant line with its component and place in the file."""

    index: int
    id: str
    plant_id: str
    component: int
    spec: Line


@dataclass
class Plan:
    """What the scenario alone decides; shared by all replications."""

    scenario: Scenario
    n_days: int
    components: list[ComponentPlan]
    lines: list[LinePlan]
    component_index: dict[str, int]
    market: MarketPlan | None = None  # the scenario's demand process, if any
    known_keys: KnownKeys | None = None  # the random streams it will use, hashed once

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Plan:
        meta = scenario.scenario
        market = meta.demand_factor.mean() if meta.demand_factor is not None else 1.0
        level = MarketPlan.from_scenario(scenario)
        components: list[ComponentPlan] = []
        for i, c in enumerate(scenario.components):
            own = c.demand_factor.mean() if c.demand_factor is not None else 1.0
            dx, dy = _points(scenario, c.demand)
            sx, sy = _points(scenario, c.domestic_supply)
            plan = ComponentPlan(i, c.id, float(c.unit_value), c.units_per_vehicle, dx, dy,
                                 sx, sy, market * own, c, market=level)
            if c.import_share is not None:
                plan.share_x, plan.share_y = _points(scenario, c.import_share)
                shift = c.import_share_shift
                plan.share_shift_mean = shift.mean() if shift is not None else 0.0
            components.append(plan)
        index = {c.id: c.index for c in components}
        lines: list[LinePlan] = []
        for plant in scenario.plants:
            for line in plant.lines:
                lines.append(LinePlan(len(lines), line.id, plant.id, index[line.component], line))
        return cls(scenario, scenario.n_days, components, lines, index, level,
                   KnownKeys(stream_keys(scenario)))


def stream_keys(scenario: Scenario) -> list[str]:
    """The keys of the streams a replication of `scenario` may draw from (SPEC.md §10),
    so that they are seeded together; a key left out is still served, only slower."""
    keys = ["demand:scenario", "market:scenario",
            *(f"{kind}:{c.id}" for c in scenario.components
              for kind in ("demand", "import_share", "prices"))]
    for plant in scenario.plants:
        for line in plant.lines:
            keys += [f"committed:{line.id}", f"failures:{line.id}",
                     f"qualification:{line.id}", f"machines:{line.id}",
                     f"qualifying:{line.id}"]
    market = scenario.tooling_market()
    if market is not None:
        keys += [f"supplier:{s.id}" for s in market.suppliers]
    for name in ("procurement", "investment"):
        stage = getattr(scenario.stages, name)
        if stage is not None:
            keys += [f"tranche:{name}:{t.id}" for t in stage.tranches]
    if scenario.stages.investment is not None:
        for p in scenario.stages.investment.projects:
            keys += [f"build:{p.id}", f"tooling:{p.id}", f"qualifying:{p.id}"]
    return keys


@dataclass
class World:
    """One replication: environment, streams, record and the pipeline counts."""

    plan: Plan
    env: simpy.Environment
    streams: Streams
    record: Record
    log_failures: bool = False
    sharing_offers: list[float] = field(default_factory=list)  # nameplate per component
    machines_ordered: list[float] = field(default_factory=list)  # nameplate, not lapsed
    committed: list[float] = field(default_factory=list)  # per line, this replication
    machine_tools: Market | None = None  # the suppliers, for stage 2 and stage-3 tooling
    procurement: ProcurementStage | None = None  # when enabled
    investment: InvestmentStage | None = None  # when enabled

    def __post_init__(self) -> None:
        n = len(self.plan.components)
        self.sharing_offers = [0.0] * n
        self.machines_ordered = [0.0] * n

    @property
    def now(self) -> float:
        return float(self.env.now)

    def projects_counted(self, component: int, target: float | None) -> float:
        """Nameplate of stage-3 projects for a component: all started (`target` None), or
        those whose expected finish is on or before `target` (finished ones always)."""
        if self.investment is None:
            return 0.0
        return self.investment.counted_capacity(component, target)

    def projects_finished(self, component: int) -> float:
        """Nameplate of the component's finished stage-3 projects."""
        if self.investment is None:
            return 0.0
        return self.investment.finished_capacity(component)
