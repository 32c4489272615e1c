"""How much shortfall a run leaves in all: cumulative shortfall per component, with intervals.

Per variant × component, the mean over replications of the cumulative shortfall (units:
the sum over days of shortfall/365.25) and of its value (× unit_value; on `all` rows the
value-weighted total and no units), each with a normal 95% interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from simulator.analysis.estimates import normal_mean_table

if TYPE_CHECKING:
    from simulator.results import RunResult

COLUMNS = ["cumulative_shortfall", "cumulative_shortfall_value"]


def shortfall_totals(kpis: pd.DataFrame) -> pd.DataFrame:
    """Columns: ``variant``, ``component``, ``cumulative_shortfall`` (+ ``_low``,
    ``_high``, ``_n``), ``cumulative_shortfall_value`` (+ ``_low``, ``_high``, ``_n``)."""
    frame = kpis if "variant" in kpis else kpis.assign(variant="")
    frame = frame.assign(variant=frame["variant"].astype(str))
    present = [c for c in COLUMNS if c in frame]
    return normal_mean_table(frame[["variant", "component", *present]],
                             ["variant", "component"], present)


def tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """``shortfall_totals`` of a run, every variant at once (KPI rows are in memory)."""
    return {"shortfall_totals": shortfall_totals(result.kpis)}
