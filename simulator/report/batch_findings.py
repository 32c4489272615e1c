"""Key findings of batches: stage attribution, comparisons and sweeps.

Rules as in `simulator.report.findings`, reading the batch summary and its analysis tables
(stage gains, paired differences, Shapley values, sweep points); each returns one
sentence or None. Censored pairs are said plainly, never turned into a difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simulator.report.findings import OVERALL, RunNumbers, run_findings
from simulator.report.words import (
    ALL,
    FEW_REPLICATIONS,
    STAGE_NAMES,
    STAGE_SHORT,
    STAGES,
    Finding,
    as_date,
    cap,
    finite,
    in_question_order,
    join_and,
    lower_first,
    money,
    month,
    sentence,
    share,
)


@dataclass
class BatchNumbers:
    """What the batch rules read: the batch summary, its analysis tables and its kind."""

    summary: dict  # with "variants": {name: run summary}
    kind: str  # "stages", "compare", "sweep" or "batch"
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    variants: list[str] = field(default_factory=list)

    def variant(self, name: str) -> dict:
        return (self.summary.get("variants") or {}).get(name, {})

    @property
    def currency(self) -> str:
        for summary in (self.summary.get("variants") or {}).values():
            if (summary.get("money") or {}).get("currency"):
                return summary["money"]["currency"]
        return (self.summary.get("meta") or {}).get("currency") or ""


def variant_label(name: str, kind: str) -> str:
    """A stage set as words ("stages 1 and 2"), any other variant name as it is."""
    if kind != "stages":
        return name
    if name == "none":
        return "no stage"
    stages = [s for s in STAGES if s in name.split("+")]
    if len(stages) == 3:
        return "all three stages"
    numbers = [STAGE_SHORT[s].removeprefix("stage ") for s in stages]
    if len(numbers) == 1:
        return f"stage {numbers[0]} only"
    return f"stages {join_and(numbers)}"


def variant_outcomes(b: BatchNumbers) -> str | None:
    """Per variant: how many futures close the overall shortfall, and the median date."""
    names = b.variants
    if b.kind == "stages" and len(names) > 4:  # Shapley: the announced sequence only
        names = [v for v in names if v in ("none", "sharing", "sharing+procurement",
                                           "sharing+procurement+investment")]
    parts = []
    for name in names[:6]:
        entry = b.variant(name).get("components", {}).get(ALL) or {}
        n, s = entry.get("n_replications") or 0, entry.get("share_closed_by_end")
        if not n or s is None:
            continue
        text = f"with {variant_label(name, b.kind)} in {round(s * n)} of {n} futures"
        median = entry.get("median_close_date")
        if median and s > 0.5:
            text += f" (median {month(median)})"
        parts.append(text)
    if not parts:
        return None
    end = as_date((b.variant(names[0]).get("horizon") or {}).get("end"))
    by = f"the end of the run ({month(end)})" if end else "the end of the run"
    return f"{cap(OVERALL)} is closed by {by} {'; '.join(parts)}."


def stage_gain(b: BatchNumbers, stage: str, component: str = ALL) -> str | None:
    """Months by which adding `stage` brings the close date forward, censoring said
    plainly, and the shortfall value it removes."""
    gains = b.extra.get("stage_gains")
    if gains is None or gains.empty:
        return None
    rows = gains[(gains["stage"] == stage) & (gains["component"] == component)]
    close = rows[rows["metric"] == "close_day"]
    value = rows[rows["metric"] == "cumulative_shortfall_value"]
    if close.empty and value.empty:
        return None
    name = cap(f"adding {STAGE_NAMES[stage]}")
    removed = _gain_value(value.iloc[0], b.currency) if not value.empty else None
    row = close.iloc[0] if not close.empty else None
    if row is not None and str(row.get("bound_kind")) == "no_information" \
            and not int(row.get("n_used") or 0):
        lead = f"{name} {removed}; no" if removed else f"For {STAGE_NAMES[stage]} no"
        return (f"{lead} months gained can be measured: with and without it the overall "
                "shortfall is not closed by the end in any paired future.")
    months = _gain_months(row) if row is not None else None
    if months and removed:
        return f"{name} {months}; it {removed}."
    return f"{name} {months or removed}." if months or removed else None


def shapley_shares(b: BatchNumbers, component: str = ALL) -> str | None:
    """Each stage's Shapley share of the shortfall value all three stages remove."""
    table = b.extra.get("shapley")
    if table is None or table.empty:
        return None
    rows = table[(table["component"] == component)
                 & (table["metric"] == "cumulative_shortfall_value")]
    rows = rows.sort_values("shapley", ascending=False)
    parts = []
    for _, r in rows.iterrows():
        stage = str(r["stage"])
        if stage not in STAGE_SHORT or not finite(r["share_of_total"]):
            continue
        low, high = money(_num(r, "ci_low"), b.currency), money(_num(r, "ci_high"), b.currency)
        parts.append(f"{STAGE_SHORT[stage]} {share(_num(r, 'share_of_total'))} "
                     f"({money(_num(r, 'shapley'), b.currency)}, 95% CI {low} to {high})")
    if not parts:
        return None
    return ("Of the shortfall value the three stages remove together, each stage's fair "
            f"share (Shapley value): {'; '.join(parts)}.")


def compare_difference(b: BatchNumbers, variant: str, component: str = ALL) -> str | None:
    """One variant against the reference: the close date and shortfall value, paired."""
    diffs = b.extra.get("differences")
    if diffs is None or diffs.empty:
        return None
    rows = diffs[(diffs["variant"] == variant) & (diffs["component"] == component)]
    if rows.empty:
        return None
    reference = str(rows["reference"].iloc[0])
    close = rows[rows["metric"] == "close_day"]
    value = rows[rows["metric"] == "cumulative_shortfall_value"]
    found = [_difference_months(close.iloc[0]) if not close.empty else None,
             _difference_value(value.iloc[0], b.currency) if not value.empty else None]
    said = [t for t in found if t]
    if not said:
        return None
    return f"Against {reference}, {variant} {join_and(said)}."


def sweep_extremes(b: BatchNumbers) -> str | None:
    """The sweep points that close the overall shortfall most and least often."""
    points = b.extra.get("points")
    scored = []
    for name in b.variants:
        entry = b.variant(name).get("components", {}).get(ALL) or {}
        s, n = entry.get("share_closed_by_end"), entry.get("n_replications") or 0
        value = (entry.get("cumulative_shortfall_value") or {}).get("mean")
        if s is not None and n:
            scored.append((s, -(value or 0.0), name, n))
    if len(scored) < 2:
        return None
    scored.sort()
    (s_lo, _, lo, n_lo), (s_hi, _, hi, n_hi) = scored[0], scored[-1]
    if s_lo == s_hi:
        return (f"Across the {len(scored)} sweep points {OVERALL} is closed by the end in "
                f"the same share of futures ({share(s_hi)}).")
    return (f"Across the {len(scored)} sweep points, {OVERALL} is closed by the end most "
            f"often at {hi}{_point_words(points, hi)} ({round(s_hi * n_hi)} of {n_hi} "
            f"futures) and least often at {lo}{_point_words(points, lo)} "
            f"({round(s_lo * n_lo)} of {n_lo}).")


def batch_precision(b: BatchNumbers) -> str | None:
    """Replications per variant, and what pairing the futures means."""
    ns = [int(n) for v in b.variants
          if (n := (b.variant(v).get("components", {}).get(ALL) or {}).get("n_replications"))]
    if not ns:
        return None
    n = min(ns)
    rough = (f" Only {n} per variant: read the differences and probabilities as rough."
             if n < FEW_REPLICATIONS else "")
    return (f"Each of the {len(b.variants)} variants runs the same {n} simulated futures "
            "(common random numbers), so differences are paired future by future; 95% "
            f"confidence intervals are t intervals over the pairs.{rough}")


def batch_findings(b: BatchNumbers, main: RunNumbers | None = None) -> list[Finding]:
    """The batch rules' sentences; then cost, certainty and constraint sentences of the
    `main` variant (for stage attribution: all three stages), labelled as such."""
    out: list[Finding] = []
    if text := variant_outcomes(b):
        out.append(Finding("when", text))
    if b.kind == "stages":
        out += [Finding("stages", t) for s in STAGES if (t := stage_gain(b, s))]
        if text := shapley_shares(b):
            out.append(Finding("stages", text))
    elif b.kind == "compare":
        out += [Finding("stages", t) for v in b.variants[1:] if (t := compare_difference(b, v))]
    elif b.kind == "sweep" and (text := sweep_extremes(b)):
        out.append(Finding("when", text))
    if text := batch_precision(b):
        out.append(Finding("certainty", text))
    if main is not None:
        name = str((main.summary.get("meta") or {}).get("variant"))
        label = cap(f"with {variant_label(name, b.kind)}")
        for finding in run_findings(main):
            if finding.question in ("cost", "held_back") or (
                    b.kind == "stages" and finding.question == "stages"
                    and not finding.text.startswith("Each stage reaches")):
                out.append(Finding(finding.question, f"{label}: {lower_first(finding.text)}"))
    out += [Finding("certainty", sentence(w)) for w in b.summary.get("warnings") or []
            if not w.startswith("only ")]
    return in_question_order(out)


def _num(row: Any, key: str) -> float:
    """A table cell as a float (NaN when missing or not a number)."""
    try:
        return float(row.get(key))
    except (TypeError, ValueError):
        return math.nan


def _months_ci(row: Any) -> str:
    return f"95% CI {_num(row, 'ci_low_months'):.1f} to {_num(row, 'ci_high_months'):.1f}"


def _gain_months(row: pd.Series) -> str | None:
    """The close-date part of a stage gain, with censoring said plainly."""
    used, censored = int(_num(row, "n_used") or 0), _num(row, "share_censored")
    kind, bound = str(row.get("bound_kind") or ""), _num(row, "bound_months")
    gain, low, high = (_num(row, k) for k in ("gain_months", "ci_low_months", "ci_high_months"))
    if used and finite(gain) and finite(low):
        ci = _months_ci(row)
        if low > 0:
            text = f"brings the overall close date forward by {gain:.1f} months ({ci})"
        elif high < 0:
            text = f"delays the overall close date by {-gain:.1f} months ({ci})"
        else:
            text = f"makes no clear difference to the overall close date ({gain:+.1f} months, {ci})"
        if censored > 0:
            text += (f", over the futures closed both with and without it ({share(censored)} "
                     "of the pairs are not closed by the end in one or both)")
        return text
    if kind == "at_least" and finite(bound):
        return (f"brings the overall close date forward by at least {bound:.1f} months "
                f"(without it the overall shortfall is not closed by the end in "
                f"{share(censored)} of the paired futures, so only a bound can be given)")
    if kind == "at_most" and finite(bound):
        return (f"changes the overall close date by at most {bound:.1f} months (censored "
                f"pairs: {share(censored)})")
    return None


def _gain_value(row: pd.Series, currency: str) -> str | None:
    gain, low, high = _num(row, "gain"), _num(row, "ci_low"), _num(row, "ci_high")
    if not (finite(gain) and finite(low) and finite(high)):
        return None
    ci = f"95% CI {money(low, currency)} to {money(high, currency)}"
    if low > 0:
        return f"removes {money(gain, currency)} of cumulative shortfall value ({ci})"
    if high < 0:
        return f"adds {money(-gain, currency)} of cumulative shortfall value ({ci})"
    return f"makes no clear difference to the cumulative shortfall value ({ci})"


def _difference_months(row: pd.Series) -> str | None:
    """A paired close-date difference (variant minus reference) in words."""
    used, kind = int(_num(row, "n_used") or 0), str(row.get("bound_kind") or "")
    bound = _num(row, "bound_months")
    d, low, high = (_num(row, k) for k in ("mean_difference_months", "ci_low_months",
                                            "ci_high_months"))
    if used and finite(d) and finite(low):
        ci = _months_ci(row)
        if high < 0:
            return f"closes the overall shortfall {-d:.1f} months earlier ({ci})"
        if low > 0:
            return f"closes the overall shortfall {d:.1f} months later ({ci})"
        return f"makes no clear difference to the overall close date ({d:+.1f} months, {ci})"
    if not finite(bound) or kind not in ("at_most", "at_least"):
        if kind == "no_information":
            return ("does not close the overall shortfall by the end in any paired future, "
                    "nor does the reference")
        return None
    bound_note = "(censored pairs: only a bound can be given)"
    if kind == "at_most":
        if bound < 0:
            return f"closes the overall shortfall at least {-bound:.1f} months earlier {bound_note}"
        return f"closes the overall shortfall at most {bound:.1f} months later {bound_note}"
    if bound > 0:
        return f"closes the overall shortfall at least {bound:.1f} months later {bound_note}"
    return f"closes the overall shortfall at most {-bound:.1f} months earlier {bound_note}"


def _difference_value(row: pd.Series, currency: str) -> str | None:
    d, low, high = _num(row, "mean_difference"), _num(row, "ci_low"), _num(row, "ci_high")
    if not (finite(d) and finite(low) and finite(high)):
        return None
    ci = f"95% CI {money(low, currency)} to {money(high, currency)}"
    if high < 0:
        return f"leaves {money(-d, currency)} less cumulative shortfall value ({ci})"
    if low > 0:
        return f"leaves {money(d, currency)} more cumulative shortfall value ({ci})"
    return f"makes no clear difference to the cumulative shortfall value ({ci})"


def _point_words(points: pd.DataFrame | None, name: str) -> str:
    if points is None or points.empty or "variant" not in points:
        return ""
    row = points[points["variant"] == name]
    if row.empty:
        return ""
    values = [f"{c} = {_plain(v)}" for c, v in row.iloc[0].items() if c != "variant"]
    return f" ({', '.join(values)})" if values else ""


def _plain(value: Any) -> str:
    if isinstance(value, float) and finite(value):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"
    return str(value)
