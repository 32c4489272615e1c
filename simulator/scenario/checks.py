"""Checks that relate several fields of a scenario, one small function each.

They read the raw scenario (plain dicts and lists, context defaults filled in by
`schema.fill_defaults`) rather than the validated model, so they run even when the schema
has refused other parts of the file, and every problem is reported at once. Values that
are not of the right type are skipped here: the schema reports those. Each check returns
`(loc, message)` pairs, `loc` being the field path as a tuple.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from simulator.scenario.errors import format_path
from simulator.scenario.limits import MAX_RUN_DAYS, explain
from simulator.scenario.schema import DEFAULT_END, fill_defaults, id_text, to_date
from simulator.scenario.yaml_loader import date_key

Issue = tuple[tuple[Any, ...], str]
Check = Callable[[dict[str, Any]], list[Issue]]


# --------------------------------------------------------------------------- raw access


def _items(container: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, item) for each mapping in the list `container[key]`."""
    values = container.get(key) if isinstance(container, dict) else None
    if isinstance(values, list):
        for i, item in enumerate(values):
            if isinstance(item, dict):
                yield i, item


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an integer beyond any float: the schema refuses it
            return None
    return None


def _date(value: Any) -> dt.date | None:
    try:
        return to_date(value)
    except ValueError:
        return None


def _fixed(value: Any) -> float | None:
    """The value of a fixed distribution (bare number or `{dist: fixed, value: v}`)."""
    if isinstance(value, dict) and value.get("dist") == "fixed":
        return _number(value.get("value"))
    return _number(value)


def _run(raw: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    """(start, end) of the run, when both are valid dates and end is after start."""
    meta = raw.get("scenario")
    if not isinstance(meta, dict):
        return None
    start, end = _date(meta.get("start")), _date(meta.get("end", DEFAULT_END))
    if start is None or end is None or end <= start:
        return None
    return start, end


def _stages(raw: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, stage) for each enabled stage given as a mapping."""
    stages = raw.get("stages")
    if isinstance(stages, dict):
        for name in ("sharing", "procurement", "investment"):
            if isinstance(stages.get(name), dict):
                yield name, stages[name]


def _lines(raw: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    for p, plant in _items(raw, "plants"):
        for j, line in _items(plant, "lines"):
            yield ("plants", p, "lines", j), line


# --------------------------------------------------------------------------- the checks


def check_run_period(raw: dict[str, Any]) -> list[Issue]:
    """`scenario.end` must be after `scenario.start`, and the run at most MAX_RUN_DAYS long."""
    meta = raw.get("scenario")
    if not isinstance(meta, dict):
        return []
    start, end = _date(meta.get("start")), _date(meta.get("end", DEFAULT_END))
    if start is not None and end is not None and end <= start:
        return [(("scenario", "end"), f"must be after scenario.start ({start}), got {end}")]
    if start is not None and end is not None and (end - start).days + 1 > MAX_RUN_DAYS:
        return [(("scenario", "end"), f"the run from {start} to {end} has "
                 f"{(end - start).days + 1:,} days, more than {MAX_RUN_DAYS:,} "
                 f"(limit {explain('MAX_RUN_DAYS')})")]
    return []


def check_point_dates(raw: dict[str, Any]) -> list[Issue]:
    """A date is given once in `demand` and `domestic_supply`, however it is spelled
    (`2024-01-01`, `"2024-01-01"`, `2024-1-1`): otherwise one value would silently win.
    The YAML reader refuses such keys in one file; this holds for trees built otherwise."""
    issues: list[Issue] = []
    for i, component in _items(raw, "components"):
        for field in ("demand", "domestic_supply"):
            points = component.get(field)
            if not isinstance(points, dict):
                continue
            first: dict[dt.date, Any] = {}
            for key in points:
                day = date_key(key)
                if day is None:
                    continue
                if day in first:
                    issues.append((("components", i, field, key),
                                   f"date {day} is given twice (as {_spelled(first[day])} and "
                                   f"{_spelled(key)}); give each date once"))
                else:
                    first[day] = key
    return issues


def _spelled(key: Any) -> str:
    return key.isoformat() if isinstance(key, dt.date) else repr(key)


def check_component_references(raw: dict[str, Any]) -> list[Issue]:
    """Every line and project makes a component listed in `components`."""
    known = [id_text(c.get("id")) for _, c in _items(raw, "components")]
    listing = ", ".join(k if isinstance(k, str) and k.isprintable() else repr(k)
                        for k in known) or "none"
    users = list(_lines(raw))
    for name, stage in _stages(raw):
        if name == "investment":
            users += [(("stages", name, "projects", i), p) for i, p in _items(stage, "projects")]
    return [
        (loc + ("component",), f"unknown component {item['component']!r} (components: {listing})")
        for loc, item in users
        if isinstance(item.get("component"), str) and item["component"] not in known
    ]


def check_unique_ids(raw: dict[str, Any]) -> list[Issue]:
    """Ids are unique: components, plants, lines (across plants), suppliers, projects,
    and tranches within their stage."""
    groups: dict[str, list[tuple[tuple[Any, ...], Any]]] = {
        "component": [(("components", i), c) for i, c in _items(raw, "components")],
        "plant": [(("plants", i), p) for i, p in _items(raw, "plants")],
        "line": list(_lines(raw)),
    }
    for name, stage in _stages(raw):
        for key, kind in (("suppliers", "supplier"), ("projects", "project"),
                          ("tranches", f"{name} tranche")):
            groups.setdefault(kind, []).extend(
                ((("stages", name, key, i), item) for i, item in _items(stage, key)))
    issues: list[Issue] = []
    for kind, entries in groups.items():
        first: dict[str, tuple[Any, ...]] = {}
        for loc, item in entries:
            ident = id_text(item.get("id"))
            if not isinstance(ident, str):
                continue
            if ident in first:
                where = format_path(first[ident])
                issues.append((loc + ("id",), f"duplicate {kind} id {ident!r} (also {where})"))
            else:
                first[ident] = loc
    return issues


def check_committed_within_capacity(raw: dict[str, Any]) -> list[Issue]:
    """A fixed `committed` cannot exceed the line's `capacity`."""
    issues = []
    for loc, line in _lines(raw):
        committed, capacity = _fixed(line.get("committed")), _number(line.get("capacity"))
        if committed is not None and capacity is not None and committed > capacity:
            issues.append((loc + ("committed",),
                           f"committed ({committed:g}) exceeds capacity ({capacity:g})"))
    return issues


def check_machine_room(raw: dict[str, Any]) -> list[Issue]:
    """A line with `max_machines` > 0 needs `machine_capacity` > 0."""
    issues = []
    for loc, line in _lines(raw):
        room, capacity = line.get("max_machines"), _number(line.get("machine_capacity", 0))
        if type(room) is int and room > 0 and capacity is not None and capacity <= 0:
            issues.append((loc + ("machine_capacity",),
                           f"must be > 0 when max_machines > 0 (max_machines: {room})"))
    return issues


def check_stage_starts(raw: dict[str, Any]) -> list[Issue]:
    """Each enabled stage starts within the run."""
    run = _run(raw)
    if run is None:
        return []
    return [
        (("stages", name, "start"), _outside(run, start))
        for name, stage in _stages(raw)
        if (start := _date(stage.get("start"))) is not None and not run[0] <= start <= run[1]
    ]


def check_earliest_starts(raw: dict[str, Any]) -> list[Issue]:
    """A project's `earliest_start` lies within the run."""
    run = _run(raw)
    if run is None:
        return []
    return [
        (("stages", name, "projects", i, "earliest_start"), _outside(run, start))
        for name, stage in _stages(raw)
        for i, project in _items(stage, "projects")
        if (start := _date(project.get("earliest_start"))) is not None
        and not run[0] <= start <= run[1]
    ]


def check_tranche_dates(raw: dict[str, Any]) -> list[Issue]:
    """No tranche is dated after the end of the run (one dated before it is credited at t = 0)."""
    run = _run(raw)
    if run is None:
        return []
    return [
        (("stages", name, "tranches", i, "date"),
         f"must not be after scenario.end ({run[1]}), got {date}")
        for name, stage in _stages(raw)
        for i, tranche in _items(stage, "tranches")
        if (date := _date(tranche.get("date"))) is not None and date > run[1]
    ]


def check_threshold_neighbours(raw: dict[str, Any]) -> list[Issue]:
    """`close_threshold_neighbours` are a lower and a higher threshold, each in [0, 1),
    around `close_threshold`."""
    meta = raw.get("scenario")
    if not isinstance(meta, dict):
        return []
    pair = meta.get("close_threshold_neighbours")
    threshold = _number(meta.get("close_threshold", 0.05))
    if not isinstance(pair, list) or len(pair) != 2 or threshold is None:
        return []
    low, high = (_number(value) for value in pair)
    if low is None or high is None:
        return []
    loc = ("scenario", "close_threshold_neighbours")
    if not (0 <= low < threshold < high < 1):
        return [(loc, f"must be [lower, higher] with 0 <= lower < close_threshold "
                      f"({threshold:g}) < higher < 1, got [{low:g}, {high:g}]")]
    return []


PRICE_FIELDS = ("import_price", "domestic_unit_cost")


def check_economics_inputs(raw: dict[str, Any]) -> list[Issue]:
    """The economic value needs both prices on every component and a stated real discount
    rate (`economics`), or none of them: a component without prices would silently count
    as worth nothing."""
    components = list(_items(raw, "components"))
    given = [(i, c) for i, c in components if any(c.get(f) is not None for f in PRICE_FIELDS)]
    has_block = isinstance(raw.get("economics"), dict)
    if not given and not has_block:
        return []
    issues: list[Issue] = []
    for i, component in components:
        for field in PRICE_FIELDS:
            if component.get(field) is None:
                issues.append((("components", i, field), "is required when economic value is "
                               "measured (economics, or another component's import_price "
                               "or domestic_unit_cost, is given)"))
    if not has_block:
        issues.append((("economics",), "is required when components give import_price or "
                       "domestic_unit_cost: state at least real_discount_rate"))
    return issues


def check_price_index(raw: dict[str, Any]) -> list[Issue]:
    """Nominal money is deflated to `scenario.price_year` by `economics.price_index`, which
    must then cover that year and every calendar year of the run; real money needs none."""
    economics, meta = raw.get("economics"), raw.get("scenario")
    if not isinstance(economics, dict) or not isinstance(meta, dict):
        return []
    index = economics.get("price_index")
    index = index if isinstance(index, dict) else {}
    loc = ("economics", "price_index")
    if economics.get("money_terms", "real") != "nominal":
        return [(loc, "is used only with money_terms: nominal (money given in real terms "
                 "is not deflated); remove it or say money_terms: nominal")] if index else []
    price_year, run = meta.get("price_year"), _run(raw)
    if not isinstance(price_year, int) or isinstance(price_year, bool):
        return [(("scenario", "price_year"), "is required with economics.money_terms: "
                 "nominal (the year whose prices nominal money is deflated to)")]
    years = {price_year} | (set(range(run[0].year, run[1].year + 1)) if run else set())
    given = {_year(key) for key in index}
    missing = sorted(y for y in years if y not in given)
    if missing:
        return [(loc, f"must give an index for scenario.price_year ({price_year}) and every "
                 f"year of the run; missing: {', '.join(map(str, missing))}")]
    return []


def _year(key: Any) -> int | None:
    """A price-index year written as a number or as its text (resolved scenarios)."""
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


CHECKS: tuple[Check, ...] = (
    check_run_period,
    check_point_dates,
    check_component_references,
    check_unique_ids,
    check_committed_within_capacity,
    check_machine_room,
    check_stage_starts,
    check_earliest_starts,
    check_tranche_dates,
    check_threshold_neighbours,
    check_economics_inputs,
    check_price_index,
)


def run_checks(raw: Any) -> list[Issue]:
    """Every cross-field problem of the raw scenario `raw`."""
    if not isinstance(raw, dict):
        return []
    raw = fill_defaults(raw)
    return [issue for check in CHECKS for issue in check(raw)]


def _outside(run: tuple[dt.date, dt.date], date: dt.date) -> str:
    return f"must lie within the run ({run[0]} to {run[1]}), got {date}"
