"""The report's tables: each once as data (for CSV and Excel) and once as display text.

A `ReportTable` holds the same rows twice: `data` with numbers and ISO dates, units in the
column names (what `tables/<key>.csv` and the `report.xlsx` sheet get, so that policy staff
can compute with them), and `display` with the words the HTML page shows ("March 2028",
"RUB 23.2 bn", "81% ± 3.9 pp"). Everything here is read from the summary and the batch
analysis tables; nothing new is computed. `write_csvs` and `write_workbook` save them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.report.words import (
    ALL,
    QUESTIONS,
    STAGE_NAMES,
    STAGE_SHORT,
    STAGES,
    Finding,
    finite,
    money,
    month,
    number,
    share,
)

SHEET_NAME_LIMIT = 31
NOT_CLOSED_MOST = "not closed by the end in most futures"
NOT_CLOSED = "not closed by the end"


@dataclass
class ReportTable:
    """One table of the report, as data (CSV, Excel) and as display text (HTML)."""

    key: str  # file stem of the CSV and name of the Excel sheet (at most 31 characters)
    title: str
    data: pd.DataFrame
    display: pd.DataFrame | None = None  # None: the data as text
    note: str = ""
    numeric: tuple[str, ...] = field(default=())  # display columns aligned right
    lines: tuple[str, ...] = field(default=())  # display columns of short lines, unwrapped
    detail: str | None = None  # a display column shown as a full-width line under its row

    def __post_init__(self) -> None:
        if len(self.key) > SHEET_NAME_LIMIT or not re.fullmatch(r"[a-z0-9_]+", self.key):
            raise ValueError(f"table key {self.key!r}: use a-z, 0-9 and _, at most "
                             f"{SHEET_NAME_LIMIT} characters")

    def shown(self) -> pd.DataFrame:
        """The display text (missing values as "—")."""
        frame = self.display if self.display is not None else self.data
        return frame.astype(object).where(frame.notna(), "—").astype(str)


# ---------------------------------------------------------------- per component


def kpi_table(summary: dict, variants: dict[str, dict] | None = None) -> ReportTable:
    """Per component (and variant, for a batch): median close date, 10–90% range,
    P(closed by end) ± SE, mean cumulative shortfall value, capacity added per stage,
    capex per unit of capacity added."""
    parts = variants or {"": summary}
    data_rows, shown_rows = [], []
    for variant, entry_summary in parts.items():
        currency = (entry_summary.get("money") or {}).get("currency") or ""
        for component, entry in (entry_summary.get("components") or {}).items():
            data, shown = _kpi_row(component, entry, currency)
            if variants:
                data, shown = {"variant": variant, **data}, {"Variant": variant, **shown}
            data_rows.append(data)
            shown_rows.append(shown)
    display = pd.DataFrame(shown_rows)
    numeric = tuple(c for c in display.columns
                    if c.startswith(("Added", "Capex per", "Mean cumulative")))
    return ReportTable(
        "kpis_by_component", "Results by component", pd.DataFrame(data_rows), display,
        note=("Close dates are medians over the simulated futures, given only where more "
              "than half of them closed; P(closed by end) carries its Monte Carlo standard "
              "error. Capacity added is in each component's own unit per year (it does not "
              "add up across components, hence no total). Capex per unit is capex spent "
              "over capacity added, per unit of annual capacity."),
        numeric=numeric + ("P(closed by end)",),
    )


def _kpi_row(component: str, entry: dict, currency: str) -> tuple[dict, dict]:
    n, closed = entry.get("n_replications") or 0, entry.get("share_closed_by_end")
    se = entry.get("share_closed_by_end_se")
    median = entry.get("median_close_date")
    p10, p90 = entry.get("close_date_p10"), entry.get("close_date_p90")
    value = entry.get("cumulative_shortfall_value") or {}
    means, cost = entry.get("means") or {}, entry.get("cost_per_unit_added") or {}
    unit = entry.get("unit") or ""
    if median and (closed or 0) > 0.5:
        median_text = month(median)
    elif n and closed is not None and closed <= 0.5:
        median_text = NOT_CLOSED_MOST
    else:
        median_text = "—"
    data = {
        "component": component,
        "name": entry.get("name") or component,
        "replications": n,
        "median close date": median if median_text == month(median) else median_text,
        "close date 10%": _date_or_text(p10),
        "close date 90%": _date_or_text(p90),
        "P(closed by end)": closed,
        "SE of P(closed by end)": se,
        f"mean cumulative shortfall value ({currency})": value.get("mean"),
        "95% CI low": value.get("ci95_low"),
        "95% CI high": value.get("ci95_high"),
    }
    shown = {
        "Component": entry.get("name") or component,
        "Unit": "—" if component == ALL else unit,
        "Median close date": median_text,
        "10–90% range": _range_words(p10, p90),
        "P(closed by end)": "—" if closed is None else
        f"{share(closed)} ± {100 * (se or 0):.1f} pp",
        "Mean cumulative shortfall value": money(value.get("mean"), currency),
    }
    for stage in STAGES:
        added = means.get(f"capacity_added_{stage}")
        data[f"capacity added by {stage} ({unit}/year)"] = added
        shown[f"Added by {STAGE_SHORT[stage]} (per year)"] = number(added)
    for stage in ("procurement", "investment"):
        data[f"capex per unit added, {stage} ({currency} per {unit}/year)"] = cost.get(stage)
        shown[f"Capex per unit, {STAGE_SHORT[stage]}"] = money(cost.get(stage), currency)
    if component == ALL:  # capacities in different units do not add up
        shown.update({k: "—" for k in shown if k.startswith(("Added", "Capex per"))})
    return data, shown


def _date_or_text(value: Any) -> Any:
    if value is None:
        return None
    return value if month(value) != "—" else NOT_CLOSED


def _range_words(p10: Any, p90: Any) -> str:
    if p10 is None:
        return "—"
    low = month(p10) if month(p10) != "—" else NOT_CLOSED
    high = month(p90) if month(p90) != "—" else NOT_CLOSED
    if low == NOT_CLOSED:
        return f"{NOT_CLOSED} (even the fastest 10%)"
    return f"{low} – {high}"


# ------------------------------------------------------------------------- money


def money_by_year(summary: dict, variants: dict[str, dict] | None = None) -> ReportTable:
    """Per year (and variant): money released to each stage, capex committed and spent."""
    parts = variants or {"": summary}
    data_rows, shown_rows = [], []
    currency = ""
    for variant, entry in parts.items():
        money_ = entry.get("money") or {}
        currency = money_.get("currency") or currency
        for row in money_.get("by_year") or []:
            data, shown = {"variant": variant} if variants else {}, (
                {"Variant": variant} if variants else {})
            data["year"] = shown["Year"] = row.get("year")
            for stage in ("procurement", "investment"):
                for kind, word in (("released", "released"), ("capex_committed", "committed"),
                                   ("capex_spent", "spent")):
                    column = f"{kind}_{stage}"
                    if column not in row:
                        continue
                    data[f"{word}, {stage} ({currency})"] = row[column]
                    shown[f"{STAGE_SHORT[stage].capitalize()} {word}"] = money(row[column])
            data_rows.append(data)
            shown_rows.append(shown)
    display = pd.DataFrame(shown_rows)
    return ReportTable(
        "money_by_year", f"Money by year ({currency}, means over the simulated futures)",
        pd.DataFrame(data_rows), display,
        note="Released: money paid into the stage's budget. Committed: capex promised to "
             "orders and projects. Spent: capex paid out.",
        numeric=tuple(c for c in display.columns if c not in ("Variant", "Year")),
    )


ECONOMIC_WORDS = {"import_substitution_value": "Import-substitution value",
                  "operating_cost": "Operating cost", "capex_real": "Capex (real)",
                  "economic_npv": "Economic NPV", "irr": "IRR", "payback_years": "Payback"}


def economics_tables(summary: dict) -> list[ReportTable]:
    """Per stage and per stage-3 project: the economic value, operating cost, real capex,
    economic NPV (95% CI), IRR and payback (means where defined, and in how many futures);
    none where the scenario does not measure economic value."""
    economics = summary.get("economics") or {}
    if not economics:
        return []
    currency, n = economics.get("currency") or "", economics.get("n_total") or 0
    enabled = (summary.get("meta") or {}).get("stages")
    stage_rows = [(STAGE_NAMES.get(stage, "All stages") if stage != ALL else "All stages",
                   entry) for stage, entry in (economics.get("stages") or {}).items()
                  if enabled is None or stage == ALL or stage in enabled]
    project_rows = [(f"{project} ({entry.get('component')})", entry)
                    for project, entry in (economics.get("projects") or {}).items()]
    rate = 100 * float(economics.get("real_discount_rate") or 0)
    year = economics.get("price_year")
    note = (f"{currency} at {year} prices; NPV discounted daily to the start at a real "
            f"{rate:g}% a year. Value = (import price − domestic unit cost) × units served. "
            "IRR and payback (discounted, from the first outflow) are means over the futures "
            "where they are defined, n of all: a stage or project without capex has no IRR, "
            "one not paid back by the end no payback. Capacity still useful after the end is "
            "not credited. A project's units are its component's stage-3 units shared in "
            "proportion to the available capacity of its usable projects.")
    out = []
    for key, title, rows in (("economic_value", "Economic value by stage", stage_rows),
                             ("project_value", "Economic value by stage-3 project",
                              project_rows)):
        if not rows:
            continue
        data, shown = [], []
        for name, entry in rows:
            d: dict[str, Any] = {"name": name}
            t: dict[str, str] = {"": name}
            for measure, word in ECONOMIC_WORDS.items():
                est = entry.get(measure) or {}
                mean = est.get("mean")
                d[f"{measure}_mean"], d[f"{measure}_n"] = mean, est.get("n")
                t[word] = _economic_text(measure, est, n, currency)
                if measure == "economic_npv":
                    d["economic_npv_ci95_low"] = est.get("ci95_low")
                    d["economic_npv_ci95_high"] = est.get("ci95_high")
            data.append(d)
            shown.append(t)
        display = pd.DataFrame(shown)
        out.append(ReportTable(key, f"{title} ({currency}, means over the simulated futures)",
                               pd.DataFrame(data), display, note=note,
                               numeric=tuple(ECONOMIC_WORDS.values())))
    return out


def _economic_text(measure: str, est: dict, n: int, currency: str) -> str:
    mean = est.get("mean")
    if mean is None or not finite(mean) or not est.get("n"):
        return "undefined" if measure in ("irr", "payback_years") else "—"
    where = "" if est.get("n") == n else f" (n {est.get('n')} of {n})"
    if measure == "irr":
        return f"{100 * mean:.1f}%{where}"
    if measure == "payback_years":
        return f"{mean:.1f} years{where}"
    text = money(mean, currency)
    low, high = est.get("ci95_low"), est.get("ci95_high")
    if measure == "economic_npv" and low is not None and high is not None \
            and finite(low) and finite(high):
        text += f" ({money(low, currency)} to {money(high, currency)})"
    return text.replace("-", "−")


# ------------------------------------------------------------- stages and gaps


def gap_shares(summary: dict) -> ReportTable:
    """Per component and year: each stage's share of the gap served, and the shortfall
    (display: the overall rows only; the CSV has every component)."""
    rows = []
    for component, entry in (summary.get("components") or {}).items():
        for row in entry.get("gap_share_by_year") or []:
            rows.append({"component": component, **row})
    data = pd.DataFrame(rows)
    if data.empty:
        return ReportTable("gap_served_by_year", "Share of each year's gap served, by stage",
                           data)
    overall = data[data["component"] == ALL]
    display = pd.DataFrame({"Year": overall["year"].astype(int).astype(str)})
    for stage in STAGES:
        if stage in overall:
            display[STAGE_NAMES[stage].capitalize()] = overall[stage].map(share)
    if "shortfall" in overall:
        display["Still missing"] = overall["shortfall"].map(share)
    return ReportTable(
        "gap_served_by_year", "Share of each year's overall gap served, by stage",
        data, display.reset_index(drop=True),
        note="Served summed over the year divided by the gap summed over the year, over all "
             "futures (value-weighted across components). Per component in the CSV and "
             "the workbook.",
        numeric=tuple(c for c in display.columns if c != "Year"),
    )


def stage_speed_table(summary: dict) -> ReportTable:
    """Per component and stage: median days until the stage serves 50% / 90% of its peak."""
    start = (summary.get("horizon") or {}).get("start")
    rows = []
    for component, entry in (summary.get("components") or {}).items():
        for stage, speed in (entry.get("stage_speed") or {}).items():
            rows.append({"component": component, "stage": stage,
                         "t50 days (median)": speed.get("t50_days_median"),
                         "t90 days (median)": speed.get("t90_days_median"),
                         "futures where it serves": speed.get("t50_n"),
                         "scenario start": start})
    return ReportTable("stage_speed", "Stage speed: days to half and 90% of each stage's "
                       "peak", pd.DataFrame(rows))


# -------------------------------------------------------------------- held back


HELD_BACK_WORDS = {
    "empty_budget_days_procurement": ("days the stage 2 budget is empty", "days"),
    "empty_budget_days_investment": ("days the stage 3 budget is empty", "days"),
    "unspent_procurement": ("stage 2 money unspent at the end", "money"),
    "unspent_investment": ("stage 3 money unspent at the end", "money"),
    "paused_build_days": ("plant build-days paused for lack of money (summed over projects)",
                          "days"),
    "orders_placed": ("machine orders placed", "orders"),
    "orders_blocked": ("machine orders blocked", "orders"),
    "orders_lapsed": ("machine orders lapsed (no money to re-order after a block)", "orders"),
    "slot_wait_mean_days": ("mean wait for a supplier slot", "days"),
    "slot_wait_p90_days": ("90th percentile of the wait for a supplier slot", "days"),
}


def held_back_table(summary: dict, currency: str = "") -> ReportTable:
    """The constraint figures (means over futures), each with what it means."""
    rows = []
    for key, value in (summary.get("held_back") or {}).items():
        words, unit = HELD_BACK_WORDS.get(key, (key.replace("_", " "), ""))
        if unit == "money":
            unit = currency
        rows.append({"measure": key, "meaning": words, "mean over futures": value,
                     "unit": unit})
    data = pd.DataFrame(rows, columns=["measure", "meaning", "mean over futures", "unit"])
    display = pd.DataFrame({
        "What": data["meaning"].map(lambda s: s[:1].upper() + s[1:]),
        "Mean over futures": [money(v, currency) if u == currency and currency else number(v)
                              for v, u in zip(data["mean over futures"], data["unit"],
                                              strict=True)],
        "Unit": data["unit"],
    })
    return ReportTable("held_back", "What holds the stages back", data, display,
                       numeric=("Mean over futures",))


def suppliers_table(means: pd.DataFrame | None, names: dict[str, str]) -> ReportTable | None:
    """Per supplier: mean orders, blocked orders and slot waits over the futures."""
    if means is None or means.empty:
        return None
    data = means.reset_index()
    data.insert(1, "name", data["supplier"].map(lambda s: names.get(s, s)))
    words = {"orders": "Orders", "blocked": "Blocked",
             "slot_wait_mean_days": "Mean wait for a slot (days)",
             "slot_wait_p90_days": "90% wait below (days)"}
    display = pd.DataFrame({"Supplier": data["name"]})
    for column, title in words.items():
        if column in data:
            display[title] = data[column].map(number)
    return ReportTable("suppliers", "Machine-tool suppliers (means over the futures)", data,
                       display, numeric=tuple(words[c] for c in words if c in data))


# ---------------------------------------------------------------------- findings


def findings_table(findings: Iterable[Finding]) -> ReportTable:
    data = pd.DataFrame([{"question": QUESTIONS.get(f.question, f.question),
                          "finding": f.text} for f in findings], columns=["question", "finding"])
    return ReportTable("findings", "Key findings", data,
                       data.rename(columns={"question": "Question", "finding": "Finding"}))


# ----------------------------------------------------------------------- batches


def variant_outcomes(summary: dict, kind: str) -> ReportTable:
    """Per variant, overall: P(closed by end) ± SE, the mean time to close within the run
    with its interval, median and 10–90% range, mean shortfall value, capex spent."""
    from simulator.report.batch_numbers import variant_label

    data_rows, shown_rows = [], []
    for name, entry in (summary.get("variants") or {}).items():
        overall = (entry.get("components") or {}).get(ALL) or {}
        money_ = entry.get("money") or {}
        currency = money_.get("currency") or ""
        data, shown = _kpi_row(ALL, overall, currency)
        spent = money_.get("capex_spent") or {}
        restricted = overall.get("restricted_mean_months") or {}
        data = {"variant": name, **{k: v for k, v in data.items()
                                    if not k.startswith(("capacity added", "capex per"))}}
        data["mean time to close (months, never closed = end of run)"] = restricted.get("mean")
        data["mean time to close, 95% CI low"] = restricted.get("ci95_low")
        data["mean time to close, 95% CI high"] = restricted.get("ci95_high")
        data.update({f"capex spent, {s} ({currency})": spent.get(s) for s in spent})
        keep = ("P(closed by end)", "Median close date", "10–90% range",
                "Mean cumulative shortfall value")
        row = {"Variant": name, "Stages": variant_label(name, kind) if kind == "stages"
               else None, **{k: shown[k] for k in keep}}
        row["Mean time to close (months)"] = _months_interval(restricted)
        row["Capex spent"] = money(sum(v for v in spent.values() if v), currency)
        if kind != "stages":
            row.pop("Stages")
        data_rows.append(data)
        shown_rows.append(row)
    return ReportTable(
        "variant_outcomes", "Outcome of each variant (overall shortfall)",
        pd.DataFrame(data_rows), pd.DataFrame(shown_rows),
        note="Mean time to close: months from the start until the overall shortfall "
             "closes, a future that never closes counting as closing at the end of the run "
             "(the restricted mean), with its 95% confidence interval.",
        numeric=("P(closed by end)", "Mean time to close (months)",
                 "Mean cumulative shortfall value", "Capex spent"))


def stage_gains_tables(result: Any) -> list[ReportTable]:
    """Stage gains (display from `simulator.display`, with components and stages named),
    and the analysis table."""
    from simulator.display import stage_gains_table

    gains = result.analysis["stage_gains"]
    display = stage_gains_table(result).rename(columns=_first_upper)
    names = _component_names(result)
    display["Component"] = display["Component"].map(lambda c: names.get(c, c))
    display["Stage added"] = display["Stage added"].map(
        lambda s: "+".join(str(STAGE_NAMES.get(p, p)) for p in str(s).split("+")))
    return [ReportTable(
        "stage_gains", "What each added stage gains (paired futures)", gains, display,
        note="Months earlier: the paired difference in the restricted mean time to close "
             "(a future that never closes counts as closing at the end of the run), with "
             "its 95% confidence interval; it exists whenever the two sides differ, and "
             "where nothing changes in any future the reason is given in words. Shortfall "
             "value removed: mean paired difference in cumulative shortfall value.",
        numeric=tuple(c for c in display.columns if c.startswith(("Shortfall", "Closed"))))]


def differences_table(result: Any) -> ReportTable:
    """Each variant against the reference, overall (display from `simulator.display`)."""
    from simulator.display import compare_table

    return ReportTable(
        "differences", "Each variant against the first, overall (paired futures)",
        result.analysis["differences"], compare_table(result).rename(columns=_first_upper),
        note="Months earlier (+) or later (−): the paired difference in the restricted mean "
             "time to close (a future that never closes counts as closing at the end of the "
             "run); shortfall value removed (+) or added (−) against the first variant; "
             "each with its 95% confidence interval. The CSV and the workbook hold every "
             "component and metric, with the counts of pairs closed on either side.")


def component_differences_table(result: Any) -> ReportTable | None:
    """Per component and variant: months earlier (+) / later (−) than the reference and
    shortfall value removed, with 95% intervals (the analysis' `differences`)."""
    from simulator.display import months_cell

    diffs = result.analysis.get("differences")
    if diffs is None or diffs.empty:
        return None
    names = _component_names(result)
    currency = _currency_of(result)
    reference = str(diffs["reference"].iloc[0])
    rows = []
    for (variant, component), group in diffs.groupby(["variant", "component"], sort=False):
        close = group[group["metric"] == "restricted_mean_close"]
        value = group[group["metric"] == "cumulative_shortfall_value"]
        rows.append({
            "Variant": variant, "Component": names.get(component, component),
            f"Months earlier (+) / later (−) than {reference} (95% CI)":
                months_cell(close.iloc[0]) if len(close) else "—",
            f"Shortfall value removed vs {reference}"
            + (f", {currency}" if currency else "") + " (95% CI)":
                _money_interval(value.iloc[0], currency) if len(value) else "—",
        })
    display = pd.DataFrame(rows)
    return ReportTable(
        "differences_by_component", f"Each variant against {reference}, by component",
        diffs, display, numeric=tuple(display.columns[2:]))


def changes_table(result: Any, variants: list[str], kind: str = "compare"
                  ) -> ReportTable | None:
    """What changes between the variants: the overall outcome and every held-back figure
    (`simulator.report.changes`), one column per variant, with the paired difference
    against the reference where the analysis has one (time to close, shortfall value)."""
    from simulator.analysis.labels import supplier_names
    from simulator.display import months_cell
    from simulator.report.batch_numbers import variant_label
    from simulator.report.changes import held_back_figures

    analysis = result.analysis
    diffs = analysis.get("differences")
    if diffs is None or diffs.empty or len(variants) < 2:
        return None
    reference = str(diffs["reference"].iloc[0])
    others = [v for v in variants if v != reference]
    currency = _currency_of(result)
    overall = diffs[diffs["component"] == ALL]
    rows: list[dict] = []
    close = _per_variant(analysis.get("close_times"), variants)
    totals = _per_variant(analysis.get("shortfall_totals"), variants)
    outcome = [
        ("Closed by the end of the run", "share of futures", close, "share_closed", None),
        ("Mean time to close (never closed = end of run)", "months", close,
         "restricted_mean_months", "restricted_mean_close"),
        ("Cumulative shortfall value", currency, totals, "cumulative_shortfall_value",
         "cumulative_shortfall_value"),
    ]
    for words, unit, table, column, metric in outcome:
        if table is None:
            continue
        row = {"section": "outcome (overall)", "figure": words, "unit": unit,
               **{v: table.get(v, {}).get(column) for v in variants}}
        for v in others:
            match = overall[(overall["variant"] == v) & (overall["metric"] == metric)]
            if metric and len(match):
                r = match.iloc[0]
                is_close = metric == "restricted_mean_close"
                row[f"{v} vs {reference}"] = months_cell(r) if is_close else \
                    _money_interval(r, currency)
                for suffix, words in (("", "difference"), ("_low", "95% CI low"),
                                      ("_high", "95% CI high")):
                    key = ("earlier_months" if is_close else "removed") + suffix
                    row[f"{v} vs {reference}, {words}"] = r.get(key)
        rows.append(row)
    figures = held_back_figures(analysis, variants,
                                component_names=_component_names(result),
                                supplier_names=supplier_names(result.scenario_dict),
                                currency=currency)
    sections = {"orders": "machine orders (all suppliers)", "budget": "budgets",
                "supplier": "by supplier", "component": "by component's machines"}
    groups = list(sections)
    figures = figures.sort_values("group", key=lambda g: g.map(groups.index), kind="stable")
    for _, f in figures.iterrows():
        rows.append({"section": sections.get(str(f["group"]), str(f["group"])),
                     "figure": f["words"], "unit": f["unit"],
                     **{v: f.get(v) for v in variants}})
    data = pd.DataFrame(rows)
    display = pd.DataFrame({
        "What": [_first_upper(str(w)) for w in data["figure"]],
        "Unit": data["unit"].fillna("").astype(str),
        **{_first_upper(variant_label(v, kind)): [
            _figure_text(x, u, currency) for x, u in zip(data[v], data["unit"], strict=True)]
           for v in variants},
    })
    against = variant_label(reference, kind)
    for v in others:
        column = f"{v} vs {reference}"
        if column in data:
            title = f"{_first_upper(variant_label(v, kind))} vs {against}: earlier (+) / " \
                    "removed (+), 95% CI"
            display[title] = data[column].where(data[column].notna(), "")
    sign = ("positive = the variant does better: closes earlier, leaves less shortfall")
    return ReportTable(
        "what_changes", "What changes between the variants", data, display,
        note="Means over the simulated futures, side by side; the paired differences "
             f"(same futures under each variant, {sign}) with their 95% confidence "
             "intervals where the analysis pairs them. Waits for a supplier slot are "
             "first come, first served, so extra orders of one component lengthen the "
             "waits of all.",
        numeric=tuple(display.columns[2:]))


def shapley_table(result: Any) -> ReportTable:
    table = result.analysis["shapley"]
    currency = (result.summary.get("meta") or {}).get("currency") or ""
    overall = table[table["component"] == ALL]
    display = pd.DataFrame({
        "Stage": overall["stage"].map(lambda s: str(STAGE_NAMES.get(s, s)).capitalize()),
        "Metric": overall["metric"].str.replace("_", " "),
        "Shapley value": overall["shapley"].map(lambda v: money(v, currency)),
        "95% CI": [f"{money(a, currency)} to {money(b, currency)}"
                   for a, b in zip(overall["ci_low"], overall["ci_high"], strict=True)],
        "Share of the total": overall["share_of_total"].map(share),
    })
    return ReportTable("shapley", "Fair shares of the stages (Shapley values, overall)",
                       table, display.reset_index(drop=True),
                       numeric=("Shapley value", "Share of the total"))


def points_table(result: Any) -> ReportTable:
    from simulator.display import sweep_table

    return ReportTable("points", "Sweep points and their outcome", result.extra["points"],
                       sweep_table(result).rename(columns=_first_upper))


def scenario_differences_table(result: Any) -> ReportTable:
    table = result.extra["scenario_differences"]
    return ReportTable("scenario_differences", "What differs between the scenarios", table,
                       table.astype(str).map(_shorten))


def _months_interval(entry: dict) -> str:
    """"88.6 (87.5 to 89.7)" from a summary entry with mean and ci95 bounds."""
    mean, low, high = (entry.get(k) for k in ("mean", "ci95_low", "ci95_high"))
    if mean is None or not finite(mean):
        return "—"
    if low is None or high is None or not (finite(low) and finite(high)):
        return f"{mean:.1f}"
    return f"{mean:.1f} ({low:.1f} to {high:.1f})"


def _money_interval(row: Any, currency: str) -> str:
    """"RUB 37.3 bn (RUB 34.8 bn to RUB 39.8 bn)" removed; a true minus where added."""
    value, low, high = (row.get(k) for k in ("removed", "removed_low", "removed_high"))
    if value is None or not finite(value):
        return "—"
    text = money(value, currency)
    if finite(low) and finite(high):
        text += f" ({money(low, currency)} to {money(high, currency)})"
    return text.replace("-", "−")


def _figure_text(value: Any, unit: str, currency: str) -> str:
    if value is None or not finite(value):
        return "—"
    if unit == "share of futures":
        return share(value)
    if currency and unit == currency:
        return money(value, currency)
    if unit in ("days", "build-days"):
        return f"{value:,.0f}"
    if unit == "months":
        return f"{value:.1f}"
    return number(value) if abs(value) >= 10 or unit != "per future" else f"{value:.1f}"


def _per_variant(table: pd.DataFrame | None, variants: list[str]) -> dict[str, dict] | None:
    """The overall (``all``) row of a per-variant analysis table, by variant."""
    if table is None or table.empty:
        return None
    rows = table[(table["component"] == ALL) & table["variant"].astype(str).isin(variants)]
    return {str(r["variant"]): r for r in rows.to_dict("records")}


def _component_names(result: Any) -> dict[str, str]:
    names = {str(c.get("id")): str(c.get("name") or c.get("id"))
             for c in result.scenario_dict.get("components") or []}
    return {**names, ALL: "All components (value-weighted)"}


def _currency_of(result: Any) -> str:
    return str((result.scenario_dict.get("scenario") or {}).get("currency")
               or (result.meta or {}).get("currency") or "")


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------ writing


def write_csvs(tables: Iterable[ReportTable], folder: Path) -> list[Path]:
    """Each table's data as ``<folder>/<key>.csv`` (UTF-8 with a byte-order mark, so that
    Excel reads the dashes and currency signs right); return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in tables:
        path = folder / f"{table.key}.csv"
        spreadsheet_safe(table.data).to_csv(path, index=False, encoding="utf-8-sig")
        paths.append(path)
    return paths


def write_workbook(tables: Iterable[ReportTable], path: Path) -> Path:
    """All tables' data in one workbook, a sheet per table (named by its key), the header
    row frozen and the columns widened to fit. Text is made safe first (`spreadsheet_safe`):
    openpyxl would store a string beginning with "=" as a live formula and refuses control
    characters, which would fail the workbook only after a whole batch has simulated."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for table in tables:
            data = spreadsheet_safe(table.data)
            data.to_excel(writer, sheet_name=table.key, index=False)
            sheet = writer.sheets[table.key]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(data.columns, start=1):
                values = [str(column), *data.iloc[:, i - 1].head(200).map(str)]
                width = min(60, max(8, *(len(v) for v in values)) + 2)
                sheet.column_dimensions[_column_letter(i)].width = width
    return path


# Characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection), and
# characters an XLSX file cannot hold (C0 controls but tab, LF, CR; lone surrogates, which
# UTF-8 cannot encode either; U+FFFE and U+FFFF, not XML characters).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names a spreadsheet shows as text.

    Scenario text (names, sources, variant and sweep values) reaches the tables as it was
    written; `spreadsheet_text` is applied to every string, in text columns and in the
    header. Numbers, dates and missing values are left as they are, so a negative number
    stays a number.
    """
    safe = frame.rename(columns=lambda c: spreadsheet_text(c) if isinstance(c, str) else c)
    for i, dtype in enumerate(safe.dtypes):
        if pd.api.types.is_object_dtype(dtype) or isinstance(
                dtype, pd.StringDtype | pd.CategoricalDtype):
            safe.isetitem(i, safe.iloc[:, i].astype(object).map(spreadsheet_text).to_numpy())
    return safe


def spreadsheet_text(value: Any) -> Any:
    """`value` as a spreadsheet should hold it: characters no XLSX file can hold replaced by
    U+FFFD, then a text that begins with = + - @, tab or carriage return (and is not a
    plain decimal number) prefixed with an apostrophe, so that Excel, LibreOffice and
    Google Sheets read it as text, not as a formula. Anything but a string is returned
    unchanged."""
    if not isinstance(value, str):
        return value
    text = UNWRITABLE.sub("\ufffd", value)
    if text.startswith(FORMULA_START) and not DECIMAL.fullmatch(text):
        return "'" + text
    return text


def _column_letter(index: int) -> str:
    """1 -> "A", 27 -> "AA": a spreadsheet column's name."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
