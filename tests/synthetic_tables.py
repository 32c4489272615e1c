"""Synthetic run tables that follow docs/design/internal-contracts.md §3, for tests.

`make_result` builds a small, seeded `RunResult` (default: 20 replications × 3 components
× 24 months) with a mix of closed and never-closed components, consistent stacks
(served + shortfall = gap) and value-weighted ``all`` rows. Dates are datetime64 at
midnight (NaT when not closed), as the runner makes them. `kpis_from` builds a tiny
``kpis`` table from explicit close dates, for hand-computed summary checks.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from simulator.results import RunResult

STAGES = ("sharing", "procurement", "investment")
MONEY_STAGES = ("procurement", "investment")
COMPONENTS = {
    # id: (name, unit, unit_value, demand per year, share of replications that close)
    "ecu": ("Engine control units", "pcs", 350.0, 900_000.0, 0.9),
    "seat": ("Seat frames", "sets", 120.0, 600_000.0, 0.55),
    "glass": ("Windscreens", "pcs", 80.0, 400_000.0, 0.0),
}


def make_result(
    n_reps: int = 20,
    n_months: int = 24,
    start: dt.date = dt.date(2024, 1, 1),
    seed: int = 0,
    components: dict = COMPONENTS,
    with_assembly: bool = True,
) -> RunResult:
    """A seeded synthetic run; close dates fall in the horizon for the closing share."""
    rng = np.random.default_rng(seed)
    months = pd.period_range(pd.Period(start, "M"), periods=n_months, freq="M")
    end = months[-1].end_time.date()
    n_days = (end - start).days + 1
    series, kpis = [], []
    for c, (_, _, unit_value, demand, p_close) in components.items():
        for r in range(n_reps):
            series.append(_series_rows(rng, r, c, months, demand))
            kpis.append(_kpi_row(rng, r, c, start, n_days, p_close, unit_value))
    series_df = pd.concat(series, ignore_index=True)
    series_df = pd.concat([series_df, _all_series(series_df, components)], ignore_index=True)
    kpis_df = _add_all_kpis(pd.DataFrame(kpis), rng, start, n_days)
    # the runner's form: datetime64 dates at midnight, NaT when not closed
    kpis_df["close_date"] = pd.to_datetime(kpis_df["close_date"])
    scenario_dict = {
        "scenario": {
            "name": "synthetic",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "seed": seed,
            "replications": n_reps,
            "currency": "RUB",
            "discount_rate": 0.1,
        },
        "components": [
            {"id": c, "name": name, "unit": unit, "unit_value": value}
            for c, (name, unit, value, _, _) in components.items()
        ],
    }
    meta = {
        "scenario": "synthetic",
        "seed": seed,
        "replications": n_reps,
        "stages": list(STAGES),
        "scenario_hash": "0" * 64,
        "versions": {"capsim": "0.1.0", "numpy": np.__version__, "pandas": pd.__version__},
        "git_commit": "deadbeef",
    }
    return RunResult(
        kpis=kpis_df,
        series=series_df,
        yearly=_yearly(series_df),
        events=_events(n_reps, start),
        suppliers=_suppliers(rng, n_reps),
        assembly=_assembly(rng, n_reps, months) if with_assembly else None,
        meta=meta,
        scenario_dict=scenario_dict,
    )


def kpis_from(close_dates: dict[str, list[dt.date | None]], *,
              start: dt.date = dt.date(2024, 1, 1), **columns: list) -> pd.DataFrame:
    """A minimal kpis table: {component: [close date or None per replication]} (+ columns);
    close days counted from `start`, as the runner counts them from the scenario start."""
    rows = []
    for component, dates in close_dates.items():
        for r, d in enumerate(dates):
            rows.append(
                {
                    "replication": r,
                    "component": component,
                    "closed": d is not None,
                    "close_date": pd.NaT if d is None else d,
                    "close_day": np.nan if d is None else float((d - start).days),
                    "reopened": False,
                }
            )
    frame = pd.DataFrame(rows)
    for name, values in columns.items():
        frame[name] = values
    return frame


def _series_rows(rng, r, component, months, demand) -> pd.DataFrame:
    t = np.arange(len(months), dtype=float)
    gap = demand * (0.6 - 0.005 * t) * rng.uniform(0.9, 1.1)
    ramp = lambda at, width, top: top * np.clip((t - at) / width, 0, 1)  # noqa: E731
    sharing = np.minimum(gap, ramp(rng.uniform(1, 5), 4, 0.3 * demand))
    procurement = np.minimum(gap - sharing, ramp(rng.uniform(6, 14), 6, 0.2 * demand))
    investment = np.minimum(gap - sharing - procurement, ramp(rng.uniform(14, 30), 8, 0.3 * demand))
    return pd.DataFrame(
        {
            "replication": r,
            "month": months.strftime("%Y-%m"),
            "component": component,
            "demand": demand,
            "gap": gap,
            "served_sharing": sharing,
            "served_procurement": procurement,
            "served_investment": investment,
            "shortfall": gap - sharing - procurement - investment,
        }
    )


def _all_series(series: pd.DataFrame, components: dict) -> pd.DataFrame:
    values = series["component"].map({c: v[2] for c, v in components.items()})
    cols = ["demand", "gap", "served_sharing", "served_procurement", "served_investment",
            "shortfall"]
    weighted = series[cols].mul(values, axis=0).assign(
        replication=series["replication"], month=series["month"]
    )
    out = weighted.groupby(["replication", "month"], as_index=False)[cols].sum()
    out.insert(2, "component", "all")
    return out


def _kpi_row(rng, r, component, start, n_days, p_close, unit_value) -> dict:
    closed = bool(rng.uniform() < p_close)
    close_day = _close_day(rng, n_days, 60) if closed else np.nan
    shortfall = rng.uniform(5e4, 2e5)
    row = {
        "replication": r,
        "component": component,
        "closed": closed,
        "close_date": start + dt.timedelta(days=int(close_day)) if closed else pd.NaT,
        "close_day": close_day,
        "reopened": closed and bool(rng.uniform() < 0.1),
        "cumulative_shortfall": shortfall,
        "cumulative_shortfall_value": shortfall * unit_value,
        "idle_capacity": rng.uniform(0, 1e4),
        "idle_capacity_value": np.nan,
    }
    row["idle_capacity_value"] = row["idle_capacity"] * unit_value
    for s in STAGES:
        serves = s != "investment" or rng.uniform() < 0.6
        row[f"t50_days_{s}"] = rng.uniform(30, 400) if serves else np.nan
        row[f"t90_days_{s}"] = row[f"t50_days_{s}"] + rng.uniform(10, 200) if serves else np.nan
    for s in MONEY_STAGES:
        row[f"capacity_added_{s}"] = rng.uniform(0, 1e5)
    return row


def _close_day(rng, n_days: int, earliest: int) -> float:
    """A close day that leaves the 90-day hold inside the run (short runs: earlier)."""
    high = max(n_days - 90, 2)
    return float(rng.integers(min(earliest, high - 1), high))


def _add_all_kpis(kpis: pd.DataFrame, rng, start, n_days) -> pd.DataFrame:
    rows = []
    for r, frame in kpis.groupby("replication"):
        closed = bool(frame["closed"].all() or rng.uniform() < 0.3)
        close_day = _close_day(rng, n_days, 200) if closed else np.nan
        row = {
            "replication": r,
            "component": "all",
            "closed": closed,
            "close_date": start + dt.timedelta(days=int(close_day)) if closed else pd.NaT,
            "close_day": close_day,
            "reopened": False,
            "cumulative_shortfall": np.nan,
            "cumulative_shortfall_value": frame["cumulative_shortfall_value"].sum(),
            "idle_capacity": np.nan,
            "idle_capacity_value": frame["idle_capacity_value"].sum(),
            "capex_before_start": 0.0,
            "npv": rng.normal(1e8, 3e7),
            "served_value": rng.uniform(2e8, 3e8),
            "paused_build_days": rng.uniform(0, 100),
            "orders_placed": float(rng.integers(5, 12)),
            "orders_blocked": float(rng.integers(0, 3)),
            "orders_lapsed": 0.0,
            "slot_wait_mean_days": rng.uniform(10, 60),
            "slot_wait_p90_days": rng.uniform(60, 120),
        }
        for s in STAGES:
            row[f"t50_days_{s}"] = frame[f"t50_days_{s}"].median()
            row[f"t90_days_{s}"] = frame[f"t90_days_{s}"].median()
        for s in MONEY_STAGES:
            row[f"capex_committed_{s}"] = rng.uniform(1e7, 5e7)
            row[f"capex_spent_{s}"] = row[f"capex_committed_{s}"] * rng.uniform(0.5, 1)
            row[f"empty_budget_days_{s}"] = rng.uniform(0, 200)
            row[f"unspent_{s}"] = rng.uniform(0, 1e6)
            row[f"capacity_added_{s}"] = np.nan
        rows.append(row)
    out = pd.concat([kpis, pd.DataFrame(rows)], ignore_index=True)
    return out.sort_values(["replication", "component"], kind="stable", ignore_index=True)


def _yearly(series: pd.DataFrame) -> pd.DataFrame:
    cols = ["gap", "served_sharing", "served_procurement", "served_investment", "shortfall"]
    # months are means of daily rates: a year's total in units is about the mean of its months
    year = series["month"].str.slice(0, 4).astype(int)
    yearly = (
        series.assign(year=year)
        .groupby(["replication", "year", "component"], as_index=False, sort=True)[cols]
        .sum()
    )
    yearly[cols] = yearly[cols] / 12
    is_all = yearly["component"] == "all"
    for s in MONEY_STAGES:
        for kind in ("capex_committed", "capex_spent", "released"):
            yearly[f"{kind}_{s}"] = np.where(is_all, 1e7, np.nan)
    return yearly


def _events(n_reps: int, start: dt.date) -> pd.DataFrame:
    rows = []
    for r in range(n_reps):
        for i, (kind, stage, entity, comp, supplier, amount) in enumerate(
            [
                ("tranche_arrived", "investment", "2024-07-01", None, None, 2e8),
                ("order_placed", "procurement", "bate#0/m1", "ecu", "cn_cnc", 1.5e6),
                ("project_started", "investment", "ecu_plant", "ecu", None, np.nan),
            ]
        ):
            day = 30.0 * (i + 1) + r
            rows.append(
                {
                    "replication": r,
                    "time_days": day,
                    "date": start + dt.timedelta(days=int(day)),
                    "kind": kind,
                    "stage": stage,
                    "entity": entity,
                    "component": comp,
                    "supplier": supplier,
                    "amount": amount,
                }
            )
    events = pd.DataFrame(rows)
    events["date"] = pd.to_datetime(events["date"])
    return events


def _suppliers(rng, n_reps: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "replication": np.repeat(np.arange(n_reps), 2),
            "supplier": ["cn_cnc", "by_stanko"] * n_reps,
            "orders": rng.integers(1, 10, 2 * n_reps),
            "blocked": rng.integers(0, 3, 2 * n_reps),
            "slot_wait_mean_days": rng.uniform(0, 60, 2 * n_reps),
            "slot_wait_p90_days": rng.uniform(60, 120, 2 * n_reps),
        }
    )


def _assembly(rng, n_reps: int, months) -> pd.DataFrame:
    n = len(months)
    return pd.DataFrame(
        {
            "replication": np.repeat(np.arange(n_reps), n),
            "month": np.tile(months.strftime("%Y-%m"), n_reps),
            "vehicles_per_year": rng.uniform(3e5, 6e5, n_reps * n),
            "binding_component": rng.choice(["ecu", "seat"], n_reps * n),
        }
    )
