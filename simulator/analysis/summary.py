"""The summary of a run (`summary.json`), built from its analysis tables, and the short
table the console prints.

Every number here is read from an analysis table (`close_times`, `closed_by_year`,
`shortfall_totals`, `gap_shares`, `stage_speed`, `cost_per_unit`, `idle_capacity`,
`money_totals`, `money_by_year`, `budget_held_back`, `supplier_waits`), so the summary, the
charts and the report cannot disagree. Close dates are censored: a quantile exists only
where more than that share of futures closed (otherwise "after end"), and the median needs
more than half. A batch's summary has one entry per variant.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.analysis.close_dates import day_date
from simulator.analysis.common import ALL, FEW_REPLICATIONS
from simulator.analysis.labels import component_labels, component_order, horizon

if TYPE_CHECKING:
    from simulator.results import RunResult

AFTER_END = "after end"
MEDIAN_NOTE = "fewer than half closed by the end: median not defined"
MEDIAN_NOTE_HALF = "exactly half closed by the end: median not defined"
LARGE_SE = 0.05
PAYING_STAGES = ("procurement", "investment")


def summarise(result: RunResult) -> dict:
    """The run's summary as a JSON-serialisable dict, from `result.analysis`.

    Keys: ``meta`` (copied from the run), ``horizon`` (start, end), ``components`` (per
    component id, then ``all``: replications, share closed by the end with its standard
    error, probability closed by each year end, median close date and 10–90% range, the
    restricted mean time to close, the share closed and restricted mean under the close
    threshold used and its two neighbours (``close_threshold_sensitivity``), mean
    cumulative shortfall with 95% CI, stage speed t50/t90, each stage's share of each
    year's gap), ``money`` (from the ``all`` rows), ``held_back``, ``market`` (the market
    level at the end in the futures that close the overall shortfall and the others, where
    demand follows a process), ``close_rule``
    (threshold, what it is a share of, hold and smoothing days) and ``warnings``; a batch
    has these per variant under ``variants``.
    """
    variants = result.variants()
    if len(variants) <= 1:
        one = _variant_summary(result, variants[0] if variants else "")
        one["meta"] = dict(result.meta) | ({"variant": variants[0]} if variants else {})
        return clean(one)
    per_variant = {v: _variant_summary(result, v) for v in variants}
    return clean({
        "meta": dict(result.meta),
        "variants": per_variant,
        "warnings": sorted({w for entry in per_variant.values() for w in entry["warnings"]}),
    })


def _variant_summary(result: RunResult, variant: str) -> dict:
    """The summary of one variant (`""`: a run without variant names)."""
    start, end = horizon(result)
    tables = {name: _rows(frame, variant) for name, frame in result.analysis.items()}
    names, units = component_labels(result)
    present = set(tables["close_times"]["component"].astype(str))
    components = {c: _component(tables, c, start, names, units)
                  for c in component_order(result) if c in present}
    rule = result.scenario_dict.get("scenario") or {}
    economics = _economics(tables, result.scenario_dict)
    return {
        "meta": {"variant": variant} if variant else {},
        "horizon": {"start": start, "end": end},
        "close_rule": {"threshold": rule.get("close_threshold", 0.05),
                       "relative_to": rule.get("close_relative_to", "demand"),
                       "hold_days": rule.get("close_hold_days", 90),
                       "smoothing_days": rule.get("close_smoothing_days", 1)},
        "components": components,
        "money": _money(tables),
        "held_back": _held_back(tables),
        "market": _market(tables),
        **({"economics": economics} if economics else {}),
        "warnings": warnings(components),
    }


def _rows(frame: pd.DataFrame, variant: str) -> pd.DataFrame:
    """One variant's rows of an analysis table (all of them where it has no variants)."""
    if "variant" not in frame or not variant:
        return frame
    return frame[frame["variant"].astype(str) == variant]


def _of(table: pd.DataFrame | None, component: str) -> pd.DataFrame:
    if table is None or table.empty:
        return pd.DataFrame()
    return table[table["component"].astype(str) == component]


def _component(tables: dict[str, pd.DataFrame], component: str, start: dt.date,
               names: dict, units: dict) -> dict[str, Any]:
    """A component's entry: close dates, shortfall, speed, cost, gap shares."""
    close = _of(tables["close_times"], component).iloc[0]
    n, share = int(close["n"]), float(close["share_closed"])
    entry: dict[str, Any] = {
        "name": names.get(component), "unit": units.get(component),
        "n_replications": n,
        "share_closed_by_end": share if n else None,
        "share_closed_by_end_se": close["se"] if n else None,
        "closed_by_year_end": [
            {"year": int(r["year"]), "date": pd.Timestamp(r["date"]).date(),
             "probability": r["probability"], "se": r["se"] if n else None}
            for _, r in _of(tables.get("closed_by_year"), component).iterrows()],
        "median_close_date": _date(start, close["median_close_day"]),
        "restricted_mean_months": {
            "mean": close["restricted_mean_months"],
            "ci95_low": close["restricted_mean_months_low"],
            "ci95_high": close["restricted_mean_months_high"]},
    }
    if entry["median_close_date"] is None and n:
        entry["median_close_date_note"] = (MEDIAN_NOTE_HALF if 2 * int(close["n_closed"]) == n
                                           else MEDIAN_NOTE)
    for key, column in (("close_date_p10", "close_day_p10"), ("close_date_p90", "close_day_p90")):
        day = _date(start, close[column])
        entry[key] = day if day is not None else (AFTER_END if n else None)
    entry["share_reopened_of_closed"] = close["share_reopened_of_closed"]
    entry["close_threshold_sensitivity"] = [
        {"threshold": r["threshold"], "used": bool(r["used"]),
         "share_closed_by_end": r["share_closed"], "se": r["se"],
         "restricted_mean_months": r["restricted_mean_months"],
         "median_close_date": (pd.Timestamp(r["median_close_date"]).date()
                               if pd.notna(r["median_close_date"]) else None)}
        for _, r in _of(tables.get("threshold_sensitivity"), component).iterrows()]
    totals = _of(tables.get("shortfall_totals"), component)
    for column in ("cumulative_shortfall", "cumulative_shortfall_value"):
        entry[column] = _mean_ci(totals, column)
    means = _of(tables.get("idle_capacity"), component)
    entry["means"] = ({k: v for k, v in means.iloc[0].items()
                       if k not in ("variant", "component", "n")} if len(means) else {})
    entry["stage_speed"] = _speed(_of(tables.get("stage_speed"), component))
    cost = _of(tables.get("cost_per_unit"), component)
    entry["cost_per_unit_added"] = {
        stage: _number(cost.loc[cost["stage"] == stage, "cost_per_unit"])
        for stage in PAYING_STAGES}
    entry["gap_share_by_year"] = [
        {"year": int(r["year"]), "gap_mean": r["gap_mean"],
         **{part: r[f"gap_share_{part}"]
            for part in ("sharing", "procurement", "investment", "shortfall")}}
        for _, r in _of(tables.get("gap_shares"), component).iterrows()]
    return entry


def _date(start: dt.date, day: Any) -> dt.date | None:
    """A close-day quantile as a date (`close_dates.day_date`); None for NaN."""
    value = float(day)
    return None if math.isnan(value) else day_date(start, value)


def _number(values: pd.Series) -> float | None:
    if values.empty or pd.isna(values.iloc[0]):
        return None
    return float(values.iloc[0])


def _mean_ci(totals: pd.DataFrame, column: str) -> dict | None:
    if totals.empty or column not in totals:
        return None
    row = totals.iloc[0]
    return {"mean": row[column], "ci95_low": row[f"{column}_low"],
            "ci95_high": row[f"{column}_high"], "n": row[f"{column}_n"]}


def _speed(table: pd.DataFrame) -> dict[str, dict]:
    """Per stage: median t50/t90 (days) over futures where the stage served, and how many."""
    return {str(r["stage"]): {"t50_days_median": r["t50_days_median"], "t50_n": r["t50_n"],
                              "t90_days_median": r["t90_days_median"], "t90_n": r["t90_n"]}
            for _, r in table.iterrows()}


def _money(tables: dict[str, pd.DataFrame]) -> dict:
    """Mean capex per stage, NPV and served value with 95% CIs, money by year."""
    totals = tables.get("money_totals", pd.DataFrame())
    money: dict[str, Any] = {"currency": None, "discount_rate": None}
    if totals.empty:
        return money
    first = totals.iloc[0]
    money["currency"], money["discount_rate"] = first["currency"], first["discount_rate"]
    for kind in ("capex_committed", "capex_spent"):
        rows = totals[totals["measure"] == kind]
        money[kind] = dict(zip(rows["stage"], rows["mean"], strict=True))
    before = totals[totals["measure"] == "capex_before_start"]
    if len(before):
        money["capex_before_start"] = before["mean"].iloc[0]
    for measure in ("npv", "served_value"):
        rows = totals[totals["measure"] == measure]
        if len(rows):
            row = rows.iloc[0]
            money[measure] = {"mean": row["mean"], "ci95_low": row["ci95_low"],
                              "ci95_high": row["ci95_high"], "n": row["n"]}
    by_year = tables.get("money_by_year", pd.DataFrame())
    if not by_year.empty:
        wide = by_year.assign(key=by_year["kind"] + "_" + by_year["stage"]).pivot_table(
            index="year", columns="key", values="mean", sort=False)
        money["by_year"] = [{"year": int(str(y)), **row.to_dict()}
                            for y, row in wide.iterrows()]
    return money


def _economics(tables: dict[str, pd.DataFrame], scenario_dict: dict) -> dict:
    """Per stage and ``all``: each economic measure's mean, 95% CI and n (futures where it
    is defined) of ``n_total``; per project the same (empty without economic value)."""
    table = tables.get("economic_value", pd.DataFrame())
    if table.empty:
        return {}
    first = table.iloc[0]
    stages: dict[str, dict] = {}
    for _, row in table.iterrows():
        stages.setdefault(str(row["stage"]), {})[str(row["measure"])] = _estimate(row)
    out: dict[str, Any] = {
        "currency": first["currency"], "price_year": first["price_year"],
        "real_discount_rate": first["real_discount_rate"],
        "money_terms": (scenario_dict.get("economics") or {}).get("money_terms", "real"),
        "n_total": first["n_total"], "stages": stages,
    }
    projects = tables.get("project_value", pd.DataFrame())
    if not projects.empty:
        per: dict[str, dict] = {}
        for _, row in projects.iterrows():
            entry = per.setdefault(str(row["project"]), {"component": row["component"]})
            entry[str(row["measure"])] = _estimate(row)
        out["projects"] = per
    return out


def _estimate(row: pd.Series) -> dict[str, Any]:
    return {"mean": row["mean"], "ci95_low": row["ci95_low"], "ci95_high": row["ci95_high"],
            "n": row["n"]}


def _held_back(tables: dict[str, pd.DataFrame]) -> dict:
    """Means over futures of what holds the stages back: money, build-days, orders, slots."""
    held: dict[str, Any] = {}
    budget = tables.get("budget_held_back", pd.DataFrame())
    if not budget.empty:
        held |= dict(zip(budget["figure"], budget["mean"], strict=True))
    suppliers = tables.get("supplier_waits", pd.DataFrame())
    overall = suppliers[suppliers["supplier"] == ALL] if not suppliers.empty else suppliers
    if len(overall):
        row = overall.iloc[0]
        held |= {"orders_placed": row["orders"], "orders_blocked": row["blocked"],
                 "orders_lapsed": row["lapsed"],
                 "slot_wait_mean_days": row["slot_wait_mean_days"],
                 "slot_wait_p90_days": row["slot_wait_p90_days"]}
    plants = tables.get("new_plants", pd.DataFrame())
    overall = plants[plants["component"] == ALL] if not plants.empty else plants
    if len(overall):  # new plants and their tooling (issue 10, item 1)
        held |= dict(zip(overall["figure"], overall["mean"], strict=True))
    return held


def _market(tables: dict[str, pd.DataFrame]) -> dict:
    """The market level at the end in the futures that close the overall shortfall and in
    the others (empty without a demand process)."""
    frame = tables.get("market_closing", pd.DataFrame())
    if frame.empty:
        return {}
    return {("closed" if bool(r["closed"]) else "open"): {
        "n": int(r["n"]), "median": r["median"], "p10": r["p10"], "p90": r["p90"]}
        for r in frame.to_dict("records")}


def warnings(components: dict[str, dict]) -> list[str]:
    """Plain-language cautions about Monte Carlo precision."""
    if not components or all(c["n_replications"] == 0 for c in components.values()):
        return ["no replications: nothing to summarise"]
    out = []
    n = min(c["n_replications"] for c in components.values())
    all_se = [se for c in components.values() for se in _reported_se(c) if se is not None]
    max_se = max(all_se, default=0.0)
    if n < FEW_REPLICATIONS:
        if max_se > 0:
            out.append(f"only {n} replications: probabilities carry a Monte Carlo standard "
                       f"error up to ±{100 * max_se:.1f} percentage points")
        else:
            se_half = math.sqrt(0.25 / n)
            out.append(f"only {n} replications: a probability near 50% would carry a Monte "
                       f"Carlo standard error of ±{100 * se_half:.1f} percentage points")
    rough = {component: max(large) for component, entry in components.items()
             if (large := [se for se in _reported_se(entry) if se is not None and se > LARGE_SE])}
    if rough:
        worst = max(rough.values())
        names = ", ".join("all components (value-weighted)" if c == ALL else c for c in rough)
        out.append(f"some probabilities carry a Monte Carlo standard error above "
                   f"{100 * LARGE_SE:.0f} percentage points (up to ±{100 * worst:.1f}), for: "
                   f"{names}; read them as rough or run more replications")
    return out


def _reported_se(entry: dict) -> list[float | None]:
    """SEs of the probabilities reported (the last year end is the end of the run)."""
    by_year = [row["se"] for row in entry["closed_by_year_end"]]
    return by_year or [entry["share_closed_by_end_se"]]


def threshold_sentence(summary: dict, component: str = ALL) -> str | None:
    """The headline under the close threshold used and its neighbours, in one sentence
    (None without neighbours): "The overall shortfall is closed by the end of the run in
    26% of futures with the threshold used here, a shortfall of at most 5% of demand; 0% at
    2% and 77% at 10%."."""
    entry = summary.get("components", {}).get(component) or {}
    rows = entry.get("close_threshold_sensitivity") or []
    used = [r for r in rows if r["used"]]
    others = [r for r in rows if not r["used"]]
    if not used or not others or used[0]["share_closed_by_end"] is None:
        return None
    rule = summary.get("close_rule") or {}
    of = "of the initial gap" if rule.get("relative_to") == "initial_gap" else "of demand"

    def pct(share: float) -> str:
        return f"{100 * share:.0f}%"

    def level(threshold: float) -> str:
        return f"{100 * threshold:.3g}%"

    alternatives = " and ".join(f"{pct(r['share_closed_by_end'])} at {level(r['threshold'])}"
                                for r in others)
    what = ("The overall shortfall is" if component == ALL
            else f"{entry.get('name') or component} is")
    return (f"{what} closed by the end of the run in {pct(used[0]['share_closed_by_end'])} "
            f"of futures with the threshold used here, a shortfall of at most "
            f"{level(used[0]['threshold'])} {of}; {alternatives}.")


# ----------------------------------------------------------------------- summary_table


def summary_table(summary: dict) -> pd.DataFrame:
    """The short table the CLI prints: one row per component, then ``all``.

    Columns: component, median close date ("not closed by end" when fewer than half
    closed, "—" when undefined otherwise), 10–90% range, P(closed by end) ± SE, mean
    cumulative shortfall value (the currency in the header).
    """
    currency = (summary.get("money") or {}).get("currency") or ""
    rows = []
    for component, entry in summary["components"].items():
        n = entry["n_replications"]
        share = entry["share_closed_by_end"]
        if entry["median_close_date"]:
            median = entry["median_close_date"]
        elif n and share is not None and share < 0.5:
            median = "not closed by end"
        else:
            median = "—"
        p10, p90 = entry["close_date_p10"], entry["close_date_p90"]
        span = "—" if p10 is None else AFTER_END if p10 == AFTER_END else f"{p10} – {p90}"
        se = entry["share_closed_by_end_se"]
        closed = "—" if share is None else f"{100 * share:.0f}% ± {100 * (se or 0):.1f}"
        value = (entry["cumulative_shortfall_value"] or {}).get("mean")
        rows.append({
            "component": component,
            "median close date": median,
            "10–90% range": span,
            "P(closed by end), ± pp": closed,
            f"mean cumulative shortfall value{', ' + currency if currency else ''}":
                "—" if value is None else short_amount(value),
        })
    return pd.DataFrame(rows)


STAGE_WORDS = {ALL: "all stages"}
UNDEFINED_WHY = {
    "irr": "no capex, or flows that never change sign",
    "payback_years": "no net outflow, or not paid back by the end",
}


def economics_table(summary: dict) -> pd.DataFrame | None:
    """The economic value per stage the CLI prints (None without economic value): value of
    import substitution, operating cost, real capex, the economic NPV with its 95% CI at
    the stated real rate, and the IRR and payback (means over the futures where defined,
    with how many of them). Stages the run does not enable are left out."""
    economics = summary.get("economics")
    if not economics:
        return None
    enabled = (summary.get("meta") or {}).get("stages")
    rows = []
    for stage, entry in economics["stages"].items():
        if enabled is not None and stage != ALL and stage not in enabled:
            continue
        npv = entry["economic_npv"]
        rows.append({
            "stage": STAGE_WORDS.get(stage, stage),
            "import-substitution value": _amount_or_dash(entry["import_substitution_value"]),
            "operating cost": _amount_or_dash(entry["operating_cost"]),
            "capex (real)": _amount_or_dash(entry["capex_real"]),
            "economic NPV (95% CI)": "—" if npv["mean"] is None else (
                f"{short_amount(npv['mean'])} ({short_amount(npv['ci95_low'])} – "
                f"{short_amount(npv['ci95_high'])})" if npv["ci95_low"] is not None
                else short_amount(npv["mean"])),
            "IRR": _defined(entry["irr"], economics["n_total"],
                            lambda v: f"{100 * v:.1f}%"),
            "payback, years": _defined(entry["payback_years"], economics["n_total"],
                                       lambda v: f"{v:.1f}"),
        })
    table = pd.DataFrame(rows)
    table.attrs["console_headers"] = {
        "import-substitution value": "value", "operating cost": "op. cost",
        "capex (real)": "capex", "economic NPV (95% CI)": "econ. NPV (95% CI)",
        "payback, years": "payback, yrs"}
    rate = economics.get("real_discount_rate")
    year = economics.get("price_year")
    table.attrs["console_caption"] = (
        f"Economic value, {economics.get('currency') or 'currency'} at "
        f"{year if year is not None else 'scenario'} prices, NPV at a real "
        f"{100 * (rate or 0):g}% a year; value = (import price − unit cost) × units served. "
        "IRR and payback (discounted): means over the futures where defined (n/all shown "
        "where not all); undefined: IRR without capex or sign change, payback without "
        "outflow or not paid back by the end. Not SPEC's npv (gross value served less "
        "capex).")
    return table


def _amount_or_dash(estimate: dict) -> str:
    return "—" if estimate["mean"] is None else short_amount(estimate["mean"])


def _defined(estimate: dict, n_total: int, form: Any) -> str:
    """A mean over the futures where the measure is defined, with how many where not all:
    "12.3% (95/100)", or "undefined" where it is nowhere."""
    if not estimate["n"] or estimate["mean"] is None:
        return "undefined"
    where = "" if estimate["n"] == n_total else f" ({estimate['n']}/{n_total})"
    return f"{form(estimate['mean'])}{where}"


def short_amount(value: float) -> str:
    """1.18e12 -> '1.18 tn', 2.24e11 -> '224 bn', 5300 -> '5,300' (for terminal tables)."""
    for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            return f"{value / size:.3g} {suffix}"
    return f"{value:,.0f}"


def clean(value: Any) -> Any:
    """Make `value` JSON-serialisable: NaN/inf/NaT → None, numpy → Python, dates → ISO."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [clean(v) for v in items]
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (bool, int, str)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
