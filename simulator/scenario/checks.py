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
from simulator.scenario.limits import (
    MAX_RUN_DAYS,
    MAX_TOOLING_ORDERS,
    MIN_UNITS_PER_VEHICLE,
    explain,
)
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
    """A date is given once in `demand`, `domestic_supply` and `import_share`, however
    it is spelled
    (`2024-01-01`, `"2024-01-01"`, `2024-1-1`): otherwise one value would silently win.
    The YAML reader refuses such keys in one file; this holds for trees built otherwise."""
    issues: list[Issue] = []
    for i, component in _items(raw, "components"):
        for field in ("demand", "domestic_supply", "import_share"):
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
        "vehicle family": [(("vehicle_families", i), f)
                           for i, f in _items(raw, "vehicle_families")],
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


def check_tooling_suppliers(raw: dict[str, Any]) -> list[Issue]:
    """A project's tooling needs the machine-tool suppliers of an enabled stage 2, one of
    them of the item's `supplier_class`, and at most MAX_TOOLING_ORDERS orders per item."""
    stages = dict(_stages(raw))
    investment = stages.get("investment")
    if investment is None:
        return []
    procurement = stages.get("procurement")
    suppliers = [s for _, s in _items(procurement, "suppliers")] if procurement else []
    classes = {id_text(s.get("supplier_class")) if s.get("supplier_class") is not None
               else None for s in suppliers}
    issues: list[Issue] = []
    for i, project in _items(investment, "projects"):
        capex = _number(project.get("capex"))
        for k, item in _items(project, "tooling"):
            loc = ("stages", "investment", "projects", i, "tooling", k)
            if not suppliers:
                issues.append((loc, "tooling is ordered through the machine-tool suppliers: "
                                    "stages.procurement must be enabled and list suppliers "
                                    "(a stage 2 with budget 0 orders nothing itself)"))
                return issues
            wanted = item.get("supplier_class")
            wanted = id_text(wanted) if wanted is not None else None
            if wanted not in classes:
                named = sorted(str(c) for c in classes if c is not None)
                issues.append((loc + ("supplier_class",),
                               f"no supplier of class {wanted!r} in stages.procurement."
                               f"suppliers (classes there: {', '.join(named) or 'none'})"
                               if wanted is not None else
                               "no supplier without a supplier_class in stages.procurement."
                               "suppliers: name the class these orders need"))
            share, cost = _number(item.get("capex_share")), _number(item.get("order_cost"))
            if capex is not None and share is not None and cost is not None and cost > 0:
                orders = capex * share / cost
                if orders > MAX_TOOLING_ORDERS:
                    issues.append((loc + ("capex_share",),
                                   f"gives {orders:,.0f} orders (capex x capex_share / "
                                   f"order_cost); at most {MAX_TOOLING_ORDERS:,} "
                                   f"({explain('MAX_TOOLING_ORDERS')})"))
    return issues


def check_demand_process_years(raw: dict[str, Any]) -> list[Issue]:
    """The market process starts drawing in a year the run reaches."""
    run = _run(raw)
    meta = raw.get("scenario")
    process = meta.get("demand_process") if isinstance(meta, dict) else None
    year = process.get("start_year") if isinstance(process, dict) else None
    if run is None or not isinstance(year, int) or isinstance(year, bool):
        return []
    if year > run[1].year:
        return [(("scenario", "demand_process", "start_year"),
                 f"start_year {year} is after the run's last year ({run[1].year}): the "
                 "process would never move the market")]
    return []


SHARE_TOLERANCE = 1e-6
"""How far the vehicle families' shares may sum from 1 on a date."""
OUTPUT_FIELDS = ("share", "vehicles_per_year")


def check_family_parts(raw: dict[str, Any]) -> list[Issue]:
    """A vehicle family is not called `all` (the total's name) and needs known components,
    each 0 (not needed) or at least MIN_UNITS_PER_VEHICLE, at least one of them needed."""
    known = {id_text(c.get("id")) for _, c in _items(raw, "components")}
    issues: list[Issue] = []
    for i, family in _items(raw, "vehicle_families"):
        loc: tuple[Any, ...] = ("vehicle_families", i)
        if id_text(family.get("id")) == "all":
            issues.append((loc + ("id",), "'all' is the total of the families; choose "
                           "another id"))
        parts = family.get("units_per_vehicle")
        if not isinstance(parts, dict) or not parts:
            continue
        for component, n in parts.items():
            where = loc + ("units_per_vehicle", component)
            if isinstance(component, str) and component not in known:
                listing = ", ".join(sorted(str(k) for k in known)) or "none"
                issues.append((where, f"unknown component {component!r} (components: "
                               f"{listing})"))
            value = _number(n)
            if value is not None and 0 < value < MIN_UNITS_PER_VEHICLE:
                issues.append((where, f"must be 0 (not needed) or at least "
                               f"{MIN_UNITS_PER_VEHICLE:g}, got {value:g} "
                               f"(limit {explain('MIN_UNITS_PER_VEHICLE')})"))
        values = [_number(n) for n in parts.values()]
        if all(v is not None for v in values) and not any(v for v in values):
            issues.append((loc + ("units_per_vehicle",), "the family needs no component: "
                           "give at least one a number above 0"))
    return issues


def check_family_output(raw: dict[str, Any]) -> list[Issue]:
    """Every vehicle family gives its output one way, the same for all (`share` or
    `vehicles_per_year`); shares sum to 1 on every date that any of them names (so they
    do on every day, being straight lines between those dates), and vehicles per year
    are not all 0 on any such date."""
    families = list(_items(raw, "vehicle_families"))
    issues: list[Issue] = []
    forms: dict[str, list[int]] = {}
    for i, family in families:
        given = [f for f in OUTPUT_FIELDS if family.get(f) is not None]
        if len(given) != 1:
            issues.append((("vehicle_families", i), "give exactly one of share and "
                           f"vehicles_per_year, got {' and '.join(given) or 'neither'}"))
        else:
            forms.setdefault(given[0], []).append(i)
    if issues or len(forms) != 1:
        if len(forms) > 1:
            issues.append((("vehicle_families",), "give every family its output the same "
                           f"way: share in {_positions(forms['share'])}, vehicles_per_year "
                           f"in {_positions(forms['vehicles_per_year'])}"))
        return issues
    field = next(iter(forms))
    paths = [_path(family[field]) for _, family in families]
    if any(p is None for p in paths):
        return issues  # a value of the wrong type: the schema reports it
    known = [p for p in paths if p is not None]
    named = sorted({d for p in known for d in p if d is not None})
    dates: list[dt.date | None] = [*named] if named else [None]
    for day in dates:
        total = sum(_at(p, day) for p in known)
        when = f" on {day}" if day is not None else ""
        if field == "share" and abs(total - 1.0) > SHARE_TOLERANCE:
            issues.append((("vehicle_families",), f"the families' shares sum to {total:g}"
                           f"{when}; they must sum to 1"))
        if field == "vehicles_per_year" and total <= 0:
            issues.append((("vehicle_families",), f"the families' vehicles_per_year are all "
                           f"0{when}; the mix is then undefined"))
    return issues


def _positions(indices: list[int]) -> str:
    return ", ".join(f"vehicle_families[{i}]" for i in indices)


def _path(value: Any) -> dict[dt.date | None, float] | None:
    """A number (key None) or {date: value} points as numbers by date; None if any part is
    not of the right type."""
    number = _number(value)
    if number is not None:
        return {None: number}
    if not isinstance(value, dict) or not value:
        return None
    out: dict[dt.date | None, float] = {}
    for key, v in value.items():
        day, x = date_key(key), _number(v)
        if day is None or x is None:
            return None
        out[day] = x
    return out


def _at(path: dict[dt.date | None, float], day: dt.date | None) -> float:
    """The path's value on `day`: linear between its dates, flat outside."""
    if None in path:
        return path[None]
    points = sorted((d, v) for d, v in path.items() if d is not None)
    if day is None or day <= points[0][0]:
        return points[0][1]
    if day >= points[-1][0]:
        return points[-1][1]
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if d0 <= day <= d1:
            return v0 + (v1 - v0) * (day - d0).days / (d1 - d0).days
    return points[-1][1]


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
    check_tooling_suppliers,
    check_demand_process_years,
    check_family_parts,
    check_family_output,
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
