"""Whether the market or the stages close the shortfall (issue 10, item 3).

Where demand follows a process (`scenario.demand_process`), a future can close the
overall shortfall because demand fell, not because the stages served it. `tables` splits
the futures into those that close the overall shortfall by the end and those that do not,
and gives for each group the market level at the end of the run (demand relative to the
scenario's demand path: 1 = on the path): its median and 10–90% range, so that a reader
sees whether closures come with a shrinking market.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.analysis.common import ALL
from simulator.analysis.frames import overall_rows
from simulator.analysis.money import variant_kpis

if TYPE_CHECKING:
    from simulator.results import RunResult

LEVEL = "market_level_end"
MARKET_COLUMNS = ["closed", "n", "median", "p10", "p90"]

__all__ = ["LEVEL", "MARKET_COLUMNS", "market_closing", "tables"]


def tables(result: RunResult, variant: str | None) -> dict[str, pd.DataFrame]:
    """One variant's ``market_closing`` table (empty without a demand process)."""
    return {"market_closing": market_closing(variant_kpis(result, variant))}


def market_closing(kpis: pd.DataFrame) -> pd.DataFrame:
    """For the futures that close the overall shortfall by the end (``closed`` True) and
    the others: how many (``n``) and the market level at the end (``median``, ``p10``,
    ``p90``, linear quantiles). Empty where the KPIs carry no market level (no demand
    process: the level is 1 in every future)."""
    if LEVEL not in kpis:
        return pd.DataFrame(columns=MARKET_COLUMNS)
    rows = overall_rows(kpis, ["closed", LEVEL])
    rows = rows[rows["component"] == ALL]
    level = rows[LEVEL].to_numpy(float)
    if not np.isfinite(level).any():
        return pd.DataFrame(columns=MARKET_COLUMNS)
    closed = rows["closed"].to_numpy(bool)
    out = []
    for flag in (True, False):
        values = level[(closed == flag) & np.isfinite(level)]
        low, mid, high = (np.quantile(values, [0.1, 0.5, 0.9]) if values.size
                          else (np.nan, np.nan, np.nan))
        out.append({"closed": flag, "n": int(values.size), "median": float(mid),
                    "p10": float(low), "p90": float(high)})
    return pd.DataFrame(out, columns=MARKET_COLUMNS)
