"""How paired differences are said: months earlier or later with their 95% intervals, the
shortfall value left, the analysis' notes where nothing changes ("is not closed by
December 2030 with or without it"), and lists of the components that change most.

Positive always means the variant (or the added stage) does better. Nothing is computed:
the numbers are the analysis tables' (`differences`, `stage_gains`).
"""

from __future__ import annotations

import pandas as pd

from simulator.report.batch_numbers import BatchNumbers, cell
from simulator.report.changes import held_back_figures, notable_changes
from simulator.report.words import days, finite, money, months, share

MAX_NAMED = 3  # components named in one sentence
MIN_MONTHS = 0.5  # a change in time to close smaller than this is not named per component


def months_words(row: pd.Series, subject: str, closed: str | None = None) -> str:
    """"the overall shortfall closes 2.3 months earlier on average (95% CI 1.5 to 3.1)",
    "… later …", or "no clear difference in when … closes (95% CI …)"; `closed` is added
    inside the brackets."""
    e, low, high = (cell(row, k) for k in ("earlier_months", "earlier_months_low",
                                            "earlier_months_high"))
    tail = f"; {closed}" if closed else ""
    word = "earlier" if e > 0 else "later"
    if not (finite(low) and finite(high)):
        return f"{subject} closes {months(e)} months {word} (one future: no interval{tail})"
    if low > 0 or high < 0:
        low, high = sorted((abs(low), abs(high)))
        return (f"{subject} closes {months(e)} months {word} on average (95% CI "
                f"{months(low)} to {months(high)}{tail})")
    if max(abs(low), abs(high)) < 0.05:
        return f"{subject} closes no earlier or later on average (under 0.1 month{tail})"
    return (f"no clear difference in when {subject} closes (95% CI from {months(low)} "
            f"months later to {months(high)} earlier{tail})")


def closed_shares(row: pd.Series) -> str | None:
    """"closed by the end in 29% of futures instead of 0%" for a stage gain."""
    n = cell(row, "n_pairs")
    both = cell(row, "n_both_closed")
    after, before = cell(row, "n_only_after_closed"), cell(row, "n_only_before_closed")
    if not n or not all(finite(x) for x in (both, after, before)):
        return None
    with_, without = (both + after) / n, (both + before) / n
    if with_ == without:
        return None
    return f"closed by the end in {share(with_)} of futures instead of {share(without)}"


def note_words(note: str, subject: str, who: str) -> str:
    """The analysis' note on an unchanged time to close, about `subject`, `who` saying
    which sides ("with or without it", "in either variant")."""
    if note.startswith("neither closes by "):
        return f"{subject} is not closed by {note.removeprefix('neither closes by ')} {who}"
    if note.startswith("already closed by "):
        return f"{subject} is {note}"
    if note == "closes on the same day in every future":
        return f"{subject} closes on the same day in every future {who}"
    return f"{subject} {note}"


def removed_words(row: pd.Series, currency: str, column: str = "removed") -> str | None:
    """"RUB 276 bn less shortfall value is left over the run (95% CI …)", "… more …", or
    "no clear difference in …" (positive = less left)."""
    value = cell(row, column)
    low, high = cell(row, f"{column}_low"), cell(row, f"{column}_high")
    if not finite(value):
        return None
    if value == 0 and low == 0 and high == 0:
        return "the same shortfall value is left in every future"
    if value > 0 and (not finite(low) or low > 0):
        return (f"{money(value, currency)} less shortfall value is left over the run"
                f"{ci_money(low, high, currency)}")
    if value < 0 and (not finite(high) or high < 0):
        return (f"{money(-value, currency)} more shortfall value is left over the run"
                f"{ci_money(-high, -low, currency)}")
    return (f"no clear difference in the shortfall value left over the run (95% CI from "
            f"{money(-low, currency)} more to {money(high, currency)} less)")


def ci_money(low: float, high: float, currency: str) -> str:
    """" (95% CI RUB 1.00 bn to RUB 3.00 bn)", or the reason there is none."""
    if not (finite(low) and finite(high)):
        return " (one future: no interval)"
    return f" (95% CI {money(low, currency)} to {money(high, currency)})"


def clear_changes(rows: pd.DataFrame) -> tuple[list[pd.Series], list[pd.Series]]:
    """Rows whose time to close changes clearly (interval clear of 0, at least
    `MIN_MONTHS`): earlier ones and later ones, the largest first."""
    earlier, later = [], []
    for _, r in rows.iterrows():
        e, low, high = (cell(r, k) for k in ("earlier_months", "earlier_months_low",
                                              "earlier_months_high"))
        if str(r.get("note") or "") or not finite(e) or abs(e) < MIN_MONTHS:
            continue
        if finite(low) and low > 0:
            earlier.append(r)
        elif finite(high) and high < 0:
            later.append(r)
    key = lambda r: -abs(cell(r, "earlier_months"))  # noqa: E731
    return sorted(earlier, key=key), sorted(later, key=key)


def component_list(b: BatchNumbers, rows: list[pd.Series], word: str, *,
                    verb_form: bool = True, waits: dict[str, tuple[str, str]] | None = None
                    ) -> str:
    """"bearings 13.6 months later on average (95% CI 9.9 to 17.2), lighting 3.3 (2.0 to
    4.7)"; with `verb_form` False: "bearings by 13.6 months on average (…)"; `waits`: the
    change in a component's machines' wait for a supplier slot, said inside its brackets;
    components beyond `MAX_NAMED` are named after "by less"."""
    parts: list[str] = []
    for i, r in enumerate(rows[:MAX_NAMED]):
        e, low, high = (abs(cell(r, k)) for k in ("earlier_months", "earlier_months_low",
                                                   "earlier_months_high"))
        low, high = min(low, high), max(low, high)
        ci = f"95% CI {months(low)} to {months(high)}" if i == 0 else \
            f"{months(low)} to {months(high)}"
        component = str(r["component"])
        if waits and component in waits:
            before, after = waits[component]
            ci += (f"; its machines wait {before} → {after} days for a supplier slot"
                   if not any("machines wait" in p for p in parts)
                   else f"; machines wait {before} → {after} days")
        size = months(e)
        if i == 0:
            size = f"by {size} months on average" if not verb_form else \
                f"{size} months {word} on average"
        elif not verb_form:
            size = f"by {size}"
        parts.append(f"{b.name(component)} {size} ({ci})")
    text = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    rest = [b.name(str(r["component"])) for r in rows[MAX_NAMED:]]
    return text + (f"; by less: {', '.join(rest)}" if rest else "")


def machine_waits(b: BatchNumbers, reference: str, variant: str, *,
                  longer_only: bool = False) -> dict[str, tuple[str, str]]:
    """Per component whose machines wait much longer (or, unless `longer_only`, shorter)
    for a supplier slot under `variant` than under `reference`: the mean wait in days,
    reference and variant ("46", "166")."""
    figures = held_back_figures(b.tables, [reference, variant],
                                component_names=b.component_names,
                                supplier_names=b.supplier_names, currency=b.currency)
    changed = notable_changes(figures, reference, variant, groups=("component",), skip=())
    changed = changed[changed["key"].str.startswith("slot_wait_mean_days:")]
    if longer_only:
        changed = changed[changed[variant] > changed[reference]]
    return {str(r["subject"]): (days(r[reference]), days(r[variant]))
            for _, r in changed.iterrows()}
