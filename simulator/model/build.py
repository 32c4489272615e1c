"""Wire one replication's world, run it to the end of the horizon, return its record.

`build_world` creates the environment, draws the per-replication values (demand factors,
the market level path and import-share shifts, committed output) and registers the
processes of every enabled stage; it runs nothing.
`simulate` runs the environment until the end of the last day and closes the accounts.
"""

from __future__ import annotations

import simpy

from simulator.model.investment import build_investment
from simulator.model.lines import draw_downtime
from simulator.model.procurement import build_procurement
from simulator.model.record import Record
from simulator.model.sharing import offer_spare_capacity
from simulator.model.streams import Streams
from simulator.model.suppliers import Market
from simulator.model.world import Plan, World


def _draw_factors(world: World) -> None:
    """Demand factors: one market-wide draw and one per component (clipped at 0)."""
    scenario = world.plan.scenario
    market_u = world.streams("demand:scenario").next()
    market = scenario.scenario.demand_factor
    market_factor = max(0.0, market.sample(market_u)) if market is not None else 1.0
    for c in scenario.components:
        u = world.streams(f"demand:{c.id}").next()
        own = max(0.0, c.demand_factor.sample(u)) if c.demand_factor is not None else 1.0
        world.record.demand_factors.append(market_factor * own)


def _draw_market(world: World) -> None:
    """The market level path (stream `market:scenario`) and each import-share shift
    (stream `import_share:<component>`, one uniform where the component has a path)."""
    plan = world.plan
    if plan.market is not None:
        world.record.market_levels = plan.market.draw(world.streams("market:scenario"))
    for c in plan.scenario.components:
        shift = 0.0
        if c.import_share is not None:
            u = world.streams(f"import_share:{c.id}").next()
            shift = c.import_share_shift.sample(u) if c.import_share_shift is not None else 0.0
        world.record.import_share_shifts.append(shift)


def _draw_committed(world: World) -> None:
    """Each line's committed output for this replication, clipped to [0, capacity]."""
    for line in world.plan.lines:
        u = world.streams(f"committed:{line.id}").next()
        capacity = float(line.spec.capacity)
        world.committed.append(min(capacity, max(0.0, line.spec.committed.sample(u))))
    world.record.committed = list(world.committed)


def _draw_prices(world: World) -> None:
    """Import price and domestic unit cost per component (clipped at 0), from a stream of
    their own, `prices:<component>`: drawn only where the scenario measures economic value,
    so no other draw moves."""
    scenario = world.plan.scenario
    if scenario.economics is None:
        return
    for c in scenario.components:
        stream = world.streams(f"prices:{c.id}")
        for dist, out in ((c.import_price, world.record.import_prices),
                          (c.domestic_unit_cost, world.record.unit_costs)):
            u = stream.next()
            out.append(max(0.0, dist.sample(u)) if dist is not None else 0.0)


def build_world(plan: Plan, replication: int, *, log_failures: bool = False) -> World:
    """Everything for one replication, wired and ready to run."""
    scenario = plan.scenario
    env = simpy.Environment()
    streams = Streams(scenario.scenario.seed, replication, plan.known_keys)
    world = World(plan, env, streams, Record(replication), log_failures=log_failures)
    _draw_factors(world)
    _draw_market(world)
    _draw_committed(world)
    _draw_prices(world)
    for line in plan.lines:
        if line.spec.mtbf_days is not None:
            draw_downtime(world, line)
    stages = scenario.stages
    machine_tools = scenario.tooling_market()
    if machine_tools is not None:
        world.machine_tools = Market(env, machine_tools)
    if stages.sharing is not None:
        env.process(offer_spare_capacity(env, world, stages.sharing))
    if stages.procurement is not None:
        world.procurement = build_procurement(world, stages.procurement)
    if stages.investment is not None:
        world.investment = build_investment(world, stages.investment)
    return world


def simulate(plan: Plan, replication: int, *, log_failures: bool = False) -> Record:
    """Run one replication to the end of the horizon and return its record."""
    world = build_world(plan, replication, log_failures=log_failures)
    end = float(plan.n_days)
    world.env.run(until=end)
    if world.procurement is not None:
        world.procurement.account.close(end)
    if world.investment is not None:
        world.investment.close()
    return world.record
