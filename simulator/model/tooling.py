"""Stage-3 tooling through the machine-tool suppliers (issue 10, item 1).

A new plant's `tooling` items are supplier orders (a machine, cell or small line each)
placed when its building begins, with the suppliers of stage 2: chosen by stage 2's
`supplier_choice` among the item's `supplier_class`, blocked with the supplier's
probability and re-placed after its `reorder_delay_days` (never lapsing: the plant's capex
pays for them), queued first come first served for the same slots as stage 2's machines,
built, shipped and installed. The plant produces once its building is done and
`tooling_start_share` of the orders are installed (docs/background/model.md).
Draws: `tooling:<project>` — every order's installation time when the orders are placed,
in order, then per placement the block draw, re-order delay, lead time and shipping time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from simulator.model.clock import INVESTMENT, ProcessGenerator, after

if TYPE_CHECKING:
    from simulator.model.investment import InvestmentStage, Project
    from simulator.model.streams import Stream
    from simulator.scenario import Tooling


def order_tooling(stage: InvestmentStage, project: Project) -> None:
    """Place every order of the project's tooling now (those not installed before the run)."""
    world = stage.world
    spec = project.spec
    draws = world.streams(f"tooling:{spec.id}")
    to_order = project.tooling_total - project.tooling_installed
    n = 0
    for item in spec.tooling:
        for _ in range(item.order_count(float(spec.capex))):
            if n >= to_order:
                return
            n += 1
            installation = max(0.0, item.installation_days.sample(draws.next()))
            world.env.process(fulfil_tooling(world.env, stage, project, item,
                                             f"{spec.id}/t{n}", installation, draws))


def fulfil_tooling(env: simpy.Environment, stage: InvestmentStage, project: Project,
                   item: Tooling, order_id: str, installation: float,
                   draws: Stream) -> ProcessGenerator:
    """One tooling order from placement to installation, with blocking and re-orders."""
    world = stage.world
    record = world.record
    market = world.machine_tools
    assert market is not None  # the scenario checks guarantee suppliers
    comp = world.plan.components[project.component].id
    among = market.of_class(item.supplier_class)
    while True:
        supplier = market.choose(among)
        s = supplier.spec
        u_block, u_reorder, u_lead, u_ship = (draws.next() for _ in range(4))
        record.tooling_placed += 1
        record.event(world.now, "tooling_placed", "investment", order_id, comp, s.id)
        if u_block >= float(s.block_probability):
            break
        record.tooling_blocked += 1
        record.event(world.now, "tooling_blocked", "investment", order_id, comp, s.id)
        yield after(env, max(0.0, s.reorder_delay_days.sample(u_reorder)), INVESTMENT)
    supplier.pending += 1
    placed = world.now
    with supplier.resource.request() as slot:
        yield slot
        record.tooling_waits.append(world.now - placed)
        record.event(world.now, "tooling_building", "investment", order_id, comp, s.id)
        yield after(env, max(0.0, s.lead_time_days.sample(u_lead)), INVESTMENT)
        supplier.pending -= 1
    installed = world.now + max(0.0, s.shipping_days.sample(u_ship)) + installation
    yield after(env, installed - world.now, INVESTMENT)
    record.event(world.now, "tooling_installed", "investment", order_id, comp, s.id)
    stage.tooling_installed(project)
