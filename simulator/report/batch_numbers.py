"""What the batch rules read (`BatchNumbers`: the batch summary, its analysis and input
tables, the names readers know things by) and the words for a batch's variants
(`variant_label`: "stages 1 and 2"). Shared by the stage, comparison and sweep rules."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simulator.report.findings import OVERALL
from simulator.report.words import ALL, STAGE_SHORT, STAGES, as_date, join_and, month, short_name

CLOSE = "restricted_mean_close"
VALUE = "cumulative_shortfall_value"
SEQUENCE = ("none", "sharing", "sharing+procurement", "sharing+procurement+investment")


@dataclass
class BatchNumbers:
    """What the batch rules read: the batch summary, its tables (analysis and inputs), its
    kind and variants, and the names readers know things by."""

    summary: dict  # with "variants": {name: run summary}
    kind: str  # "stages", "compare", "sweep" or "batch"
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    variants: list[str] = field(default_factory=list)
    reference: str = ""  # the variant differences are taken against ("": the first)
    component_names: dict[str, str] = field(default_factory=dict)
    supplier_names: dict[str, str] = field(default_factory=dict)

    def variant(self, name: str) -> dict:
        return (self.summary.get("variants") or {}).get(name, {})

    @property
    def base(self) -> str:
        return self.reference or (self.variants[0] if self.variants else "")

    @property
    def currency(self) -> str:
        for summary in (self.summary.get("variants") or {}).values():
            if (summary.get("money") or {}).get("currency"):
                return summary["money"]["currency"]
        return (self.summary.get("meta") or {}).get("currency") or ""

    @property
    def end(self) -> str:
        """The run's last month in words ("December 2030"), or "the end of the run"."""
        for summary in (self.summary.get("variants") or {}).values():
            day = as_date((summary.get("horizon") or {}).get("end"))
            if day is not None:
                return month(day)
        return "the end of the run"

    def name(self, component: str) -> str:
        """A component for running text ("bearings"); the overall row as `OVERALL`."""
        if component == ALL:
            return OVERALL
        return short_name(str(self.component_names.get(component) or component))

    def table(self, key: str) -> pd.DataFrame | None:
        frame = self.tables.get(key)
        return None if frame is None or frame.empty else frame


def variant_label(name: str, kind: str) -> str:
    """A stage set as words ("stages 1 and 2"), any other variant name as it is."""
    if kind != "stages":
        return name
    if name == "none":
        return "no stage"
    stages = [s for s in STAGES if s in name.split("+")]
    if len(stages) == 3:
        return "all three stages"
    numbers = [STAGE_SHORT[s].removeprefix("stage ") for s in stages]
    if len(numbers) == 1:
        return f"stage {numbers[0]} only"
    return f"stages {join_and(numbers)}"


def cell(row: Any, key: str) -> float:
    """A table cell as a float (NaN when missing or not a number)."""
    try:
        return float(row.get(key))
    except (TypeError, ValueError):
        return math.nan


def as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
