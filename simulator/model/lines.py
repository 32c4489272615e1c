"""Plant lines that fail and are repaired (SPEC.md §3).

A line with `mtbf_days` alternates up and down from t = 0, up first: exponential up-times
with mean `mtbf_days`, repair times from `repair_days`, both from the stream
`failures:<line>` (up, down, up, …). Downtime is recorded as an interval; while a line is
down its sharing offer and its added machines produce nothing (applied after the run).

No decision in the model looks at whether a line is up (planners use nameplate, SPEC.md
§4), so each line's timeline is drawn when the world is built, from the same stream in
the same order as a SimPy process would: identical results, without two scheduled events
per failure (most of a replication's events). A decision that reacts to failures would
turn `draw_downtime` back into a process.
"""

from __future__ import annotations

import math

from simulator.model.world import LinePlan, World


def draw_downtime(world: World, line: LinePlan) -> None:
    """Record every down interval of a line that starts within the run."""
    mtbf_days = line.spec.mtbf_days
    assert mtbf_days is not None  # build_world calls this only for lines with an MTBF
    mtbf = float(mtbf_days)
    repair = line.spec.repair_days
    stream = world.streams(f"failures:{line.id}")
    record = world.record
    end = float(world.plan.n_days)
    comp = world.plan.components[line.component].id
    t = 0.0
    while True:
        t = t + -mtbf * math.log1p(-stream.next())
        if t >= end:
            return
        down = max(0.0, repair.sample(stream.next()))
        record.downtime.append((line.index, t, t + down))
        if world.log_failures:
            record.event(t, "line_failed", "", line.id, comp)
            record.event(t + down, "line_repaired", "", line.id, comp)
        t = t + down
