"""How much work one replication would schedule, estimated before anything runs.

Each field can be within its own bounds and the combination still be enormous (an hourly
failure on a hundred lines over a century, a block probability of 0.999999 with no
re-order delay). `check_workload` estimates the events of one replication from the
validated scenario and refuses it above `MAX_EVENTS_PER_REPLICATION`, naming the field
that contributes most. The estimate is simple and errs on the large side:

- a line with `mtbf_days`: 2 events (failure, repair) per cycle, run days / (mtbf_days +
  E[repair_days]) cycles;
- a funded stage: 1 + (days from its start to the end) / review_days reviews, and one
  money arrival for the budget and each tranche;
- sharing: 2 per line (offer usable, ramped);
- procurement: every machine a line may get (`max_machines`) ordered once, 6 events each
  (decision, placement, slot, built, delivered, installed), plus 4 per blocked attempt
  (the wait and three records: placed, blocked, re-ordered),
  attempts = min(1 / (1 - p), 1 + run days / E[reorder_delay_days]) with the largest
  `block_probability` and the smallest mean re-order delay of the suppliers;
- investment: 4 events per project (start, prepared, built, ramped).
"""

from __future__ import annotations

import math
from typing import Any

from simulator.scenario.limits import MAX_EVENTS_PER_REPLICATION, explain
from simulator.scenario.schema import Scenario

Issue = tuple[tuple[Any, ...], str]
Part = tuple[float, tuple[Any, ...], str]  # (events, field path, how they arise)

EVENTS_PER_MACHINE = 6
EVENTS_PER_BLOCKED_ATTEMPT = 4
EVENTS_PER_PROJECT = 4
EVENTS_PER_OFFER = 2


def check_workload(scenario: Scenario) -> list[Issue]:
    """One issue, at the largest contributor, if a replication would schedule too much."""
    parts = workload(scenario)
    total = sum(events for events, _, _ in parts)
    if total <= MAX_EVENTS_PER_REPLICATION:
        return []
    events, loc, how = max(parts, key=lambda part: part[0])
    return [(loc, f"one replication would schedule about {_count(total)} events, more than "
                  f"{MAX_EVENTS_PER_REPLICATION:,}; this field contributes most: {how} = "
                  f"about {_count(events)} (limit {explain('MAX_EVENTS_PER_REPLICATION')})")]


def workload(scenario: Scenario) -> list[Part]:
    """Every contribution to the events of one replication (see the module docstring)."""
    days = float(scenario.n_days)
    return [*_failures(scenario, days), *_stages(scenario, days)]


def _failures(scenario: Scenario, days: float) -> list[Part]:
    parts: list[Part] = []
    for p, plant in enumerate(scenario.plants):
        for j, line in enumerate(plant.lines):
            if line.mtbf_days is None:
                continue
            cycle = float(line.mtbf_days) + max(0.0, float(line.repair_days.mean()))
            parts.append((2 * days / cycle, ("plants", p, "lines", j, "mtbf_days"),
                          f"failures and repairs of line {line.id!r}, 2 x {days:,.0f} days / "
                          f"(mtbf_days {line.mtbf_days:g} + mean repair_days "
                          f"{line.repair_days.mean():g})"))
    return parts


def _stages(scenario: Scenario, days: float) -> list[Part]:
    parts: list[Part] = []
    stages = scenario.stages
    lines = [(p, j, line) for p, plant in enumerate(scenario.plants)
             for j, line in enumerate(plant.lines)]
    if stages.sharing is not None:
        parts.append((EVENTS_PER_OFFER * len(lines), ("stages", "sharing"),
                      f"{len(lines)} sharing offers x {EVENTS_PER_OFFER}"))
    for name in ("procurement", "investment"):
        stage = getattr(stages, name)
        if stage is None:
            continue
        left = max(0.0, days - scenario.day(stage.start))
        reviews = 1 + left / float(stage.review_days)
        parts.append((reviews, ("stages", name, "review_days"),
                      f"{name} reviews, 1 + {left:,.0f} days / review_days "
                      f"{stage.review_days:g}"))
        parts.append((1 + len(stage.tranches), ("stages", name, "tranches"),
                      f"{name} money arrivals"))
    if stages.procurement is not None:
        parts += _machines(stages.procurement, lines, days)
    if stages.investment is not None:
        projects = len(stages.investment.projects)
        parts.append((EVENTS_PER_PROJECT * projects, ("stages", "investment", "projects"),
                      f"{projects} projects x {EVENTS_PER_PROJECT}"))
        market = scenario.tooling_market()
        if market is not None:
            parts += _tooling(stages.investment, market, days)
    return parts


def _tooling(investment: Any, market: Any, days: float) -> list[Part]:
    """Stage-3 tooling orders: like machines, with re-orders at the worst supplier."""
    parts: list[Part] = []
    k, worst = max(enumerate(market.suppliers), key=lambda item: item[1].block_probability)
    attempts = _attempts(market, worst, days)
    for i, project in enumerate(investment.projects):
        orders = float(project.tooling_orders())
        if orders:
            loc = ("stages", "investment", "projects", i, "tooling")
            parts.append((EVENTS_PER_MACHINE * orders, loc,
                          f"{orders:,.0f} tooling orders of project {project.id!r} x "
                          f"{EVENTS_PER_MACHINE}"))
            if attempts > 1:
                parts.append((EVENTS_PER_BLOCKED_ATTEMPT * orders * attempts,
                              ("stages", "procurement", "suppliers", k, "block_probability"),
                              f"re-orders of {orders:,.0f} tooling orders of project "
                              f"{project.id!r}, {EVENTS_PER_BLOCKED_ATTEMPT} x "
                              f"{attempts:,.0f} attempts each"))
    return parts


def _attempts(market: Any, worst: Any, days: float) -> float:
    """Expected placements of one order at the supplier most likely to block, bounded by
    the re-orders the run has room for."""
    if worst.block_probability == 0:
        return 1.0
    delay = min(max(0.0, float(s.reorder_delay_days.mean())) for s in market.suppliers)
    attempts = 1 / (1 - float(worst.block_probability))
    return min(attempts, 1 + days / delay) if delay > 0 else attempts


def _machines(procurement: Any, lines: list[tuple[int, int, Any]], days: float) -> list[Part]:
    parts: list[Part] = [
        (EVENTS_PER_MACHINE * float(line.max_machines), ("plants", p, "lines", j,
                                                         "max_machines"),
         f"{line.max_machines:,} machines of line {line.id!r} x {EVENTS_PER_MACHINE}")
        for p, j, line in lines if line.max_machines > 0]
    machines = sum(float(line.max_machines) for _, _, line in lines)
    suppliers = list(enumerate(procurement.suppliers))
    k, worst = max(suppliers, key=lambda item: item[1].block_probability)
    if machines == 0 or worst.block_probability == 0:
        return parts
    delay = min(max(0.0, float(s.reorder_delay_days.mean())) for _, s in suppliers)
    attempts = _attempts(procurement, worst, days)
    parts.append((EVENTS_PER_BLOCKED_ATTEMPT * machines * attempts,
                  ("stages", "procurement", "suppliers", k, "block_probability"),
                  f"re-orders of {machines:,.0f} machines, {EVENTS_PER_BLOCKED_ATTEMPT} x "
                  f"{attempts:,.0f} attempts each (block_probability {worst.block_probability:.10g}"
                  f", smallest mean reorder_delay_days {delay:g})"))
    return parts


def _count(events: float) -> str:
    """A large count for a message: 3,100,000,000 rather than 3.1e9; inf as 'unbounded'."""
    return f"{events:,.0f}" if math.isfinite(events) else "unboundedly many"
