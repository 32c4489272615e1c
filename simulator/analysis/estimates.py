"""Estimates over replications, defined once: standard errors, t intervals, censored
quantiles.

A probability's binomial standard error; the t interval of a mean (zero width where every
value is equal, NaN for one value); a quantile of close days where a future that never
closes counts as +infinity, so it exists only where more than that share of futures closed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from simulator.analysis.common import Z95


def binomial_se(share: float, n: int) -> float:
    """The standard error sqrt(p(1 − p)/n) of a share p of n replications (NaN for n = 0)."""
    return math.sqrt(share * (1 - share) / n) if n else math.nan


def t_half(sd: np.ndarray, n: np.ndarray, confidence: float, sided: int = 2) -> np.ndarray:
    """Half-width of the t interval of a mean; NaN where n < 2. The t quantile is
    `scipy.special.stdtrit` (what `scipy.stats.t.ppf` computes), as importing
    `scipy.stats` takes about a second that every run would pay."""
    n = np.asarray(n, dtype=float)
    q = (1 + confidence) / 2 if sided == 2 else confidence
    df = np.where(n >= 2, n - 1, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(special.stdtrit(df, q) * np.asarray(sd, dtype=float) / np.sqrt(n))


def interval_table(values: pd.Series, groups: list[pd.Series], confidence: float,
                    ) -> pd.DataFrame:
    """Per group: n, mean, sd, low, high of `values` (NaN ignored). A group whose values
    are all equal gets that value as its mean and sd 0 exactly (a zero-width interval,
    without the rounding of a computed mean and deviation)."""
    grouped = values.groupby(groups, sort=False)
    out = pd.DataFrame({"n": grouped.count(), "mean": grouped.mean(),
                        "sd": grouped.std(ddof=1)})
    low, high = grouped.min(), grouped.max()
    constant = (low == high) & (out["n"] > 0)
    out.loc[constant, "mean"] = low[constant]
    out.loc[constant & (out["n"] >= 2), "sd"] = 0.0
    half = t_half(out["sd"].to_numpy(float), out["n"].to_numpy(float), confidence)
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    return out


def mean_interval(values: np.ndarray, confidence: float) -> tuple[float, float, float]:
    table = interval_table(pd.Series(values), [pd.Series(np.zeros(values.size))], confidence)
    if table.empty:
        return math.nan, math.nan, math.nan
    row = table.iloc[0]
    return float(row["mean"]), float(row["low"]), float(row["high"])


def censored_quantile(values: np.ndarray, q: float) -> float:
    """Quantile `q` with not-closed as +inf (Hyndman & Fan type 2, the rule of the close-date
    summaries): NaN unless more than a share `q` of the values are finite."""
    n = values.size
    finite = np.sort(values[np.isfinite(values)])
    if n == 0 or finite.size <= n * q + 1e-9:
        return math.nan
    position = n * q
    j = round(position)
    if abs(position - j) < 1e-9 and j >= 1:
        return float((finite[j - 1] + finite[j]) / 2)
    return float(finite[math.ceil(position - 1e-9) - 1])


def normal_mean_table(frame: pd.DataFrame, keys: list[str], columns: list[str]
                      ) -> pd.DataFrame:
    """Per group of `keys`: each column's mean over replications with a normal 95% interval
    (mean ± 1.96 sd/√n; NaN ignored): columns ``<column>``, ``<column>_low``,
    ``<column>_high`` and ``<column>_n`` (the values behind it). The summaries' money and
    shortfall means use it."""
    present = [c for c in columns if c in frame]
    grouped = frame.groupby(keys, sort=False)[present]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    half = Z95 * sd / n.where(n > 0).pow(0.5)
    out = mean.copy()
    for column in present:
        out[f"{column}_low"] = mean[column] - half[column]
        out[f"{column}_high"] = mean[column] + half[column]
        out[f"{column}_n"] = n[column]
    return out.reset_index()
