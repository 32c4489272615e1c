"""Money and value: what each paying stage receives, commits and spends, and what it buys.

`tables` gives one variant's money tables (SPEC.md §6, Money): ``money_by_year`` (per
year, paying stage and kind of money — released, committed, spent — the mean over
replications with its 10–90% range), ``money_totals`` (mean capex committed and spent per
stage over the run, capex spent before the start, NPV and served value, each with its 95%
interval, with the currency and discount rate), and ``cost_per_unit`` (per component and
paying stage, capex spent over nameplate capacity added by the end, all futures pooled).
Where the scenario measures economic value (`economics`), ``economic_value`` (per stage
and overall: import-substitution value, operating cost, real capex, economic NPV, IRR,
payback, each a mean with its 95% interval) and ``project_value`` (the same per stage-3
project) follow. `spread` and `mean_ci` are the two summaries over replications that the
money and the held-back tables share.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from simulator.analysis.common import ALL, Z95
from simulator.analysis.frames import component_rows, overall_rows

if TYPE_CHECKING:
    from simulator.results import RunResult

PAYING_STAGES = ("procurement", "investment")
MONEY_KINDS = ("released", "capex_committed", "capex_spent")
NO_STAGE = ""
_YEARLY_MONEY = re.compile(r"^(released|capex_committed|capex_spent)_(\w+)$")

MONEY_BY_YEAR_COLUMNS = ["year", "stage", "kind", "mean", "p10", "p90", "n"]
TOTALS_COLUMNS = ["measure", "stage", "mean", "ci95_low", "ci95_high", "n", "currency",
                  "discount_rate"]
COST_COLUMNS = ["component", "stage", "capex_spent_sum", "capacity_added_sum",
                "cost_per_unit", "n"]
ECONOMIC_MEASURES = ("import_substitution_value", "operating_cost", "capex_real",
                     "economic_npv", "irr", "payback_years")
ECONOMIC_STAGES = ("sharing", "procurement", "investment", ALL)
ECONOMIC_COLUMNS = ["stage", "measure", "mean", "ci95_low", "ci95_high", "n", "n_total",
                    "currency", "price_year", "real_discount_rate"]
PROJECT_COLUMNS = ["project", "component", "measure", "mean", "ci95_low", "ci95_high", "n",
                   "n_total"]

__all__ = [
    "ECONOMIC_MEASURES", "MONEY_KINDS", "PAYING_STAGES", "cost_per_unit", "economic_value",
    "mean_ci", "money_by_year", "money_totals", "project_value", "spread", "tables",
    "variant_kpis",
]


def tables(result: RunResult, variant: str | None) -> dict[str, pd.DataFrame]:
    """One variant's money tables (the whole result for `variant=None`), without a
    ``variant`` column: ``money_by_year``, ``money_totals`` and ``cost_per_unit``.

    Only the ``yearly`` table's money columns of the ``all`` rows are read (from disk, if
    the result left the table there); the rest comes from ``kpis``.
    """
    kpis = variant_kpis(result, variant)
    where = {} if variant is None else {"variant": variant}
    out = {
        "money_by_year": money_by_year(result, where),
        "money_totals": money_totals(kpis, result.scenario_dict),
        "cost_per_unit": cost_per_unit(kpis),
    }
    if "economic_npv" in kpis:  # the scenario measures economic value
        out["economic_value"] = economic_value(kpis, result.scenario_dict)
        if result.has("projects"):
            out["project_value"] = project_value(result.read("projects", where=where))
    return out


# ------------------------------------------------------------------------ the tables


def money_by_year(result: RunResult, where: dict[str, str]) -> pd.DataFrame:
    """Per year, paying stage and kind: how much money the stage receives, commits, spends.

    Parameters
    ----------
    result
        The run; its ``yearly`` table's ``all`` rows carry ``released_<stage>``,
        ``capex_committed_<stage>`` and ``capex_spent_<stage>`` (currency per year).
    where
        Equalities selecting the rows (``{"variant": name}``, or empty).

    Returns
    -------
    pandas.DataFrame
        ``year`` (int), ``stage`` (procurement, then investment), ``kind`` (``released``,
        ``capex_committed``, ``capex_spent``), ``mean`` over replications, ``p10`` and
        ``p90`` (the 10% and 90% quantiles over replications, linear interpolation) and
        ``n`` (replications with a value); missing values are left out. Stages without any
        money column are left out; empty without a ``yearly`` table.
    """
    present = result.columns("yearly")
    wanted = [c for c in present if (m := _YEARLY_MONEY.match(c)) and m[2] in PAYING_STAGES]
    if not wanted or not {"year", "component"} <= set(present):
        return pd.DataFrame(columns=MONEY_BY_YEAR_COLUMNS)
    yearly = result.read("yearly", columns=["year", *wanted], where={**where, "component": ALL})
    rows = []
    for stage in PAYING_STAGES:
        columns = {kind: f"{kind}_{stage}" for kind in MONEY_KINDS}
        if not any(c in yearly for c in columns.values()):
            continue
        for year, frame in yearly.groupby("year", sort=True):
            for kind, column in columns.items():
                values = frame[column] if column in frame else pd.Series(dtype=float)
                rows.append({"year": int(cast(int, year)), "stage": stage, "kind": kind,
                             **spread(values)})
    table = pd.DataFrame(rows, columns=MONEY_BY_YEAR_COLUMNS)
    table["year"] = table["year"].astype("int64")
    table["n"] = table["n"].astype("int64")
    return table


def money_totals(kpis: pd.DataFrame, scenario_dict: dict) -> pd.DataFrame:
    """Over the whole run, per replication and then its mean: capex committed and spent per
    paying stage, capex spent before the start, NPV and served value.

    Parameters
    ----------
    kpis
        One variant's ``kpis`` rows; the ``all`` rows carry ``capex_committed_<stage>``,
        ``capex_spent_<stage>``, ``capex_before_start``, ``npv`` and ``served_value``.
    scenario_dict
        The resolved scenario, for its currency and discount rate.

    Returns
    -------
    pandas.DataFrame
        One row per ``measure`` present: ``capex_committed`` and ``capex_spent`` (one row
        per ``stage``, in the order of the kpis columns), ``capex_before_start`` (stage
        ``investment``: projects already under way at the start, outside the budget),
        ``npv`` and ``served_value`` (stage empty). Columns ``mean`` (over replications,
        missing values left out), ``ci95_low`` / ``ci95_high`` (the normal 95% interval
        mean ± 1.96·sd/√n; NaN for n < 2), ``n``, ``currency`` and ``discount_rate`` (the
        scenario's, the same on every row; None where it does not say). NPV discounts served
        value minus capex spent daily to the start; capacity still useful after the end is
        not credited.
    """
    meta = scenario_dict.get("scenario") or {}
    measures: list[tuple[str, str, str]] = []  # (measure, stage, column)
    for kind in ("capex_committed", "capex_spent"):
        prefix = f"{kind}_"
        measures += [(kind, c.removeprefix(prefix), c) for c in kpis.columns
                     if c.startswith(prefix)]
    measures += [(c, stage, c) for c, stage in (("capex_before_start", "investment"),
                                                 ("npv", NO_STAGE), ("served_value", NO_STAGE))
                 if c in kpis]
    rows = overall_rows(kpis, [column for _m, _s, column in measures])
    out = [{"measure": measure, "stage": stage, **mean_ci(rows[column]),
            "currency": meta.get("currency"), "discount_rate": meta.get("discount_rate")}
           for measure, stage, column in measures]
    table = pd.DataFrame(out, columns=TOTALS_COLUMNS)
    table["n"] = table["n"].astype("int64")
    return table


def cost_per_unit(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per component and paying stage: what a unit of yearly capacity costs.

    Parameters
    ----------
    kpis
        One variant's ``kpis`` rows (component rows: ``capex_spent_<stage>``,
        ``capacity_added_<stage>``).

    Returns
    -------
    pandas.DataFrame
        One row per component (not ``all``: capacities in different units do not add up;
        order of appearance) and paying stage: ``capex_spent_sum`` and
        ``capacity_added_sum`` (summed over replications: all futures pooled; NaN where the
        column is missing or every value is), ``cost_per_unit`` — their ratio, currency per
        unit/year of nameplate capacity in place by the end, NaN where none was added — and
        ``n`` (replications). Money spent on plants still being built at the end raises the
        figure.
    """
    rows = component_rows(kpis, [c for c in kpis.columns
                                 if c.startswith(("capex_spent_", "capacity_added_"))])
    out = []
    for component, frame in rows.groupby("component", sort=False):
        for stage in PAYING_STAGES:
            spent = _total(frame, f"capex_spent_{stage}")
            added = _total(frame, f"capacity_added_{stage}")
            cost = spent / added if added > 0 and math.isfinite(spent) else math.nan
            out.append({"component": component, "stage": stage, "capex_spent_sum": spent,
                        "capacity_added_sum": added, "cost_per_unit": cost, "n": len(frame)})
    return pd.DataFrame(out, columns=COST_COLUMNS)


def economic_value(kpis: pd.DataFrame, scenario_dict: dict) -> pd.DataFrame:
    """Per stage and over all stages (``stage`` = ``all``): the economic measures over
    replications.

    Parameters
    ----------
    kpis
        One variant's ``kpis`` rows; the ``all`` rows carry ``<measure>_<stage>`` and
        ``<measure>`` (see `simulator.economics`).
    scenario_dict
        The resolved scenario: its currency, price year and real discount rate.

    Returns
    -------
    pandas.DataFrame
        One row per stage and measure (`ECONOMIC_MEASURES`): ``mean`` with its normal 95%
        interval over the replications where the measure is defined, ``n`` (those
        replications) and ``n_total`` (all). IRR and payback are undefined in some futures
        (no outflow, no sign change, not paid back by the end): their mean is over the
        futures where they are defined, so read it with ``n``. Money in ``currency`` at
        ``price_year`` prices; NPV at ``real_discount_rate``.
    """
    meta = scenario_dict.get("scenario") or {}
    economics = scenario_dict.get("economics") or {}
    columns = [f"{m}_{s}" if s != ALL else m for s in ECONOMIC_STAGES
               for m in ECONOMIC_MEASURES]
    rows = overall_rows(kpis, columns)
    out = []
    for stage in ECONOMIC_STAGES:
        for measure in ECONOMIC_MEASURES:
            column = measure if stage == ALL else f"{measure}_{stage}"
            if column not in rows:
                continue
            out.append({"stage": stage, "measure": measure, **mean_ci(rows[column]),
                        "n_total": len(rows), "currency": meta.get("currency"),
                        "price_year": meta.get("price_year"),
                        "real_discount_rate": economics.get("real_discount_rate")})
    table = pd.DataFrame(out, columns=ECONOMIC_COLUMNS)
    table["n"] = table["n"].astype("int64")
    table["n_total"] = table["n_total"].astype("int64")
    return table


def project_value(projects: pd.DataFrame) -> pd.DataFrame:
    """Per stage-3 project (file order): the share of futures in which it started and in
    which its capacity became usable, and the mean served units and economic measures
    with their 95% intervals, over the futures where each is defined (``n``) out of all
    (``n_total``); a project never started has zero value, capex and NPV in that future."""
    out = []
    for project, frame in projects.groupby("project", sort=False):
        base = {"project": project, "component": str(frame["component"].iloc[0])}
        shares = {"started": frame["started"].astype(float),
                  "usable": frame["usable_day"].notna().astype(float)}
        for measure, values in [*shares.items(), ("served", frame["served"]),
                                *((m, frame[m]) for m in ECONOMIC_MEASURES)]:
            out.append({**base, "measure": measure, **mean_ci(values),
                        "n_total": len(frame)})
    table = pd.DataFrame(out, columns=PROJECT_COLUMNS)
    table["n"] = table["n"].astype("int64")
    table["n_total"] = table["n_total"].astype("int64")
    return table


# -------------------------------------------------------------- shared over replications


def variant_kpis(result: RunResult, variant: str | None) -> pd.DataFrame:
    """The ``kpis`` rows of `variant` (all of them for None)."""
    kpis = result.kpis
    if variant is None or "variant" not in kpis:
        return kpis
    return kpis[kpis["variant"] == variant]


def spread(values: pd.Series | np.ndarray) -> dict[str, float]:
    """``mean``, ``p10``, ``p90`` (linear quantiles) and ``n`` of the values given,
    missing values left out; NaN (n = 0) where there are none."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    if not data.size:
        return {"mean": math.nan, "p10": math.nan, "p90": math.nan, "n": 0}
    low, high = np.quantile(data, [0.1, 0.9])
    return {"mean": float(data.mean()), "p10": float(low), "p90": float(high),
            "n": int(data.size)}


def mean_ci(values: pd.Series | np.ndarray) -> dict[str, float]:
    """``mean``, its normal 95% interval ``ci95_low`` / ``ci95_high`` (mean ± 1.96·sd/√n,
    sd with n − 1; NaN for n < 2) and ``n``, missing values left out."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    n = int(data.size)
    mean = float(data.mean()) if n else math.nan
    half = Z95 * float(data.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return {"mean": mean, "ci95_low": mean - half, "ci95_high": mean + half, "n": n}


def _total(frame: pd.DataFrame, column: str) -> float:
    """The column's sum over replications; NaN where it is missing or every value is."""
    if column not in frame or frame[column].isna().all():
        return math.nan
    return float(frame[column].sum())
