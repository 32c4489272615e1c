"""The SimPy world: plant lines, the three stages and the record they leave.

`build_world` wires entities and processes for one replication without running anything;
`simulate` runs it to the end of the horizon and returns its `Record` of rate changes,
money flows and milestones. Nothing here ticks daily: `simulator.evaluate` turns the record
into the daily grid afterwards.
"""

from simulator.model.build import build_world, simulate
from simulator.model.record import Record

__all__ = ["build_world", "simulate", "Record"]
