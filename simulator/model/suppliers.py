"""The machine-tool market: suppliers' slots as SimPy resources, shared by the stages.

Stage 2's machines and stage 3's tooling (issue 10, item 1) queue for the same slots, first
come first served, so orders of one stage crowd the other's. A supplier is chosen per
placement by stage 2's `supplier_choice` rule among the suppliers of the wanted class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from simulator import policies

if TYPE_CHECKING:
    from simulator.scenario import Procurement
    from simulator.scenario import Supplier as SupplierSpec


@dataclass
class Supplier:
    """A machine-tool supplier: its slots as a SimPy resource and its pending orders."""

    index: int
    spec: SupplierSpec
    resource: simpy.Resource
    pending: int = 0
    mean_lead: float = 0.0
    mean_shipping: float = 0.0
    mean_reorder: float = 0.0


class Market:
    """The suppliers of one replication and the rule that picks one for an order."""

    def __init__(self, env: simpy.Environment, spec: Procurement) -> None:
        self.suppliers = [
            Supplier(i, s, simpy.Resource(env, capacity=int(s.slots)),
                     mean_lead=float(s.lead_time_days.mean()),
                     mean_shipping=float(s.shipping_days.mean()),
                     mean_reorder=float(s.reorder_delay_days.mean()))
            for i, s in enumerate(spec.suppliers)
        ]
        self.choice = policies.get("supplier_choice", spec.supplier_choice)
        self._classes: dict[str | None, list[Supplier]] = {}
        for s in self.suppliers:
            self._classes.setdefault(s.spec.supplier_class, []).append(s)

    def choose(self, among: list[Supplier] | None = None) -> Supplier:
        """The supplier the `supplier_choice` rule picks among `among` (default: all)."""
        candidates = self.suppliers if among is None else among
        options = [
            policies.SupplierOption(s.index, s.spec.id, int(s.spec.slots), s.pending,
                                    s.mean_lead, s.mean_shipping,
                                    float(s.spec.block_probability), s.mean_reorder)
            for s in candidates
        ]
        return self.suppliers[self.choice.choose(options).index]

    def of_class(self, supplier_class: str | None) -> list[Supplier]:
        """The suppliers of a class (None: those of no class); the checks ensure one."""
        return self._classes.get(supplier_class, [])
