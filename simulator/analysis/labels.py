"""What readers call things, from the resolved scenario: the run's horizon, component names,
units and order, the currency, supplier names.

Not statistics: the words and order every table, chart and report uses for the ids of a
run, taken once from `RunResult.scenario_dict` (or, for older results, from what is there).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
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


def family_names(scenario: dict) -> dict[str, str]:
    """Vehicle family names by id (the assembly view's families; none without them)."""
    return {str(f.get("id")): str(f.get("name") or f.get("id"))
            for f in scenario.get("vehicle_families") or [] if isinstance(f, dict)}


def as_date(value: Any) -> dt.date:
    """A date from a date, a datetime or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


_STEP = re.compile(r"\.(?![^\[]*\])")  # a dot between steps, not inside a selector


def parameter_labels(paths: Sequence[str]) -> dict[str, str]:
    """Short headers for parameter paths: the fewest last steps (two at least) that tell
    the paths apart, with spaces where a header may wrap:
    `stages.procurement.suppliers[cn_cnc].slots` -> 'suppliers [cn_cnc] slots'."""
    steps = {path: _STEP.split(path) for path in paths}
    labels = {}
    for path, mine in steps.items():
        k = min(2, len(mine))
        while k < len(mine) and any(other[-k:] == mine[-k:]
                                    for q, other in steps.items() if q != path):
            k += 1
        labels[path] = " ".join(mine[-k:]).replace("[", " [")
    return labels


def variant_names(result: RunResult) -> dict[str, str]:
    """Readers' names for a sweep's points: the swept values, e.g. "suppliers [cn_cnc]
    slots 8, suppliers [third_country] slots 2" for ``point-004`` (other variants' names
    are already words: none are given)."""
    points = result.extra.get("points")
    if points is None or points.empty:
        return {}
    paths = [str(c) for c in points.columns if c != "variant"]
    short = parameter_labels(paths)
    return {str(row["variant"]): ", ".join(f"{short[p]} {_value(row[p])}" for p in paths)
            for _, row in points.iterrows()}


def _value(value: Any) -> str:
    """A swept value as written: 8 rather than 8.0, 0.35 as it is."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


FIELD_WORDS = {
    "import_share_shift": "import shares", "import_share": "import shares",
    "delay_days": "delays", "committed": "committed (already sold) output",
    "demand_factor": "demand factor", "installation_days": "installation times",
    "reorder_delay_days": "re-order delays after a block", "build_days": "build times",
    "preparation_days": "preparation times", "ramp_up_days": "ramp-up times",
    "qualification_retry_days": "retry times after a failed qualification",
    "qualification_days": "qualification times", "shipping_days": "shipping times",
    "lead_time_days": "lead times", "repair_days": "repair times",
    "import_price": "import prices", "domestic_unit_cost": "domestic unit costs",
    "approval_days": "approval times",
}
OWNER_WORDS = {
    "scenario": "market-wide", "components[*]": "component groups'",
    "plants[*].lines[*]": "existing lines'", "stages.sharing": "shared lines'",
    "stages.procurement": "stage-2 machines'",
    "stages.procurement.suppliers[*]": "machine-tool suppliers'",
    "stages.procurement.tranches[*]": "stage-2 money tranches'",
    "stages.investment.tranches[*]": "stage-3 money tranches'",
    "stages.investment.projects[*]": "new plants'",
    "stages.investment.projects[*].tooling[*]": "new plants' machine-tool",
}


def factor_words(factor: str) -> str:
    """A sensitivity factor in words for policy readers: a grouped field path such as
    `stages.investment.projects[*].build_days` becomes "new plants' build times"; a named
    factor (or a path not grouped) stays as written."""
    owner, _, field = factor.rpartition(".")
    words = FIELD_WORDS.get(field)
    whose = OWNER_WORDS.get(owner)
    if words is None or whose is None:
        return factor
    return f"{whose} {words}"
