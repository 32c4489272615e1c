"""Economic value of import substitution on the daily grid (issue 10 item 5; model.md).

Per stage and day: the value of the units served, `(import_price − domestic_unit_cost) ×
served / 365.25`, less the capex spent, in `scenario.price_year` prices (nominal capex is
deflated by `economics.price_index`, a step per calendar year). From these daily net flows
`present_value` gives the economic NPV at the real rate (SPEC's convention, day d weighed
by `(1 + r)^-((d + 0.5)/365.25)`), `internal_rate` the IRR and `payback_years` the
discounted payback. Pure numpy and scipy; no pandas, no SimPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq

from simulator.evaluate import Daily, Grid, ramp_profile
from simulator.kpis import daily_money
from simulator.model.record import INVESTMENT, STAGES, Record
from simulator.model.world import Plan

YEAR = 365.25
IRR_BRACKET = (-0.9, 10.0)
"""The IRR is sought between −90% and +1,000% a year; outside it, it is undefined."""


@lru_cache(maxsize=8)
def discount_factors(n_days: int, rate: float) -> np.ndarray:
    """`(1 + rate)^-((d + 0.5)/365.25)` for days 0..n_days − 1 (cached: every stage and
    project of a run uses the same; read-only)."""
    factors = (1.0 + rate) ** (-(np.arange(n_days) + 0.5) / YEAR)
    factors.flags.writeable = False
    return factors


def present_value(flows: np.ndarray, rate: float) -> float:
    """The flows (currency per day) discounted daily to the scenario start at `rate`."""
    return float((discount_factors(len(flows), rate) * flows).sum())


def internal_rate(flows: np.ndarray) -> float:
    """The real rate r at which `present_value(flows, r)` is 0, or NaN where undefined.

    Defined only when the flows have both a negative and a positive day and the present
    value changes sign between the ends of `IRR_BRACKET`; the root is then found by
    `scipy.optimize.brentq` (flows that change sign more than once may have several roots:
    the one found is given).
    """
    if not (flows < 0).any() or not (flows > 0).any():
        return math.nan
    days = np.flatnonzero(flows)  # only days with a flow count: the solver's work shrinks
    amounts, years = flows[days], (days + 0.5) / YEAR

    def value(rate: float) -> float:
        return float((amounts * (1.0 + rate) ** -years).sum())

    low, high = IRR_BRACKET
    if not value(low) * value(high) < 0:
        return math.nan
    return float(brentq(value, low, high, xtol=1e-14, rtol=1e-13, maxiter=500))


def payback_years(flows: np.ndarray, rate: float) -> float:
    """Discounted payback: from the start of the first day with a net outflow to the end of
    the day from which the cumulative discounted net flow (from day 0) is ≥ 0 and stays so
    to the end of the run, in years (days / 365.25). NaN where no day has a net outflow
    (nothing to pay back) or the cumulative flow is still negative on the last day (not
    paid back within the run)."""
    out = np.flatnonzero(flows < 0)
    if not out.size:
        return math.nan
    cumulative = np.cumsum(discount_factors(len(flows), rate) * flows)
    if cumulative[-1] < 0:
        return math.nan
    negative = np.flatnonzero(cumulative < 0)
    first = int(out[0])
    paid = max(first, int(negative[-1]) + 1) if negative.size else first
    return (paid - first + 1) / YEAR


def deflator(plan: Plan, grid: Grid) -> np.ndarray:
    """Per day, the factor that turns the stages' money into `scenario.price_year` prices:
    1 for real money, `index[price_year] / index[year of the day]` for nominal money."""
    economics = plan.scenario.economics
    if economics is None or economics.money_terms == "real":
        return np.ones(grid.n_days)
    index = {int(year): float(value) for year, value in economics.price_index.items()}
    base = index[int(plan.scenario.scenario.price_year or 0)]
    per_year = np.array([base / index[int(year)] for year in grid.year_labels])
    return per_year[grid.year]


@dataclass
class StageFlows:
    """One stage's (or all stages') money per component and day, real (C, N)."""

    value: np.ndarray  # (import price − unit cost) × served
    operating_cost: np.ndarray  # unit cost × served
    capex: np.ndarray  # capex spent, deflated

    @property
    def net(self) -> np.ndarray:
        """Net flow per day over components (N,)."""
        return (self.value - self.capex).sum(axis=0)


def stage_flows(plan: Plan, grid: Grid, record: Record, daily: Daily) -> list[StageFlows]:
    """Per stage (SPEC order), the value, operating cost and real capex per component/day."""
    price = np.asarray(record.import_prices, dtype=float)[:, None]
    cost = np.asarray(record.unit_costs, dtype=float)[:, None]
    real = deflator(plan, grid)
    n_components, n = len(plan.components), grid.n_days
    spent: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for s, kind, a, b, x, comp in record.money:
        if kind == "spent" and comp >= 0:
            spent.setdefault((s, comp), []).append((a, b, x))
    out = []
    for k in range(len(STAGES)):
        served = daily.served[k] / YEAR
        capex = np.zeros((n_components, n))
        for c in range(n_components):
            if (k, c) in spent:
                capex[c] = daily_money(spent[(k, c)], n) * real
        out.append(StageFlows((price - cost) * served, cost * served, capex))
    return out


def measures(flows: StageFlows, rate: float) -> dict[str, float]:
    """Totals over the run (undiscounted, real), economic NPV, IRR and payback. IRR and
    payback are those of an investment: undefined (NaN) where no capex is spent — stage 1
    always — even if operating losses on some days make the net flow change sign."""
    net = flows.net
    capex = float(flows.capex.sum())
    invested = capex > 0
    return {
        "import_substitution_value": float(flows.value.sum()),
        "operating_cost": float(flows.operating_cost.sum()),
        "capex_real": capex,
        "economic_npv": present_value(net, rate),
        "irr": internal_rate(net) if invested else math.nan,
        "payback_years": payback_years(net, rate) if invested else math.nan,
    }


MEASURES = ("import_substitution_value", "operating_cost", "capex_real", "economic_npv",
            "irr", "payback_years")
ADDITIVE = MEASURES[:4]
"""Measures that add over components (the others are given on the `all` row only)."""


def economic_columns(plan: Plan, grid: Grid, record: Record, daily: Daily
                     ) -> dict[str, np.ndarray]:
    """The kpis columns: per stage (`<measure>_<stage>`) and over all stages (`<measure>`);
    additive measures per component and in total on `all`, IRR and payback on `all`
    only (NaN elsewhere)."""
    economics = plan.scenario.economics
    assert economics is not None  # callers check
    rate = float(economics.real_discount_rate)
    per_stage = stage_flows(plan, grid, record, daily)
    total = StageFlows(*(sum(getattr(f, name) for f in per_stage)
                         for name in ("value", "operating_cost", "capex")))
    discount = discount_factors(grid.n_days, rate)
    cols: dict[str, np.ndarray] = {}
    for suffix, flows in [*((f"_{s}", f) for s, f in zip(STAGES, per_stage, strict=True)),
                          ("", total)]:
        overall = measures(flows, rate)
        per_component = {
            "import_substitution_value": flows.value.sum(axis=1),
            "operating_cost": flows.operating_cost.sum(axis=1),
            "capex_real": flows.capex.sum(axis=1),
            "economic_npv": ((flows.value - flows.capex) * discount).sum(axis=1),
        }
        for name in MEASURES:
            column = per_component.get(name, np.full(len(plan.components), np.nan))
            cols[f"{name}{suffix}"] = np.r_[column, overall[name]]
    return cols


def project_columns(plan: Plan, grid: Grid, record: Record, daily: Daily
                    ) -> dict[str, np.ndarray | list]:
    """One row per stage-3 project: whether it started, when its capacity became usable,
    the units it served — its component's stage-3 served amount split among the
    component's usable projects in proportion to their available capacity each day — and
    its value, operating cost, real capex, economic NPV, IRR and payback."""
    investment = plan.scenario.stages.investment
    projects = list(investment.projects) if investment is not None else []
    economics = plan.scenario.economics
    assert economics is not None  # callers check
    rate = float(economics.real_discount_rate)
    price, cost = record.import_prices, record.unit_costs
    real = deflator(plan, grid)
    n = grid.n_days
    started = {e[3] for e in record.events if e[1] == "project_started"}
    available = {i: ramp_profile(grid.mid, t, ramp) * capacity
                 for i, t, ramp, capacity in record.project_sources if t < n}
    usable = {i: t for i, t, _r, _c in record.project_sources if t < n}
    spent: dict[int, list[tuple[float, float, float]]] = {}
    for p, a, b, x in record.project_spent:
        spent.setdefault(p, []).append((a, b, x))
    rows: dict[str, list] = {"project": [], "component": [], "capacity": [], "started": [],
                             "usable_day": [], "served": []}
    rows |= {name: [] for name in MEASURES}
    for i, spec in enumerate(projects):
        c = plan.component_index[spec.component]
        served = np.zeros(n)
        if i in available:
            total = daily.available[INVESTMENT, c]
            share = np.divide(available[i], total, out=np.zeros(n), where=total > 0)
            served = daily.served[INVESTMENT, c] * share / YEAR
        capex = daily_money(spent.get(i, []), n)
        flows = StageFlows(((price[c] - cost[c]) * served)[None, :],
                           (cost[c] * served)[None, :], (capex * real)[None, :])
        rows["project"].append(spec.id)
        rows["component"].append(spec.component)
        rows["capacity"].append(float(spec.capacity))
        rows["started"].append(spec.id in started)
        rows["usable_day"].append(usable.get(i, math.nan))
        rows["served"].append(float(served.sum()))
        for name, value in measures(flows, rate).items():
            rows[name].append(value)
    return {k: np.asarray(v, dtype=float) if k in (*MEASURES, "capacity", "usable_day",
                                                   "served") else v
            for k, v in rows.items()}
