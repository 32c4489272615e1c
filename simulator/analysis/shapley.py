"""Each stage's Shapley share: what it contributes, whatever the order stages are added in.

The game is "reduction in a metric against no stages", played per replication over the
eight stage subsets (common random numbers make the eight runs of a replication
comparable); each stage's Shapley value is averaged over replications with a t interval.
The values of a replication add up to the reduction with all three stages (efficiency).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulator.analysis.common import ALL, STAGES
from simulator.analysis.estimates import t_half
from simulator.analysis.frames import appearing
from simulator.experiments.attribution import (
    NO_STAGES,
    all_stage_subsets,
    stage_set,
    stage_set_name,
)


def shapley_from_values(values: pd.DataFrame, stages: Sequence[str] = STAGES) -> pd.DataFrame:
    """Shapley values of a game given by its value table.

    `values` has one column per subset of `stages` (named as `stage_set_name` names them,
    ``none`` included) and one row per game (e.g. a replication); the result has one column
    per stage: ``phi_k = sum over S without k of |S|! (n - |S| - 1)! / n! * (v(S + k) -
    v(S))``. The columns add up to ``v(all) - v(none)`` per row (efficiency), up to
    rounding.
    """
    n = len(stages)
    columns = {stage_set(str(c)): c for c in values.columns}
    missing = [stage_set_name(s) for s in all_stage_subsets(stages).values()
               if frozenset(s) not in columns]
    if missing:
        raise ValueError(f"Shapley values need every stage subset; missing: {', '.join(missing)}")
    table = values.to_numpy(dtype=float)
    position = {s: values.columns.get_loc(c) for s, c in columns.items()}
    out = {}
    for stage in stages:
        phi = np.zeros(len(values))
        for subset in all_stage_subsets([s for s in stages if s != stage]).values():
            size = len(subset)
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            with_k = table[:, position[frozenset(subset) | {stage}]]
            phi += weight * (with_k - table[:, position[frozenset(subset)]])
        out[stage] = phi
    return pd.DataFrame(out, index=values.index)


def shapley_by_replication(
    kpis: pd.DataFrame,
    *,
    n_days: int,
    metric: str = "cumulative_shortfall_value",
    censor_day: float | None = None,
) -> pd.DataFrame:
    """Per replication × component: each stage's Shapley value of the reduction in `metric`.

    The game is ``w(S) = m(none) - m(S)``, the reduction in the metric with stage set S
    against no stages (the variants of `kpis` are the eight stage subsets). Columns:
    ``replication``, ``component``, one column per stage, ``total_reduction`` (``w(all)``,
    which the stage columns add up to) and ``censored`` (for ``close_day``: whether any of
    the eight runs did not close, so that its close day was put at `censor_day`, default
    ``n_days`` — the reduction is then in days closed before that day, not a true
    difference in close dates; always False for other metrics).
    """
    if metric not in kpis:
        raise ValueError(f"kpis table has no column {metric!r}")
    frame = kpis.assign(variant=kpis["variant"].astype(str))
    values = frame[metric].astype(float)
    censored = pd.Series(False, index=frame.index)
    if metric == "close_day":
        closed = frame["closed"].fillna(False).astype(bool) & values.notna()
        values = values.where(closed, float(n_days if censor_day is None else censor_day))
        censored = ~closed
    frame = frame.assign(_value=values, _censored=censored)
    names = {stage_set_name(s): v for v in frame["variant"].unique() for s in [stage_set(v)]}
    wide = frame.pivot(index=["replication", "component"], columns="variant", values="_value")
    wide = wide.rename(columns={v: k for k, v in names.items()})
    wide = wide.dropna(how="any")
    missing = [n for n in all_stage_subsets() if n not in wide.columns]
    if missing:
        raise ValueError(f"Shapley values need every stage subset; missing: {', '.join(missing)}")
    reduction = wide[list(all_stage_subsets())].rsub(wide[NO_STAGES], axis=0)
    shares = shapley_from_values(reduction)
    shares["total_reduction"] = reduction[stage_set_name(STAGES)]
    shares["censored"] = frame.groupby(["replication", "component"])["_censored"].any()
    return shares.reset_index()


def shapley_values(
    kpis: pd.DataFrame,
    *,
    n_days: int,
    metric: str = "cumulative_shortfall_value",
    confidence: float = 0.95,
    censor_day: float | None = None,
) -> pd.DataFrame:
    """Each stage's Shapley share of the reduction in `metric` against no stages.

    Per component (``all`` last) × stage: ``n_replications``, ``shapley`` (mean over
    replications of the per-replication Shapley value, in the metric's units: a positive
    value is shortfall removed, or days closed earlier), ``sd``, ``ci_low``, ``ci_high``
    (t interval at `confidence`), ``total_reduction`` (mean reduction with all stages),
    ``share_of_total`` (``shapley / total_reduction``) and ``censored_share`` (share of
    replications whose value rests on a not-closed run put at `censor_day`, default
    ``n_days``; see `shapley_by_replication`). Unlike the sequential attribution, the
    result does not depend on the order in which stages are added.
    """
    per_rep = shapley_by_replication(kpis, n_days=n_days, metric=metric, censor_day=censor_day)
    long = per_rep.melt(id_vars=["replication", "component", "total_reduction", "censored"],
                        value_vars=list(STAGES), var_name="stage", value_name="shapley")
    grouped = long.groupby(["component", "stage"], sort=False)
    table = pd.DataFrame({
        "n_replications": grouped["shapley"].count(),
        "shapley": grouped["shapley"].mean(),
        "sd": grouped["shapley"].std(ddof=1),
    })
    half = t_half(table["sd"].to_numpy(float), table["n_replications"].to_numpy(float),
                  confidence)
    table["ci_low"] = table["shapley"] - half
    table["ci_high"] = table["shapley"] + half
    table["total_reduction"] = grouped["total_reduction"].mean()
    table["share_of_total"] = table["shapley"] / table["total_reduction"].where(
        table["total_reduction"] != 0)
    table["censored_share"] = grouped["censored"].mean()
    table = table.reset_index()
    table.insert(2, "metric", metric)
    seen = appearing(kpis["component"])
    order = {c: i for i, c in enumerate([c for c in seen if c != ALL] + [ALL])}
    rank = {s: i for i, s in enumerate(STAGES)}
    return table.sort_values(
        ["component", "stage"],
        key=lambda s: s.map(order if s.name == "component" else rank),
        kind="stable",
    ).reset_index(drop=True)
