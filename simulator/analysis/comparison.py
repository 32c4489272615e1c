"""How fast each stage set closes the shortfall, and what one variant gains over another.

Close days are censored at the horizon: a future that never closes has no close day. The
measures here stay defined on every scenario all the same: the restricted mean time to
close (a future that never closes counts as the horizon ``N``, SPEC.md §6;
`simulator.analysis.close_dates`) and its differences. `paired_differences` pairs
replications (common random numbers) and takes reference − variant, so that **positive
always means the variant is better** (closes earlier, less shortfall); `stage_gains` does
it for each added stage of a sequence.
`yearly_differences` says year by year how much of the gap each variant serves and how
much shortfall it removes; `reduction_dates` by when a stage set has cut the shortfall by
half and by 90%. Pure functions: tidy DataFrames in, tidy DataFrames out, nothing read.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulator.analysis.common import ALL, DAYS_PER_MONTH, STAGES
from simulator.analysis.estimates import (
    binomial_se,
    interval_table,
    t_half,
)
from simulator.analysis.frames import close_frame, component_order, variant_order
from simulator.experiments.attribution import NO_STAGES, STAGE_SEQUENCE

RESTRICTED_CLOSE = "restricted_mean_close"
SHORTFALL = "cumulative_shortfall"
SHORTFALL_VALUE = "cumulative_shortfall_value"
METRICS = (RESTRICTED_CLOSE, SHORTFALL, SHORTFALL_VALUE)
SAME_DAY = "closes on the same day in every future"
KEYS = ["variant", "replication", "component"]
REDUCTION_LEVELS = (0.5, 0.9)

__all__ = [
    "METRICS", "NO_STAGES", "RESTRICTED_CLOSE", "SAME_DAY", "STAGE_SEQUENCE",
    "horizon_words", "paired_differences", "reduction_dates", "stage_gains",
    "yearly_differences",
]


# ------------------------------------------------------------------------ close times


# ---------------------------------------------------------------- paired differences


def paired_differences(
    kpis: pd.DataFrame,
    reference: str,
    variants: Sequence[str] | None,
    n_days: int,
    *,
    start_date: dt.date | str | None = None,
    confidence: float = 0.95,
    censor_day: float | None = None,
) -> pd.DataFrame:
    """Paired differences reference − variant: positive = the variant is better.

    Replication r of every variant shares every random draw (common random numbers), so
    the difference is taken replication by replication and its t interval
    (``scipy.stats.t``) comes from those paired differences.

    Parameters
    ----------
    kpis
        A batch's ``kpis`` table: ``variant``, ``replication``, ``component`` (with
        ``all``), ``closed``, ``close_day``, ``cumulative_shortfall`` (units; NaN on
        ``all``) and ``cumulative_shortfall_value``.
    reference
        The variant the others are compared with.
    variants
        The variants to compare (None: every other variant, in order of appearance).
    n_days
        ``N``, the number of days in the run: a side that never closes counts as ``N``.
    start_date
        The scenario start: the notes then name the last month of the run ("neither
        closes by December 2030") instead of "within the run".
    confidence
        Level of the two-sided intervals and of the one-sided bound's limit.
    censor_day
        The day put in for a side that never closed in the (secondary) one-sided bound
        (default ``N``); see Notes.

    Returns
    -------
    pandas.DataFrame
        One row per variant × component × ``metric`` (variants in the order asked,
        ``all`` first), columns ``variant``, ``reference``, ``component``, ``metric``,
        ``n_pairs`` (replications present on both sides) and ``sd`` (of the row's paired
        differences), then

        - for ``metric = "restricted_mean_close"``: ``earlier_days`` — the mean over
          pairs of (reference close day − variant close day), a side that never closes
          counting as ``N`` — with its interval ``earlier_days_low`` / ``_high``, the same
          in months (``earlier_months``, ``_low``, ``_high``; days / 365.25 × 12);
          ``note`` — words where the difference is exactly 0 in every pair ("neither
          closes by December 2030", "closes on the same day in every future", or both
          mixed), else empty; the counts ``n_both_closed``, ``n_only_variant_closed``,
          ``n_only_reference_closed``, ``n_neither_closed``; and the secondary figures:
          ``both_closed_earlier_days`` (mean over the pairs where both sides close, with
          ``_low`` / ``_high``, and ``both_closed_earlier_months`` with ``_low`` /
          ``_high``), ``bound_kind``, ``bound_days``, ``bound_ci_days``,
          ``bound_months``, ``bound_ci_months``;
        - for ``cumulative_shortfall`` (components only, units) and
          ``cumulative_shortfall_value`` (currency): ``removed`` — the mean over pairs of
          reference − variant — with ``removed_low`` / ``removed_high``.

        Columns that do not apply to a row's metric are NaN (``note`` empty).

    Notes
    -----
    The restricted-mean difference exists whenever the two sides differ at all and is
    exactly 0 (with a zero-width interval) where they never do. Intervals are NaN with a
    single pair (no spread to estimate) and of zero width when every pair has the same
    difference.

    The one-sided bound (secondary): over the pairs where at least one side closed, each
    not-closed side is given ``censor_day`` and ``bound_days`` is the mean of these
    differences. Only the reference side ever censored (the variant closes where the
    reference does not, never the other way round): every substituted difference is at
    most the true one (the reference would have closed at ``censor_day`` or later), so the
    variant closes on average *at least* ``bound_days`` earlier over those pairs:
    ``bound_kind = "at_least"``. Only the variant side censored: ``"at_most"``. Both:
    ``"mixed"`` (no bound, NaN); no one-sided censoring: ``"none"``; no pair with a closed
    side: ``"no_information"``. ``bound_ci_days`` is the one-sided limit at `confidence`
    on the bound's side. A run counts a close only if it is held ``close_hold_days``
    inside the run, so pass ``censor_day = N - close_hold_days + 1`` for a bound that
    holds strictly.
    """
    _check_kpis(kpis)
    order = variant_order(kpis)
    if reference not in order:
        raise ValueError(f"reference variant {reference!r} is not in the kpis table "
                         f"(variants: {', '.join(order)})")
    wanted = [v for v in (order if variants is None else list(variants)) if v != reference]
    unknown = [v for v in wanted if v not in order]
    if unknown:
        raise ValueError(f"variant(s) {', '.join(map(repr, unknown))} not in the kpis table")
    pairs = _pairs(kpis, reference, wanted, n_days)
    censor = float(n_days if censor_day is None else censor_day)
    end = horizon_words(start_date, n_days)
    parts = [_close_rows(pairs, censor, confidence, end)]
    for metric in (SHORTFALL, SHORTFALL_VALUE):
        if f"{metric}_v" in pairs:
            parts.append(_removed_rows(pairs, metric, confidence))
    table = pd.concat([p for p in parts if len(p)], ignore_index=True) if len(pairs) else \
        pd.DataFrame(columns=_DIFFERENCE_COLUMNS)
    table["reference"] = reference
    for column in _DIFFERENCE_COLUMNS:
        if column not in table:
            table[column] = "" if column == "note" else np.nan
    table = table[_DIFFERENCE_COLUMNS]
    table["note"] = table["note"].fillna("").astype(str)
    rank = {
        "variant": {v: i for i, v in enumerate(wanted)},
        "component": {c: i for i, c in enumerate(component_order(kpis["component"]))},
        "metric": {m: i for i, m in enumerate(METRICS)},
    }
    table = table.sort_values(["variant", "component", "metric"],
                              key=lambda s: s.map(rank[str(s.name)]), kind="stable")
    for column in _COUNTS:
        table[column] = table[column].astype("Int64")
    table["n_pairs"] = table["n_pairs"].astype("int64")
    return table.reset_index(drop=True)


def stage_gains(
    kpis: pd.DataFrame,
    n_days: int,
    sequence: Sequence[str] = STAGE_SEQUENCE,
    *,
    start_date: dt.date | str | None = None,
    confidence: float = 0.95,
    censor_day: float | None = None,
) -> pd.DataFrame:
    """What each added stage gains, per component and overall (``all``).

    For each consecutive pair (``before``, ``after``) of stage sets in `sequence` — the
    variant names of a stages run, stages joined with "+" in the announced order
    (``sharing+procurement``), ``none`` for no stages (put it first to credit sharing too)
    — the `paired_differences` of ``after`` against ``before``.

    Returns
    -------
    pandas.DataFrame
        One row per added stage × component (sequence order, ``all`` first): ``stage``
        (the stage(s) in ``after`` not in ``before``; ``after`` itself when the names are
        not stage sets), ``before``, ``after``, ``component``, ``n_pairs``;
        ``earlier_months`` with ``earlier_months_low`` / ``_high`` (restricted mean time
        to close: months earlier (+) or later (−) with the stage, a future that never
        closes counting as the horizon) and ``earlier_days`` with ``_low`` / ``_high``;
        ``note`` (words where nothing changes in any future: "already closed by sharing"
        where ``before`` closes on the same day in every future, "neither closes by
        December 2030" where no side ever closes, else as `paired_differences` words it;
        empty where something changes); ``n_both_closed``, ``n_only_after_closed``,
        ``n_only_before_closed``, ``n_neither_closed``; the secondary figures
        ``both_closed_earlier_months`` (``_low``, ``_high``), ``bound_kind``,
        ``bound_months``, ``bound_ci_months`` (as in `paired_differences`, ``at_least`` =
        the stage gains at least that much); ``value_removed`` with ``_low`` / ``_high``
        (cumulative shortfall value, currency) and ``units_removed`` with ``_low`` /
        ``_high`` (cumulative shortfall in the component's units; NaN on ``all``).
    """
    if len(sequence) < 2:
        raise ValueError("stage_gains needs at least two stage sets in `sequence`")
    present = variant_order(kpis)
    missing = [name for name in sequence if name not in present]
    if missing:
        raise ValueError(f"stage set(s) {', '.join(map(repr, missing))} not in the kpis "
                         f"table (variants: {', '.join(present)})")
    parts = []
    for before, after in zip(sequence[:-1], sequence[1:], strict=True):
        diff = paired_differences(kpis, before, [after], n_days, start_date=start_date,
                                  confidence=confidence, censor_day=censor_day)
        parts.append(_as_gains(diff, before, after))
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------- year by year


def yearly_differences(yearly: pd.DataFrame, reference: str,
                       variants: Sequence[str] | None = None, *,
                       confidence: float = 0.95) -> pd.DataFrame:
    """Year by year: the share of the gap each variant serves, and the shortfall it
    removes against `reference` (paired by replication).

    Parameters
    ----------
    yearly
        A batch's ``yearly`` table: ``variant``, ``replication``, ``year``, ``component``
        (``all`` rows value-weighted), ``gap``, ``served_sharing``, ``served_procurement``,
        ``served_investment``, ``shortfall`` (amounts over the year: units for a
        component, currency on ``all``).
    reference
        The variant compared with.
    variants
        Variants to compare (None: every other variant, in order of appearance).

    Returns
    -------
    pandas.DataFrame
        One row per variant × year × component (``all`` first): ``variant``,
        ``reference``, ``year``, ``component``, ``n_pairs``, ``unit`` (``"currency"`` on
        ``all``, ``"units"`` for a component); the shares of the year's gap served —
        summed over the year and over the variant's replications, divided by the gap
        summed the same way, NaN where there is no gap — in total (``share_served``), by
        stage (``share_served_sharing``, ``share_served_procurement``,
        ``share_served_investment``) and by the reference (``share_served_reference``);
        and ``removed`` — the mean over pairs of the reference's shortfall minus the
        variant's that year (positive = the variant leaves less missing) — with its t
        interval ``removed_low`` / ``removed_high`` (NaN for one pair, zero width where
        every pair removes the same).
    """
    if reference not in variant_order(yearly):
        raise ValueError(f"reference variant {reference!r} is not in the yearly table")
    order = variant_order(yearly)
    wanted = [v for v in (order if variants is None else list(variants)) if v != reference]
    served = [f"served_{s}" for s in STAGES if f"served_{s}" in yearly]
    keys = ["variant", "year", "component"]
    frame = yearly.assign(variant=yearly["variant"].astype(str),
                          component=yearly["component"].astype(str))
    sums = frame.groupby(keys, sort=False)[["gap", *served]].sum()
    gap = sums["gap"].where(sums["gap"] > 0)
    shares = sums[served].div(gap, axis=0)
    shares.columns = [f"share_{c}" for c in served]
    shares.insert(0, "share_served", sums[served].sum(axis=1) / gap)
    ref = frame[frame["variant"] == reference]
    pairs = frame[frame["variant"].isin(wanted)].merge(
        ref[["replication", "year", "component", "shortfall"]],
        on=["replication", "year", "component"], suffixes=("_v", "_r"))
    removed = interval_table(pairs["shortfall_r"] - pairs["shortfall_v"],
                              [pairs[k] for k in keys], confidence)
    table = removed.rename(columns={"n": "n_pairs", "mean": "removed", "low": "removed_low",
                                    "high": "removed_high"}).drop(columns="sd")
    table = table.join(shares, how="left")
    ref_share = shares["share_served"].xs(reference, level="variant")
    table = table.reset_index()
    table["share_served_reference"] = pd.MultiIndex.from_frame(
        table[["year", "component"]]).map(ref_share.to_dict()).to_numpy(float) \
        if len(table) else np.nan
    table["reference"] = reference
    table["unit"] = np.where(table["component"] == ALL, "currency", "units")
    for stage in STAGES:
        if f"share_served_{stage}" not in table:
            table[f"share_served_{stage}"] = np.nan
    columns = ["variant", "reference", "year", "component", "n_pairs", "unit",
               "share_served", *(f"share_served_{s}" for s in STAGES),
               "share_served_reference", "removed", "removed_low", "removed_high"]
    rank = {"variant": {v: i for i, v in enumerate(wanted)},
            "component": {c: i for i, c in enumerate(component_order(frame["component"]))}}
    table = table.sort_values(
        ["variant", "year", "component"], kind="stable",
        key=lambda s: s.map(rank[str(s.name)]) if s.name in rank else s)
    return table[columns].reset_index(drop=True)


def reduction_dates(series_all: pd.DataFrame, against: str, start_date: dt.date | str, *,
                    levels: Sequence[float] = REDUCTION_LEVELS) -> pd.DataFrame:
    """By when each stage set has cut the value-weighted shortfall by half and by 90%.

    Parameters
    ----------
    series_all
        The monthly ``series`` rows of component ``all``: ``variant``, ``replication``,
        ``month`` (``YYYY-MM``), ``gap`` and ``shortfall`` (currency per year). Rows of
        other components are ignored.
    against
        What the cut is measured against: ``"none"`` — no action, the gap itself (so the
        cut is the share of the gap served) — or a variant name (e.g. ``"sharing"``: what
        the later stages add to sharing alone, in the same future and month).
    start_date
        The scenario start, for the ``*_months`` columns.
    levels
        The cuts asked for (shares of the reference shortfall).

    Returns
    -------
    pandas.DataFrame
        One row per variant (all but `against`) × level: ``variant``, ``against``,
        ``level``, ``n`` (replications), ``n_reached``, ``share_reached`` (futures whose
        cut reaches the level in some month of the run) and ``se`` (binomial);
        ``median_month``, ``p10_month``, ``p90_month`` (``YYYY-MM``), the same as dates
        (``median_date``, ``p10_date``, ``p90_date``: the last day of that month, "by")
        and as months from the start to that date (``median_months``, ``p10_months``,
        ``p90_months``).

    Notes
    -----
    In replication r the cut in month m is ``1 − shortfall_variant / shortfall_against``
    (monthly means); the month reached is the first month in which the cut is at least the
    level (it need not hold afterwards). A month in which the reference shortfall is 0
    (at most 1e-9 of that month's gap: nothing to cut) is skipped: it can neither reach
    nor fail the level. A future that never reaches the level counts as +infinity, never
    as the end, so quantile q is given only where more than a share q of futures reach it
    (the median only where more than half do), as for close dates; it is the first month
    by which at least a share q of all futures have reached the level (the inverse of the
    empirical distribution, no averaging between months). Missing quantiles are NA / NaT /
    NaN.
    """
    rows = series_all[series_all["component"].astype(str) == ALL] \
        if "component" in series_all else series_all
    # months as whole numbers from the first ('YYYY-MM' text sorts in time): parsing the
    # text of every row, and merging on it, took most of the time
    text = rows["month"].astype(str).str[:7]
    months = sorted(str(month) for month in text.unique())
    frame = rows[["variant", "replication", "gap", "shortfall"]].assign(
        variant=rows["variant"].astype(str), k=pd.Index(months).get_indexer(pd.Index(text)))
    variants = [v for v in variant_order(frame) if v != against]
    if against == NO_STAGES:
        ref = frame[["replication", "k", "gap"]].drop_duplicates(["replication", "k"])
        ref = ref.assign(shortfall_ref=ref["gap"]).drop(columns="gap")
    else:
        if against not in set(frame["variant"].unique()):
            raise ValueError(f"variant {against!r} is not in the series table")
        ref = frame.loc[frame["variant"] == against, ["replication", "k", "shortfall"]]
        ref = ref.rename(columns={"shortfall": "shortfall_ref"})
    pairs = frame[frame["variant"].isin(variants)].merge(ref, on=["replication", "k"])
    usable = pairs["shortfall_ref"] > 1e-9 * pairs["gap"].clip(lower=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = 1 - pairs["shortfall"] / pairs["shortfall_ref"]
    start = pd.Timestamp(start_date)
    base = pd.Period(months[0], freq="M") if len(pairs) else None
    out = []
    for variant in variants:
        mine = pairs["variant"] == variant
        replications = pairs.loc[mine, "replication"].unique()
        for level in levels:
            reached = mine & usable & (cut >= level - 1e-12)
            first = pairs.loc[reached].groupby("replication")["k"].min()
            values = first.reindex(replications).to_numpy(float)
            values = np.where(np.isnan(values), np.inf, values)
            out.append(_reduction_row(variant, against, level, values, base, start))
    columns = ["variant", "against", "level", "n", "n_reached", "share_reached", "se",
               *(f"{q}_{kind}" for kind in ("month", "date", "months")
                 for q in ("median", "p10", "p90"))]
    table = pd.DataFrame(out, columns=columns)
    for q in ("median", "p10", "p90"):
        table[f"{q}_month"] = table[f"{q}_month"].astype("string")
        table[f"{q}_date"] = pd.to_datetime(table[f"{q}_date"])
    return table


def horizon_words(start_date: dt.date | str | None, n_days: int) -> str:
    """"December 2030" (the month of the run's last day), or "the end of the run"."""
    if start_date is None:
        return "the end of the run"
    last = pd.Timestamp(start_date) + pd.Timedelta(days=n_days - 1)
    return f"{last:%B %Y}"


# ----------------------------------------------------------------------------- helpers

_COUNTS = ("n_both_closed", "n_only_variant_closed", "n_only_reference_closed",
           "n_neither_closed")
_CLOSE_COLUMNS = [
    "earlier_days", "earlier_days_low", "earlier_days_high", "earlier_months",
    "earlier_months_low", "earlier_months_high", "note", *_COUNTS,
    "both_closed_earlier_days", "both_closed_earlier_days_low",
    "both_closed_earlier_days_high", "both_closed_earlier_months",
    "both_closed_earlier_months_low", "both_closed_earlier_months_high", "bound_kind",
    "bound_days", "bound_ci_days", "bound_months", "bound_ci_months"]
_DIFFERENCE_COLUMNS = ["variant", "reference", "component", "metric", "n_pairs", "sd",
                       *_CLOSE_COLUMNS, "removed", "removed_low", "removed_high"]


def _check_kpis(kpis: pd.DataFrame) -> None:
    missing = [c for c in [*KEYS, "closed", "close_day"] if c not in kpis]
    if missing:
        raise ValueError(f"kpis table lacks column(s): {', '.join(missing)}")
    duplicated = kpis.duplicated(KEYS)
    if duplicated.any():
        first = kpis.loc[duplicated, KEYS].iloc[0].to_dict()
        raise ValueError("kpis has more than one row per variant × replication × "
                         f"component, e.g. {first}")


def _pairs(kpis: pd.DataFrame, reference: str, variants: list[str], n_days: int,
           ) -> pd.DataFrame:
    """One row per variant × replication × component present on both sides: ``closed_*``,
    ``day_*`` (close day, ``n_days`` where not closed), shortfall columns ``*_v``/``*_r``."""
    frame = pd.DataFrame({"variant": kpis["variant"].astype(str),
                          "replication": kpis["replication"],
                          "component": kpis["component"].astype(str)})
    close = close_frame(kpis, n_days)
    frame["closed"], frame["day"] = close["is_closed"], close["day"]
    for metric in (SHORTFALL, SHORTFALL_VALUE):
        if metric in kpis:
            frame[metric] = kpis[metric].astype(float)
    ref = frame[frame["variant"] == reference].drop(columns="variant")
    var = frame[frame["variant"].isin(variants)]
    return var.merge(ref, on=["replication", "component"], suffixes=("_v", "_r"))


def _close_rows(pairs: pd.DataFrame, censor: float, confidence: float, end: str,
                ) -> pd.DataFrame:
    """The ``restricted_mean_close`` rows of `paired_differences`."""
    groups = [pairs["variant"], pairs["component"]]
    cv, cr = pairs["closed_v"], pairs["closed_r"]
    earlier = pairs["day_r"] - pairs["day_v"]
    main = interval_table(earlier, groups, confidence)
    table = pd.DataFrame({"n_pairs": main["n"], "sd": main["sd"],
                          "earlier_days": main["mean"], "earlier_days_low": main["low"],
                          "earlier_days_high": main["high"]})
    flags = pd.DataFrame({"n_both_closed": cv & cr, "n_only_variant_closed": cv & ~cr,
                          "n_only_reference_closed": ~cv & cr,
                          "n_neither_closed": ~cv & ~cr})
    table = table.join(flags.astype(int).groupby(groups, sort=False).sum())
    both = interval_table(earlier.where(cv & cr), groups, confidence)
    table["both_closed_earlier_days"] = both["mean"]
    table["both_closed_earlier_days_low"] = both["low"]
    table["both_closed_earlier_days_high"] = both["high"]
    all_zero = (earlier == 0).groupby(groups, sort=False).all()
    table["note"] = [_same_note(z, row, end) for z, (_, row) in
                     zip(all_zero.reindex(table.index), table.iterrows(), strict=True)]
    table = table.join(_bound(pairs, censor, confidence, groups))
    for column in ("earlier", "both_closed_earlier"):
        for suffix in ("", "_low", "_high"):
            table[f"{column}_months{suffix}"] = table[f"{column}_days{suffix}"] / DAYS_PER_MONTH
    table["bound_months"] = table["bound_days"] / DAYS_PER_MONTH
    table["bound_ci_months"] = table["bound_ci_days"] / DAYS_PER_MONTH
    table = table.reset_index()
    table["metric"] = RESTRICTED_CLOSE
    return table


def _same_note(all_zero: bool, row: pd.Series, end: str) -> str:
    """Words for a row whose difference is 0 in every pair ("" where it is not)."""
    if not all_zero:
        return ""
    neither, n = int(row["n_neither_closed"]), int(row["n_pairs"])
    if neither == n:
        return f"neither closes by {end}"
    if neither == 0:
        return SAME_DAY
    return (f"closes on the same day in every future where it closes; neither closes by "
            f"{end} in {neither} of {n}")


def _bound(pairs: pd.DataFrame, censor: float, confidence: float, groups: list[pd.Series],
           ) -> pd.DataFrame:
    """The secondary one-sided bound (see `paired_differences`): kind, value, limit."""
    cv, cr = pairs["closed_v"], pairs["closed_r"]
    substituted = (pairs["day_r"].where(cr, censor) - pairs["day_v"].where(cv, censor)
                   ).where(cv | cr)
    grouped = substituted.groupby(groups, sort=False)
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    only_v = (cv & ~cr).groupby(groups, sort=False).any()
    only_r = (~cv & cr).groupby(groups, sort=False).any()
    kind = pd.Series(np.select([n == 0, only_v & only_r, only_v, only_r],
                               ["no_information", "mixed", "at_least", "at_most"], "none"),
                     index=n.index)
    has = kind.isin(["at_least", "at_most"])
    limit = t_half(sd.to_numpy(float), n.to_numpy(float), confidence, sided=1)
    return pd.DataFrame({
        "bound_kind": kind.astype("string"),
        "bound_days": mean.where(has),
        "bound_ci_days": (mean + np.where(kind == "at_most", limit, -limit)).where(has),
    })


def _removed_rows(pairs: pd.DataFrame, metric: str, confidence: float) -> pd.DataFrame:
    """``removed`` = reference − variant of a shortfall metric, per variant × component."""
    groups = [pairs["variant"], pairs["component"]]
    table = interval_table(pairs[f"{metric}_r"] - pairs[f"{metric}_v"], groups, confidence)
    table = table[table["n"] > 0].rename(columns={
        "n": "n_pairs", "mean": "removed", "low": "removed_low", "high": "removed_high"})
    table = table.reset_index()
    table["metric"] = metric
    return table


def _stages_of(name: str) -> frozenset[str] | None:
    """The stages of a stage-set name (``none`` = empty), or None if it is not one."""
    if name == NO_STAGES:
        return frozenset()
    parts = frozenset(name.split("+"))
    return parts if parts <= set(STAGES) else None


def _added_stage(before: str, after: str) -> str:
    sets = _stages_of(before), _stages_of(after)
    if sets[0] is None or sets[1] is None:
        return after
    added = [s for s in STAGES if s in sets[1] - sets[0]]
    return "+".join(added) if added else NO_STAGES


def _set_words(name: str) -> str:
    """"sharing", "sharing and procurement", "no stages" — or the name itself."""
    stages = _stages_of(name)
    if stages is None:
        return name
    if not stages:
        return "no stages"
    names = [s for s in STAGES if s in stages]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _as_gains(diff: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """One stage's `paired_differences` (after against before) as one row per component."""
    close = diff[diff["metric"] == RESTRICTED_CLOSE].set_index("component")
    note = close["note"].where(close["note"] != SAME_DAY, f"already closed by "
                                                          f"{_set_words(before)}")
    gains = pd.DataFrame({
        "stage": _added_stage(before, after), "before": before, "after": after,
        "component": close.index, "n_pairs": close["n_pairs"].to_numpy(),
    })
    for column in ("earlier_months", "earlier_days"):
        for suffix in ("", "_low", "_high"):
            gains[f"{column}{suffix}"] = close[f"{column}{suffix}"].to_numpy(float)
    gains["note"] = note.to_numpy()
    gains["n_both_closed"] = close["n_both_closed"].to_numpy()
    gains["n_only_after_closed"] = close["n_only_variant_closed"].to_numpy()
    gains["n_only_before_closed"] = close["n_only_reference_closed"].to_numpy()
    gains["n_neither_closed"] = close["n_neither_closed"].to_numpy()
    for column in ("both_closed_earlier_months", "both_closed_earlier_months_low",
                   "both_closed_earlier_months_high", "bound_kind", "bound_months",
                   "bound_ci_months"):
        gains[column] = close[column].to_numpy()
    for metric, prefix in ((SHORTFALL_VALUE, "value"), (SHORTFALL, "units")):
        rows = diff[diff["metric"] == metric].set_index("component")
        for suffix in ("", "_low", "_high"):
            gains[f"{prefix}_removed{suffix}"] = gains["component"].map(
                rows[f"removed{suffix}"]).astype(float)
    return gains


def _reduction_row(variant: str, against: str, level: float, values: np.ndarray,
                   base: pd.Period | None, start: pd.Timestamp) -> dict:
    """One `reduction_dates` row from the first months reached (index from `base`, +inf
    where never reached)."""
    n = values.size
    k = int(np.isfinite(values).sum())
    share = k / n if n else math.nan
    row: dict[str, object] = {"variant": variant, "against": against, "level": level,
                              "n": n, "n_reached": k, "share_reached": share,
                              "se": binomial_se(share, n)}
    for name, q in (("median", 0.5), ("p10", 0.1), ("p90", 0.9)):
        month = _first_month_by_share(values, q)
        if month is None or base is None:
            row[f"{name}_month"], row[f"{name}_date"], row[f"{name}_months"] = \
                pd.NA, pd.NaT, math.nan
            continue
        period = base + month
        last_day = period.to_timestamp(how="end").normalize()
        row[f"{name}_month"] = str(period)
        row[f"{name}_date"] = last_day
        row[f"{name}_months"] = ((last_day - start).days + 1) / DAYS_PER_MONTH
    return row


def _first_month_by_share(values: np.ndarray, q: float) -> int | None:
    """The smallest value v with share(values ≤ v) ≥ q (inverse empirical CDF), given only
    where more than a share q of values are finite."""
    n = values.size
    finite = np.sort(values[np.isfinite(values)])
    if n == 0 or finite.size <= n * q + 1e-9:
        return None
    return int(finite[max(0, math.ceil(n * q - 1e-9) - 1)])
