"""What readers call things, from the resolved scenario: the run's horizon, component names,
units and order, the currency, supplier names.

Not statistics: the words and order every table, chart and report uses for the ids of a
run, taken once from `RunResult.scenario_dict` (or, for older results, from what is there).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator.analysis.common import ALL

if TYPE_CHECKING:
    from simulator.results import RunResult

ALL_NAME = "All components (value-weighted)"


def horizon(result: RunResult) -> tuple[dt.date, dt.date]:
    """The run's first and last day: from the resolved scenario, else meta, else the series."""
    for source in (result.scenario_dict.get("scenario") or {}, result.meta):
        if source.get("start") and source.get("end"):
            return as_date(source["start"]), as_date(source["end"])
    series = result.read("series", columns=["month"])
    months = pd.to_datetime(series["month"].astype(str), format="%Y-%m")
    if months.empty:
        raise ValueError("cannot tell the run's horizon: no scenario start/end and no series")
    last = months.max() + pd.offsets.MonthEnd(0)
    return months.min().date(), last.date()


def start_date(result: RunResult) -> dt.date | None:
    """The run's first day as the resolved scenario (else the run's meta) gives it; None
    when neither says."""
    for source in (result.scenario_dict.get("scenario") or {}, result.meta):
        if source.get("start"):
            return as_date(source["start"])
    return None


def component_order(result: RunResult) -> list[str]:
    """Scenario order of components, any others as they appear in kpis, ``all`` last."""
    listed = [c.get("id") for c in result.scenario_dict.get("components") or []]
    seen = list(dict.fromkeys([*listed, *result.kpis["component"].unique()]))
    return [c for c in seen if c != ALL] + [ALL]


def component_labels(result: RunResult) -> tuple[dict[str, Any], dict[str, Any]]:
    """Component names and units by id (``all``: its name and the currency)."""
    components = result.scenario_dict.get("components") or []
    names = {c.get("id"): c.get("name") for c in components}
    units = {c.get("id"): c.get("unit", "units") for c in components}
    names[ALL] = ALL_NAME
    units[ALL] = currency(result)
    return names, units


def currency(result: RunResult) -> str | None:
    """The scenario's currency label (e.g. ``RUB``), if it gives one."""
    return (result.scenario_dict.get("scenario") or {}).get("currency") or None


def supplier_names(scenario: dict) -> dict[str, str]:
    """Supplier names by id (the id where a supplier has no name)."""
    procurement = (scenario.get("stages") or {}).get("procurement") or {}
    return {str(s.get("id")): str(s.get("name") or s.get("id"))
            for s in procurement.get("suppliers") or [] if isinstance(s, dict)}


def as_date(value: Any) -> dt.date:
    """A date from a date, a datetime or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
