"""Key findings of a stage attribution: what each added stage gains overall (months earlier
with the 95% interval, or why nothing changes, and the shortfall value it removes), which
components it closes earlier or later, each stage's Shapley share, and by when each stage
set brings the overall shortfall down to half of the gap. Each rule returns one sentence
or None."""

from __future__ import annotations

import pandas as pd

from simulator.report.batch_numbers import VALUE, BatchNumbers, cell, variant_label
from simulator.report.findings import OVERALL
from simulator.report.paired_words import (
    MAX_NAMED,
    clear_changes,
    closed_shares,
    component_list,
    machine_waits,
    months_words,
    note_words,
    removed_words,
)
from simulator.report.words import (
    ALL,
    STAGE_NAMES,
    STAGE_SHORT,
    as_date,
    cap,
    finite,
    money,
    month,
    share,
)


def stage_gain(b: BatchNumbers, stage: str) -> str | None:
    """What adding `stage` does to the overall shortfall: months earlier (+) or later with
    the 95% interval, or the reason nothing changes, and the shortfall value it removes."""
    row = _gain_row(b, stage, ALL)
    if row is None:
        return None
    before = str(row.get("before"))
    to = "" if before == "none" else f" to {variant_label(before, 'stages')}".removesuffix(
        " only")
    lead = f"Adding {STAGE_NAMES.get(stage, stage)}{to}"
    note = str(row.get("note") or "")
    value = removed_words(row, b.currency, "value_removed")
    if note:
        close = note_words(note, OVERALL, "with or without it")
        if value:
            return f"{lead}: {value}; but {close}, so it closes no earlier."
        return f"{lead}: {close}, so it closes no earlier."
    close = months_words(row, OVERALL, closed_shares(row))
    return f"{lead}: {close}" + (f", and {value}." if value else ".")


def stage_components(b: BatchNumbers, stage: str) -> str | None:
    """The components whose time to close `stage` changes most (intervals clear of 0)."""
    gains = b.table("stage_gains")
    if gains is None:
        return None
    rows = gains[(gains["stage"].astype(str) == stage) & (gains["component"] != ALL)]
    if rows["component"].nunique() < 2:  # one component: the overall sentence says it
        return None
    earlier, later = clear_changes(rows)
    if not earlier and not later:
        return None
    parts = []
    if earlier:
        parts.append("closes " + component_list(b, earlier, "earlier"))
    if later:
        # the mechanism where the delayed components' machines wait longer for a slot
        waits = machine_waits(b, str(later[0]["before"]), str(later[0]["after"]),
                              longer_only=True)
        delays = "delays " + component_list(b, later, "later", verb_form=False, waits=waits)
        if any(str(r["component"]) in waits for r in later[:MAX_NAMED]):
            delays += CROWDING.get(stage, CROWDING["procurement"])
        parts.append(delays)
    return f"{cap(STAGE_NAMES.get(stage, stage))} {'; it '.join(parts)}."


CROWDING = {
    "procurement": ", as its extra machine orders queue for the same supplier slots (first "
                   "come, first served)",
    "investment": ", as the new plants' tooling orders queue at the same machine-tool "
                  "suppliers as stage 2's machines (first come, first served)",
}
"""Why a stage's delayed components' machines wait longer for a supplier slot."""


def shapley_shares(b: BatchNumbers, component: str = ALL) -> str | None:
    """Each stage's Shapley share of the shortfall value all three stages remove."""
    table = b.table("shapley")
    if table is None:
        return None
    rows = table[(table["component"] == component) & (table["metric"] == VALUE)]
    rows = rows.sort_values("shapley", ascending=False)
    parts = []
    for _, r in rows.iterrows():
        stage = str(r["stage"])
        if stage not in STAGE_SHORT or not finite(r["share_of_total"]):
            continue
        low, high = money(cell(r, "ci_low"), b.currency), money(cell(r, "ci_high"), b.currency)
        parts.append(f"{STAGE_SHORT[stage]} {share(cell(r, 'share_of_total'))} "
                     f"({money(cell(r, 'shapley'), b.currency)}, 95% CI {low} to {high})")
    if not parts:
        return None
    return ("Of the shortfall value the three stages remove together, each stage's fair "
            f"share (Shapley value): {'; '.join(parts)}.")


def reduction_by(b: BatchNumbers) -> str | None:
    """By when each stage set brings the overall shortfall down to half of the gap (the
    median over futures, against no action), and in how many futures to a tenth."""
    table = b.table("reduction_dates")
    if table is None:
        return None
    rows = table[table["against"].astype(str) == "none"]
    reached, never = [], []
    for name in b.variants:
        half = rows[(rows["variant"] == name) & (rows["level"] == 0.5)]
        tenth = rows[(rows["variant"] == name) & (rows["level"] == 0.9)]
        if half.empty:
            continue
        h, label = half.iloc[0], variant_label(name, b.kind)
        if not cell(h, "n_reached"):
            never.append(label)
            continue
        when = (f"by {month(h['median_date'])} in half of the futures"
                if as_date(h.get("median_date")) is not None
                else f"in {share(cell(h, 'share_reached'))} of the futures")
        text = f"with {label} {when}"
        if not tenth.empty and cell(tenth.iloc[0], "n_reached"):
            text += (f" (to a tenth of the gap in "
                     f"{share(cell(tenth.iloc[0], 'share_reached'))} of them)")
        reached.append(text)
    parts = []
    if reached:
        parts.append(f"{cap(OVERALL)} falls to half of the gap {'; '.join(reached)}")
    if never:
        sets = " or ".join(f"with {label}" for label in never)
        parts.append(f"{sets} it never falls to half by {b.end}" if reached else
                     f"{cap(OVERALL)} never falls to half of the gap by {b.end} {sets}")
    return "; ".join(parts) + "." if parts else None


def added_stages(b: BatchNumbers) -> list[str]:
    gains = b.table("stage_gains")
    if gains is None:
        return []
    return list(dict.fromkeys(str(s) for s in gains["stage"]))


def _gain_row(b: BatchNumbers, stage: str, component: str) -> pd.Series | None:
    gains = b.table("stage_gains")
    if gains is None:
        return None
    rows = gains[(gains["stage"].astype(str) == stage) & (gains["component"] == component)]
    return None if rows.empty else rows.iloc[0]
