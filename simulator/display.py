"""Short tables of an analysed batch's answer, in plain words, for the terminal and the
report.

Each function takes an analysed `RunResult` and returns a DataFrame of display strings:
what each added stage gains (`stage_gains_table`), how scenarios compare with the first
(`compare_table`), and each sweep point's outcome (`sweep_table`). One sign convention
everywhere, said in every header: months earlier (+) / later (−) than the reference, and
shortfall removed (+) against it, each with its 95% interval; money columns name the
currency. The numbers are the analysis tables' (`result.analysis`: `stage_gains`,
`differences`, `close_times`, `shortfall_totals`); nothing is computed here.
`column_widths` lays such a table out for a terminal so that its lines wrap only between
words (ids are never cut).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from simulator.analysis.close_dates import day_date
from simulator.analysis.common import ALL
from simulator.analysis.comparison import RESTRICTED_CLOSE
from simulator.analysis.labels import parameter_labels
from simulator.analysis.summary import short_amount

if TYPE_CHECKING:
    from simulator.results import RunResult


def _num(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out


def _share(value: object) -> str:
    x = _num(value)
    return "—" if math.isnan(x) else f"{100 * x:.0f}%"


def stage_gains_table(result: RunResult) -> pd.DataFrame:
    """Per component (overall first) and added stage: months earlier (+) / later (−) than
    without the stage with its 95% interval (restricted mean time to close; the reason in
    words where nothing changes), the share of futures closed by the end without and with
    the stage, and the shortfall value removed with its interval."""
    gains = _gains(result)
    currency = _currency(result)
    rows = []
    for _, row in gains.iterrows():
        before = _share_closed(row, "n_only_before_closed")
        after = _share_closed(row, "n_only_after_closed")
        rows.append({
            "component": row["component"],
            "stage added": row["stage"],
            f"{EARLIER} without the stage (95% CI)": months_cell(row),
            "closed by end: without → with": f"{before} → {after}",
            f"shortfall value removed{currency} (95% CI)": money_cell(
                row, "value_removed", "value_removed_low", "value_removed_high"),
        })
    return pd.DataFrame(rows)


def variant_outcomes_table(result: RunResult, component: str = ALL) -> pd.DataFrame:
    """Per variant, for one component: median close date (where more than half closed),
    its 10–90% range and P(closed by end) with its standard error (from the summary)."""
    variants = result.summary.get("variants") or {result.variants()[0]: result.summary}
    rows = []
    for name, summary in variants.items():
        entry = summary["components"].get(component)
        if entry is None:
            continue
        share, se = entry["share_closed_by_end"], entry["share_closed_by_end_se"] or 0.0
        p10, p90 = entry["close_date_p10"], entry["close_date_p90"]
        rows.append({
            "variant": name,
            "median close date": entry["median_close_date"] or "not closed by end",
            "10–90% range": "—" if p10 is None else p10 if p10 == p90 else f"{p10} – {p90}",
            "P(closed by end)": "—" if share is None
            else f"{100 * share:.0f}% ± {100 * se:.1f} pp",
        })
    return pd.DataFrame(rows)


def _overall(result: RunResult, table: str, column: str) -> dict[str, object]:
    """Per variant, one column of an analysis table's overall (``all``) rows."""
    frame = result.analysis[table]
    rows = frame[frame["component"] == ALL]
    return dict(zip(rows["variant"].astype(str), rows[column], strict=True))


def compare_table(result: RunResult) -> pd.DataFrame:
    """Per variant (overall): P(closed by end), mean shortfall value, and against the first
    variant: months earlier (+) / later (−) and shortfall value removed, with 95%
    intervals (paired futures)."""
    variants = result.variants()
    table = pd.DataFrame({"variant": variants})
    table = _with_differences(result, table, variants, variants[0])
    plants = result.analysis.get("plant_differences")
    if plants is not None and len(plants):
        overall = {str(r["variant"]): r for _, r in plants.iterrows()
                   if r["component"] == ALL}
        table[f"new plants produce, months later than {variants[0]} (95% CI)"] = [
            "reference" if v == variants[0] else
            plant_months_cell(overall[v]) if v in overall else "—" for v in variants]
    return table


def plant_months_cell(row: pd.Series) -> str:
    """'+3.1 (+2.0 to +4.2)' months later (−: earlier), from `plant_differences`."""
    return _interval_cell(row, "later_months", "one pair")


def sweep_table(result: RunResult) -> pd.DataFrame:
    """Per sweep point: the parameter values, mean shortfall value, and against the first
    point: months earlier (+) / later (−) and shortfall value removed, with 95% intervals
    (paired futures). (The share closed by the end is left out so that the table stays
    legible at 80 columns: the months column says where nothing closes.)"""
    points = result.extra.get("points", pd.DataFrame({"variant": result.variants()}))
    variants = [str(v) for v in points["variant"]]
    table = _with_differences(result, points.astype(str).copy(), variants,
                              variants[0], "the first point").drop(columns="P(closed by end)")
    # a terminal shows short headers that wrap between words, and the full paths below
    labels = parameter_labels([str(c) for c in points.columns if c != "variant"])
    table.attrs["console_headers"] = labels
    table.attrs["console_caption"] = "full paths: " + ", ".join(labels)
    return table


def months_cell(row: pd.Series) -> str:
    """'+8.2 (+5.2 to +11.3)' months earlier, '−1.5 (…)' later, or the reason in words
    where nothing changes ('0 — neither closes by December 2030')."""
    note = str(row.get("note") or "")
    if note:
        return f"0 — {note}"
    return _interval_cell(row, "earlier_months", "one future")


def _interval_cell(row: pd.Series, column: str, single: str) -> str:
    """'+8.2 (+5.2 to +11.3)' from `column` and its ``_low``/``_high``; '—' where missing,
    no interval where `single` (one future, one pair) is all there is."""
    value = _num(row.get(column))
    if math.isnan(value):
        return "—"
    low, high = _num(row.get(f"{column}_low")), _num(row.get(f"{column}_high"))
    if math.isnan(low) or math.isnan(high):
        return f"{_signed(value)} ({single}: no interval)"
    return f"{_signed(value)} ({_signed(low)} to {_signed(high)})"


def money_cell(row: pd.Series, mean: str, low: str, high: str) -> str:
    """'276 bn (270 bn to 282 bn)' (the currency is in the header), '—' where missing."""
    value = _num(row.get(mean))
    if math.isnan(value):
        return "—"
    lo, hi = _num(row.get(low)), _num(row.get(high))
    if math.isnan(lo) or math.isnan(hi):
        return f"{_amount(value)} (one future: no interval)"
    return f"{_amount(value)} ({_amount(lo)} to {_amount(hi)})"


EARLIER = "months earlier (+) / later (−) than"


def _with_differences(result: RunResult, table: pd.DataFrame, variants: list[str],
                      reference: str, reference_words: str | None = None) -> pd.DataFrame:
    """`table` (one row per variant, in `variants` order) with P(closed by end), the mean
    shortfall value and the overall paired differences against `reference`."""
    currency = _currency(result)
    means = _overall(result, "shortfall_totals", "cumulative_shortfall_value")
    shares = _overall(result, "close_times", "share_closed")
    diffs = _differences(result, reference)
    overall_diffs = diffs[diffs["component"] == ALL]
    close = {str(r["variant"]): r for _, r in overall_diffs.iterrows()
             if r["metric"] == RESTRICTED_CLOSE}
    value = {str(r["variant"]): r for _, r in overall_diffs.iterrows()
             if r["metric"] == "cumulative_shortfall_value"}
    against = reference_words or reference
    months, removed = [], []
    for variant in variants:
        if variant == reference:
            months.append("reference")
            removed.append("reference")
            continue
        months.append(months_cell(close[variant]) if variant in close else "—")
        removed.append(money_cell(value[variant], "removed", "removed_low", "removed_high")
                       if variant in value else "—")
    table["P(closed by end)"] = [_share(shares.get(v)) for v in variants]
    table[f"mean shortfall value{currency}"] = [short_amount(_num(means.get(v)))
                                                for v in variants]
    table[f"{EARLIER} {against} (95% CI)"] = months
    table[f"shortfall value removed vs {against}{currency} (95% CI)"] = removed
    return table


def _gains(result: RunResult) -> pd.DataFrame:
    """What each added stage gains (the analysis' `stage_gains` table)."""
    return result.analysis["stage_gains"]


def _differences(result: RunResult, reference: str) -> pd.DataFrame:
    """Paired differences against `reference` (the analysis' `differences`, taken against
    the study's reference; a table against another variant is refused)."""
    table = result.analysis["differences"]
    if len(table) and not (table["reference"] == reference).all():
        raise ValueError(f"the differences are taken against {table['reference'].iloc[0]!r}, "
                         f"not {reference!r}")
    return table


def _currency(result: RunResult) -> str:
    """', RUB' for a header, or '' where the run names no currency."""
    currency = result.meta.get("currency") or (
        (result.scenario_dict.get("scenario") or {}).get("currency"))
    return f", {currency}" if currency else ""


def _share_closed(row: pd.Series, only: str) -> str:
    """The share of paired futures closed by the end on one side of a stage gain."""
    n = _num(row.get("n_pairs"))
    closed = _num(row.get("n_both_closed")) + _num(row.get(only))
    return "—" if not n or math.isnan(closed) else f"{100 * closed / n:.0f}%"


def _signed(value: float) -> str:
    """+8.2, −1.5 (a true minus sign), and 0.0 without a sign."""
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text.replace("-", "−")


def _amount(value: float) -> str:
    """`short_amount` with a true minus sign."""
    return short_amount(value).replace("-", "−")


def column_widths(columns: Sequence[Sequence[str]], available: int,
                  length: Callable[[str], int] = len) -> list[int]:
    """Widths for a terminal table's columns, each given as its header then its cells, that
    fit in `available` characters where the words allow, text wrapping only between words.

    From every text on one line, the columns are narrowed one cut at a time, each cut the
    one that adds the fewest lines to the table per character it saves (the headers are
    one row, so they wrap first). No column narrows below its longest word: a table whose
    words cannot fit is left wider than `available`.
    """
    words = [[[length(word) for word in text.split()] for text in column]
             for column in columns]
    widths = [max(length(text) for text in column) for column in columns]
    floors = [max((max(w, default=0) for w in column), default=0) for column in words]
    memo: dict[tuple[int, int], list[int]] = {}

    def lines(i: int, width: int) -> list[int]:
        if (i, width) not in memo:
            memo[i, width] = [_line_count(w, width) for w in words[i]]
        return memo[i, width]

    while (excess := sum(widths) - available) > 0:
        cuts = []
        for i in range(len(columns)):
            others = [max(row) for row in zip([1] * len(words[i]), *(
                lines(j, widths[j]) for j in range(len(columns)) if j != i), strict=True)]
            now = sum(map(max, others, lines(i, widths[i])))
            for width in range(max(floors[i], widths[i] - excess), widths[i]):
                rise, saved = sum(map(max, others, lines(i, width))) - now, widths[i] - width
                cuts.append((rise / saved, -saved, sum(lines(i, width)), -widths[i], i, width))
        if not cuts:
            break
        *_, i, width = min(cuts)
        widths[i] = width
    return widths


def _line_count(words: list[int], width: int) -> int:
    """Lines that words of these lengths fill at `width`, wrapped between words."""
    count, used = 1, 0
    for word in words:
        if used and used + 1 + word > width:
            count, used = count + 1, word
        else:
            used += word + (1 if used else 0)
    return count


def backcast_words(table: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """The back-cast table (`simulator.analysis.backcast.backcast_table`) in words: the
    model's 10–90% band and the observation in the quantity's own terms (dates, days,
    units, per cent, money), hit or miss, and where the observation sits in the model's
    distribution."""
    rows = []
    for row in table.itertuples(index=False):
        kind = str(row.quantity)
        low_value, high_value = _num(row.observed_min), _num(row.observed_max)
        point = low_value == high_value
        low, high = (_backcast_value(kind, v, start) for v in (row.observed_min,
                                                                 row.observed_max))
        if point:
            observed = low
        elif math.isinf(low_value):
            observed = f"≤ {high}"
        elif math.isinf(high_value):
            observed = f"≥ {low}"
        else:
            observed = f"{low} – {high}"
        where = (f"{_share(row.share_at_or_below)} ≤ it" if point else
                 f"{_share(row.share_within)} in it")
        rows.append({"observation": str(row.id),
                     "model 10–90% band": f"{_backcast_value(kind, row.low, start)} – "
                                          f"{_backcast_value(kind, row.high, start)}",
                     "observed": observed, "result": "hit" if row.hit else "MISS",
                     "runs": where, "conf": str(row.confidence)})
    table = pd.DataFrame(rows, columns=["observation", "model 10–90% band", "observed",
                                        "result", "runs", "conf"])
    table.attrs["console_caption"] = ("runs: the share of replications at or below the "
                                      "observed value (≤ it) or inside its range (in it)")
    return table


def _backcast_value(kind: str, number: object, start: dt.date) -> str:
    """One band edge or observed bound of a back-cast quantity, in its own terms."""
    value = _num(number)
    if math.isinf(value):
        return "after end" if kind == "project_finish" else "never"
    if kind == "project_finish":
        return day_date(start, value).isoformat()
    if kind == "qualification_days":
        return f"{value:,.0f} days"
    if kind in ("supply_change", "local_share"):
        return f"{100 * value:+.1f}%" if kind == "supply_change" else f"{100 * value:.1f}%"
    return short_amount(value)
