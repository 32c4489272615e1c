"""Key findings: sentences written from the numbers by small rules, never by hand.

Each rule is a small function that reads a summary (`simulator.analysis.summary.summarise`) — and,
for batches, the analysis tables (stage gains, differences, Shapley values, sweep points)
— and returns one plain-language sentence, or None when the numbers give nothing to say.
A rule names a stage only where the numbers show it serving part of the gap (or where it
says plainly that the stage serves none), and a date only where the summary defines it (a
median close date only where more than half the futures closed). The rules are grouped by
the five questions the report answers first; `key_findings` runs them on a `RunResult`.
Batches' rules are in `simulator.report.batch_findings`; the words (months, money,
shares) in `simulator.report.words`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from simulator.analysis.summary import threshold_sentence
from simulator.report.words import (
    ALL,
    FEW_REPLICATIONS,
    STAGE_NAMES,
    STAGE_SHORT,
    STAGES,
    Finding,
    as_date,
    cap,
    ci_words,
    finite,
    in_question_order,
    join_and,
    lower_first,
    money,
    month,
    number,
    se_words,
    sentence,
    share,
)

MIN_SHARE = 0.01  # a stage must serve at least 1% of a year's gap to be named for it
OVERALL = "the overall shortfall (all components, weighted by value)"


@dataclass
class RunNumbers:
    """What the run rules read: one variant's summary and a few facts of the scenario."""

    summary: dict
    enabled: tuple[str, ...] | None = None  # stages in the scenario (None: not known)
    suppliers: pd.DataFrame | None = None  # per supplier: means over replications
    supplier_names: dict[str, str] = field(default_factory=dict)

    @property
    def overall(self) -> dict:
        return self.summary.get("components", {}).get(ALL, {})

    @property
    def components(self) -> dict[str, dict]:
        return {c: e for c, e in self.summary.get("components", {}).items() if c != ALL}

    @property
    def currency(self) -> str:
        return (self.summary.get("money") or {}).get("currency") or ""

    @property
    def start(self) -> dt.date | None:
        return as_date((self.summary.get("horizon") or {}).get("start"))

    @property
    def end(self) -> dt.date | None:
        return as_date((self.summary.get("horizon") or {}).get("end"))


Rule = Callable[[RunNumbers], "str | None"]


# ------------------------------------------------------------------ when it closes


def overall_close(x: RunNumbers) -> str | None:
    """How many futures close the overall shortfall, by when (median, 90%)."""
    entry = x.overall
    n, share = entry.get("n_replications") or 0, entry.get("share_closed_by_end")
    if not n or share is None:
        return None
    k, end = round(share * n), _end_words(x)
    median, p90 = entry.get("median_close_date"), entry.get("close_date_p90")
    if median and share > 0.5:
        if as_date(p90) is not None and share > 0.9:
            return (f"In 9 of 10 simulated futures {OVERALL} is closed by {month(p90)}; "
                    f"in half of them by {month(median)}.")
        return (f"In half of the simulated futures {OVERALL} is closed by {month(median)}; "
                f"in {k} of {n} it is closed by {end}, in {n - k} it is not.")
    if k == 0:
        return f"{cap(OVERALL)} is not closed by {end} in any of the {n} simulated futures."
    return (f"{cap(OVERALL)} is not closed by {end} in {n - k} of {n} simulated futures, "
            "so no median close date can be given.")


def close_threshold(x: RunNumbers) -> str | None:
    """The overall headline under the close threshold used and its two neighbours: what
    "closed" means decides how often it happens."""
    return threshold_sentence(x.summary)


def overall_by_year(x: RunNumbers) -> str | None:
    """The chance the overall shortfall is closed by each year end (from the first > 0)."""
    rows = [r for r in x.overall.get("closed_by_year_end") or [] if r.get("probability")
            is not None]
    first = next((i for i, r in enumerate(rows) if r["probability"] > 0), None)
    if first is None:
        return None
    rows = rows[first:]
    if len(rows) > 4:
        rows = [*rows[:3], rows[-1]]
    parts = [f"{r['year']}: {share(r['probability'])}{se_words(r.get('se'))}" for r in rows]
    return f"Chance the overall shortfall is closed by the end of {'; '.join(parts)}."


def components_never_closed(x: RunNumbers) -> str | None:
    """Components not closed by the end in any simulated future."""
    never = [_name(c, e) for c, e in x.components.items()
             if e.get("n_replications") and e.get("share_closed_by_end") == 0]
    if not never:
        return None
    return f"Never closed by {_end_words(x)} in any simulated future: {join_and(never)}."


def components_rarely_closed(x: RunNumbers) -> str | None:
    """Components closed by the end in some futures but not in more than half."""
    rare = [f"{_name(c, e)} ({share(e['share_closed_by_end'])})" for c, e in x.components.items()
            if e.get("share_closed_by_end") is not None and 0 < e["share_closed_by_end"] <= 0.5]
    if not rare:
        return None
    return (f"Closed by {_end_words(x)} in only half of the futures or fewer: "
            f"{join_and(rare)}.")


def close_order(x: RunNumbers) -> str | None:
    """The earliest and the latest components to close (medians, where defined)."""
    dated = sorted(((d, _name(c, e)) for c, e in x.components.items()
                    if (d := as_date(e.get("median_close_date"))) is not None
                    and (e.get("share_closed_by_end") or 0) > 0.5))
    if not dated:
        return None
    if len(dated) == 1:
        return f"Median close date of {dated[0][1]}: {month(dated[0][0])}."
    early = "; ".join(f"{n} in {month(d)}" for d, n in dated[: min(3, len(dated) - 1)])
    last_date, last = dated[-1]
    return (f"Earliest to close (medians): {early}. The latest of those closed in most "
            f"futures: {last}, in {month(last_date)}.")


# ----------------------------------------------------------------- which stage, when


def stage_leaders(x: RunNumbers) -> str | None:
    """Which stage serves the largest share of the overall gap, year by year."""
    years = x.overall.get("gap_share_by_year") or []
    leaders: list[tuple[int, str | None]] = []
    for row in years:
        shares = {s: row.get(s) or 0.0 for s in STAGES}
        best = max(shares, key=lambda s: shares[s])
        leaders.append((int(row["year"]), best if shares[best] >= MIN_SHARE else None))
    runs = _runs(leaders)
    named = [(stage, a, b) for stage, a, b in runs if stage is not None]
    if not named:
        return None
    last_year = leaders[-1][0]
    parts = []
    for i, (stage, a, b) in enumerate(named):
        when = _years_words(a, b, last_year, whole=len(runs) == 1)
        name = STAGE_NAMES[stage] if i == 0 else _stage_again(stage, named[:i])
        parts.append(f"{name} {when}" if i else f"{cap(name)} serves the largest share of "
                     f"the gap {when}")
    return join_and(parts) + "."


def never_qualified(x: RunNumbers) -> str | None:
    """How much of the capacity offered by sharing and new plants never qualified (only
    where some did not: a scenario whose qualification cannot fail says nothing)."""
    means = x.overall.get("means") or {}
    offered, lost = means.get("offered_value"), means.get("never_qualified_value")
    if not offered or lost is None or not lost > 0:
        return None
    parts = []
    for stage, words in (("sharing", "shared lines"), ("investment", "new plants")):
        names = [_name(c, e) for c, e in x.components.items()
                 if ((e.get("means") or {}).get(f"capacity_never_qualified_{stage}") or 0) > 0]
        if names:
            parts.append(f"{words} for {join_and(names)}")
    return (f"{share(lost / offered)} of the capacity offered by shared lines and new "
            f"plants (by value, mean over futures) never qualified by {_end_words(x)}: "
            f"{'; '.join(parts)}.")


def stage_shares_last_year(x: RunNumbers) -> str | None:
    """Each stage's share of the overall gap in the last year, and what is still missing."""
    years = x.overall.get("gap_share_by_year") or []
    if not years:
        return None
    row = years[-1]
    served = [f"{STAGE_SHORT[s]} {share(row[s])}" for s in STAGES
              if (row.get(s) or 0) >= MIN_SHARE / 2]
    missing = row.get("shortfall")
    tail = f"; {share(missing)} is still missing" if missing is not None else ""
    if not served:
        return f"In {row['year']} no stage serves a noticeable share of the gap{tail}."
    return f"Share of the overall gap served in {row['year']}: {', '.join(served)}{tail}."


def idle_stages(x: RunNumbers) -> str | None:
    """Stages enabled that serve (almost) none of the gap in any year; stages left out."""
    years = x.overall.get("gap_share_by_year") or []
    enabled = x.enabled if x.enabled is not None else STAGES
    idle = [s for s in enabled if years and all((r.get(s) or 0) < MIN_SHARE / 2 for r in years)]
    off = [s for s in STAGES if s not in enabled]
    parts = []
    if idle:
        verb = "serves" if len(idle) == 1 else "serve"
        parts.append(f"{cap(join_and([STAGE_NAMES[s] for s in idle]))} {verb} none of the gap "
                     "in any year")
    if off:
        parts.append(f"this scenario runs without {join_and([STAGE_NAMES[s] for s in off])}")
    return cap("; ".join(parts)) + "." if parts else None


def stage_speed(x: RunNumbers) -> str | None:
    """When each stage reaches half of its own peak (median over the futures it serves)."""
    start, n = x.start, x.overall.get("n_replications") or 0
    if start is None:
        return None
    parts = []
    for stage in STAGES:
        entry = (x.overall.get("stage_speed") or {}).get(stage) or {}
        days, served = entry.get("t50_days_median"), entry.get("t50_n") or 0
        if days is None or not served:
            continue
        when = month(start + dt.timedelta(days=float(days)))
        some = f" (in the {served} of {n} futures where it serves)" if served < n else ""
        parts.append(f"{STAGE_SHORT[stage]} by {when}{some}")
    if not parts:
        return None
    return f"Each stage reaches half of its own peak (median): {'; '.join(parts)}."


# -------------------------------------------------------------------------- cost


def capex_by_stage(x: RunNumbers) -> str | None:
    """Mean capex committed and spent per paying stage by the end."""
    money_ = x.summary.get("money") or {}
    committed, spent = money_.get("capex_committed") or {}, money_.get("capex_spent") or {}
    parts = []
    for stage in STAGES:
        c, s = committed.get(stage), spent.get(stage)
        if not (c or s):
            continue
        parts.append(f"{STAGE_NAMES[stage]} {money(c or 0, x.currency)} committed and "
                     f"{money(s or 0, x.currency)} spent")
    if not parts:
        return "No stage commits any capex." if committed or spent else None
    before = money_.get("capex_before_start") or 0
    tail = (f" Of the spending, {money(before, x.currency)} came before the start, on "
            "projects already under way.") if before > 0 else ""
    return f"Capex by {_end_words(x)}, on average: {'; '.join(parts)}.{tail}"


def net_value(x: RunNumbers) -> str | None:
    """SPEC's `npv` under its true name — the gross value of the parts served (at
    `unit_value`) less capex spent — with its 95% confidence interval."""
    npv = (x.summary.get("money") or {}).get("npv") or {}
    if npv.get("mean") is None:
        return None
    rate = (x.summary.get("money") or {}).get("discount_rate") or 0.0
    ci = ci_words(npv, lambda v: money(v, x.currency))
    when = f"discounted at {100 * rate:g}% a year" if rate else "undiscounted"
    return (f"Gross value served less capex (the specification's npv, {when}; parts valued "
            f"at unit_value, no operating cost, no import price): "
            f"{money(npv['mean'], x.currency)}{ci}; capacity still useful after the end is "
            "not credited.")


def economic_value(x: RunNumbers) -> str | None:
    """Per stage and overall: the economic NPV at the stated real rate with its 95% CI,
    the IRR and the payback (means over the futures where defined, saying in how many)."""
    economics = x.summary.get("economics") or {}
    stages, n = economics.get("stages") or {}, economics.get("n_total") or 0
    if not stages or not n:
        return None
    currency = economics.get("currency") or x.currency
    parts = []
    for stage in (*STAGES, ALL):
        entry = stages.get(stage)
        if entry is None or (stage != ALL and x.enabled is not None
                             and stage not in x.enabled):
            continue
        npv = entry["economic_npv"]
        if npv.get("mean") is None:
            continue
        name = "all stages" if stage == ALL else STAGE_NAMES[stage]
        ci = ci_words(npv, lambda v: money(v, currency))
        parts.append(f"{name} {money(npv['mean'], currency)}{ci}, "
                     f"{_defined_words(entry['irr'], n, 'IRR', _rate_words)}, "
                     f"{_defined_words(entry['payback_years'], n, 'payback', _years_words_)}")
    if not parts:
        return None
    rate = economics.get("real_discount_rate") or 0.0
    year = economics.get("price_year")
    prices = f" at {year} prices" if year is not None else ""
    return (f"Economic NPV of import substitution ((import price − domestic unit cost) × units "
            f"served, less capex; {currency}{prices}, at a real {100 * rate:g}% a year), "
            f"IRR and payback: {'; '.join(parts)}. IRR and payback are means over the futures "
            "where they are defined; a stage without capex has no IRR; capacity still useful "
            "after the end is not credited.")


def _defined_words(entry: dict, n: int, what: str, fmt: Callable[[float], str]) -> str:
    if not entry.get("n") or entry.get("mean") is None:
        return f"{what} undefined"
    where = "" if entry["n"] == n else f" (in {entry['n']} of {n} futures)"
    return f"{what} {fmt(entry['mean'])}{where}"


def _rate_words(value: float) -> str:
    return f"{100 * value:.1f}% a year"


def _years_words_(value: float) -> str:
    return f"{value:.1f} years"


def cost_per_unit(x: RunNumbers) -> str | None:
    """The cheapest and dearest capacity each paying stage adds (per unit of annual
    capacity), across components."""
    parts = []
    for stage in ("procurement", "investment"):
        costs = sorted((v, _name(c, e)) for c, e in x.components.items()
                       if (v := (e.get("cost_per_unit_added") or {}).get(stage)) is not None)
        if not costs:
            continue
        (low, low_name), (high, high_name) = costs[0], costs[-1]
        if len(costs) == 1:
            parts.append(f"{STAGE_SHORT[stage]} {money(low, x.currency)} for {low_name}")
        else:
            parts.append(f"{STAGE_SHORT[stage]} from {money(low, x.currency)} for {low_name} "
                         f"to {money(high, x.currency)} for {high_name}")
    if not parts:
        return None
    return f"Capex per unit of annual capacity added: {'; '.join(parts)}."


# --------------------------------------------------------------------- certainty


def precision(x: RunNumbers) -> str | None:
    """How many futures, and the Monte Carlo standard error of the probabilities."""
    n = x.overall.get("n_replications") or 0
    if not n:
        return None
    ses = [r["se"] for e in x.summary.get("components", {}).values()
           for r in e.get("closed_by_year_end") or [] if r.get("se") is not None]
    worst = max(ses, default=0.0)
    if n < FEW_REPLICATIONS:
        if worst > 0:
            size = f"up to ±{100 * worst:.1f} percentage points"
        else:
            size = f"±{100 * math.sqrt(0.25 / n):.1f} percentage points near 50%"
        return (f"Only {n} simulated futures were run, so read the probabilities as rough: "
                f"their Monte Carlo standard error is {size}; run more replications for "
                "firmer figures.")
    return (f"Based on {n} simulated futures; the probabilities carry a Monte Carlo "
            f"standard error of at most ±{100 * worst:.1f} percentage points.")


def close_date_spread(x: RunNumbers) -> str | None:
    """The 10–90% range of the overall close date."""
    p10, p90 = x.overall.get("close_date_p10"), x.overall.get("close_date_p90")
    low, high = as_date(p10), as_date(p90)
    if low is None:
        return None
    if high is None:
        return (f"The fastest 10% of futures close the overall shortfall by {month(low)}, but "
                f"at least the slowest 10% do not close it by {_end_words(x)}.")
    months = (high.year - low.year) * 12 + high.month - low.month
    return (f"The overall close date ranges from {month(low)} to {month(high)} between the "
            f"10% and 90% futures ({months} months apart).")


def shortfall_value(x: RunNumbers) -> str | None:
    """The mean cumulative shortfall value with its 95% confidence interval."""
    entry = x.overall.get("cumulative_shortfall_value") or {}
    if entry.get("mean") is None:
        return None
    ci = ci_words(entry, lambda v: money(v, x.currency))
    return (f"The shortfall left over the whole run is worth {money(entry['mean'], x.currency)} "
            f"on average{ci}.")


# -------------------------------------------------------------------- held back
# Each constraint rule returns (score, sentence): the score, comparable across rules,
# is how much of the run (or of the orders) the constraint takes; the largest come first.


def budget_constraint(x: RunNumbers) -> tuple[float, str] | None:
    """Days on which a stage's budget is empty (mean over futures)."""
    held, days = x.summary.get("held_back") or {}, _run_days(x)
    found = sorted(((v, s) for s in STAGES if (v := held.get(f"empty_budget_days_{s}") or 0) > 0),
                   reverse=True)
    if not found:
        return None
    parts = [f"that of {STAGE_NAMES[s]} on {number(v)} days" + (
        f" ({share(v / days)} of the run)" if days else "") for v, s in found]
    parts[0] = parts[0].removeprefix("that of ").replace(" on ", " is empty on ", 1)
    return found[0][0] / (days or 1), f"On average the budget of {join_and(parts)}."


def paused_builds(x: RunNumbers) -> tuple[float, str] | None:
    """Build-days of new plants paused for lack of money."""
    value = (x.summary.get("held_back") or {}).get("paused_build_days") or 0
    if value <= 0:
        return None
    return value / (_run_days(x) or 1), (
        f"Plant builds stand still for lack of money for {number(value)} build-days on "
        "average (summed over projects).")


def slot_waits(x: RunNumbers) -> tuple[float, str] | None:
    """Waits for a supplier slot, naming the supplier with the longest mean wait."""
    held = x.summary.get("held_back") or {}
    mean, p90 = held.get("slot_wait_mean_days") or 0, held.get("slot_wait_p90_days")
    if mean <= 0:
        return None
    text = f"Machine orders wait {number(mean)} days on average for a supplier slot"
    if p90:
        text += f" (1 in 10 waits more than {number(p90)} days)"
    worst = _slowest_supplier(x)
    if worst is not None:
        text += f"; the longest are at {worst[0]}: {number(worst[1])} days on average"
    return mean / 365.25, text + "."


def blocked_orders(x: RunNumbers) -> tuple[float, str] | None:
    """Machine orders blocked (sanctions, export licences) and lapsed."""
    held = x.summary.get("held_back") or {}
    placed, blocked = held.get("orders_placed") or 0, held.get("orders_blocked") or 0
    lapsed = held.get("orders_lapsed") or 0
    if blocked <= 0 and lapsed <= 0:
        return None
    text = f"Of {number(placed)} machine orders per future, {number(blocked)} are blocked"
    if lapsed > 0:
        text += (f" and {number(lapsed)} lapse (no money left to re-order after a "
                 "block)")
    return (blocked + lapsed) / max(placed, 1), text + " on average."


def tooling_waits(x: RunNumbers) -> tuple[float, str] | None:
    """New plants waiting for their machine tools after the building is done."""
    held = x.summary.get("held_back") or {}
    wait = held.get("tooling_wait_days_mean")
    placed = held.get("tooling_orders_placed") or 0
    if wait is None or not finite(wait) or placed <= 0:
        return None
    text = (f"New plants wait {number(wait)} days on average for their machine tools after "
            f"the building is done")
    slot = held.get("tooling_slot_wait_mean_days")
    if slot is not None and finite(slot):
        text += (f"; their {number(placed)} tooling orders per future wait {number(slot)} "
                 "days on average for a supplier slot, first come first served with stage "
                 "2's machines")
    blocked = held.get("tooling_orders_blocked") or 0
    if blocked > 0:
        text += f", and {number(blocked)} of them are blocked"
    return wait / 365.25, text + "."


def unspent_money(x: RunNumbers) -> tuple[float, str] | None:
    """Money still unspent at the end, per stage (often money that arrived late)."""
    held = x.summary.get("held_back") or {}
    found = [(v, s) for s in STAGES if (v := held.get(f"unspent_{s}") or 0) > 0]
    if not found:
        return None
    parts = [f"{money(v, x.currency)} for {STAGE_SHORT[s]}" for v, s in found]
    return 0.0, f"Left unspent at the end (mean): {join_and(parts)}."


HELD_BACK_RULES: tuple[Callable[[RunNumbers], tuple[float, str] | None], ...] = (
    budget_constraint, paused_builds, slot_waits, blocked_orders, tooling_waits,
    unspent_money,
)


def held_back(x: RunNumbers) -> list[str]:
    """The constraint sentences, largest constraint first (unspent money last)."""
    found = [r for rule in HELD_BACK_RULES if (r := rule(x)) is not None]
    return [text for _, text in sorted(found, key=lambda r: -r[0])]


def market_closures(x: RunNumbers) -> str | None:
    """Where demand follows a process: the market level at the end in the futures that
    close the overall shortfall and in the others, when closures come with a shrinking
    market (their median level at least a fifth below the others')."""
    market = x.summary.get("market") or {}
    closed, other = market.get("closed") or {}, market.get("open") or {}
    n, level, rest = closed.get("n") or 0, closed.get("median"), other.get("median")
    if not n or level is None or rest is None or not other.get("n"):
        return None
    if not level < 0.8 * rest:
        return None
    return (f"Demand moves in this scenario, and the futures that close {OVERALL} tend to "
            f"be those in which the market shrank: at the end of the run demand stands at a median "
            f"{share(level)} of the scenario's demand path in the {number(n)} futures that "
            f"close, against {share(rest)} in the {number(other['n'])} others. The market's "
            "moves, more than the stages, decide these closures.")


RUN_RULES: tuple[tuple[str, Rule], ...] = (
    ("when", overall_close),
    ("when", close_threshold),
    ("when", market_closures),
    ("when", components_never_closed),
    ("when", overall_by_year),
    ("when", close_order),
    ("when", components_rarely_closed),
    ("stages", stage_leaders),
    ("stages", never_qualified),
    ("stages", stage_shares_last_year),
    ("stages", stage_speed),
    ("stages", idle_stages),
    ("cost", economic_value),
    ("cost", capex_by_stage),
    ("cost", cost_per_unit),
    ("cost", net_value),
    ("certainty", precision),
    ("certainty", close_date_spread),
    ("certainty", shortfall_value),
)


def run_findings(x: RunNumbers) -> list[Finding]:
    """Every run rule's sentence, in question order, then the summary's warnings."""
    out = [Finding(q, text) for q, rule in RUN_RULES if (text := rule(x))]
    out += [Finding("held_back", text) for text in held_back(x)]
    out += [Finding("certainty", sentence(w)) for w in x.summary.get("warnings") or []
            if not w.startswith("only ")]  # `precision` says that one in its own words
    if not any(f.question == "held_back" for f in out) and x.summary.get("held_back"):
        out.append(Finding("held_back", "No budget, supplier or blocking constraint "
                                        "binds noticeably."))
    return in_question_order(out)


# ========================================================================= helpers


def _name(component: str, entry: dict) -> str:
    """A component's display name for running text ("Tyres (...)" -> "tyres (...)")."""
    return lower_first(str(entry.get("name") or component))


def _end_words(x: RunNumbers) -> str:
    return f"the end of the run ({month(x.end)})" if x.end else "the end of the run"


def _run_days(x: RunNumbers) -> float:
    if x.start is None or x.end is None:
        return 0.0
    return float((x.end - x.start).days + 1)


def _runs(leaders: list[tuple[int, str | None]]) -> list[tuple[str | None, int, int]]:
    """Consecutive years with the same leader, as (stage, first year, last year)."""
    runs: list[tuple[str | None, int, int]] = []
    for year, stage in leaders:
        if runs and runs[-1][0] == stage and runs[-1][2] == year - 1:
            runs[-1] = (stage, runs[-1][1], year)
        else:
            runs.append((stage, year, year))
    return runs


def _years_words(first: int, last: int, last_year: int, *, whole: bool) -> str:
    if whole:
        return f"in every year ({first}–{last})" if first != last else f"in {first}"
    if last == last_year and first != last:
        return f"from {first}"
    return f"in {first}" if first == last else f"in {first}–{last}"


def _stage_again(stage: str, before: Sequence[tuple[str | None, int, int]]) -> str:
    """The long stage name on its first mention in a sentence, the short one after."""
    return STAGE_SHORT[stage] if any(s == stage for s, _, _ in before) else STAGE_NAMES[stage]


def _slowest_supplier(x: RunNumbers) -> tuple[str, float] | None:
    table = x.suppliers
    if table is None or table.empty or "slot_wait_mean_days" not in table or len(table) < 2:
        return None
    waits = table["slot_wait_mean_days"].dropna()
    if waits.empty or waits.max() <= 0:
        return None
    supplier = str(waits.idxmax())
    return x.supplier_names.get(supplier) or supplier, float(waits.max())
