"""What changes between the variants of a batch, figure by figure: what holds the stages
back (orders blocked and lapsed, waits for supplier slots, empty budgets, paused builds,
money unspent; per supplier and per component's machines), one column per variant.

`held_back_figures` only gathers the analysis tables' means (`supplier_waits`,
`budget_held_back`, `component_waits`) side by side; `notable_changes` picks those that
change much between two variants (by ratio), so a finding can name the mechanism behind an
outcome — e.g. extra orders crowding the first-come-first-served supplier slots, so that
one component's machines wait three times as long. Nothing is computed but the ratio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from simulator.report.words import ALL, STAGE_SHORT, amount, days, finite, money, short_name

FIGURE_COLUMNS = ["key", "group", "subject", "words", "unit"]
SUPPLIER_FIGURES = {  # supplier_waits column: (words, unit)
    "orders": ("machine orders placed", "per future"),
    "blocked": ("machine orders blocked", "per future"),
    "lapsed": ("machine orders lapsed (no money to re-order after a block)", "per future"),
    "slot_wait_mean_days": ("mean wait for a supplier slot", "days"),
    "slot_wait_p90_days": ("90th percentile of the wait for a supplier slot", "days"),
}
COMPONENT_FIGURES = {  # component_waits column: (words, unit)
    "machines_ordered": ("machines ordered", "per future"),
    "slot_wait_mean_days": ("mean wait of its machines for a supplier slot", "days"),
}
BUDGET_WORDS = {
    "empty_budget_days": "{stage} budget empty",
    "paused_build_days": "plant builds paused for lack of money",
    "unspent": "{stage} money unspent at the end",
}
MIN_RATIO = 1.5  # a figure "changes much" when one side is at least 1.5 times the other
MIN_STEP = {"days": 7.0, "per future": 1.0, "build-days": 7.0}  # ... and by at least this


def held_back_figures(tables: Mapping[str, pd.DataFrame], variants: Sequence[str], *,
                      component_names: Mapping[str, str] | None = None,
                      supplier_names: Mapping[str, str] | None = None,
                      currency: str = "") -> pd.DataFrame:
    """One row per held-back figure (``key``, ``group`` — "orders", "supplier", "budget" or
    "component" — ``subject`` (supplier or component id, "" for all), ``words``, ``unit``),
    one column per variant in `variants` with its mean over the futures (NaN where a
    variant has no such figure). Empty where the analysis has none of these tables."""
    rows: dict[str, dict] = {}
    names = dict(component_names or {})
    suppliers = dict(supplier_names or {})

    def put(key: str, group: str, subject: str, words: str, unit: str, variant: str,
            value: object) -> None:
        row = rows.setdefault(key, {"key": key, "group": group, "subject": subject,
                                    "words": words, "unit": unit})
        row[variant] = _float(value)

    for r in _rows(tables.get("supplier_waits"), variants):
        supplier = str(r["supplier"])
        for column, (words, unit) in SUPPLIER_FIGURES.items():
            if supplier == ALL:
                put(column, "orders", "", words, unit, r["variant"], r.get(column))
            elif column in ("orders", "blocked", "slot_wait_mean_days"):
                name = suppliers.get(supplier, supplier)
                put(f"{column}:{supplier}", "supplier", supplier, f"{words}: {name}", unit,
                    r["variant"], r.get(column))
    for r in _rows(tables.get("budget_held_back"), variants):
        figure, stage = str(r["figure"]), str(r.get("stage") or "")
        base = figure.removesuffix(f"_{stage}") if stage else figure
        template = BUDGET_WORDS.get(base, figure.replace("_", " "))
        words = template.format(stage=STAGE_SHORT.get(stage, stage))
        unit = currency if r.get("unit") == "money" else str(r.get("unit") or "")
        put(figure, "budget", stage, words, unit, r["variant"], r.get("mean"))
    waits = _rows(tables.get("component_waits"), variants)
    ordering = {str(r["component"]) for r in waits if _float(r.get("machines_ordered")) > 0}
    for r in waits:
        component = str(r["component"])
        if component not in ordering:  # no machines under any variant: nothing to show
            continue
        name = short_name(str(names.get(component, component)))
        for column, (words, unit) in COMPONENT_FIGURES.items():
            put(f"{column}:{component}", "component", component, f"{name}: {words}", unit,
                r["variant"], r.get(column))
    table = pd.DataFrame(list(rows.values()), columns=[*FIGURE_COLUMNS, *variants])
    return table.reset_index(drop=True)


def notable_changes(figures: pd.DataFrame, reference: str, variant: str, *,
                    groups: Sequence[str] = ("orders", "budget"),
                    skip: Sequence[str] = ("slot_wait_p90_days",),
                    min_ratio: float = MIN_RATIO) -> pd.DataFrame:
    """The figures of `groups` that change much from `reference` to `variant` (one side at
    least `min_ratio` times the other, by at least `MIN_STEP` of its unit), the largest
    ratio first; a ``ratio`` column is added (variant over reference, inf from 0)."""
    if figures.empty or reference not in figures or variant not in figures:
        return figures.iloc[0:0].assign(ratio=[])
    chosen = figures[figures["group"].isin(groups) & ~figures["key"].isin(skip)]
    keep, ratios = [], []
    for i, row in chosen.iterrows():
        before, after = row[reference], row[variant]
        if not (finite(before) and finite(after)) or max(before, after) <= 0:
            continue
        step = MIN_STEP.get(str(row["unit"]), 0.0)
        if abs(after - before) < step or abs(after - before) <= 1e-9 * max(before, after):
            continue
        ratio = math.inf if before <= 0 else after / before
        if ratio == 0 or max(ratio, 1 / ratio) >= min_ratio:
            keep.append(i)
            ratios.append(ratio)
    out = chosen.loc[keep].assign(ratio=ratios)
    spread = out["ratio"].map(lambda q: math.inf if q in (0, math.inf) else abs(math.log(q)))
    return out.assign(_spread=spread).sort_values("_spread", ascending=False,
                                                  kind="stable").drop(columns="_spread")


def change_words(row: pd.Series, reference: str, variant: str, currency: str = "") -> str:
    """"machine orders blocked 15.6 → 41.4 per future", "mean wait for a supplier slot
    54 → 311 days", "stage 2 money unspent at the end RUB 5.18 bn → RUB 2.10 bn"."""
    before, after = row[reference], row[variant]
    unit = str(row["unit"])
    if currency and unit == currency:
        return f"{row['words']} {money(before, currency)} → {money(after, currency)}"
    size = days if unit in ("days", "build-days") else amount
    return f"{row['words']} {size(before)} → {size(after)} {unit}".rstrip()


def _rows(table: pd.DataFrame | None, variants: Sequence[str]) -> list[dict]:
    """The rows of a per-variant analysis table for `variants`, as dicts."""
    if table is None or table.empty or "variant" not in table:
        return []
    wanted = table[table["variant"].astype(str).isin(list(variants))]
    return [{**r, "variant": str(r["variant"])} for r in wanted.to_dict("records")]


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
