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
        A run; its ``series`` table is read a component at a time (numeric blocks, one
        column in memory at a time), so a 10,000-replication run stays lean.
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
    parts = []
    for component in components(result, variant):
        parts.append(component_bands(result, component, variant))
        release_memory()  # what reading the component's blocks left behind
    if not parts:
        return pd.DataFrame(columns=BAND_COLUMNS)
    return pd.concat(parts, ignore_index=True)[BAND_COLUMNS]


def component_bands(result: RunResult, component: str = ALL,
                    variant: str | None = None) -> pd.DataFrame:
    """One component's rows of `shortfall_bands`: read as numeric blocks (month ×
    replication), one stack column's block in memory at a time."""
    where = {"component": component} | _where(result, "series", variant)
    blocks = result.blocks("series", "month", **where)
    bands = pd.DataFrame({"month": pd.to_datetime(pd.Index(blocks.labels), format="%Y-%m")})
    bands.insert(0, "component", component)
    bands["n_replications"] = blocks.shape[1]
    gap = blocks.column("gap")  # kept: the shares of the gap divide by it
    bands["gap"] = np.median(gap, axis=1)
    bands["gap_p10"], bands["gap_p90"] = np.quantile(gap, [0.1, 0.9], axis=1)
    summed = gap.sum(axis=1)
    total = np.where(summed > 0, summed, np.nan)
    for column, share in zip(STACK, SHARES, strict=True):
        block = blocks.column(column)
        bands[column] = np.median(block, axis=1)
        bands[share] = block.sum(axis=1) / total
        if column == "shortfall":
            bands["shortfall_p10"], bands["shortfall_p90"] = np.quantile(
                block, [0.1, 0.9], axis=1)
            low, high = _missing_share_range(block, gap)
            bands["gap_share_shortfall_p10"], bands["gap_share_shortfall_p90"] = low, high
        del block
    return bands[BAND_COLUMNS]


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
    present = list(dict.fromkeys(kpis["component"].astype(str)))
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
