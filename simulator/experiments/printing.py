"""Short tables of a batch's answer, in plain words, for the terminal.

Each function takes a batch's `RunResult` and returns a DataFrame of display strings:
what each added stage gains (`stage_gains_table`), how scenarios compare with the first
(`compare_table`), and each sweep point's outcome (`sweep_table`). Nothing is computed here
that the result's tables do not already hold. `column_widths` lays such a table out for a
terminal so that its lines wrap only between words (ids are never cut).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, cast

import pandas as pd

from simulator.summary import short_amount

if TYPE_CHECKING:
    from simulator.results import RunResult

ALL = "all"


def _num(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out


def _months(row: pd.Series) -> str:
    """'7.2 (5.1 to 9.3)', or a bound where censoring leaves only one ('at least 12.0')."""
    used = _num(row.get("n_used"))
    gain = _num(row.get("gain_months", row.get("mean_difference_months")))
    text = ""
    if used > 0 and not math.isnan(gain):
        low, high = _num(row.get("ci_low_months")), _num(row.get("ci_high_months"))
        text = f"{gain:.1f} ({low:.1f} to {high:.1f})"
    kind = str(row.get("bound_kind") or "")
    bound = _num(row.get("bound_months"))
    if kind in ("at_least", "at_most") and not math.isnan(bound):
        words = "at least" if kind == "at_least" else "at most"
        text = f"{text}; {words} {bound:.1f}" if text else f"{words} {bound:.1f}"
    elif not text:
        text = "no information (never closed)" if kind == "no_information" else "—"
    return text


def _share(value: object) -> str:
    x = _num(value)
    return "—" if math.isnan(x) else f"{100 * x:.0f}%"


def stage_gains_table(result: RunResult) -> pd.DataFrame:
    """Per component and added stage: months earlier (95% CI), censored pairs, shortfall
    value removed."""
    gains = result.extra["stage_gains"]
    close = gains[gains["metric"] == "close_day"].set_index(["component", "stage"])
    value = gains[gains["metric"] == "cumulative_shortfall_value"].set_index(
        ["component", "stage"])
    rows = []
    for key, row in close.iterrows():
        component, stage = cast(tuple[str, str], key)
        removed = value["gain"].get(key, math.nan)
        rows.append({
            "component": component,
            "stage added": stage,
            "months earlier (95% CI)": _months(row),
            "pairs censored": _share(row["share_censored"]),
            "shortfall value removed": "—" if math.isnan(_num(removed))
            else short_amount(_num(removed)),
        })
    table = pd.DataFrame(rows)
    order = [ALL] + [c for c in dict.fromkeys(table["component"]) if c != ALL]
    table["_o"] = table["component"].map({c: i for i, c in enumerate(order)})
    return table.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


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


def _closed_share(result: RunResult) -> pd.Series:
    rows = result.kpis[result.kpis["component"] == ALL]
    return rows.groupby("variant", sort=False)["closed"].mean()


def compare_table(result: RunResult) -> pd.DataFrame:
    """Per variant (overall): P(closed by end), mean shortfall value, and the paired
    difference in close date against the first variant."""
    diffs = result.extra.get("differences", pd.DataFrame())
    close = diffs[(diffs["component"] == ALL) & (diffs["metric"] == "close_day")] \
        if len(diffs) else diffs
    value_rows = result.kpis[result.kpis["component"] == ALL]
    means = value_rows.groupby("variant", sort=False)["cumulative_shortfall_value"].mean()
    shares = _closed_share(result)
    rows = []
    for variant in result.variants():
        match = close[close["variant"] == variant] if len(close) else close
        rows.append({
            "variant": variant,
            "P(closed by end)": _share(shares.get(variant)),
            "mean shortfall value": short_amount(_num(means.get(variant))),
            "close date vs first, months (95% CI)":
                "reference" if not len(match) else _months(match.iloc[0]),
        })
    return pd.DataFrame(rows)


def sweep_table(result: RunResult) -> pd.DataFrame:
    """Per sweep point: the parameter values, P(closed by end) and mean shortfall value."""
    points = result.extra.get("points", pd.DataFrame({"variant": result.variants()}))
    value_rows = result.kpis[result.kpis["component"] == ALL]
    means = value_rows.groupby("variant", sort=False)["cumulative_shortfall_value"].mean()
    shares = _closed_share(result)
    table = points.astype(str).copy()
    table["P(closed by end)"] = [_share(shares.get(v)) for v in points["variant"]]
    table["mean shortfall value"] = [short_amount(_num(means.get(v))) for v in points["variant"]]
    # a terminal shows short headers that wrap between words, and the full paths below
    labels = parameter_labels([str(c) for c in points.columns if c != "variant"])
    table.attrs["console_headers"] = labels
    table.attrs["console_caption"] = "full paths: " + ", ".join(labels)
    return table


_STEP = re.compile(r"\.(?![^\[]*\])")  # a dot between steps, not inside a selector


def parameter_labels(paths: Sequence[str]) -> dict[str, str]:
    """Short headers for parameter paths: the fewest last steps (two at least) that tell
    the paths apart, with spaces where a header may wrap:
    `stages.procurement.suppliers[cn_cnc].slots` -> 'suppliers [cn_cnc] slots'."""
    steps = {path: _STEP.split(path) for path in paths}
    labels = {}
    for path, mine in steps.items():
        k = min(2, len(mine))
        while k < len(mine) and any(other[-k:] == mine[-k:]
                                    for q, other in steps.items() if q != path):
            k += 1
        labels[path] = " ".join(mine[-k:]).replace("[", " [")
    return labels


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
