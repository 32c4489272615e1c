"""Qualification that can fail (issue 10, item 2; docs/background/model.md).

Capacity offered by sharing and by new plants is usable only once the carmakers have
qualified its parts. Each attempt fails with the component's
`qualification_failure_probability`; after a failure the next attempt's result comes
`qualification_retry_days` later; after `qualification_attempts` failures the capacity is
given up. The outcome depends only on the entity's own stream (`qualifying:<id>`: per
attempt, the outcome, then the retry delay, both always drawn), so it is decided when the
capacity is offered and nothing else's draws move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.model.record import STAGES

if TYPE_CHECKING:
    from simulator.model.streams import Stream
    from simulator.model.world import World
    from simulator.scenario import Component


@dataclass(frozen=True)
class Outcome:
    """When an offer's qualification ends: usable from `usable` (None: given up at
    `given_up`), after the failed attempts ending at `failures`."""

    usable: float | None
    given_up: float | None
    failures: tuple[float, ...]


def qualify(first_result: float, component: Component, stream: Stream) -> Outcome:
    """The attempts of one offer whose first result comes at day `first_result`."""
    p = float(component.qualification_failure_probability)
    retry = component.qualification_retry_days
    attempts = int(component.qualification_attempts)
    t = first_result
    failures: list[float] = []
    for attempt in range(attempts):
        u_outcome, u_retry = stream.next(), stream.next()
        if u_outcome >= p:
            return Outcome(t, None, tuple(failures))
        failures.append(t)
        if attempt + 1 < attempts:
            t += max(0.0, retry.sample(u_retry))
    return Outcome(None, t, tuple(failures))


def settle(world: World, stage: int, entity: str, component: int, first_result: float,
           capacity: float) -> Outcome:
    """Offer `capacity` of stage `stage` (an index of `record.STAGES`) for qualification on
    behalf of `entity`, a line or project id: record the offer, and where qualification
    can fail, its attempts and their events; the offer's `Outcome`."""
    spec = world.plan.components[component].spec
    world.record.offered.append((stage, component, capacity))
    if not can_fail(spec):
        return Outcome(first_result, None, ())
    outcome = qualify(first_result, spec, world.streams(f"qualifying:{entity}"))
    record_failures(world, outcome, STAGES[stage], entity, spec.id)
    if outcome.given_up is not None:
        world.record.never_qualified.append((stage, component, outcome.given_up, capacity))
    return outcome


def can_fail(component: Component) -> bool:
    """Whether the component's qualification can fail at all."""
    return float(component.qualification_failure_probability) > 0


def record_failures(world: World, outcome: Outcome, stage: str, entity: str,
                    component: str) -> None:
    """The events of an offer's failed qualification attempts, and of giving it up."""
    for t in outcome.failures:
        world.record.event(t, "qualification_failed", stage, entity, component)
    if outcome.given_up is not None:
        world.record.event(outcome.given_up, "qualification_given_up", stage, entity,
                           component)
