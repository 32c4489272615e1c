"""Names and constants every analysis shares, defined once.

`ALL` is the component label of the value-weighted overall rows; the stage names come from
the model; a month is 365.25 / 12 days (SPEC.md §6); fewer than `FEW_REPLICATIONS`
replications earn a precision warning.
"""

from __future__ import annotations

from simulator.model.record import STAGES

ALL = "all"
DAYS_PER_MONTH = 365.25 / 12
FEW_REPLICATIONS = 100
Z95 = 1.96

__all__ = ["ALL", "DAYS_PER_MONTH", "FEW_REPLICATIONS", "STAGES", "Z95"]
