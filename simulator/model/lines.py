"""Plant lines that fail and are repaired (SPEC.md §3).

A line with `mtbf_days` alternates up and down from t = 0, up first: exponential up-times
with mean `mtbf_days`, repair times from `repair_days`, both from the stream
`failures:<line>` (up, down, up, …). Downtime is recorded as an interval; while a line is
down its sharing offer and its added machines produce nothing (applied after the run).
"""

from __future__ import annotations

import math

import simpy

from simulator.model.clock import FAILURE, ProcessGenerator, after
from simulator.model.world import LinePlan, World


def operate_line(env: simpy.Environment, world: World, line: LinePlan) -> ProcessGenerator:
    """Alternate up and down for the whole run, recording each down interval."""
    mtbf_days = line.spec.mtbf_days
    assert mtbf_days is not None  # build_world starts this only for lines with an MTBF
    mtbf = float(mtbf_days)
    repair = line.spec.repair_days
    stream = world.streams(f"failures:{line.id}")
    record = world.record
    while True:
        up = -mtbf * math.log1p(-stream.next())
        yield after(env, up, FAILURE)
        down = max(0.0, repair.sample(stream.next()))
        t = float(env.now)
        record.downtime.append((line.index, t, t + down))
        if world.log_failures:
            comp = world.plan.components[line.component].id
            record.event(t, "line_failed", "", line.id, comp)
            record.event(t + down, "line_repaired", "", line.id, comp)
        yield after(env, down, FAILURE)
