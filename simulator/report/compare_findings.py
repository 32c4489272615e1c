"""Key findings of comparisons and sweeps: each variant against the reference.

What changes between the variants and by how much — the held-back figures that change most
(orders blocked, waits for a supplier slot, empty budgets; `simulator.report.changes`), the
overall outcome with its intervals, the components whose time to close changes (with their
machines' waits: extra orders crowding first-come-first-served supplier slots show here),
the inputs that differ, the year the shortfall differs most — and, for sweeps, the points
that close soonest and latest and leave the least and most shortfall value. Each rule
returns one sentence or None.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from simulator.report.batch_numbers import CLOSE, VALUE, BatchNumbers, as_float, cell
from simulator.report.changes import change_words, held_back_figures, notable_changes
from simulator.report.findings import OVERALL
from simulator.report.paired_words import (
    ci_money,
    clear_changes,
    component_list,
    machine_waits,
    months_words,
    note_words,
    removed_words,
)
from simulator.report.words import (
    ALL,
    STAGE_NAMES,
    STAGES,
    days,
    finite,
    money,
    sentence,
    share,
    short_name,
)

HEADLINE_FIRST = ("blocked", "slot_wait_mean_days")  # said first where they change much
HEADLINE_FIGURES = 3  # held-back figures in a comparison's headline
FIRST_RATIO = 1.1  # ... those of HEADLINE_FIRST named where one side is 10% above the other


def compare_headline(b: BatchNumbers, variant: str) -> str | None:
    """One variant against the reference: the held-back figures that change most (e.g.
    orders blocked, waits for a supplier slot), and the overall outcome with intervals."""
    figures = _figures(b, [b.base, variant])
    changed = notable_changes(figures, b.base, variant)
    first = notable_changes(figures, b.base, variant, min_ratio=FIRST_RATIO)
    first = first[first["key"].isin(HEADLINE_FIRST)]  # what holds the machines back
    changed = pd.concat([first, changed[~changed["key"].isin(first["key"])]]).head(
        HEADLINE_FIGURES)
    changed = changed.loc[sorted(changed.index)]  # in the figures' own order
    mechanism = [change_words(r, b.base, variant, b.currency) for _, r in changed.iterrows()]
    outcome = _outcome(b, variant, ALL)
    if not mechanism and not outcome:
        return None
    text = f"From {b.base} to {variant}: " + ", ".join(mechanism)
    if outcome:
        text += f"; {outcome}" if mechanism else outcome
    return sentence(text)


def input_changes(b: BatchNumbers, variant: str, limit: int = 6) -> str | None:
    """What differs in the inputs between the reference and `variant` (up to `limit`
    figures, grouped by the supplier, component, … they belong to)."""
    table = b.table("scenario_differences")
    if table is None or b.base not in table or variant not in table:
        return None
    rows = table[~table["path"].astype(str).isin(("scenario.name", "scenario.description"))]
    rows = rows[rows[b.base].astype(str) != rows[variant].astype(str)]
    if rows.empty:
        return f"{variant} has the same inputs as {b.base} (other than its name)."
    groups: dict[str, list[str]] = {}
    for _, r in rows.head(limit).iterrows():
        owner, figure, unit = _path_words(str(r["path"]), b.supplier_names,
                                          b.component_names)
        if unit == "money":
            change = f"{figure} {money(as_float(r[b.base]), b.currency)} → " \
                     f"{money(as_float(r[variant]), b.currency)}"
        else:
            change = f"{figure} {_value(r[b.base])} → {_value(r[variant])} {unit}".rstrip()
        groups.setdefault(owner, []).append(change)
    parts = [f"{owner}: {', '.join(c)}" if owner else ", ".join(c)
             for owner, c in groups.items()]
    more = len(rows) - limit
    tail = (f"; and {more} more (table “What differs between the scenarios”)"
            if more > 0 else "")
    return f"Inputs that differ, {b.base} → {variant}: {'; '.join(parts)}{tail}."


def component_outcomes(b: BatchNumbers, variant: str) -> str | None:
    """The components whose time to close changes most against the reference, with the
    wait of their machines for a supplier slot where it grows much."""
    diffs = b.table("differences")
    if diffs is None:
        return None
    rows = diffs[(diffs["variant"].astype(str) == variant) & (diffs["component"] != ALL)
                 & (diffs["metric"] == CLOSE)]
    if rows["component"].nunique() < 2:  # one component: the headline says it
        return None
    earlier, later = clear_changes(rows)
    if not earlier and not later:
        return None
    waits = machine_waits(b, b.base, variant)
    parts = []
    if later:
        parts.append(component_list(b, later, "later", waits=waits))
    if earlier:
        parts.append(component_list(b, earlier, "earlier", waits=waits))
    return f"By component, {variant} closes {'; it closes '.join(parts)}."


def slot_crowding(b: BatchNumbers, variant: str) -> str | None:
    """The component whose machines' wait for a supplier slot changes most, and the
    supplier whose waits change most: the mechanism when extra orders crowd the same
    first-come-first-served slots (or fewer orders free them)."""
    figures = _figures(b, [b.base, variant])
    parts: list[str] = []
    for group, subject in (("component", "the machines of {}"), ("supplier", "at {}")):
        frame = notable_changes(figures, b.base, variant, groups=(group,), skip=())
        frame = frame[frame["key"].str.startswith("slot_wait_mean_days:")]
        if frame.empty:
            continue
        step = (frame[variant] - frame[b.base]).abs()
        r = frame.iloc[int(step.to_numpy().argmax())]
        who = str(r["subject"])
        who = b.name(who) if group == "component" else b.supplier_names.get(who, who)
        verb = "grows" if r[variant] > r[b.base] else "shrinks"
        lead = ("by supplier, most" if parts else f"{verb} most") if group == "supplier" \
            else f"{verb} most for"
        parts.append(f"{lead} {subject.format(who)}: {days(r[b.base])} → "
                     f"{days(r[variant])} days on average")
    if not parts:
        return None
    return (f"From {b.base} to {variant}, the wait for a supplier slot (first come, first "
            f"served) {'; '.join(parts)}.")


def plant_delays(b: BatchNumbers, variant: str) -> str | None:
    """When new plants start producing under `variant` against the reference (paired, with
    its interval), and the mechanism: their wait for tooling after the building is done,
    tooling orders blocked and the wait for a supplier slot they share with stage 2."""
    diffs, plants = b.table("plant_differences"), b.table("new_plants")
    if diffs is None or plants is None:
        return None
    rows = diffs[(diffs["variant"].astype(str) == variant) & (diffs["component"] == ALL)]
    if rows.empty or not finite(cell(rows.iloc[0], "later_months")):
        return None
    r = rows.iloc[0]
    later = cell(r, "later_months")
    low, high = cell(r, "later_months_low"), cell(r, "later_months_high")
    if abs(later) < 0.05:
        return None
    word = "later" if later > 0 else "earlier"
    lo, hi = (low, high) if later > 0 else (-high, -low)
    ci = f" (95% interval {lo:.1f} to {hi:.1f})" if finite(lo) and finite(hi) else ""
    mean = plants[plants["component"] == ALL].set_index(["variant", "figure"])["mean"]

    def pair(figure: str, unit: str) -> str | None:
        try:
            before, after = float(mean[(b.base, figure)]), float(mean[(variant, figure)])
        except KeyError:
            return None
        if not (finite(before) and finite(after)) or abs(after - before) < 1e-9:
            return None
        return f"{days(before)} → {days(after)} {unit}"

    why = [f"{words} {text}" for words, figure, unit in (
        ("their wait for tooling after the building is done", "tooling_wait_days_mean",
         "days"),
        ("tooling orders blocked", "tooling_orders_blocked", "per future"),
        ("each tooling order's wait for a supplier slot (first come, first served, shared "
         "with stage 2's machines)", "tooling_slot_wait_mean_days", "days"))
        if (text := pair(figure, unit))]
    mechanism = f": {'; '.join(why)}" if why else ""
    return (f"From {b.base} to {variant}, new plants start producing {abs(later):.1f} months "
            f"{word} on average over the plants built{ci}{mechanism}.")


def yearly_gap(b: BatchNumbers, variant: str) -> str | None:
    """The year in which the variants' overall shortfall differs most (of the years whose
    interval is clear of 0), with each one's share of that year's gap served and the
    difference with its interval."""
    table = b.table("yearly_differences")
    if table is None:
        return None
    rows = table[(table["variant"].astype(str) == variant) & (table["component"] == ALL)]
    clear = rows["removed_low"].map(as_float).gt(0) | rows["removed_high"].map(as_float).lt(0)
    rows = rows[clear & rows["removed"].map(finite)]
    if rows.empty:
        return None
    r = rows.iloc[int(rows["removed"].abs().to_numpy().argmax())]
    year, removed = int(r["year"]), cell(r, "removed")
    low, high = cell(r, "removed_low"), cell(r, "removed_high")
    if removed > 0:
        left = f"{money(removed, b.currency)} less"
        ci = ci_money(low, high, b.currency)
    else:
        left = f"{money(-removed, b.currency)} more"
        ci = ci_money(-high, -low, b.currency)
    shares = (f"{variant} serves {share(cell(r, 'share_served'))} of the overall gap, "
              f"{b.base} {share(cell(r, 'share_served_reference'))}")
    return (f"The difference is largest in {year}: {shares}, so {variant} leaves {left} "
            f"shortfall value that year{ci}.")


# ---------------------------------------------------------------------- sweeps


def sweep_close_extremes(b: BatchNumbers) -> str | None:
    """The sweep points that close the overall shortfall soonest and latest against the
    first point (restricted mean time to close, with intervals), or why none differs."""
    close = _overall_rows(b, CLOSE)
    if not close or len(b.variants) < 2:
        return None
    scored = [(v, cell(close[v], "earlier_months") if v in close else 0.0)
              for v in b.variants]
    scored = [(v, e) for v, e in scored if finite(e)]
    first = _point(b, b.base)
    if not any(abs(e) > 1e-9 for _, e in scored):
        notes = {str(close[v].get("note") or "") for v in close}
        why = f" ({notes.pop()})" if len(notes) == 1 and "" not in notes else ""
        return f"No sweep point changes when {OVERALL} closes{why}."
    best = max(scored, key=lambda p: p[1])[0]
    worst = min(scored, key=lambda p: p[1])[0]
    parts = []
    for word, name in (("soonest", best), ("latest", worst)):
        if name == b.base:
            parts.append(f"{word} at the first point itself")
        else:
            parts.append(f"{word} at {_point(b, name)}: {months_words(close[name], 'it')}")
    return f"Against {first}, {OVERALL} closes {'; '.join(parts)}."


def sweep_value_extremes(b: BatchNumbers) -> str | None:
    """The sweep points that leave the least and the most overall shortfall value, against
    the first point (paired, with intervals)."""
    value = _overall_rows(b, VALUE)
    if not value or len(b.variants) < 2:
        return None
    scored = [(v, cell(value[v], "removed") if v in value else 0.0) for v in b.variants]
    scored = [(v, r) for v, r in scored if finite(r)]
    if not any(abs(r) > 0 for _, r in scored):
        return "Every sweep point leaves the same shortfall value in every future."
    best = max(scored, key=lambda p: p[1])[0]
    worst = min(scored, key=lambda p: p[1])[0]
    first = _point(b, b.base)
    parts = []
    for word, name in (("least", best), ("most", worst)):
        if name == b.base:
            parts.append(f"the {word} at the first point itself")
        else:
            parts.append(f"the {word} at {_point(b, name)}: "
                         f"{removed_words(value[name], b.currency)}")
    return f"Against {first}, the shortfall value left over the run is {'; '.join(parts)}."


def _outcome(b: BatchNumbers, variant: str, component: str) -> str | None:
    """How `variant` changes the time to close and the shortfall value of `component`."""
    diffs = b.table("differences")
    if diffs is None:
        return None
    rows = diffs[(diffs["variant"].astype(str) == variant) & (diffs["component"] == component)]
    close, value = rows[rows["metric"] == CLOSE], rows[rows["metric"] == VALUE]
    subject = b.name(component)
    parts = []
    if not close.empty:
        note = str(close.iloc[0].get("note") or "")
        parts.append(note_words(note, subject, "in either variant") if note
                     else months_words(close.iloc[0], subject))
    if not value.empty and (text := removed_words(value.iloc[0], b.currency)):
        parts.append(text)
    return ", and ".join(parts) if parts else None


def _figures(b: BatchNumbers, variants: list[str]) -> pd.DataFrame:
    return held_back_figures(b.tables, variants, component_names=b.component_names,
                             supplier_names=b.supplier_names, currency=b.currency)


MONEY_FIELDS = ("budget", "amount", "capex", "unit_value", "cost", "price")
STATISTICS = {"median": "median", "p90": "90th percentile", "min": "minimum",
              "mode": "most likely", "max": "maximum", "mean": "mean", "value": ""}


def _path_words(path: str, suppliers: dict[str, str], components: dict[str, str]
                ) -> tuple[str, str, str]:
    """(owner, figure, unit) of a scenario path:
    "stages.procurement.suppliers[cn_cnc].lead_time_days.median" -> ("Chinese CNC
    machine-tool makers", "median lead time", "days"); owner "" for a path of no entity."""
    steps = re.split(r"\.(?![^\[]*\])", path)
    owner = ""
    for step in reversed(steps):
        if m := re.fullmatch(r"(\w+)\[([^\]]+)\]", step):
            kind, ident = m.groups()
            found = suppliers.get(ident) if kind == "suppliers" else None
            owner = found or (short_name(components[ident]) if ident in components else ident)
            break
    if not owner and len(steps) > 1 and steps[0] == "stages":
        owner = STAGE_NAMES.get(steps[1], steps[1])
    tail = [s for s in steps if "[" not in s and s not in ("stages", "scenario", *STAGES)]
    if not tail:
        return owner, path, ""
    statistic = STATISTICS.get(tail[-1]) if len(tail) > 1 else None
    name = tail[-2] if statistic is not None else tail[-1]
    unit = "days" if name.endswith("_days") else ""
    if name in MONEY_FIELDS:
        unit = "money"
    words = name.removesuffix("_days").replace("_", " ")
    return owner, f"{statistic} {words}".strip() if statistic else words, unit


def _value(value: Any) -> str:
    text = str(value)
    try:
        number = float(text)
    except ValueError:
        return text if len(text) <= 40 else text[:39] + "…"
    return f"{number:,.0f}" if number.is_integer() and abs(number) >= 1 else f"{number:g}"


def _overall_rows(b: BatchNumbers, metric: str) -> dict[str, pd.Series]:
    """The overall rows of one metric of the paired differences, by variant."""
    diffs = b.table("differences")
    if diffs is None:
        return {}
    rows = diffs[(diffs["component"] == ALL) & (diffs["metric"] == metric)]
    return {str(r["variant"]): r for _, r in rows.iterrows()}


def _point(b: BatchNumbers, name: str) -> str:
    """A sweep point with its values ("point-008 (suppliers [cn_cnc] slots = 24, …)")."""
    from simulator.display import parameter_labels

    points = b.tables.get("points")
    if points is None or points.empty or "variant" not in points:
        return name
    row = points[points["variant"].astype(str) == name]
    if row.empty:
        return name
    labels = parameter_labels([str(c) for c in points.columns if c != "variant"])
    values = [f"{labels.get(str(c), c)} = {_plain(v)}" for c, v in row.iloc[0].items()
              if c != "variant"]
    return f"{name} ({', '.join(values)})" if values else name


def _plain(value: Any) -> str:
    if isinstance(value, float) and finite(value):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"
    return str(value)
