"""What one replication leaves behind: rate changes, money flows and milestones.

The model appends plain tuples here as events happen; `simulator.evaluate` turns them into
the daily grid. Capacity is recorded as *sources* (a nameplate that becomes available at
`t_ready` and ramps linearly over `ramp_days`) plus each line's downtime intervals, so the
record is small and exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STAGES = ("sharing", "procurement", "investment")
SHARING, PROCUREMENT, INVESTMENT = 0, 1, 2


@dataclass
class Record:
    """The record of one replication (times in days from the scenario start)."""

    replication: int
    # (stage index, component index, line index or -1, t_ready, ramp_days, capacity/yr)
    sources: list[tuple[int, int, int, float, float, float]] = field(default_factory=list)
    # (line index, t_down, t_up)
    downtime: list[tuple[int, float, float]] = field(default_factory=list)
    # (stage index, kind, t0, t1, amount, component index or -1): kind is released |
    # committed | spent; an amount with t1 > t0 is spread evenly over [t0, t1) (drawing)
    money: list[tuple[int, str, float, float, float, int]] = field(default_factory=list)
    # (stage index, component index, day given up, capacity/yr): offered capacity whose
    # qualification failed every attempt
    never_qualified: list[tuple[int, int, float, float]] = field(default_factory=list)
    # (stage index, component index, capacity/yr): all capacity offered for qualification
    offered: list[tuple[int, int, float]] = field(default_factory=list)
    # (stage index, t0, t1): periods in which the stage's money could pay for nothing
    empty_budget: list[tuple[int, float, float]] = field(default_factory=list)
    # (time, kind, stage, entity, component or "", supplier or "", amount or nan)
    events: list[tuple[float, str, str, str, str, str, float]] = field(default_factory=list)
    demand_factors: list[float] = field(default_factory=list)  # per component, realised
    # market level at the market plan's days (empty without a demand process)
    market_levels: list[float] = field(default_factory=list)
    import_share_shifts: list[float] = field(default_factory=list)  # per component, realised
    committed: list[float] = field(default_factory=list)  # per line, realised
    # per component, realised (empty unless the scenario measures economic value)
    import_prices: list[float] = field(default_factory=list)
    unit_costs: list[float] = field(default_factory=list)
    # (project index, t0, t1, amount): stage-3 capex spent from the budget, by project
    project_spent: list[tuple[int, float, float, float]] = field(default_factory=list)
    # (project index, t_ready, ramp_days, capacity/yr): a finished project's usable capacity
    project_sources: list[tuple[int, float, float, float]] = field(default_factory=list)
    paused_build_days: float = 0.0
    capex_before_start: float = 0.0
    unspent: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    orders_placed: int = 0
    orders_blocked: int = 0
    orders_lapsed: int = 0
    # supplier id -> list of slot waits (days) of its unblocked orders
    slot_waits: dict[str, list[float]] = field(default_factory=dict)
    supplier_orders: dict[str, int] = field(default_factory=dict)
    supplier_blocked: dict[str, int] = field(default_factory=dict)
    # stage-3 tooling (issue 10, item 1): orders placed and blocked, slot waits (days), and
    # per plant built [component index, day built, day producing or nan]
    tooling_placed: int = 0
    tooling_blocked: int = 0
    tooling_waits: list[float] = field(default_factory=list)
    plants: list[list[float]] = field(default_factory=list)

    def event(
        self,
        time: float,
        kind: str,
        stage: str,
        entity: str,
        component: str = "",
        supplier: str = "",
        amount: float = float("nan"),
    ) -> None:
        """Log a decision or milestone."""
        self.events.append((time, kind, stage, entity, component, supplier, amount))
