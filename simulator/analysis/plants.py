"""New plants and their tooling (issue 10, item 1): when they produce, and how long they
wait for machine tools after their building is done.

`tables` gives per component and overall the means over futures of the plants built and
producing by the end, the mean day they start producing (the horizon where they do not:
a restricted mean) and their wait for tooling, and overall the tooling orders placed,
blocked and their wait for a supplier slot. `plant_differences` pairs futures (common
random numbers) and takes reference − variant of the mean start day, so that, as in
`simulator.analysis.comparison`, **positive means the variant's plants produce earlier**.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from simulator.analysis.common import ALL, DAYS_PER_MONTH
from simulator.analysis.estimates import interval_table
from simulator.analysis.frames import component_order, variant_order
from simulator.analysis.money import mean_ci, variant_kpis

if TYPE_CHECKING:
    from simulator.results import RunResult

PLANT_FIGURES = ("plants_built", "plants_producing", "plant_start_day_mean",
                 "tooling_wait_days_mean")
TOOLING_FIGURES = ("tooling_orders_placed", "tooling_orders_blocked",
                   "tooling_slot_wait_mean_days")
START = "plant_start_day_mean"
PLANT_COLUMNS = ["component", "figure", "mean", "ci95_low", "ci95_high", "n"]
DIFFERENCE_COLUMNS = ["reference", "variant", "component", "metric", "n_pairs",
                      "later_days", "later_days_low", "later_days_high", "later_months",
                      "later_months_low", "later_months_high"]

__all__ = ["DIFFERENCE_COLUMNS", "PLANT_COLUMNS", "PLANT_FIGURES", "START",
           "TOOLING_FIGURES", "new_plants", "plant_differences", "tables"]


def tables(result: RunResult, variant: str | None) -> dict[str, pd.DataFrame]:
    """One variant's ``new_plants`` table (empty where the KPIs have no plant columns)."""
    return {"new_plants": new_plants(variant_kpis(result, variant))}


def new_plants(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per component (``all`` first) and figure: the mean over futures with its 95%
    interval and ``n``, the futures with a value. ``plant_start_day_mean`` and
    ``tooling_wait_days_mean`` have a value only in futures where a plant of the component
    was built; the tooling orders' figures are on ``all`` only."""
    present = [f for f in (*PLANT_FIGURES, *TOOLING_FIGURES) if f in kpis]
    if not present or "plants_built" not in kpis or not (kpis["plants_built"] > 0).any():
        return pd.DataFrame(columns=PLANT_COLUMNS)
    rows = []
    for component in component_order(kpis["component"]):
        part = kpis.loc[kpis["component"] == component, present]
        for figure in present:
            if figure in TOOLING_FIGURES and component != ALL:
                continue
            rows.append({"component": component, "figure": figure,
                         **mean_ci(part[figure])})
    return pd.DataFrame(rows, columns=PLANT_COLUMNS)


def plant_differences(kpis: pd.DataFrame, reference: str,
                      variants: Sequence[str] | None = None,
                      confidence: float = 0.95) -> pd.DataFrame:
    """Paired differences of the mean day new plants start producing, variant −
    reference, per component and overall: ``later_days`` > 0 means the variant's plants
    produce later (a t interval on the pairs where both futures built a plant of the
    component; ``n_pairs`` of them), also in months (days ÷ 365.25/12)."""
    if START not in kpis or "variant" not in kpis:
        return pd.DataFrame(columns=DIFFERENCE_COLUMNS)
    frame = kpis[["variant", "replication", "component", START]]
    base = frame[frame["variant"] == reference].set_index(["replication", "component"])[START]
    names = [v for v in (variant_order(frame) if variants is None else variants)
             if v != reference]
    order = component_order(frame["component"])
    parts = []
    for variant in names:
        other = frame[frame["variant"] == variant].set_index(["replication", "component"])
        delta = (other[START] - base.reindex(other.index)).dropna()
        if delta.empty:
            continue
        components = pd.Series(delta.index.get_level_values("component"), index=delta.index)
        stats = interval_table(delta, [components], confidence)
        for component in [c for c in order if c in stats.index]:
            n, mean, low, high = stats.loc[component, ["n", "mean", "low", "high"]
                                           ].to_numpy(float)
            parts.append({"reference": reference, "variant": variant,
                          "component": component, "metric": START, "n_pairs": int(n),
                          "later_days": mean, "later_days_low": low,
                          "later_days_high": high})
    out = pd.DataFrame(parts, columns=DIFFERENCE_COLUMNS)
    for suffix in ("", "_low", "_high"):
        out[f"later_months{suffix}"] = out[f"later_days{suffix}"].astype(float) \
            / DAYS_PER_MONTH
    return out.astype({"n_pairs": "int64"})
