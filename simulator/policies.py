"""The decisions researchers swap: how much to order, which line and supplier, which project.

Each decision is a small `Protocol` over plain data, so a policy can be written and tested
without SimPy. Implementations register under the name a scenario file uses
(`stages.procurement.order_quantity`, `stages.procurement.ordering`,
`stages.procurement.supplier_choice`, `stages.investment.policy`); the defaults are
SPEC.md's rules. See `docs/how-to/extend-the-model.md` for a worked example of adding one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar, overload

KINDS = ("order_quantity", "ordering", "supplier_choice", "project_policy")
_REGISTRY: dict[str, dict[str, object]] = {kind: {} for kind in KINDS}

T = TypeVar("T")


def register(kind: str, name: str) -> Callable[[T], T]:
    """Class decorator: make a policy available to scenario files under `name`."""
    if kind not in _REGISTRY:
        raise ValueError(f"unknown policy kind {kind!r}; kinds are {', '.join(KINDS)}")

    def add(cls: T) -> T:
        known = _REGISTRY[kind].get(name)
        if known is not None and getattr(known, "__qualname__", None) != getattr(
                cls, "__qualname__", None):
            raise ValueError(f"a {kind} named {name!r} is registered already "
                             f"({known!r}); choose another name")
        _REGISTRY[kind][name] = cls
        return cls

    return add


_PLUGINS: list[str] = []


def note_plugin(name: str) -> None:
    """Record that the command line imported `name` (`--plugin`), so that the results say
    how to rerun it."""
    if name not in _PLUGINS:
        _PLUGINS.append(name)


def plugins() -> list[str]:
    """The `--plugin` modules and files the running command imported, in order."""
    return list(_PLUGINS)


def forget_plugins() -> None:
    """End of a command: its plugins are not recorded for later runs of this process."""
    _PLUGINS.clear()


def registered(kind: str) -> list[str]:
    """Names registered for a kind of decision, in registration order."""
    return list(_REGISTRY[kind])


@overload
def get(kind: Literal["order_quantity"], name: str) -> OrderQuantity: ...
@overload
def get(kind: Literal["ordering"], name: str) -> OrderingRule: ...
@overload
def get(kind: Literal["supplier_choice"], name: str) -> SupplierChoice: ...
@overload
def get(kind: Literal["project_policy"], name: str) -> ProjectPolicy: ...
@overload
def get(kind: str, name: str) -> object: ...


def get(kind: str, name: str) -> object:
    """A fresh instance of the policy registered as `name`."""
    try:
        return _REGISTRY[kind][name]()  # type: ignore[operator]
    except KeyError:
        known = ", ".join(registered(kind))
        raise ValueError(f"unknown {kind} {name!r}; registered: {known}") from None


# --- how much to order ---------------------------------------------------------------


@dataclass(frozen=True)
class PipelineView:
    """One component at a procurement review, in nameplate units/year.

    `expected_gap` is the gap expected at the review's target; `in_place` the capacity
    already there (sharing offers made, machines installed, projects finished);
    `supply_line` the capacity on its way (machines ordered and not yet installed, blocked
    re-orders included; projects started and expected to finish by the target). The last
    two fields are the scenario's `adjustment_fraction` and `supply_line_weight`.
    """

    component_id: str
    expected_gap: float
    in_place: float
    supply_line: float
    adjustment_fraction: float = 1.0
    supply_line_weight: float = 1.0


class OrderQuantity(Protocol):
    """How much nameplate capacity (units/year) a review orders for one component; the
    review then orders whole machines while what is left of it is positive."""

    def amount(self, view: PipelineView) -> float: ...


@register("order_quantity", "full_gap")
class FullGap:
    """SPEC.md §4: the whole projected shortfall, gap − in place − supply line."""

    def amount(self, view: PipelineView) -> float:
        return view.expected_gap - view.in_place - view.supply_line


@register("order_quantity", "anchoring_and_adjustment")
class AnchoringAndAdjustment:
    """Sterman's ordering heuristic (Management Science 35(3), 1989): each review corrects
    `adjustment_fraction` α of the gap net of what is in place and of the supply line
    weighted by `supply_line_weight` β, α·(gap − in place − β·supply line). With α = β = 1
    it is `full_gap`; α < 1 spreads the orders over reviews; β < 1 forgets part of what is
    on its way, as the experiments' subjects did, and over-orders."""

    def amount(self, view: PipelineView) -> float:
        net = view.expected_gap - view.in_place - view.supply_line_weight * view.supply_line
        return view.adjustment_fraction * net


# --- machine ordering ---------------------------------------------------------------


@dataclass(frozen=True)
class LineOption:
    """A line that may get one more machine: its place in the file, cost and capacity."""

    index: int
    line_id: str
    machine_cost: float
    machine_capacity: float


class OrderingRule(Protocol):
    """Chooses which line gets the next machine, or None when no option is given."""

    def choose(self, options: Sequence[LineOption]) -> LineOption | None: ...


@register("ordering", "lowest_cost_per_capacity")
class LowestCostPerCapacity:
    """SPEC.md §4: lowest `machine_cost / machine_capacity`; ties in file order."""

    def choose(self, options: Sequence[LineOption]) -> LineOption | None:
        if not options:
            return None
        return min(options, key=lambda o: (o.machine_cost / o.machine_capacity, o.index))


# --- supplier choice ----------------------------------------------------------------


@dataclass(frozen=True)
class SupplierOption:
    """A supplier as the choice rule sees it at the moment an order is placed."""

    index: int
    supplier_id: str
    slots: int
    pending: int  # orders assigned and not yet built (blocked ones excluded)
    mean_lead_time_days: float
    mean_shipping_days: float
    block_probability: float = 0.0
    mean_reorder_delay_days: float = 0.0


class SupplierChoice(Protocol):
    """Chooses the supplier for one machine order."""

    def choose(self, options: Sequence[SupplierOption]) -> SupplierOption: ...


def expected_delivery_days(o: SupplierOption) -> float:
    """`(floor(pending / slots) + 1) * E[lead_time] + E[shipping]` (SPEC.md §4)."""
    return (math.floor(o.pending / o.slots) + 1) * o.mean_lead_time_days + o.mean_shipping_days


@register("supplier_choice", "earliest_delivery")
class EarliestDelivery:
    """SPEC.md §4: earliest expected delivery; ties in file order."""

    def choose(self, options: Sequence[SupplierOption]) -> SupplierOption:
        return min(options, key=lambda o: (expected_delivery_days(o), o.index))


def risk_weighted_delivery_days(o: SupplierOption) -> float:
    """`expected_delivery_days` plus the expected delay of blocks: a placement is blocked
    with probability p and re-placed after E[reorder_delay], so a machine waits
    p / (1 − p) re-order delays on average (the mean of a geometric count of failures)."""
    p = o.block_probability
    return expected_delivery_days(o) + p / (1.0 - p) * o.mean_reorder_delay_days


@register("supplier_choice", "risk_weighted_delivery")
class RiskWeightedDelivery:
    """Earliest expected delivery counting the expected re-order delays of blocked orders
    (`risk_weighted_delivery_days`); ties in file order. A supplier that blocks often stops
    being chosen once a safer one delivers sooner on average."""

    def choose(self, options: Sequence[SupplierOption]) -> SupplierOption:
        return min(options, key=lambda o: (risk_weighted_delivery_days(o), o.index))


# --- project selection --------------------------------------------------------------


@dataclass(frozen=True)
class ProjectOption:
    """A candidate project at a start decision, with its component's projected gap."""

    index: int
    project_id: str
    capex: float
    capacity: float
    projected_gap: float  # units/year
    unit_value: float


class ProjectPolicy(Protocol):
    """Orders the candidates of a start decision; the first affordable one starts."""

    def order(self, options: Sequence[ProjectOption]) -> list[ProjectOption]: ...


@register("project_policy", "largest_gap_first")
class LargestGapFirst:
    """By projected gap value, `unit_value * gap`, largest first; ties in file order."""

    def order(self, options: Sequence[ProjectOption]) -> list[ProjectOption]:
        return sorted(options, key=lambda o: (-o.unit_value * o.projected_gap, o.index))


@register("project_policy", "listed_order")
class ListedOrder:
    """In the order of the scenario file."""

    def order(self, options: Sequence[ProjectOption]) -> list[ProjectOption]:
        return sorted(options, key=lambda o: o.index)


@register("project_policy", "lowest_cost_per_unit")
class LowestCostPerUnit:
    """By `capex / capacity`, cheapest first; ties in file order."""

    def order(self, options: Sequence[ProjectOption]) -> list[ProjectOption]:
        return sorted(options, key=lambda o: (o.capex / o.capacity, o.index))
