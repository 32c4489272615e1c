"""When each component's shortfall closes, how surely: close times, survival, year ends.

Close days are censored at the horizon: a future that never closes has no close day, and
summaries never use the end date as one. `close_times` gives per variant × component the
share of futures closed, the restricted mean time to close (a future that never closes
counts as the horizon N, SPEC.md §6) with its interval, and close-date quantiles only where
more than that share of futures closed; `survival` the share of futures closed by each
date; `closed_by_year` the probability of being closed by each year end with its standard
error; `threshold_sensitivity` the headline under the close threshold used and its two
neighbours. `tables` computes them for a run (KPI rows are held in memory).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.analysis.common import DAYS_PER_MONTH, FEW_REPLICATIONS
from simulator.analysis.estimates import binomial_se, censored_quantile, mean_interval
from simulator.analysis.frames import close_frame, ordered_groups

if TYPE_CHECKING:
    from simulator.results import RunResult

_CLOSE_TIME_COLUMNS = [
    "variant", "component", "n", "n_closed", "share_closed", "se", "restricted_mean_days",
    "restricted_mean_days_low", "restricted_mean_days_high", "restricted_mean_months",
    "restricted_mean_months_low", "restricted_mean_months_high", "median_close_day",
    "median_close_date", "close_day_p10", "close_day_p90", "share_reopened_of_closed",
    "few_replications"]


def close_times(kpis: pd.DataFrame, n_days: int, *, start_date: dt.date | str | None = None,
                confidence: float = 0.95) -> pd.DataFrame:
    """Per variant × component: how often and how fast the shortfall closes.

    Parameters
    ----------
    kpis
        A run's ``kpis`` table: ``variant`` (optional: one unnamed variant ``""``),
        ``replication``, ``component`` (``all`` included), ``closed``, ``close_day``.
    n_days
        ``N``, the number of days in the run (the last day is ``N - 1``).
    start_date
        The scenario start; when given, ``median_close_date`` is filled in.
    confidence
        Level of the two-sided t interval of the restricted mean.

    Returns
    -------
    pandas.DataFrame
        One row per variant × component (variants in order of appearance, ``all`` first):
        ``n`` (replications), ``n_closed``, ``share_closed`` and ``se`` (its binomial
        standard error sqrt(p(1 − p)/n)); ``restricted_mean_days`` — the mean over
        replications of ``close_day`` where closed and ``N`` where not (SPEC.md §6) —
        with its t interval ``restricted_mean_days_low`` / ``_high``, the same in months
        (``restricted_mean_months``, ``_low``, ``_high``: days / 365.25 × 12);
        ``median_close_day`` (and ``median_close_date``, `day_date` of it) only where
        more than half of the replications closed (NaN / NaT otherwise: a future that
        never closes counts as +infinity, never as the end), likewise ``close_day_p10``
        and ``close_day_p90`` where more than 10% / 90% closed (NaN: after the end);
        ``share_reopened_of_closed`` (of the futures that closed, the share whose ratio
        rose above the threshold again; NaN where none closed); ``few_replications``
        (n < `FEW_REPLICATIONS`).

    Notes
    -----
    The restricted mean is the area above the survival curve up to the horizon: it is
    defined however few futures close, and a future that closes later than the run would
    show counts as closing on the last day, so it understates how long closing takes. The
    interval is NaN for n = 1 and of zero width when every replication has the same value.
    A close is counted only where ``closed`` is true and ``close_day`` is given.
    """
    frame = close_frame(kpis, n_days)
    rows = []
    for (variant, component), part in ordered_groups(frame, ["variant", "component"]):
        days = part["day"].to_numpy(float)
        closed = part["is_closed"].to_numpy(bool)
        n, k = days.size, int(closed.sum())
        share = k / n if n else math.nan
        mean, low, high = mean_interval(days, confidence)
        censored = np.where(closed, days, np.inf)
        reopened = part["reopened"].to_numpy(bool)
        rows.append({
            "variant": variant, "component": component, "n": n, "n_closed": k,
            "share_closed": share, "se": binomial_se(share, n),
            "restricted_mean_days": mean, "restricted_mean_days_low": low,
            "restricted_mean_days_high": high,
            "median_close_day": censored_quantile(censored, 0.5),
            "close_day_p10": censored_quantile(censored, 0.1),
            "close_day_p90": censored_quantile(censored, 0.9),
            "share_reopened_of_closed": reopened[closed].mean() if k else math.nan,
            "few_replications": n < FEW_REPLICATIONS,
        })
    table = pd.DataFrame(rows, columns=[
        "variant", "component", "n", "n_closed", "share_closed", "se",
        "restricted_mean_days", "restricted_mean_days_low", "restricted_mean_days_high",
        "median_close_day", "close_day_p10", "close_day_p90", "share_reopened_of_closed",
        "few_replications"])
    for suffix in ("", "_low", "_high"):
        table[f"restricted_mean_months{suffix}"] = (table[f"restricted_mean_days{suffix}"]
                                                    / DAYS_PER_MONTH)
    offsets = pd.to_timedelta(np.floor(table["median_close_day"].to_numpy(float) + 0.5),
                              unit="D")
    table["median_close_date"] = (pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
                                  if start_date is None else pd.Timestamp(start_date) + offsets)
    return table[_CLOSE_TIME_COLUMNS]


def survival(kpis: pd.DataFrame, n_days: int, start_date: dt.date | str) -> pd.DataFrame:
    """The share of futures closed by each date, per variant × component.

    Every future is censored at the same horizon, so the empirical share is exact and no
    estimator (Kaplan–Meier or other) is needed: the share closed by day d is the number of
    replications with ``close_day`` ≤ d over all replications.

    Parameters
    ----------
    kpis
        A run's ``kpis`` table (``variant`` optional, ``replication``, ``component``,
        ``closed``, ``close_day``).
    n_days
        ``N``, the number of days in the run.
    start_date
        The scenario start (day 0).

    Returns
    -------
    pandas.DataFrame
        Per variant × component (order of appearance, ``all`` first), one row at day 0,
        one per distinct close day and one at the horizon ``N`` (the instant the run ends,
        midnight after its last day): ``variant``, ``component``, ``day``, ``date``
        (start + day), ``share_closed`` (share of futures closed on or before that day),
        ``se`` (binomial standard error) and ``n``. Drawn as a step line (``where="post"``)
        it is the empirical distribution of the close day; the area above it up to ``N``
        is the restricted mean time to close of `close_times`.
    """
    frame = close_frame(kpis, n_days)
    start = pd.Timestamp(start_date)
    parts = []
    for (variant, component), part in ordered_groups(frame, ["variant", "component"]):
        n = len(part)
        closed_days = np.sort(part.loc[part["is_closed"], "day"].to_numpy(float))
        days = np.unique(np.concatenate([[0.0], closed_days, [float(n_days)]]))
        share = np.searchsorted(closed_days, days, side="right") / n
        parts.append(pd.DataFrame({
            "variant": variant, "component": component, "day": days,
            "date": start + pd.to_timedelta(days, unit="D"), "share_closed": share,
            "se": np.sqrt(share * (1 - share) / n), "n": n,
        }))
    columns = ["variant", "component", "day", "date", "share_closed", "se", "n"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def closed_by_year(kpis: pd.DataFrame, n_days: int, start_date: dt.date | str
                   ) -> pd.DataFrame:
    """The probability of being closed by each year end, per variant × component.

    Year ends are 31 December of each year of the run, and the run's last day where it
    ends mid-year. A future counts as closed by a date where its close date is on or before
    it (a close is held at least `close_hold_days`, so "closed by the end" means closed by
    end − hold). Columns: ``variant``, ``component``, ``year``, ``date``, ``probability``,
    ``se`` (binomial), ``n``.
    """
    start = pd.Timestamp(start_date)
    ends = year_ends(start.date(), (start + pd.Timedelta(days=n_days - 1)).date())
    end_days = np.array([(pd.Timestamp(e) - start).days for e in ends], dtype=float)
    frame = close_frame(kpis, n_days)
    rows = []
    for (variant, component), part in ordered_groups(frame, ["variant", "component"]):
        days = np.where(part["is_closed"].to_numpy(bool), part["day"].to_numpy(float), np.inf)
        n = days.size
        for end, day in zip(ends, end_days, strict=True):
            p = float((days <= day).mean()) if n else math.nan
            rows.append({"variant": variant, "component": component, "year": end.year,
                         "date": pd.Timestamp(end), "probability": p,
                         "se": binomial_se(p, n), "n": n})
    return pd.DataFrame(rows, columns=["variant", "component", "year", "date", "probability",
                                       "se", "n"])


THRESHOLD_COLUMNS = ["variant", "component", "which", "threshold", "used", "n",
                     "share_closed", "se", "restricted_mean_months",
                     "restricted_mean_months_low", "restricted_mean_months_high",
                     "median_close_date"]


def threshold_sensitivity(kpis: pd.DataFrame, n_days: int, threshold: float,
                          start_date: dt.date | str | None = None, *,
                          used: pd.DataFrame | None = None) -> pd.DataFrame:
    """How the answer moves with the close threshold: `close_times` under the threshold
    used and under its lower and higher neighbours (the kpis' ``*_lower_threshold`` and
    ``*_higher_threshold`` columns: SPEC's close rule under another threshold).

    `threshold` is the one used where the kpis have no ``close_threshold`` column (each
    variant's own otherwise: compared scenarios may differ); `used` is `close_times` of the
    kpis where the caller has it already.

    Returns
    -------
    pandas.DataFrame
        Per variant × component, one row per threshold, lowest first: ``which`` (``lower``,
        ``used``, ``higher``), ``threshold``, ``used`` (true for the scenario's), ``n``,
        ``share_closed`` (by the end) with its binomial ``se``, the restricted mean time to
        close in months with its t interval, and ``median_close_date`` (NaT where no more
        than half closed). A neighbour the kpis lack (no such column, or NaN: none exists)
        has no rows.
    """
    times = used if used is not None else close_times(kpis, n_days, start_date=start_date)
    parts = [times.assign(which="used", used=True, threshold=_per_variant(
        kpis, "close_threshold", times["variant"], float(threshold)))]
    for which in ("lower", "higher"):
        value, closed, day = (f"{which}_threshold", f"closed_{which}_threshold",
                              f"close_day_{which}_threshold")
        if not {value, closed, day} <= set(kpis.columns):
            continue
        other = kpis.drop(columns=["closed", "close_day"]).rename(
            columns={closed: "closed", day: "close_day"})
        table = close_times(other, n_days, start_date=start_date)
        table = table.assign(which=which, used=False, threshold=_per_variant(
            kpis, value, table["variant"], math.nan))
        parts.append(table[table["threshold"].notna()])
    found = pd.concat(parts, ignore_index=True)
    place = {key: k for k, key in enumerate(zip(times["variant"], times["component"],
                                                strict=True))}
    found["_place"] = [place[key] for key in zip(found["variant"], found["component"],
                                                 strict=True)]
    found["_rank"] = found["which"].map({"lower": 0, "used": 1, "higher": 2})
    return found.sort_values(["_place", "_rank"])[THRESHOLD_COLUMNS].reset_index(drop=True)


def _per_variant(kpis: pd.DataFrame, column: str, variants: pd.Series,
                 default: float) -> np.ndarray:
    """The value of a column that is constant within a variant, for each of `variants`
    (`default` where the kpis lack the column)."""
    if column not in kpis:
        return np.full(len(variants), default)
    if "variant" not in kpis:
        return np.full(len(variants), float(kpis[column].iloc[0]) if len(kpis) else default)
    first = kpis.groupby("variant", sort=False, observed=True)[column].first()
    first.index = first.index.astype(str)
    return variants.astype(str).map(first).to_numpy(float)


def day_date(start: dt.date, day: float) -> dt.date:
    """The date of a close-day quantile: a median between two close days (x.5) is rounded
    half up to the later day, as the summaries always have."""
    return start + dt.timedelta(days=math.floor(day + 0.5))


def year_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """31 December of each year of the run; the end itself for a run ending mid-year."""
    ends = [dt.date(y, 12, 31) for y in range(start.year, end.year + 1)]
    return [min(d, end) for d in ends if d >= start]


def tables(result: RunResult, n_days: int, start_date: dt.date) -> dict[str, pd.DataFrame]:
    """The close-date tables of a run, every variant at once (KPI rows are in memory):
    ``close_times``, ``survival`` and ``closed_by_year``, each with a ``variant`` column."""
    kpis = result.kpis
    threshold = float((result.scenario_dict.get("scenario") or {}).get("close_threshold",
                                                                        0.05))
    times = close_times(kpis, n_days, start_date=start_date)
    return {"close_times": times,
            "survival": survival(kpis, n_days, start_date),
            "closed_by_year": closed_by_year(kpis, n_days, start_date),
            "threshold_sensitivity": threshold_sensitivity(kpis, n_days, threshold,
                                                           start_date, used=times)}
