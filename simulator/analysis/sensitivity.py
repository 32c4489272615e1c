"""Which factors decide an outcome: Morris and Sobol' indices, with the noise beside them.

The indices are SALib's (`SALib.analyze.morris`, `SALib.analyze.sobol`), computed on each
point's outcome mean over its replications. Two kinds of uncertainty are shown: SALib's
own interval (`low`, `high`: the design's, resampling trajectories or sample rows) and the
Monte Carlo noise (`noise_low`, `noise_high`: percentile interval over bootstrap
resamples of the replications, the same resample at every point so that common random
numbers stay paired), with `noise_share`, the share of the variance of the point means
that replication noise alone would give (mean within-point variance / n over the variance
of the point means), and `noise_level`, the size the main index (μ*, ST) reaches from
noise alone, computed from the changes a resample makes to the point means (`_bootstrap`).
A factor that changes no scenario gets exactly 0 under common random numbers.
`factor_ranking` orders the factors by their index on one outcome; `outcome_range`
gives the tornado's spans.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

COLUMNS = ["method", "factor", "outcome", "index", "value", "low", "high", "noise_low",
           "noise_high", "noise_level", "noise_share", "points", "replications"]
"""The columns of the `sensitivity` table (`analysis/sensitivity.parquet`)."""
RANK_INDEX = {"morris": "mu_star", "sobol": "ST"}
"""The index factors are ranked by."""
BOOTSTRAP = 200
NOISE_MARGIN = 2.0
"""An index counts as clear of the noise above `NOISE_MARGIN` × its noise level."""
CONFIDENCE = 0.95


def indices(method: str, problem: dict[str, Any], sample: np.ndarray, y: np.ndarray, *,
            levels: int = 4, seed: int = 0, resamples: int = 100) -> dict[str, np.ndarray]:
    """SALib's indices of one outcome from the point values `y` (one per design row):
    Morris `mu_star`, `mu`, `sigma` with `mu_star_conf`; Sobol' `S1`, `ST` with
    `S1_conf`, `ST_conf` (first-order and total only). An outcome that is the same at
    every point gets zeros (SALib's Sobol' would divide by its zero spread)."""
    if not np.ptp(y) > 0:
        zero = np.zeros(int(problem["num_vars"]))
        keys = (("mu_star", "mu", "sigma", "mu_star_conf") if method == "morris"
                else ("S1", "ST", "S1_conf", "ST_conf"))
        return {k: zero.copy() for k in keys}
    if method == "morris":
        from SALib.analyze import morris

        found = morris.analyze(problem, sample, y, num_levels=levels, conf_level=CONFIDENCE,
                               num_resamples=resamples, seed=seed)
        keys = ("mu_star", "mu", "sigma", "mu_star_conf")
    else:
        from SALib.analyze import sobol

        found = sobol.analyze(problem, y, calc_second_order=False, conf_level=CONFIDENCE,
                              num_resamples=resamples, seed=seed)
        keys = ("S1", "ST", "S1_conf", "ST_conf")
    return {k: np.asarray(found[k], dtype=float) for k in keys}


def sensitivity_table(method: str, problem: dict[str, Any], sample: np.ndarray,
                      values: dict[str, np.ndarray], *, levels: int = 4, seed: int = 0,
                      bootstrap: int = BOOTSTRAP) -> pd.DataFrame:
    """Factor × outcome × index, with SALib's interval and the replication noise.

    Parameters
    ----------
    values
        Per outcome, a (points × replications) array: each point's replications in the
        same order (replication r of every point shares its random draws).
    bootstrap
        Resamples of the replications for the noise interval (none with one replication).
    """
    rows = []
    rng = np.random.default_rng(seed)
    names = list(problem["names"])
    for outcome, matrix in values.items():
        matrix = np.asarray(matrix, dtype=float)
        points, n = matrix.shape
        y = _filled(matrix.mean(axis=1))
        found = indices(method, problem, sample, y, levels=levels, seed=seed)
        draws, floor = _bootstrap(method, problem, sample, matrix, levels, seed, rng,
                                  bootstrap)
        share = noise_share(matrix)
        for index, conf in _index_pairs(method):
            for j, factor in enumerate(names):
                value = float(found[index][j])
                half = float(found[conf][j]) if conf else np.nan
                low, high = (value - half, value + half) if conf else (np.nan, np.nan)
                if draws:
                    spread = np.array([d[index][j] for d in draws])
                    noise = np.nanquantile(spread, [(1 - CONFIDENCE) / 2,
                                                    (1 + CONFIDENCE) / 2])
                    noise_low, noise_high = float(noise[0]), float(noise[1])
                else:
                    noise_low = noise_high = np.nan
                level = (float(floor[j]) if floor is not None and index in ("mu_star", "ST")
                         else np.nan)
                rows.append([method, factor, outcome, index, value, low, high, noise_low,
                             noise_high, level, share, points, n])
    return pd.DataFrame(rows, columns=COLUMNS)


def _index_pairs(method: str) -> list[tuple[str, str | None]]:
    if method == "morris":
        return [("mu_star", "mu_star_conf"), ("mu", None), ("sigma", None)]
    return [("S1", "S1_conf"), ("ST", "ST_conf")]


def _bootstrap(method: str, problem: dict[str, Any], sample: np.ndarray, matrix: np.ndarray,
               levels: int, seed: int, rng: np.random.Generator, times: int
               ) -> tuple[list[dict[str, np.ndarray]], np.ndarray | None]:
    """The indices on `times` resamples of the replications (one resample for all points)
    and the noise floor of the main index, from the change d = y_b − y a resample makes
    to the point means: for Morris the mean over resamples of μ*(d) (elementary effects
    are linear in the outputs, so this is how large an effect noise alone makes); for
    Sobol' the mean of ST(d) · var(d) / var(y) (the part of the total index's numerator,
    E[(f(A) − f(AB_i))²] / 2, that the noise makes, over the outcome's variance). Under
    common random numbers both are exactly 0 for a factor that changes nothing."""
    n = matrix.shape[1]
    if n < 2 or times < 1:
        return [], np.zeros(int(problem["num_vars"]))
    y0 = _filled(matrix.mean(axis=1))
    total = float(np.var(y0))
    out, floors = [], []
    for _ in range(times):
        pick = rng.integers(0, n, n)
        y = _filled(matrix[:, pick].mean(axis=1))
        out.append(indices(method, problem, sample, y, levels=levels, seed=seed, resamples=2))
        d = y - y0
        if method == "morris":
            floors.append(indices(method, problem, sample, d, levels=levels, seed=seed,
                                  resamples=2)["mu_star"])
        elif total > 0:
            floors.append(indices(method, problem, sample, d, seed=seed, resamples=2)["ST"]
                          * float(np.var(d)) / total)
    return out, (np.mean(floors, axis=0) if floors else np.zeros(int(problem["num_vars"])))


def noise_share(matrix: np.ndarray) -> float:
    """The share of the variance of the point means that replication noise alone gives:
    mean over points of (variance over replications / n), over the variance of the point
    means (1 where the means do not vary but the replications do; 0 with one replication
    or no variation at all; capped at 1)."""
    matrix = np.asarray(matrix, dtype=float)
    n = matrix.shape[1]
    if n < 2:
        return 0.0
    within = float(np.nanmean(np.nanvar(matrix, axis=1, ddof=1))) / n
    between = float(np.nanvar(np.nanmean(matrix, axis=1), ddof=1)) \
        if matrix.shape[0] > 1 else 0.0
    if between <= 0:
        return 1.0 if within > 0 else 0.0
    return min(1.0, within / between)


def factor_ranking(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The factors ranked by their main index (Morris μ*, Sobol' total) on `outcome`,
    with `first_order` (Sobol' S1, NaN for Morris), `interaction` (ST − S1) and whether the
    index stands clear of the noise (`clear_of_noise`: above `NOISE_MARGIN` × its
    `noise_level`, and so above 0)."""
    part = table[table["outcome"] == outcome]
    if part.empty:
        return pd.DataFrame(columns=["rank", "factor", "value", "low", "high", "noise_low",
                                     "noise_high", "noise_level", "first_order",
                                     "interaction", "clear_of_noise"])
    method = str(part["method"].iloc[0])
    main = part[part["index"] == RANK_INDEX[method]].set_index("factor")
    first = (part[part["index"] == "S1"].set_index("factor")["value"]
             if method == "sobol" else pd.Series(np.nan, index=main.index))
    ranked = main.assign(first_order=first.reindex(main.index)).sort_values(
        "value", ascending=False, kind="stable")
    ranked["interaction"] = ranked["value"] - ranked["first_order"]
    ranked["clear_of_noise"] = ranked["value"] > NOISE_MARGIN * ranked["noise_level"].fillna(0)
    ranked = ranked.reset_index()
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked[["rank", "factor", "value", "low", "high", "noise_low", "noise_high",
                   "noise_level", "first_order", "interaction", "clear_of_noise"]]


def outcome_range(points: pd.DataFrame, means: pd.DataFrame, factors: list[str],
                  outcome: str) -> pd.DataFrame:
    """The tornado's spans: per factor, the outcome's mean over the points where the
    factor is at its lowest sampled value and at its highest (factor, low_value,
    high_value, at_low, at_high, span), widest first."""
    rows = []
    for factor in factors:
        x = points[factor].to_numpy(float)
        y = means[outcome].to_numpy(float)
        lo, hi = np.nanmin(x), np.nanmax(x)
        at_low = float(np.nanmean(y[x == lo])) if np.any(x == lo) else np.nan
        at_high = float(np.nanmean(y[x == hi])) if np.any(x == hi) else np.nan
        if np.sum(x == lo) < 2 or np.sum(x == hi) < 2:  # Sobol' samples: the lowest fifth
            order = np.argsort(x, kind="stable")
            k = max(1, len(x) // 5)
            at_low = float(np.nanmean(y[order[:k]]))
            at_high = float(np.nanmean(y[order[-k:]]))
        rows.append({"factor": factor, "low_value": lo, "high_value": hi, "at_low": at_low,
                     "at_high": at_high, "span": abs(at_high - at_low),
                     "mean": float(np.nanmean(y)) if len(y) else np.nan})
    frame = pd.DataFrame(rows, columns=["factor", "low_value", "high_value", "at_low",
                                        "at_high", "span", "mean"])
    return frame.sort_values("span", ascending=False, kind="stable").reset_index(drop=True)


def _filled(y: np.ndarray) -> np.ndarray:
    """SALib needs finite outputs: a point whose outcome is undefined (NaN, a share with
    no gap) counts as the mean of the others."""
    y = np.asarray(y, dtype=float)
    if np.isnan(y).all():
        return np.zeros_like(y)
    return np.where(np.isnan(y), np.nanmean(y), y)
