"""Summaries of a run: when each component's shortfall closes, how surely, at what cost.

`summarise` turns a `RunResult`'s tables into a JSON-serialisable dict (saved as
``summary.json``); `summary_table` is the short table the CLI prints. Close dates are
censored: a replication not closed by the end counts as closed at +infinity, never at the
end date. So a probability of being closed by a date is a plain share (with its Monte Carlo
standard error), and a quantile of the close date is defined only where more than that share
of replications closed (otherwise it is "after end"); the median needs more than half.
The helpers `stage_medians_by_month`, `close_date_ecdf` and `close_date_overview` prepare
the tables the charts draw.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast, overload

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from simulator.results import RunResult

ALL = "all"
STAGES = ("sharing", "procurement", "investment")
STACK = ("served_sharing", "served_procurement", "served_investment", "shortfall")
Z95 = 1.96
AFTER_END = "after end"
MEDIAN_NOTE = "fewer than half closed by the end: median not defined"
MEDIAN_NOTE_HALF = "exactly half closed by the end: median not defined"
FEW_REPLICATIONS = 100
LARGE_SE = 0.05
_HELD_BACK = re.compile(
    r"^(empty_budget_days_\w+|paused_build_days|unspent_\w+|orders_(placed|blocked|lapsed)"
    r"|slot_wait_(mean|p90)_days)$"
)
_COMPONENT_MEANS = re.compile(
    r"^(idle_capacity|idle_capacity_value|capacity_added_\w+|capex_(committed|spent)_\w+)$")


# --------------------------------------------------------------------------- summarise


def summarise(result: RunResult) -> dict:
    """The run's summary as a JSON-serialisable dict.

    Keys: ``meta`` (copied from the run), ``horizon`` (start, end), ``components`` (per
    component id, then ``all``: replications, share closed by the end with its standard
    error, probability closed by each year end, median close date and 10–90% range, mean
    cumulative shortfall with 95% CI, stage speed t50/t90, each stage's share of each
    year's gap), ``money`` (from the ``all`` rows), ``held_back`` and ``warnings``.
    """
    variants = result.variants()
    if len(variants) <= 1:
        one = _summarise_variant(result, variants[0] if variants else None)
        one["meta"] = dict(result.meta) | ({"variant": variants[0]} if variants else {})
        return _clean(one)
    per_variant = {v: _summarise_variant(result, v) for v in variants}
    summary = {
        "meta": dict(result.meta),
        "variants": per_variant,
        "warnings": sorted({w for entry in per_variant.values() for w in entry["warnings"]}),
    }
    return _clean(summary)


def _summarise_variant(result: RunResult, variant: str | None) -> dict:
    """The summary of one variant (the whole result when `variant` is None)."""
    start, end = horizon(result)
    kpis = result.kpis if variant is None else result.kpis[result.kpis["variant"] == variant]
    where = {} if variant is None else {"variant": variant}
    order = component_order(result)
    names, units = component_labels(result)
    year_ends = _year_ends(start, end)
    gap_shares = _gap_shares(_yearly_sums(result, where), kpis["replication"].nunique())
    means = _group_mean_ci(kpis, ["cumulative_shortfall", "cumulative_shortfall_value"])
    extra_means = kpis.groupby("component", sort=False)[
        [c for c in kpis.columns if _COMPONENT_MEANS.match(c)]
    ].mean()
    speed = _stage_speed(kpis)

    components: dict[str, dict[str, Any]] = {}
    used = ["component", "close_date", "closed", "reopened",
            *(f"{kind}_{stage}" for kind in ("capex_spent", "capacity_added")
              for stage in ("procurement", "investment"))]
    for key, frame in narrow(kpis, used).groupby("component", sort=False):
        component = cast(str, key)  # component ids are text
        entry = {"name": names.get(component), "unit": units.get(component)}
        entry |= _close_summary(frame, year_ends)
        entry["cumulative_shortfall"] = means.get((component, "cumulative_shortfall"))
        entry["cumulative_shortfall_value"] = means.get((component, "cumulative_shortfall_value"))
        entry["means"] = extra_means.loc[component].to_dict() if len(extra_means.columns) else {}
        entry["stage_speed"] = speed.get(component, {})
        entry["cost_per_unit_added"] = _cost_per_unit(frame)
        entry["gap_share_by_year"] = gap_shares.get(component, [])
        components[component] = entry
    components = {c: components[c] for c in order if c in components}

    return {
        "meta": dict(result.meta) if variant is None else {"variant": variant},
        "horizon": {"start": start, "end": end},
        "components": components,
        "money": _money(kpis[kpis["component"] == ALL], result, where),
        "held_back": _held_back(kpis[kpis["component"] == ALL]),
        "warnings": _warnings(components),
    }


def horizon(result: RunResult) -> tuple[dt.date, dt.date]:
    """The run's first and last day: from the resolved scenario, else meta, else the series."""
    for source in (result.scenario_dict.get("scenario") or {}, result.meta):
        if source.get("start") and source.get("end"):
            return _as_date(source["start"]), _as_date(source["end"])
    series = result.read("series", columns=["month"])
    months = pd.to_datetime(series["month"].astype(str), format="%Y-%m")
    if months.empty:
        raise ValueError("cannot tell the run's horizon: no scenario start/end and no series")
    last = months.max() + pd.offsets.MonthEnd(0)
    return months.min().date(), last.date()


def _close_summary(frame: pd.DataFrame, year_ends: list[dt.date]) -> dict:
    """Share closed, probability closed by each year end, censored quantiles, reopened."""
    days = close_days(frame)
    n = days.size
    closed = np.isfinite(days)
    share = closed.mean() if n else math.nan
    ends = np.array(year_ends, dtype="datetime64[D]").astype("int64")
    by_year = (days[None, :] <= ends[:, None]).mean(axis=1) if n else np.full(ends.size, np.nan)
    median = censored_quantile(days, 0.5)
    entry: dict[str, Any] = {
        "n_replications": n,
        "share_closed_by_end": share,
        "share_closed_by_end_se": _binomial_se(share, n),
        "closed_by_year_end": [
            {"year": d.year, "date": d, "probability": p, "se": _binomial_se(p, n)}
            for d, p in zip(year_ends, by_year, strict=True)
        ],
        "median_close_date": _day_to_date(median),
    }
    if median is None and n:
        entry["median_close_date_note"] = MEDIAN_NOTE_HALF if 2 * closed.sum() == n else MEDIAN_NOTE
    for key, q in (("close_date_p10", 0.1), ("close_date_p90", 0.9)):
        value = censored_quantile(days, q)
        entry[key] = _day_to_date(value) if value is not None else (AFTER_END if n else None)
    if "reopened" in frame:
        reopened = frame["reopened"].fillna(False).astype(bool).to_numpy()
        entry["share_reopened_of_closed"] = reopened[closed].mean() if closed.any() else None
    return entry


def close_days(frame: pd.DataFrame) -> np.ndarray:
    """Close dates as day numbers (days since 1970-01-01); +inf where not closed (censored)."""
    dates = pd.to_datetime(frame["close_date"])
    closed = frame["closed"].fillna(False).astype(bool).to_numpy() & dates.notna().to_numpy()
    numbers = dates.to_numpy("datetime64[D]").astype("int64").astype(float)
    return np.where(closed, numbers, np.inf)


def censored_quantile(days: np.ndarray, q: float) -> float | None:
    """Quantile `q` of close days, not-closed counting as +inf; None unless share closed > q.

    Uses the averaged inverse of the empirical CDF (Hyndman & Fan type 2): the usual median
    for an even count, and finite whenever more than a share `q` of replications closed.
    """
    n = days.size
    finite = np.sort(days[np.isfinite(days)])
    if n == 0 or finite.size <= n * q + 1e-9:
        return None
    position = n * q
    j = round(position)
    if abs(position - j) < 1e-9 and j >= 1:
        return float((finite[j - 1] + finite[j]) / 2)
    return float(finite[math.ceil(position - 1e-9) - 1])


def _stage_speed(kpis: pd.DataFrame) -> dict[str, dict]:
    """Per component and stage: median t50/t90 over replications that served, and how many."""
    columns = [f"t{k}_days_{s}" for s in STAGES for k in (50, 90) if f"t{k}_days_{s}" in kpis]
    grouped = kpis.groupby("component", sort=False)[columns]
    medians, counts = grouped.median(), grouped.count()
    out: dict[str, dict] = {}
    for component in medians.index:
        stages: dict[str, dict] = {}
        for column in columns:
            match = re.match(r"t(\d+)_days_(\w+)", column)
            assert match is not None  # `columns` was built in this form above
            k, stage = match.groups()
            stages.setdefault(stage, {})[f"t{k}_days_median"] = medians.at[component, column]
            stages[stage][f"t{k}_n"] = counts.at[component, column]
        out[component] = stages
    return out


YEARLY_SUMS = ["gap", *STACK]


def _yearly_sums(result: RunResult, where: dict[str, str]) -> pd.DataFrame:
    """Per (component, year): the gap and each stack column summed over replications. Read
    in batches when the yearly table is on disk, so memory stays flat in replications."""
    keys = ["component", "year"]
    if result.yearly is not None:
        yearly = result.yearly
        for key, value in where.items():
            yearly = yearly[yearly[key] == value]
        parts = [c for c in YEARLY_SUMS if c in yearly]
        if yearly.empty or not set(keys) <= set(yearly.columns):
            return pd.DataFrame()
        return yearly.groupby(keys, sort=False)[parts].sum()
    if not result.has("yearly") or result.table_dir is None:
        return pd.DataFrame()
    import pyarrow.parquet as pq

    from simulator.table_parts import iter_matching

    path = result.table_dir / "yearly.parquet"
    present = pq.ParquetFile(path).schema_arrow.names
    sums = [c for c in YEARLY_SUMS if c in present]
    total: pd.DataFrame | None = None
    for part in iter_matching(path, [*keys, *sums], where):  # a row group at a time
        frame = part.to_pandas().groupby(keys, sort=False)[sums].sum()
        total = frame if total is None else total.add(frame, fill_value=0.0)
    return total if total is not None else pd.DataFrame()


def _gap_shares(sums: pd.DataFrame, n: int) -> dict[str, list[dict]]:
    """Per component: each year's sum of served (and shortfall) over the sum of the gap."""
    if sums.empty or "gap" not in sums:
        return {}
    parts = [c for c in STACK if c in sums]
    shares = sums[parts].div(sums["gap"].where(sums["gap"] > 0), axis=0)
    shares.columns = [c.removeprefix("served_") for c in parts]
    shares.insert(0, "gap_mean", sums["gap"] / max(1, n))
    out: dict[str, list[dict]] = {}
    for key, row in shares.sort_index(level="year", sort_remaining=False).iterrows():
        component, year = cast(tuple[str, int], key)  # the (component, year) index
        out.setdefault(component, []).append({"year": int(year), **row.to_dict()})
    return out


def _cost_per_unit(frame: pd.DataFrame) -> dict[str, float | None]:
    """Per paying stage: capex spent / nameplate capacity added by the end (units/year),
    as a ratio of totals over replications; None where nothing was added."""
    out: dict[str, float | None] = {}
    for stage in ("procurement", "investment"):
        spent, added = f"capex_spent_{stage}", f"capacity_added_{stage}"
        if spent not in frame or added not in frame:
            continue
        capacity = float(frame[added].sum())
        out[stage] = float(frame[spent].sum()) / capacity if capacity > 0 else None
    return out


def _money(all_rows: pd.DataFrame, result: RunResult, where: dict[str, str]) -> dict:
    """Mean capex per stage, NPV and served value with 95% CIs, yearly capex (all rows)."""
    money: dict[str, Any] = {
        "currency": (result.scenario_dict.get("scenario") or {}).get("currency"),
        "discount_rate": (result.scenario_dict.get("scenario") or {}).get("discount_rate"),
    }
    for kind in ("committed", "spent"):
        prefix = f"capex_{kind}_"
        money[f"capex_{kind}"] = {
            c.removeprefix(prefix): all_rows[c].mean()
            for c in all_rows.columns if c.startswith(prefix)
        }
    if "capex_before_start" in all_rows:
        money["capex_before_start"] = all_rows["capex_before_start"].mean()
    for column in ("npv", "served_value"):
        if column in all_rows:
            money[column] = _mean_ci(all_rows[column].to_numpy(float))
    capex = [c for c in result.columns("yearly")
             if re.match(r"^(capex_(committed|spent)|released)_\w+$", c)]
    if capex:
        yearly = result.read("yearly", ["year", *capex], where=where, component=ALL)
        by_year = yearly.groupby("year")[capex].mean()
        money["by_year"] = [{"year": y, **row.to_dict()} for y, row in by_year.iterrows()]
    return money


def _held_back(all_rows: pd.DataFrame) -> dict:
    """Means over replications of what holds the stages back (budget, slots, orders)."""
    return {c: all_rows[c].mean() for c in all_rows.columns if _HELD_BACK.match(c)}


def _warnings(components: dict[str, dict]) -> list[str]:
    """Plain-language cautions about Monte Carlo precision."""
    if not components or all(c["n_replications"] == 0 for c in components.values()):
        return ["no replications: nothing to summarise"]
    warnings = []
    n = min(c["n_replications"] for c in components.values())
    all_se = [se for c in components.values() for se in _reported_se(c) if se is not None]
    max_se = max(all_se, default=0.0)
    if n < FEW_REPLICATIONS:
        if max_se > 0:
            warnings.append(
                f"only {n} replications: probabilities carry a Monte Carlo standard error "
                f"up to ±{100 * max_se:.1f} percentage points"
            )
        else:
            se_half = cast(float, _binomial_se(0.5, n))  # not None while n > 0
            warnings.append(
                f"only {n} replications: a probability near 50% would carry a Monte Carlo "
                f"standard error of ±{100 * se_half:.1f} percentage points"
            )
    rough = {component: max(large) for component, entry in components.items()
             if (large := [se for se in _reported_se(entry) if se is not None and se > LARGE_SE])}
    if rough:
        worst = max(rough.values())
        names = ", ".join(_label(c) for c in rough)
        warnings.append(
            f"some probabilities carry a Monte Carlo standard error above "
            f"{100 * LARGE_SE:.0f} percentage points (up to ±{100 * worst:.1f}), for: {names}; "
            "read them as rough or run more replications"
        )
    return warnings


def _reported_se(entry: dict) -> list[float | None]:
    """SEs of the probabilities reported (the last year end is the end of the run)."""
    by_year = [row["se"] for row in entry["closed_by_year_end"]]
    return by_year or [entry["share_closed_by_end_se"]]


# ----------------------------------------------------------------------- summary_table


def summary_table(summary: dict) -> pd.DataFrame:
    """The short table the CLI prints: one row per component, then ``all``.

    Columns: component, median close date ("not closed by end" when fewer than half
    closed, "—" when undefined otherwise), 10–90% range, P(closed by end) ± SE, mean
    cumulative shortfall value.
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
        if p10 is None:
            span = "—"
        elif p10 == AFTER_END:
            span = AFTER_END
        else:
            span = f"{p10} – {p90}"
        se = entry["share_closed_by_end_se"]
        closed = "—" if share is None else f"{100 * share:.0f}% ± {100 * (se or 0):.1f} pp"
        value = (entry["cumulative_shortfall_value"] or {}).get("mean")
        shortfall = "—" if value is None else f"{short_amount(value)} {currency}".strip()
        rows.append(
            {
                "component": component,
                "median close date": median,
                "10–90% range": span,
                "P(closed by end)": closed,
                "mean cumulative shortfall value": shortfall,
            }
        )
    return pd.DataFrame(rows)


def short_amount(value: float) -> str:
    """1.18e12 -> '1.18 tn', 2.24e11 -> '224 bn', 5300 -> '5,300' (for terminal tables)."""
    for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            return f"{value / size:.3g} {suffix}"
    return f"{value:,.0f}"


# ------------------------------------------------------------- tables for the charts


def month_bands(result: RunResult, component: str = ALL, variant: str | None = None
                ) -> pd.DataFrame:
    """`stage_medians_by_month` computed from the result without building a frame of the
    series (a numpy block per column), so a 10,000-replication batch stays lean."""
    where = {"component": component} | ({"variant": variant} if variant else {})
    blocks = result.blocks("series", "month", **where)
    medians = pd.DataFrame(index=pd.to_datetime(pd.Index(blocks.labels), format="%Y-%m"))
    medians.index.name = "month"
    gap = blocks.column("gap")  # kept: the shares of the gap divide by it
    medians["gap"] = np.median(gap, axis=1)
    medians["gap_p10"], medians["gap_p90"] = np.quantile(gap, [0.1, 0.9], axis=1)
    summed = gap.sum(axis=1)
    total = np.where(summed > 0, summed, np.nan)
    for column in STACK:  # one stack column's block in memory at a time
        block = blocks.column(column)
        medians[column] = np.median(block, axis=1)
        medians[f"gap_share_{column.removeprefix('served_')}"] = block.sum(axis=1) / total
        if column == "shortfall":
            medians["shortfall_p10"], medians["shortfall_p90"] = np.quantile(
                block, [0.1, 0.9], axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(gap > 0, block / gap, np.nan)  # per replication
            quantiles = np.full((2, len(share)), np.nan)
            has = ~np.isnan(share).all(axis=1)
            quantiles[:, has] = np.nanquantile(share[has], [0.1, 0.9], axis=1)
            medians["gap_share_shortfall_p10"], medians["gap_share_shortfall_p90"] = quantiles
        del block
    shares = [f"gap_share_{c.removeprefix('served_')}" for c in STACK]
    medians = medians[["gap", *STACK, "shortfall_p10", "shortfall_p90", "gap_p10", "gap_p90",
                       *shares, "gap_share_shortfall_p10", "gap_share_shortfall_p90"]]
    medians.attrs["n_replications"] = blocks.shape[1]
    return medians


def stage_medians_by_month(series: pd.DataFrame, component: str = ALL) -> pd.DataFrame:
    """Per month (index: first day, as Timestamp): the median over replications of each
    stage's served rate, the shortfall and the gap, plus the shortfall's 10% and 90%
    quantiles (``shortfall_p10``, ``shortfall_p90``) and the gap's (``gap_p10``,
    ``gap_p90``); and the shares of the gap: each stage's served amount and the shortfall
    summed over replications, over the gap summed the same way (``gap_share_sharing``,
    ``gap_share_procurement``, ``gap_share_investment``, ``gap_share_shortfall``: they add
    up to 1; NaN where there is no gap), with the 10% and 90% quantiles over replications
    of each replication's shortfall / gap (``gap_share_shortfall_p10``, ``_p90``; over the
    replications with a gap). ``attrs["n_replications"]`` holds N.

    The medians are taken column by column, so the stacked medians need not add up
    exactly to the median gap; the shares of the gap do.
    """
    rows = series[series["component"] == component]
    if rows.empty:
        raise ValueError(f"no series rows for component {component!r}")
    shares = [f"gap_share_{c.removeprefix('served_')}" for c in STACK]
    with np.errstate(divide="ignore", invalid="ignore"):
        missing = np.where(rows["gap"] > 0, rows["shortfall"] / rows["gap"], np.nan)
    # numpy on one (month x replication) block per column: lean at 10,000 replications
    months, codes = np.unique(rows["month"].astype(str).to_numpy(), return_inverse=True)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    if counts.min() != counts.max():  # some month lacks a replication: group one by one
        grouped = rows.assign(_missing=missing).groupby("month", sort=True)
        medians = grouped[["gap", *STACK]].median()
        for column, q in (("p10", 0.1), ("p90", 0.9)):
            medians[f"shortfall_{column}"] = grouped["shortfall"].quantile(q)
            medians[f"gap_{column}"] = grouped["gap"].quantile(q)
            medians[f"gap_share_shortfall_{column}"] = grouped["_missing"].quantile(q)
        sums = grouped[["gap", *STACK]].sum()
        for column, share in zip(STACK, shares, strict=True):
            medians[share] = sums[column] / sums["gap"].where(sums["gap"] > 0)
    else:
        def block(values: np.ndarray) -> np.ndarray:
            return values.astype(float)[order].reshape(len(months), int(counts[0]))

        gap = block(rows["gap"].to_numpy())  # kept: the shares of the gap divide by it
        summed = gap.sum(axis=1)
        total = np.where(summed > 0, summed, np.nan)
        medians = pd.DataFrame({"gap": np.median(gap, axis=1)},
                               index=pd.Index(months, name="month"))
        medians["gap_p10"], medians["gap_p90"] = np.quantile(gap, [0.1, 0.9], axis=1)
        for column, share in zip(STACK, shares, strict=True):  # one block at a time
            values = block(rows[column].to_numpy())
            medians[column] = np.median(values, axis=1)
            medians[share] = values.sum(axis=1) / total
            if column == "shortfall":
                medians["shortfall_p10"], medians["shortfall_p90"] = np.quantile(
                    values, [0.1, 0.9], axis=1)
        share_block = block(missing)
        quantiles = np.full((2, len(months)), np.nan)
        has = ~np.isnan(share_block).all(axis=1)
        quantiles[:, has] = np.nanquantile(share_block[has], [0.1, 0.9], axis=1)
        medians["gap_share_shortfall_p10"], medians["gap_share_shortfall_p90"] = quantiles
    medians = medians[["gap", *STACK, "shortfall_p10", "shortfall_p90", "gap_p10", "gap_p90",
                       *shares, "gap_share_shortfall_p10", "gap_share_shortfall_p90"]]
    medians.index = pd.to_datetime(medians.index.astype(str), format="%Y-%m")
    medians.index.name = "month"
    medians.attrs["n_replications"] = int(rows["replication"].nunique())
    return medians


def close_date_overview(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per component (``all`` first, then by median close date, undefined medians last by
    share closed): n, share_closed, median_close_date (NaT when not defined)."""
    rows = []
    for component, frame in narrow(kpis, ["component", "close_date", "closed"]).groupby(
            "component", sort=False):
        days = close_days(frame)
        median = censored_quantile(days, 0.5)
        rows.append(
            {
                "component": component,
                "n": days.size,
                "share_closed": float(np.isfinite(days).mean()) if days.size else math.nan,
                "median_close_date": (
                    pd.NaT if median is None else pd.Timestamp(_day_to_date(median))
                ),
                "_all": component != ALL,
            }
        )
    overview = pd.DataFrame(rows).sort_values(
        ["_all", "median_close_date", "share_closed"],
        ascending=[True, True, False],
        na_position="last",
        kind="stable",
    )
    return overview.drop(columns="_all").reset_index(drop=True)


def close_date_ecdf(kpis: pd.DataFrame) -> pd.DataFrame:
    """One row per closed replication: component, close_date (Timestamp), share_closed —
    the share of *all* replications of that component closed on or before that date."""
    frame = narrow(kpis, ["component", "replication", "closed", "close_date"])
    frame = frame.assign(close_date=pd.to_datetime(frame["close_date"]))
    n = frame.groupby("component", sort=False)["replication"].transform("size")
    closed = frame["closed"].fillna(False).astype(bool) & frame["close_date"].notna()
    frame = frame.assign(n=n)[closed].sort_values(["component", "close_date"], kind="stable")
    rank = frame.groupby("component", sort=False).cumcount() + 1
    return pd.DataFrame(
        {
            "component": frame["component"],
            "close_date": frame["close_date"],
            "share_closed": rank / frame["n"],
        }
    ).reset_index(drop=True)


# ---------------------------------------------------------------------------- helpers


def narrow(kpis: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`kpis` with only `columns` (those it has): group-bys and filters then copy only what
    they use, not every KPI column of every replication."""
    return kpis[[c for c in dict.fromkeys(columns) if c in kpis]]


def _group_mean_ci(kpis: pd.DataFrame, columns: list[str]) -> dict[tuple[str, str], dict]:
    """{(component, column): {mean, ci95_low, ci95_high, n}} over replications, NaN ignored."""
    present = [c for c in columns if c in kpis]
    grouped = kpis.groupby("component", sort=False)[present]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    half = cast(pd.DataFrame, Z95 * sd / np.sqrt(n.where(n > 0)))  # stubs: np.sqrt -> ndarray
    out = {}
    for component in mean.index:
        for column in present:
            m = cast(float, mean.at[component, column])
            h = cast(float, half.at[component, column])
            out[(component, column)] = {
                "mean": m, "ci95_low": m - h, "ci95_high": m + h, "n": n.at[component, column]
            }
    return out


def _mean_ci(values: np.ndarray) -> dict:
    values = values[~np.isnan(values)]
    n = values.size
    mean = values.mean() if n else math.nan
    half = Z95 * values.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
    return {"mean": mean, "ci95_low": mean - half, "ci95_high": mean + half, "n": n}


def _binomial_se(p: float, n: int) -> float | None:
    if n == 0 or p is None or math.isnan(p):
        return None
    return math.sqrt(p * (1 - p) / n)


def _year_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """31 December of each year of the run; the end itself for a run ending mid-year."""
    return [min(dt.date(year, 12, 31), end) for year in range(start.year, end.year + 1)]


@overload
def _day_to_date(day: float) -> dt.date: ...
@overload
def _day_to_date(day: None) -> None: ...
@overload
def _day_to_date(day: float | None) -> dt.date | None: ...


def _day_to_date(day: float | None) -> dt.date | None:
    if day is None:
        return None
    return dt.date(1970, 1, 1) + dt.timedelta(days=math.floor(day + 0.5))


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def component_order(result: RunResult) -> list[str]:
    """Scenario order of components, any others as they appear in kpis, ``all`` last."""
    listed = [c.get("id") for c in result.scenario_dict.get("components") or []]
    seen = list(dict.fromkeys([*listed, *result.kpis["component"].unique()]))
    return [c for c in seen if c != ALL] + [ALL]


def component_labels(result: RunResult) -> tuple[dict, dict]:
    components = result.scenario_dict.get("components") or []
    names = {c.get("id"): c.get("name") for c in components}
    units = {c.get("id"): c.get("unit", "units") for c in components}
    names[ALL] = "All components (value-weighted)"
    units[ALL] = (result.scenario_dict.get("scenario") or {}).get("currency") or None
    return names, units


def _label(component: str) -> str:
    return "all components (value-weighted)" if component == ALL else component


def _clean(value: Any) -> Any:
    """Make `value` JSON-serialisable: NaN/inf/NaT → None, numpy → Python, dates → ISO."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_clean(v) for v in items]
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
