"""How many vehicles a year the parts supply supports, and which part limits it.

The assembly view of SPEC.md §6: cars need every part, so a value-weighted total can hide
the one component that limits output. From the run's ``assembly`` table (per replication
and month: the vehicles per year supportable and the binding component), `tables` gives
per month the median and the 10–90% range over simulated futures of the vehicles
supportable (``vehicles``), and per month and component the share of futures in which that
component binds (``binding_components``). Where the scenario has vehicle families (the
table has a ``family`` column), both tables have a ``family`` column: the bands per family
and for their sum (``all``), the binding shares per family. The table is read lean — the
bands from a numpy block of one column, the binding counts by an Arrow group-by a row
group at a time — so memory stays flat in the number of replications.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.results import release_memory

if TYPE_CHECKING:
    from simulator.results import RunResult

MIN_SHARE = 0.02
"""A component binding in fewer than this share of futures in every month is pooled."""
OTHER = "other components"
"""The ``component`` of the pooled row of the components that rarely bind."""
QUANTILES = (0.1, 0.5, 0.9)
VEHICLES_COLUMNS = ["month", "median", "p10", "p90", "n_replications"]
BINDING_COLUMNS = ["month", "component", "rank", "n_binding", "share"]
FAMILY = "family"
"""The column naming the vehicle family (where the scenario has families)."""
ALL_FAMILIES = "all"
"""The ``family`` of the rows for the sum over families (vehicles only: no one component
binds a sum)."""

__all__ = ["ALL_FAMILIES", "BINDING_COLUMNS", "FAMILY", "MIN_SHARE", "OTHER",
           "VEHICLES_COLUMNS", "binding_components", "binding_counts", "family_tables",
           "tables", "vehicle_bands"]


def tables(result: RunResult, variant: str | None) -> dict[str, pd.DataFrame]:
    """The assembly view of one variant of a run (`variant` None: a plain run, every row).

    Returns
    -------
    dict
        ``vehicles`` (`vehicle_bands`) and ``binding_components`` (`binding_components`),
        without a ``variant`` column; empty where the result has no ``assembly`` table (no
        component has ``units_per_vehicle``) or no rows of that variant.
    """
    if not result.has("assembly"):
        return {}
    where = {} if variant is None else {"variant": variant}
    if FAMILY in result.columns("assembly"):
        return family_tables(result, where)
    counts = binding_counts(result, where)
    if counts.empty:
        return {}
    blocks = result.blocks("assembly", "month", **where)
    bands = vehicle_bands(blocks.labels, blocks.column("vehicles_per_year"))
    release_memory()
    return {"vehicles": bands, "binding_components": binding_components(counts)}


def family_tables(result: RunResult, where: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The assembly view per vehicle family, for the rows matching `where`: ``vehicles``
    (`vehicle_bands` of each family, then of ``all``) and ``binding_components``
    (`binding_components` of each family), each with a ``family`` column first; families
    in the table's order (the scenario's). Empty where no row matches."""
    families = pd.unique(result.read("assembly", columns=[FAMILY], where=where)[FAMILY]
                         .astype(str).to_numpy())
    bands, binding = [], []
    for family in families:
        blocks = result.blocks("assembly", "month", **where, family=family)
        bands.append(vehicle_bands(blocks.labels, blocks.column("vehicles_per_year"))
                     .assign(family=family))
        if family != ALL_FAMILIES:
            counts = binding_counts(result, {**where, FAMILY: family})
            binding.append(binding_components(counts).assign(family=family))
        release_memory()
    if not bands:
        return {}
    return {"vehicles": pd.concat(bands, ignore_index=True)[[FAMILY, *VEHICLES_COLUMNS]],
            "binding_components": pd.concat(binding, ignore_index=True)[
                [FAMILY, *BINDING_COLUMNS]] if binding else
            pd.DataFrame(columns=[FAMILY, *BINDING_COLUMNS])}


def vehicle_bands(months: Sequence[str] | np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """Per month, the vehicles per year supportable over simulated futures.

    Parameters
    ----------
    months
        The months (``YYYY-MM``), one per row of `values`.
    values
        Vehicles per year supportable, month × replication.

    Returns
    -------
    pandas.DataFrame
        ``month`` (its first day, datetime64), ``median``, ``p10``, ``p90`` (quantiles over
        replications, linearly interpolated) and ``n_replications``, months in order.
    """
    values = np.asarray(values, dtype=float)
    index = pd.to_datetime(pd.Index(np.asarray(months, dtype=str)), format="%Y-%m")
    if values.size:
        low, mid, high = np.quantile(values, QUANTILES, axis=1)
    else:
        low = mid = high = np.full(len(index), np.nan)
    bands = pd.DataFrame({"month": index, "median": mid, "p10": low, "p90": high,
                          "n_replications": int(values.shape[1]) if values.ndim == 2 else 0})
    return bands.sort_values("month", kind="stable").reset_index(drop=True)[VEHICLES_COLUMNS]


def binding_counts(result: RunResult, where: dict[str, str]) -> pd.DataFrame:
    """Per month (rows, first day) and component (columns, by id), the number of futures in
    which that component binds; the rows of the ``assembly`` table matching `where` are
    counted in memory, or on disk a row group at a time (never a frame of every row)."""
    keys = ["month", "binding_component"]
    if result.assembly is None and result.table_dir is not None:
        from simulator.table_parts import iter_matching

        parts = [part.group_by(keys).aggregate([("month", "count")]).to_pandas()
                 for part in iter_matching(result.table_dir / "assembly.parquet", keys, where)]
        if not parts:
            return pd.DataFrame()
        grouped = pd.concat(parts).groupby(keys)["month_count"].sum().reset_index()
        counts = grouped.pivot(index="month", columns="binding_component",
                               values="month_count").fillna(0)
    else:
        table = result.read("assembly", columns=keys, where=where)
        if table.empty:
            return pd.DataFrame()
        counts = pd.crosstab(table["month"].astype(str).to_numpy(),
                             table["binding_component"].astype(str).to_numpy())
    counts.index = pd.to_datetime(pd.Index(counts.index.astype(str)), format="%Y-%m")
    counts.columns = pd.Index(counts.columns.astype(str))
    return counts.sort_index().sort_index(axis=1).astype(int)


def binding_components(counts: pd.DataFrame, *, min_share: float = MIN_SHARE) -> pd.DataFrame:
    """Per month and component, in what share of futures that component binds.

    Parameters
    ----------
    counts
        Futures in which each component binds: month (rows, first day) × component.
    min_share
        Components binding in fewer than this share of futures in every month are pooled
        in one row per month whose ``component`` is `OTHER` (so a chart keeps a legible
        legend; their shares add up).

    Returns
    -------
    pandas.DataFrame
        ``month``, ``component``, ``rank`` (1: binds most often, by the mean share over the
        months; the pooled row last; ties keep the components' order by id), ``n_binding``
        (futures in which it binds) and ``share`` (``n_binding`` over the futures of that
        month); one row per month × component, zeros included, by rank then month.
    """
    if counts.empty:
        return pd.DataFrame(columns=BINDING_COLUMNS)
    shares = counts.div(counts.sum(axis=1), axis=0)
    order = list(shares.mean().sort_values(ascending=False, kind="stable").index)
    rare = [c for c in order if shares[c].max() < min_share]
    kept = [c for c in order if c not in rare]
    n_binding = counts[kept].copy()
    if rare:
        n_binding[OTHER] = counts[rare].sum(axis=1)
    share = n_binding.div(counts.sum(axis=1), axis=0)
    frames = [pd.DataFrame({"month": counts.index, "component": component, "rank": rank,
                            "n_binding": n_binding[component].to_numpy(dtype=int),
                            "share": share[component].to_numpy(dtype=float)})
              for rank, component in enumerate(n_binding.columns, start=1)]
    return pd.concat(frames, ignore_index=True)[BINDING_COLUMNS]
