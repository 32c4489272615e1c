"""What share of the gap each stage serves and what share is still missing, month by month
and year by year.

One measure of "what is still missing", defined here once: the shortfall summed over the
simulated futures over the gap summed the same way (a ratio of sums, per component and
period; NaN where there is no gap); each stage's share of the gap is its served amount
summed the same way over the same gap (SPEC.md §5–6), so the four shares add up to 1.
`shortfall_bands` gives it per month with the medians and 10–90% ranges the shortfall
charts draw; `gap_shares` per calendar year, as the heat map, the stage-speed chart and
the summary's ``gap_share_by_year`` quote it. Tables left on disk are read a component at a
time, only the columns needed, so memory stays flat in the number of replications.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.analysis.common import ALL, STAGES
from simulator.analysis.frames import appearing
from simulator.analysis.labels import horizon
from simulator.results import release_memory

if TYPE_CHECKING:
    from simulator.results import RunResult

STACK = (*(f"served_{s}" for s in STAGES), "shortfall")
"""The parts of the gap in merit order: what each stage serves, then what is missing."""
SHARES = tuple(f"gap_share_{c.removeprefix('served_')}" for c in STACK)
"""Each part's share of the gap: ``gap_share_sharing`` … ``gap_share_shortfall``."""
BAND_COLUMNS = ["component", "month", "n_replications", "gap", *STACK, "shortfall_p10",
                "shortfall_p90", "gap_p10", "gap_p90", *SHARES, "gap_share_shortfall_p10",
                "gap_share_shortfall_p90"]
"""The columns of `shortfall_bands`, in order."""
GAP_SHARE_COLUMNS = ["component", "year", "n_replications", "gap_mean", *SHARES]
"""The columns of `gap_shares`, in order."""
BLOCK_CELLS = 2_000_000
"""Cells (month × future) of one column read at once, over as many components as fit:
each component's pass over the series cost a read of the whole file (every row group holds
every component); this bounds memory (16 MB a column) whatever the replications."""

__all__ = ["BAND_COLUMNS", "GAP_SHARE_COLUMNS", "SHARES", "STACK", "component_bands",
           "components", "gap_shares", "shortfall_bands", "tables"]


def tables(result: RunResult, variant: str | None) -> dict[str, pd.DataFrame]:
    """The shortfall tables of one variant of `result` (None: every row, a plain run).

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``shortfall_bands`` (per component × month, `shortfall_bands`) and ``gap_shares``
        (per component × year, `gap_shares`); neither has a ``variant`` column.
    """
    return {"shortfall_bands": shortfall_bands(result, variant),
            "gap_shares": gap_shares(result, variant)}


def shortfall_bands(result: RunResult, variant: str | None = None) -> pd.DataFrame:
    """Per component × month: the gap and its parts over the futures, and the shares of it.

    Parameters
    ----------
    result
        A run; its ``series`` table is read as numeric blocks, as many components at a
        time as `BLOCK_CELLS` allows and one column at a time, so a 10,000-replication
        run stays lean.
    variant
        Only this variant's rows (None: every row).

    Returns
    -------
    pandas.DataFrame
        One row per component (``all`` first, then scenario order) × month, columns
        `BAND_COLUMNS`: ``month`` (the month's first day, datetime64), ``n_replications``;
        the medians over futures of ``gap``, ``served_sharing``, ``served_procurement``,
        ``served_investment`` and ``shortfall`` (rates per year, taken column by column, so
        the stacked medians need not add up to the median gap); the 10% / 90% quantiles
        ``shortfall_p10`` / ``_p90`` and ``gap_p10`` / ``_p90``; the shares of the gap —
        each part summed over futures over the gap summed the same way
        (``gap_share_sharing``, ``_procurement``, ``_investment``, ``_shortfall``: they
        add up to 1; NaN where there is no gap) — and the 10% / 90% quantiles over the
        futures with a gap of each future's shortfall / gap
        (``gap_share_shortfall_p10`` / ``_p90``). Empty (with these columns) when there is
        no ``series`` table.
    """
    if not result.has("series"):
        return pd.DataFrame(columns=BAND_COLUMNS)
    names = components(result, variant)
    start, end = horizon(result)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    at_once = max(1, BLOCK_CELLS // max(1, months * _n_replications(result, variant)))
    parts = []
    for k in range(0, len(names), at_once):
        parts += _group_bands(result, names[k:k + at_once], variant)
        release_memory()  # what reading the components' blocks left behind
    if not parts:
        return pd.DataFrame(columns=BAND_COLUMNS)
    return pd.concat(parts, ignore_index=True)[BAND_COLUMNS]


def component_bands(result: RunResult, component: str = ALL,
                    variant: str | None = None) -> pd.DataFrame:
    """One component's rows of `shortfall_bands`."""
    parts = _group_bands(result, [component], variant)
    return parts[0] if parts else pd.DataFrame(columns=BAND_COLUMNS)


def _group_bands(result: RunResult, group: list[str], variant: str | None
                 ) -> list[pd.DataFrame]:
    """The rows of `shortfall_bands` of each component of `group` that has rows, in order:
    read as numeric blocks (month × replication), the group's blocks of one stack column in
    memory at a time, next to their gap blocks."""
    blocks = result.block_set("series", "month", "component", group,
                              **_where(result, "series", variant))
    present = [c for c in group if c in blocks.parts]
    bands: dict[str, pd.DataFrame] = {}
    totals: dict[str, np.ndarray] = {}
    gaps = blocks.column("gap")  # kept: the shares of the gap divide by them
    for component in present:
        labels, (_months, n) = blocks.parts[component]
        band = pd.DataFrame({"month": pd.to_datetime(pd.Index(labels), format="%Y-%m")})
        band.insert(0, "component", component)
        band["n_replications"] = n
        gap = gaps[component]
        band["gap"] = np.median(gap, axis=1)
        band["gap_p10"], band["gap_p90"] = np.quantile(gap, [0.1, 0.9], axis=1)
        summed = gap.sum(axis=1)
        totals[component] = np.where(summed > 0, summed, np.nan)
        bands[component] = band
    for column, share in zip(STACK, SHARES, strict=True):
        found = blocks.column(column)
        for component in present:
            band, block = bands[component], found[component]
            band[column] = np.median(block, axis=1)
            band[share] = block.sum(axis=1) / totals[component]
            if column == "shortfall":
                band["shortfall_p10"], band["shortfall_p90"] = np.quantile(
                    block, [0.1, 0.9], axis=1)
                low, high = _missing_share_range(block, gaps[component])
                band["gap_share_shortfall_p10"], band["gap_share_shortfall_p90"] = low, high
        del found
    return [bands[component][BAND_COLUMNS] for component in present]


def _missing_share_range(shortfall: np.ndarray, gap: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Per month, the 10% and 90% quantiles of each future's shortfall / gap, over the
    futures with a gap (NaN in a month where no future has one)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(gap > 0, shortfall / gap, np.nan)
    quantiles = np.full((2, len(share)), np.nan)
    has = ~np.isnan(share).all(axis=1)
    quantiles[:, has] = np.nanquantile(share[has], [0.1, 0.9], axis=1)
    return quantiles[0], quantiles[1]


def gap_shares(result: RunResult, variant: str | None = None) -> pd.DataFrame:
    """Per component × calendar year: each stage's share of the gap and the share still
    missing, all futures pooled — the one measure the heat map, the stage-speed chart and
    the summary's ``gap_share_by_year`` give.

    Parameters
    ----------
    result
        A run; its ``yearly`` table is read a component at a time, only the columns summed.
    variant
        Only this variant's rows (None: every row).

    Returns
    -------
    pandas.DataFrame
        One row per component (``all`` first, then scenario order) × year (ascending),
        columns `GAP_SHARE_COLUMNS`: ``year`` (int), ``n_replications`` (futures of the
        variant), ``gap_mean`` (the year's gap summed over futures / ``n_replications``:
        units on a component, currency on ``all``) and ``gap_share_sharing``,
        ``gap_share_procurement``, ``gap_share_investment``, ``gap_share_shortfall``: the
        part summed over the year's days and over futures, over the gap summed the same
        way (they add up to 1; NaN where there is no gap, or where the table lacks the
        part). Empty (with these columns) when there is no ``yearly`` table.
    """
    if not result.has("yearly"):
        return pd.DataFrame(columns=GAP_SHARE_COLUMNS)
    present = result.columns("yearly")
    summed = [c for c in ("gap", *STACK) if c in present]
    if "gap" not in summed:
        return pd.DataFrame(columns=GAP_SHARE_COLUMNS)
    n = _n_replications(result, variant)
    parts = []
    for component in components(result, variant):
        rows = result.read("yearly", ["year", *summed],
                           where={"component": component} | _where(result, "yearly", variant))
        sums = rows.groupby("year", sort=True)[summed].sum()
        if sums.empty:
            continue
        gap = sums["gap"].where(sums["gap"] > 0)
        table = pd.DataFrame({"component": component,
                              "year": sums.index.astype(int).to_numpy(),
                              "n_replications": n,
                              "gap_mean": (sums["gap"] / max(1, n)).to_numpy()})
        for column, share in zip(STACK, SHARES, strict=True):
            table[share] = (sums[column] / gap).to_numpy() if column in sums else np.nan
        parts.append(table)
        del rows
    if not parts:
        return pd.DataFrame(columns=GAP_SHARE_COLUMNS)
    return pd.concat(parts, ignore_index=True)[GAP_SHARE_COLUMNS]


def components(result: RunResult, variant: str | None = None) -> list[str]:
    """The variant's components as its ``kpis`` rows name them: ``all`` first, then the
    scenario's order, then any others in order of appearance."""
    kpis = result.kpis
    if variant and "variant" in kpis:
        kpis = kpis[kpis["variant"].astype(str) == variant]
    present = appearing(kpis["component"])
    listed = [str(c.get("id")) for c in result.scenario_dict.get("components") or []]
    ordered = [c for c in dict.fromkeys([*listed, *present]) if c in present and c != ALL]
    return ([ALL] if ALL in present else []) + ordered


def _n_replications(result: RunResult, variant: str | None) -> int:
    """How many futures the variant has (its distinct replications in ``kpis``)."""
    kpis = result.kpis
    if variant and "variant" in kpis:
        kpis = kpis[kpis["variant"].astype(str) == variant]
    return int(kpis["replication"].nunique())


def _where(result: RunResult, table: str, variant: str | None) -> dict[str, str]:
    """The filter selecting a variant's rows of `table` (none for a plain run, or a table
    without a ``variant`` column)."""
    return {"variant": variant} if variant and "variant" in result.columns(table) else {}
