"""A stage's money: tranche draws, the account balance and its empty spells.

Tranches (SPEC.md §4, Investment; procurement's follow the same rules): each is drawn per
replication from `tranche:<stage>:<id>` (delay, then paid), paid whole at `date + delay`,
credited at t = 0 when that falls before the run and never when it falls after the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from simulator.model.world import World

if TYPE_CHECKING:
    from simulator.scenario import Tranche


def money_schedule(world: World, stage_name: str, start_day: float, budget: float,
                   tranches: Iterable[Tranche]) -> list[tuple[float, str, float]]:
    """`(time, entity, amount)` of the stage budget (at the stage start) and of each tranche
    that arrives in this replication, in time order (the budget first on a tie)."""
    arrivals = [(start_day, "budget", float(budget))]
    for tranche in tranches:
        t = tranche_arrival(world, stage_name, tranche)
        if t is not None:
            arrivals.append((t, tranche.id, float(tranche.amount)))
    arrivals.sort(key=lambda a: a[0])
    return arrivals


def tranche_arrival(world: World, stage_name: str, tranche: Tranche) -> float | None:
    """When this tranche's money arrives in this replication, or None if it never does."""
    stream = world.streams(f"tranche:{stage_name}:{tranche.id}")
    delay = max(0.0, tranche.delay_days.sample(stream.next()))
    paid = stream.next() < float(tranche.probability)
    t = max(0.0, world.plan.scenario.day(tranche.date) + delay)
    if not paid or t >= world.plan.n_days:
        return None
    return t


class Account:
    """The balance of one stage, with money flows and empty spells written to the record."""

    def __init__(self, world: World, stage_index: int, stage_name: str,
                 start_day: float) -> None:
        self.world = world
        self.stage_index = stage_index
        self.stage_name = stage_name
        self.start_day = start_day
        self.balance = 0.0
        self._empty_since: float | None = None

    def credit(self, amount: float, t: float, entity: str) -> None:
        """Money released into the stage's budget."""
        self.balance += amount
        self.world.record.money.append((self.stage_index, "released", t, t, amount, -1))
        self.world.record.event(t, "money_released", self.stage_name, entity, amount=amount)

    def pay(self, amount: float, t: float, component: int) -> None:
        """A payment for a component that counts as committed and spent at once (machines)."""
        self.balance -= amount
        if self.balance < 1e-9 * max(1.0, amount):
            self.balance = max(0.0, self.balance)
        self.world.record.money.append((self.stage_index, "committed", t, t, amount, component))
        self.world.record.money.append((self.stage_index, "spent", t, t, amount, component))

    def refund(self, amount: float, t: float, component: int) -> None:
        """Money returned (a blocked order): committed and spent fall back."""
        self.balance += amount
        money = self.world.record.money
        money.append((self.stage_index, "committed", t, t, -amount, component))
        money.append((self.stage_index, "spent", t, t, -amount, component))

    def note_empty(self, t: float, empty: bool) -> None:
        """Open or close an empty spell at time t (clipped to the stage's active period)."""
        if empty and self._empty_since is None:
            self._empty_since = t
        elif not empty and self._empty_since is not None:
            self._close_spell(t)

    def _close_spell(self, t: float) -> None:
        since = self._empty_since
        assert since is not None  # callers close only an open spell
        t0 = max(since, self.start_day)
        t1 = min(t, float(self.world.plan.n_days))
        if t1 > t0:
            self.world.record.empty_budget.append((self.stage_index, t0, t1))
        self._empty_since = None

    def close(self, end: float) -> None:
        """End of run: close the open spell and report the money left unspent."""
        if self._empty_since is not None:
            self._close_spell(end)
        self.world.record.unspent[self.stage_index] = self.balance
