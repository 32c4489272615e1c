"""Stage 2: order machines for lines that can make the parts (SPEC.md §4, Procurement).

Reviews at the stage start and every `review_days` compare each component's projected
shortfall at the target date with the pipeline and order one machine at a time, paid at the
decision. Each machine is its own order: after `approval_days` it is placed with the
supplier chosen by the `supplier_choice` policy, may be blocked (refunded, re-ordered after
`reorder_delay_days`, lapsing without money), waits for one of the supplier's slots (a SimPy
`Resource`), is built, shipped, installed and ramps up.
Draws: `machines:<line>` (per machine: approval, installation, ramp) and `supplier:<id>`
(per placement: block, re-order delay, lead time, shipping).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from simulator import policies
from simulator.model.clock import MONEY, PROCUREMENT, ProcessGenerator, after
from simulator.model.money import Account, money_schedule
from simulator.model.record import PROCUREMENT as STAGE
from simulator.model.suppliers import Market, Supplier
from simulator.model.world import LinePlan, World

if TYPE_CHECKING:
    from simulator.scenario import Procurement

EPS = 1e-9


@dataclass
class ProcurementStage:
    """Stage 2's state in one replication."""

    world: World
    spec: Procurement
    account: Account
    market: Market
    machines: list[int] = field(default_factory=list)  # per line: ordered, not lapsed
    counts: list[int] = field(default_factory=list)  # per line: machines decided so far
    # per component: nameplate installed by the last review, and (day, nameplate) of the
    # built machines whose installation day is known but was not yet reached then
    installed: list[float] = field(default_factory=list)
    installing: list[list[tuple[float, float]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.world.plan.lines)
        self.machines = [0] * n
        self.counts = [0] * n
        n_components = len(self.world.plan.components)
        self.installed = [0.0] * n_components
        self.installing = [[] for _ in range(n_components)]
        self.quantity = policies.get("order_quantity", self.spec.order_quantity)
        self.ordering = policies.get("ordering", self.spec.ordering)
        offset = self.spec.target_offset_days
        if offset is None:
            offset = (
                min(s.mean_lead + s.mean_shipping for s in self.suppliers)
                + self.spec.approval_days.mean()
                + self.spec.installation_days.mean()
                + self.spec.ramp_up_days.mean()
            )
        self.target_offset = float(offset)

    @property
    def suppliers(self) -> list[Supplier]:
        return self.market.suppliers

    # --- money -------------------------------------------------------------------------

    def has_room(self, line: LinePlan) -> bool:
        return self.machines[line.index] < int(line.spec.max_machines)

    def update_empty(self) -> None:
        """The budget is empty when it cannot pay for a machine on any line with room."""
        costs = [float(line.spec.machine_cost) for line in self.world.plan.lines
                 if self.has_room(line)]
        empty = bool(costs) and self.account.balance + EPS < min(costs)
        self.account.note_empty(self.world.now, empty)

    # --- the review --------------------------------------------------------------------

    def projected_shortfall(self, component: int, target: float) -> float:
        """Expected gap at the target minus the nameplate already in the pipeline."""
        world = self.world
        gap = world.plan.components[component].expected_gap(target)
        return (gap - world.sharing_offers[component] - world.machines_ordered[component]
                - world.projects_counted(component, target))

    def pipeline_view(self, component: int, target: float) -> policies.PipelineView:
        """What the `order_quantity` rule sees of a component at a review: the expected gap
        at the target, the nameplate in place and the nameplate on its way."""
        world = self.world
        now = world.now
        waiting = self.installing[component]
        while waiting and waiting[0][0] <= now:
            self.installed[component] += heapq.heappop(waiting)[1]
        installed = self.installed[component]
        finished = world.projects_finished(component)
        return policies.PipelineView(
            component_id=world.plan.components[component].id,
            expected_gap=world.plan.components[component].expected_gap(target),
            in_place=world.sharing_offers[component] + installed + finished,
            supply_line=(world.machines_ordered[component] - installed
                         + world.projects_counted(component, target) - finished),
            adjustment_fraction=float(self.spec.adjustment_fraction),
            supply_line_weight=float(self.spec.supply_line_weight))

    def review(self) -> None:
        """One review: order machines, component by component, while money and room last.

        How much each component gets is the `order_quantity` rule's amount (by default
        SPEC.md §4's projected shortfall, computed as SPEC writes it); components are taken
        by the value of that amount, largest first, ties in file order."""
        world = self.world
        now = world.now
        target = now + self.target_offset
        comps = world.plan.components
        if isinstance(self.quantity, policies.FullGap):
            amounts = [self.projected_shortfall(c.index, target) for c in comps]
        else:
            amounts = [self.quantity.amount(self.pipeline_view(c.index, target))
                       for c in comps]
        order = sorted((c for c in comps if amounts[c.index] > EPS),
                       key=lambda c: (-c.unit_value * amounts[c.index], c.index))
        lines_of = self._lines_by_component()
        for comp in order:
            remaining = amounts[comp.index]
            while remaining > EPS:
                options = [
                    policies.LineOption(line.index, line.id, float(line.spec.machine_cost),
                                        float(line.spec.machine_capacity))
                    for line in lines_of[comp.index]
                    if self.has_room(line)
                    and float(line.spec.machine_cost) <= self.account.balance + EPS
                ]
                chosen = self.ordering.choose(options)
                if chosen is None:
                    break
                line = world.plan.lines[chosen.index]
                self._decide_machine(line)
                remaining -= float(line.spec.machine_capacity)
        self.update_empty()

    def _lines_by_component(self) -> list[list[LinePlan]]:
        by: list[list[LinePlan]] = [[] for _ in self.world.plan.components]
        for line in self.world.plan.lines:
            if int(line.spec.max_machines) > 0 and float(line.spec.machine_capacity) > 0:
                by[line.component].append(line)
        return by

    def _decide_machine(self, line: LinePlan) -> None:
        world = self.world
        cost = float(line.spec.machine_cost)
        self.account.pay(cost, world.now, line.component)
        self.machines[line.index] += 1
        self.counts[line.index] += 1
        world.machines_ordered[line.component] += float(line.spec.machine_capacity)
        order_id = f"{line.id}/m{self.counts[line.index]}"
        comp = world.plan.components[line.component].id
        world.record.event(world.now, "order_decided", "procurement", order_id, comp, "", cost)
        world.env.process(fulfil_order(world.env, self, line, order_id))

    # --- placement ---------------------------------------------------------------------

    def choose_supplier(self) -> Supplier:
        return self.market.choose()


def review_orders(env: simpy.Environment, stage: ProcurementStage) -> ProcessGenerator:
    """Reviews at the stage start and every `review_days` after."""
    yield after(env, stage.world.plan.scenario.day(stage.spec.start), PROCUREMENT)
    while True:
        stage.review()
        yield after(env, float(stage.spec.review_days), PROCUREMENT)


def fund_procurement(env: simpy.Environment, stage: ProcurementStage) -> ProcessGenerator:
    """The stage budget at its start; tranche money waits in the account for the next review."""
    spec = stage.spec
    arrivals = money_schedule(stage.world, "procurement", stage.account.start_day,
                              spec.budget, spec.tranches)
    for t, entity, amount in arrivals:
        yield after(env, max(0.0, t - env.now), MONEY)
        if amount > 0:
            stage.account.credit(amount, stage.world.now, entity)
        stage.update_empty()


def fulfil_order(env: simpy.Environment, stage: ProcurementStage, line: LinePlan,
                 order_id: str) -> ProcessGenerator:
    """One machine from approval to installation, with blocking and re-orders."""
    world, record = stage.world, stage.world.record
    comp = world.plan.components[line.component].id
    cost = float(line.spec.machine_cost)
    draws = world.streams(f"machines:{line.id}")
    approval = max(0.0, stage.spec.approval_days.sample(draws.next()))
    installation = max(0.0, stage.spec.installation_days.sample(draws.next()))
    ramp = max(0.0, stage.spec.ramp_up_days.sample(draws.next()))
    if approval > 0:
        yield after(env, approval, PROCUREMENT)
    while True:
        supplier = stage.choose_supplier()
        s = supplier.spec
        stream = world.streams(f"supplier:{s.id}")
        u_block, u_reorder, u_lead, u_ship = (stream.next() for _ in range(4))
        record.orders_placed += 1
        record.supplier_orders[s.id] = record.supplier_orders.get(s.id, 0) + 1
        record.event(world.now, "order_placed", "procurement", order_id, comp, s.id, cost)
        if u_block >= float(s.block_probability):
            break
        record.orders_blocked += 1
        record.supplier_blocked[s.id] = record.supplier_blocked.get(s.id, 0) + 1
        stage.account.refund(cost, world.now, line.component)
        stage.update_empty()
        record.event(world.now, "order_blocked", "procurement", order_id, comp, s.id, cost)
        yield after(env, max(0.0, s.reorder_delay_days.sample(u_reorder)), PROCUREMENT)
        if stage.account.balance + EPS < cost:
            stage.machines[line.index] -= 1
            world.machines_ordered[line.component] -= float(line.spec.machine_capacity)
            record.orders_lapsed += 1
            record.event(world.now, "order_lapsed", "procurement", order_id, comp, s.id)
            stage.update_empty()
            return
        stage.account.pay(cost, world.now, line.component)
        stage.update_empty()
        record.event(world.now, "order_reordered", "procurement", order_id, comp, "", cost)
    supplier.pending += 1
    placed = world.now
    with supplier.resource.request() as slot:
        yield slot
        record.slot_waits.setdefault(s.id, []).append(world.now - placed)
        record.event(world.now, "building_started", "procurement", order_id, comp, s.id)
        yield after(env, max(0.0, s.lead_time_days.sample(u_lead)), PROCUREMENT)
        supplier.pending -= 1
    built = world.now
    shipped = built + max(0.0, s.shipping_days.sample(u_ship))
    installed = shipped + installation
    heapq.heappush(stage.installing[line.component],
                   (installed, float(line.spec.machine_capacity)))
    record.event(built, "shipped", "procurement", order_id, comp, s.id)
    record.event(shipped, "delivered", "procurement", order_id, comp, s.id)
    record.event(installed, "installed", "procurement", order_id, comp, s.id,
                 float(line.spec.machine_capacity))
    record.sources.append((STAGE, line.component, line.index, installed, ramp,
                           float(line.spec.machine_capacity)))


def build_procurement(world: World, spec: Procurement) -> ProcurementStage:
    """Wire stage 2: suppliers as SimPy resources, the account and its processes."""
    env = world.env
    assert world.machine_tools is not None
    start = float(world.plan.scenario.day(spec.start))
    stage = ProcurementStage(world, spec, Account(world, STAGE, "procurement", start),
                             world.machine_tools)
    env.process(fund_procurement(env, stage))
    env.process(review_orders(env, stage))
    return stage


__all__ = ["ProcurementStage", "build_procurement", "review_orders", "fulfil_order"]
