"""Event priorities for things that happen at the same instant (SPEC.md §10).

At one instant money comes first (tranches credited), then line failures and repairs, then
the decisions of stage 1, 2 and 3, in that order. Projects already under way at the start
are state, not decisions: they begin at t = 0 right after the money, so the first review of
every stage counts them. SimPy orders simultaneous events by an
integer priority and then by scheduling order; `after` schedules a plain event with ours.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeAlias

import simpy

MONEY = 10
BUDGET_DRY = 11
UNDER_WAY = 12  # projects under way at the start: state that exists before any decision
FAILURE = 20
SHARING = 30
PROCUREMENT = 40
INVESTMENT = 50

# What a process function returns: a generator of the events it waits for (values unused).
ProcessGenerator: TypeAlias = Generator[simpy.Event, object, None]


def after(env: simpy.Environment, delay: float, priority: int) -> simpy.Event:
    """An event that fires `delay` days from now with the given same-instant priority."""
    if delay < 0:
        raise ValueError(f"negative delay {delay}")
    event = simpy.Event(env)
    event._ok = True
    event._value = None
    env.schedule(event, priority, delay)  # type: ignore[arg-type]
    return event
