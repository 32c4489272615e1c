"""Stage 1: share existing spare capacity (SPEC.md §4, Sharing).

At the stage start every line whose component has a positive expected gap at any time
until the end offers `share` of its spare capacity (`capacity - committed`). Each offer
becomes usable after its own qualification time and ramps linearly to full rate; offers are
never withdrawn, unless their qualification can fail and fails every attempt
(`simulator.model.qualification`). Draws: `qualification:<line>` (qualification, then
ramp) and, where qualification can fail, `qualifying:<line>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from simulator.model.clock import SHARING, ProcessGenerator, after
from simulator.model.qualification import settle
from simulator.model.record import SHARING as STAGE
from simulator.model.world import World

if TYPE_CHECKING:
    from simulator.scenario import Sharing


def offer_spare_capacity(env: simpy.Environment, world: World, stage: Sharing) -> ProcessGenerator:
    """At the stage start, make every eligible line's offer and record when it is usable."""
    plan = world.plan
    start = plan.scenario.day(stage.start)
    yield after(env, start, SHARING)
    eligible = [c.max_expected_gap(start, float(plan.n_days)) > 0 for c in plan.components]
    for line in plan.lines:
        stream = world.streams(f"qualification:{line.id}")
        component = plan.components[line.component]
        qualification = component.spec.qualification_days or stage.qualification_days
        q_days = max(0.0, qualification.sample(stream.next()))
        ramp_days = max(0.0, stage.ramp_up_days.sample(stream.next()))
        if not eligible[line.component]:
            continue
        offer = float(stage.share) * (float(line.spec.capacity) - world.committed[line.index])
        if offer <= 0:
            continue
        world.sharing_offers[line.component] += offer
        world.record.event(start, "offer_made", "sharing", line.id, component.id, "", offer)
        outcome = settle(world, STAGE, line.id, line.component, start + q_days, offer)
        if outcome.given_up is not None:
            env.process(withdraw(env, world, line.component, offer, outcome.given_up))
        if outcome.usable is None:
            continue
        world.record.sources.append((STAGE, line.component, line.index, outcome.usable,
                                     ramp_days, offer))
        world.record.event(outcome.usable, "offer_qualified", "sharing", line.id, component.id)


def withdraw(env: simpy.Environment, world: World, component: int, offer: float,
             at: float) -> ProcessGenerator:
    """An offer given up stops counting in the projections from the day it is given up."""
    yield after(env, max(0.0, at - env.now), SHARING)
    world.sharing_offers[component] -= offer
