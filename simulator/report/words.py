"""The report's words: the questions it answers, the stages' names, and how dates, money,
numbers and shares are written (one way everywhere: findings, tables, assumptions)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulator.analysis.common import ALL, FEW_REPLICATIONS, STAGES  # noqa: F401 (shared)

STAGE_NAMES = {
    "sharing": "stage 1 (sharing spare capacity)",
    "procurement": "stage 2 (new machines)",
    "investment": "stage 3 (new plants)",
}
STAGE_SHORT = {"sharing": "stage 1", "procurement": "stage 2", "investment": "stage 3"}
QUESTIONS = {
    "gains": "What does each added stage gain?",
    "changes": "What changes between the variants, and by how much?",
    "when": "When is the shortfall closed?",
    "stages": "Which stage does most, and when?",
    "cost": "What does it cost?",
    "certainty": "How certain is this?",
    "held_back": "What holds it back?",
}


@dataclass(frozen=True)
class Finding:
    """One sentence answering one of the `QUESTIONS` (its key in `question`)."""

    question: str
    text: str


def in_question_order(findings: list[Finding]) -> list[Finding]:
    order = {q: i for i, q in enumerate(QUESTIONS)}
    return sorted(findings, key=lambda f: order.get(f.question, len(order)))


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def month(value: Any) -> str:
    """A date as "March 2028" ("—" when missing or not a date)."""
    day = as_date(value)
    return "—" if day is None else f"{MONTHS[day.month - 1]} {day.year}"


def money(value: float | None, currency: str = "") -> str:
    """1.19e12 -> "RUB 1,190 bn", 2.3e9 -> "RUB 2.30 bn", 4.5e8 -> "RUB 450 m"."""
    if value is None or not finite(value):
        return "—"
    size, suffix = next(((s, x) for s, x in ((1e9, " bn"), (1e6, " m")) if abs(value) >= s),
                        (1.0, ""))
    scaled = value / size
    if abs(scaled) >= 100 or not suffix:
        text = f"{scaled:,.0f}"
    elif abs(scaled) >= 10:
        text = f"{scaled:,.1f}"
    else:
        text = f"{scaled:,.2f}"
    return f"{currency} {text}{suffix}".strip()


def number(value: float | None) -> str:
    """2787.65 -> "2,788", 16.74 -> "17", 6.08 -> "6.1", 0.25 -> "0.25"."""
    if value is None or not finite(value):
        return "—"
    if abs(value) >= 10:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.2g}"


def amount(value: float | None) -> str:
    """A mean count or number of days: 16.74 -> "16.7", 295.6 -> "296", 0.04 -> "0.04"."""
    if value is None or not finite(value):
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.2g}"


def days(value: float | None) -> str:
    """A number of days, whole: 53.58 -> "54", 1234.5 -> "1,234"."""
    return "—" if value is None or not finite(value) else f"{value:,.0f}"


def months(value: float) -> str:
    """A number of months, unsigned, to one decimal: 13.57 -> "13.6"."""
    return f"{abs(value):.1f}"


def short_name(name: str) -> str:
    """A component's name for running text, without its bracketed detail:
    "Lighting (LED and halogen head and rear lamps)" -> "lighting"."""
    return lower_first(re.sub(r"\s*\([^)]*\)", "", name).strip() or name)


def share(value: float | None) -> str:
    """0.813 -> "81%" ("<1%" for small non-zero shares)."""
    if value is None or not finite(value):
        return "—"
    if 0 < abs(value) < 0.005:
        return "<1%"
    return f"{100 * value:.0f}%"


def as_date(value: Any) -> dt.date | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """Lower-case the first letter of an ordinary word ("The" -> "the", "RUB" stays)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def sentence(text: str) -> str:
    text = cap(text.strip())
    return text if text.endswith((".", "!", "?")) else text + "."


def join_and(items: Sequence[str]) -> str:
    """"a, b and c"; "a; b; and c" when an item has its own "and" or comma."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if any(" and " in i or ", " in i for i in items):
        return "; ".join(items[:-1]) + "; and " + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]


def se_words(se: float | None) -> str:
    return f" (± {100 * se:.0f} pp)" if se else ""


def ci_words(entry: dict, fmt: Callable[[float], str]) -> str:
    low, high = entry.get("ci95_low"), entry.get("ci95_high")
    if low is None or high is None or not (finite(low) and finite(high)):
        return ""
    return f" (95% CI {fmt(low)} to {fmt(high)})"
