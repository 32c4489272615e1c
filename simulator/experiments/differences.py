"""Paired differences between variants run with common random numbers, censoring honest.

Replication r of every variant shares every random draw, so variant − reference is taken
replication by replication, and the t interval comes from those paired differences.
`paired_differences` does it per variant, component (and ``all``) and metric;
`stage_gains` turns it into what each added stage gains (positive = earlier / less
shortfall). A close day is censored when a side never closes: the mean and interval use
only pairs where both sides closed, and a separate one-sided bound uses every pair with at
least one side closed (the rule is in `paired_differences`). The end of the run is never
used as a close date in a mean.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from simulator.model.record import STAGES

ALL = "all"
NO_STAGES = "none"
DAYS_PER_MONTH = 30.44
CLOSE_DAY = "close_day"
SHORTFALL = "cumulative_shortfall"
SHORTFALL_VALUE = "cumulative_shortfall_value"
METRICS = (CLOSE_DAY, SHORTFALL, SHORTFALL_VALUE)
STAGE_SEQUENCE = ("sharing", "sharing+procurement", "sharing+procurement+investment")
KEYS = ["variant", "replication", "component"]
BOUND_KINDS = ("none", "at_most", "at_least", "mixed", "no_information")
_MONTH_COLUMNS = ("mean_difference", "ci_low", "ci_high", "bound", "bound_ci")
_COUNTS = ("n_both_closed", "n_only_variant_closed", "n_only_reference_closed",
           "n_neither_closed")


def paired_differences(
    kpis: pd.DataFrame,
    reference: str,
    variants: Sequence[str] | None = None,
    *,
    n_days: int,
    confidence: float = 0.95,
    censor_day: float | None = None,
) -> pd.DataFrame:
    """Mean paired difference (variant − reference) per variant, component and metric.

    Parameters
    ----------
    kpis
        A batch's ``kpis`` table: ``variant``, ``replication``, ``component`` (with
        ``all``), ``closed``, ``close_day`` and the cumulative shortfall columns.
    reference
        The variant the others are compared with.
    variants
        Variants to compare (default: every other variant, in order of appearance).
    n_days
        Days in the run (the last day index is ``n_days - 1``).
    confidence
        Level of the two-sided t intervals and of the one-sided bounds' limit.
    censor_day
        The day put in for a side that never closed when computing the bound (default
        ``n_days``, see below).

    Returns
    -------
    pandas.DataFrame
        One row per variant × component × metric (``close_day``, ``cumulative_shortfall``
        — components only — and ``cumulative_shortfall_value``): ``n_pairs``
        (replications in both), ``n_used`` (pairs behind the mean), ``mean_difference``,
        ``sd``, ``ci_low``, ``ci_high`` (t interval, ``scipy.stats.t``); for
        ``close_day`` also ``n_both_closed``, ``n_only_variant_closed``,
        ``n_only_reference_closed``, ``n_neither_closed``, ``share_censored``,
        ``bound_kind``, ``bound``, ``bound_ci`` and the same in months (``*_months``,
        days / 30.44). A negative close-day difference means the variant closes earlier.

    Notes
    -----
    Close days are censored. Let T be a side's close day in a run with the same draws
    and an unlimited horizon (infinite if it never closes). A side that closed has T =
    its ``close_day``; a side that did not close has some T >= ``censor_day``, unknown.

    - ``mean_difference``, ``sd`` and the interval use only the pairs where both sides
      closed (``n_used = n_both_closed``): exact differences, but of a selected subset.
    - ``share_censored``: the share of pairs where either side did not close. A pair
      where neither closed carries no information about the difference and is counted
      there only.
    - The bound: over the pairs where at least one side closed, each not-closed side is
      given ``censor_day`` and ``bound`` is the mean of these differences. When only the
      reference side is ever censored (some pairs: variant closed, reference not; none the
      other way), each substituted difference is at least the true one, so ``bound`` is an
      upper bound on the true mean difference over those pairs: ``bound_kind =
      "at_most"`` (the variant closes on average at least ``-bound`` days earlier). When
      only the variant side is censored the bound is a lower one: ``"at_least"``.
      When both directions occur there is no bound (``"mixed"``, NaN); when no pair is
      censored on one side only, none is needed (``"none"``, NaN); when no pair has a
      closed side, ``"no_information"``. ``bound_ci`` is the one-sided limit at
      `confidence` on the bound's side (t interval of the substituted differences), for
      sampling error in the bound itself.
    - The bound holds for every not-closed side whose T >= ``censor_day``. A run reports
      a component as closed only if the closure is held for ``close_hold_days`` within
      the run, so a not-closed side is only sure to have T >= ``n_days -
      close_hold_days + 1``. With the default ``censor_day = n_days`` the bound may
      therefore favour the side that closed by up to ``close_hold_days - 1`` days times
      the share (among the pairs with a closed side) of pairs with a substituted side.
      Pass ``censor_day = n_days - close_hold_days + 1`` for a bound that holds strictly.
    """
    _check(kpis)
    censor = float(n_days if censor_day is None else censor_day)
    order = list(dict.fromkeys(kpis["variant"].astype(str)))
    if reference not in order:
        raise ValueError(f"reference variant {reference!r} is not in the kpis table "
                         f"(variants: {', '.join(order)})")
    wanted = order if variants is None else list(variants)
    unknown = [v for v in wanted if v not in order]
    if unknown:
        raise ValueError(f"variant(s) {', '.join(map(repr, unknown))} not in the kpis table")
    wanted = [v for v in wanted if v != reference]
    pairs = _pairs(kpis, reference, wanted)
    if pairs.empty:
        return _empty()
    parts = [_close_day_rows(pairs, censor, confidence)]
    for metric in (SHORTFALL, SHORTFALL_VALUE):
        if f"{metric}_v" in pairs:
            parts.append(_value_rows(pairs, metric, confidence))
    table = pd.concat([p for p in parts if len(p)], ignore_index=True)
    table.insert(1, "reference", reference)
    components = _component_order(kpis["component"])
    table = table[(table["metric"] != SHORTFALL) | (table["component"] != ALL)]
    table = table.sort_values(
        ["variant", "component", "metric"],
        key=lambda s: s.map({n: i for i, n in enumerate(
            {"variant": wanted, "component": components, "metric": METRICS}[str(s.name)])}),
        kind="stable",
    )
    return _finish(table.reset_index(drop=True))


def stage_gains(
    kpis: pd.DataFrame,
    order: Sequence[str] = STAGE_SEQUENCE,
    *,
    n_days: int,
    confidence: float = 0.95,
    censor_day: float | None = None,
) -> pd.DataFrame:
    """What each added stage gains: earlier close (days, months) and shortfall removed.

    For each consecutive pair of stage sets in `order` (names of variants in `kpis`, stage
    names joined by "+"; put ``"none"`` first to credit the first stage too) the paired
    differences of `paired_differences` with the smaller set as reference, sign flipped:
    ``gain`` = before − after, so a positive close-day gain is days earlier and a positive
    shortfall gain is shortfall removed. Columns: ``stage`` (the added stage(s)),
    ``before``, ``after``, ``component``, ``metric``, ``n_pairs``, ``n_used``, ``gain``,
    ``sd``, ``ci_low``, ``ci_high``, and for ``close_day``: ``n_both_closed``,
    ``share_censored``, ``bound_kind`` (now on the gain: ``"at_least"`` means the stage
    gains on average at least ``bound`` days), ``bound``, ``bound_ci`` and ``*_months``.
    """
    if len(order) < 2:
        raise ValueError("stage_gains needs at least two stage sets in `order`")
    parts = []
    for before, after in zip(order[:-1], order[1:], strict=True):
        diff = paired_differences(kpis, before, [after], n_days=n_days,
                                  confidence=confidence, censor_day=censor_day)
        parts.append(_as_gains(diff, before, after))
    return pd.concat(parts, ignore_index=True)


def variant_shortfall_paths(series: pd.DataFrame, component: str = ALL) -> pd.DataFrame:
    """Per variant and month: median shortfall over replications and its 10% / 90%
    quantiles (``month`` as Timestamp, ``variant``, ``shortfall_median``, ``p10``,
    ``p90``) — the table `simulator.charts.compare.shortfall_paths_compared` draws."""
    rows = series[series["component"] == component]
    if rows.empty:
        raise ValueError(f"no series rows for component {component!r}")
    grouped = rows.groupby(["variant", "month"], sort=False)["shortfall"]
    table = pd.DataFrame({
        "shortfall_median": grouped.median(),
        "p10": grouped.quantile(0.1),
        "p90": grouped.quantile(0.9),
    }).reset_index()
    table["month"] = pd.to_datetime(table["month"].astype(str).str[:7], format="%Y-%m")
    return table.sort_values(["variant", "month"], key=_appearance(rows["variant"]),
                             kind="stable").reset_index(drop=True)


def t_interval(
    mean: np.ndarray | pd.Series, sd: np.ndarray | pd.Series, n: np.ndarray | pd.Series,
    confidence: float = 0.95, *, sided: int = 2,
) -> np.ndarray:
    """Half-width of the t interval for a mean (NaN where n < 2): two-sided at
    `confidence`, or the one-sided distance when ``sided=1``."""
    n_arr = np.asarray(n, dtype=float)
    q = (1 + confidence) / 2 if sided == 2 else confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = stats.t.ppf(q, np.where(n_arr >= 2, n_arr - 1, np.nan))
        return np.asarray(quantile * np.asarray(sd, dtype=float) / np.sqrt(n_arr))


# ----------------------------------------------------------------------------- helpers


def _check(kpis: pd.DataFrame) -> None:
    missing = [c for c in [*KEYS, "closed", CLOSE_DAY] if c not in kpis]
    if missing:
        raise ValueError(f"kpis table lacks column(s): {', '.join(missing)}")
    duplicated = kpis.duplicated(KEYS)
    if duplicated.any():
        first = kpis.loc[duplicated, KEYS].iloc[0].to_dict()
        raise ValueError(f"kpis has more than one row per variant × replication × component, "
                         f"e.g. {first}")


def _pairs(kpis: pd.DataFrame, reference: str, variants: list[str]) -> pd.DataFrame:
    """One row per variant × replication × component present in both: ``*_v``, ``*_r``."""
    metrics = [m for m in METRICS if m in kpis]
    frame = kpis[[*KEYS, "closed", *metrics]].assign(variant=kpis["variant"].astype(str))
    frame["closed"] = (frame["closed"].fillna(False).astype(bool)
                       & frame[CLOSE_DAY].notna())
    ref = frame[frame["variant"] == reference].drop(columns="variant")
    var = frame[frame["variant"].isin(variants)]
    return var.merge(ref, on=["replication", "component"], suffixes=("_v", "_r"))


def _group_stats(values: pd.Series, groups: list[pd.Series], confidence: float,
                 ) -> pd.DataFrame:
    grouped = values.groupby(groups, sort=False)
    out = pd.DataFrame({"n_used": grouped.count(), "mean_difference": grouped.mean(),
                        "sd": grouped.std(ddof=1)})
    half = t_interval(out["mean_difference"], out["sd"], out["n_used"], confidence)
    out["ci_low"] = out["mean_difference"] - half
    out["ci_high"] = out["mean_difference"] + half
    return out


def _value_rows(pairs: pd.DataFrame, metric: str, confidence: float) -> pd.DataFrame:
    diff = pairs[f"{metric}_v"] - pairs[f"{metric}_r"]
    groups = [pairs["variant"], pairs["component"]]
    table = _group_stats(diff, groups, confidence)
    table.insert(0, "n_pairs", diff.groupby(groups, sort=False).size())
    table = table.reset_index()
    table.insert(2, "metric", metric)
    return table[table["n_used"] > 0]


def _close_day_rows(pairs: pd.DataFrame, censor: float, confidence: float) -> pd.DataFrame:
    cv, cr = pairs["closed_v"], pairs["closed_r"]
    dv, dr = pairs[f"{CLOSE_DAY}_v"], pairs[f"{CLOSE_DAY}_r"]
    groups = [pairs["variant"], pairs["component"]]
    both = cv & cr
    table = _group_stats((dv - dr).where(both), groups, confidence)
    flags = pd.DataFrame({"n_pairs": 1, "n_both_closed": both, "n_only_variant_closed": cv & ~cr,
                          "n_only_reference_closed": ~cv & cr, "n_neither_closed": ~cv & ~cr})
    counts = flags.astype(int).groupby(groups, sort=False).sum()
    substituted = (dv.where(cv, censor) - dr.where(cr, censor)).where(cv | cr)
    sub = substituted.groupby(groups, sort=False)
    mean, sd, n = sub.mean(), sub.std(ddof=1), sub.count()
    one_sided = t_interval(mean, sd, n, confidence, sided=1)
    only_v, only_r = counts["n_only_variant_closed"] > 0, counts["n_only_reference_closed"] > 0
    kind = np.select(
        [n == 0, only_v & only_r, only_v, only_r], ["no_information", "mixed", "at_most",
                                                    "at_least"], "none")
    has_bound = np.isin(kind, ["at_most", "at_least"])
    table = counts.join(table)
    table["share_censored"] = 1 - counts["n_both_closed"] / counts["n_pairs"]
    table["bound_kind"] = kind
    table["bound"] = mean.where(has_bound)
    table["bound_ci"] = (mean + np.where(kind == "at_most", one_sided, -one_sided)).where(
        has_bound)
    table = table.reset_index()
    table.insert(2, "metric", CLOSE_DAY)
    return table


def _finish(table: pd.DataFrame) -> pd.DataFrame:
    """Fixed column order and types; months for close days; NA where not applicable."""
    for column in _COUNTS:
        table[column] = table[column].astype("Int64") if column in table else pd.NA
    table["n_pairs"] = table["n_pairs"].astype("int64")
    table["n_used"] = table["n_used"].astype("int64")
    for column in ("share_censored", "bound", "bound_ci"):
        if column not in table:
            table[column] = np.nan
    if "bound_kind" not in table:
        table["bound_kind"] = pd.NA
    table["bound_kind"] = table["bound_kind"].astype("string")
    is_day = table["metric"] == CLOSE_DAY
    for column in _MONTH_COLUMNS:
        table[f"{column}_months"] = (table[column] / DAYS_PER_MONTH).where(is_day)
    return table[_empty().columns]


def _empty() -> pd.DataFrame:
    columns = ["variant", "reference", "component", "metric", "n_pairs", "n_used",
               "mean_difference", "sd", "ci_low", "ci_high", *_COUNTS, "share_censored",
               "bound_kind", "bound", "bound_ci", *(f"{c}_months" for c in _MONTH_COLUMNS)]
    return pd.DataFrame(columns=columns)


def _as_gains(diff: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    flip = {"at_most": "at_least", "at_least": "at_most"}
    gains = pd.DataFrame({
        "stage": _added_stages(before, after),
        "before": before,
        "after": after,
        "component": diff["component"],
        "metric": diff["metric"],
        "n_pairs": diff["n_pairs"],
        "n_used": diff["n_used"],
        "gain": 0.0 - diff["mean_difference"],  # 0.0 - x: no negative zeros
        "sd": diff["sd"],
        "ci_low": 0.0 - diff["ci_high"],
        "ci_high": 0.0 - diff["ci_low"],
        "n_both_closed": diff["n_both_closed"],
        "share_censored": diff["share_censored"],
        "bound_kind": diff["bound_kind"].replace(flip),
        "bound": 0.0 - diff["bound"],
        "bound_ci": 0.0 - diff["bound_ci"],
    })
    is_day = gains["metric"] == CLOSE_DAY
    for column in ("gain", "ci_low", "ci_high", "bound", "bound_ci"):
        gains[f"{column}_months"] = (gains[column] / DAYS_PER_MONTH).where(is_day)
    return gains


def _added_stages(before: str, after: str) -> str:
    """Stages in `after` but not `before` ("+"-joined stage sets, "none" = empty), or
    ``after`` itself when the names are not stage sets."""
    sets = [set() if name == NO_STAGES else set(name.split("+")) for name in (before, after)]
    if not all(s <= set(STAGES) for s in sets):
        return after
    added = [s for s in STAGES if s in sets[1] - sets[0]]
    return "+".join(added) if added else NO_STAGES


def _component_order(components: pd.Series) -> list[str]:
    """Components in order of first appearance, ``all`` last."""
    seen = list(dict.fromkeys(components.astype(str)))
    return [c for c in seen if c != ALL] + ([ALL] if ALL in seen else [])


def _appearance(variants: pd.Series) -> Callable[[pd.Series], pd.Series]:
    """A sort key for `DataFrame.sort_values`: variants in order of appearance."""
    order = {n: i for i, n in enumerate(dict.fromkeys(variants.astype(str)))}

    def key(column: pd.Series) -> pd.Series:
        return column.map(order) if column.name == "variant" else column

    return key
