"""Heat map of the share of the gap still missing, component by component and year by year.

Each cell is that component-year's shortfall over its gap, both summed over the year's days
and over the simulated futures (a ratio of sums: ``gap_share_shortfall`` of the
``gap_shares`` table of `simulator.analysis.shortfall`, the measure the summary's
``gap_share_by_year`` and the report quote), written in the cell as a percentage. The
colour scale is sequential and colour-blind safe (cividis, reversed so that more missing
reads darker, also in grey). The overall row (value-weighted) comes first; components
follow, the worst first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.analysis.common import ALL
from simulator.charts.stage_speed import label_years, year_centres
from simulator.charts.style import chart_style

COLORMAP = "cividis_r"
OVERALL_NAME = "All components (value-weighted)"
TITLE = "What share of the gap is still missing, component by component and year by year?"
MEASURE = "Share of the gap still missing"


def shortfall_heatmap(
    gap_shares: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
    start_date: object = None,
    end_date: object = None,
    title: str | None = None,
) -> Figure:
    """Which components are short, and until when: what share of each component's gap is
    still missing in each year (all simulated futures pooled)?

    Parameters
    ----------
    gap_shares
        One variant's ``gap_shares`` table (`simulator.analysis.shortfall`): component,
        year, n_replications, gap_share_shortfall.
    names
        Plain names of the component ids.
    order
        Component ids top to bottom; by default the overall row first, then components by
        their mean share still missing, worst first.
    start_date, end_date
        The run's first and last day, so that years covered in part say so.
    """
    table = missing_shares(gap_shares)
    names = dict(names or {})
    rows = _row_order(table, order)
    table = table.reindex(rows)
    years = [int(y) for y in table.columns]
    values = table.to_numpy(dtype=float)
    n = int(table.attrs.get("n_replications", 0))
    with chart_style():
        fig = Figure(figsize=(max(9.5, 0.95 * len(years) + 4.5), 0.42 * len(rows) + 2.0),
                     layout="constrained")
        ax = fig.add_subplot()
        norm = Normalize(vmin=0.0, vmax=max(0.05, float(np.nanmax(values, initial=0.0))))
        edges_x = np.arange(len(years) + 1, dtype=float) + (years[0] if years else 0)
        edges_y = np.arange(len(rows) + 1, dtype=float) - 0.5
        mesh = ax.pcolormesh(edges_x, edges_y, np.ma.masked_invalid(values), cmap=COLORMAP,
                             norm=norm, edgecolors="#FFFFFF", linewidth=1.0)
        cmap = mesh.get_cmap()
        for i in range(len(rows)):
            for j, year in enumerate(years):
                value = values[i, j]
                text = "–" if not np.isfinite(value) else _percent(value)
                dark = np.isfinite(value) and _luminance(cmap(norm(value))) < 0.5
                ax.text(year_centres([year])[0], i, text, ha="center", va="center",
                        fontsize=8, color="#FFFFFF" if dark else "#000000",
                        fontweight="bold" if rows[i] == ALL else "normal")
        labels = [names.get(c) or (OVERALL_NAME if c == ALL else c) for c in rows]
        ax.set_yticks(range(len(rows)), labels)
        for tick, component in zip(ax.get_yticklabels(), rows, strict=True):
            if component == ALL:
                tick.set_fontweight("bold")
        ax.set_ylim(len(rows) - 0.5, -0.5)
        if ALL in rows and len(rows) > 1:
            ax.axhline(rows.index(ALL) + 0.5, color="#000000", linewidth=1.2)
        label_years(ax, years, start_date=start_date,  # type: ignore[arg-type]
                    end_date=end_date)  # type: ignore[arg-type]
        ax.tick_params(axis="y", length=0)
        ax.grid(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        bar = fig.colorbar(mesh, ax=ax, location="right", shrink=0.8, pad=0.02)
        bar.set_label(f"{MEASURE}\n(all {n} simulated futures pooled)" if n else MEASURE)
        bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        fig.suptitle(title or TITLE, fontweight="bold")
    return fig


def missing_shares(gap_shares: pd.DataFrame) -> pd.DataFrame:
    """The cells: ``gap_share_shortfall`` laid out as component (rows) × year (columns,
    ascending), ``attrs["n_replications"]`` the number of futures (a reshaping: nothing
    computed). Raises ValueError for several variants' rows (a chart draws one)."""
    if "variant" in gap_shares and gap_shares["variant"].nunique() > 1:
        raise ValueError("gap_shares holds several variants' rows: pass one variant's")
    table = gap_shares.pivot(index="component", columns="year", values="gap_share_shortfall")
    table = table.reindex(index=list(dict.fromkeys(gap_shares["component"])),
                          columns=sorted(int(y) for y in table.columns))
    table.index = table.index.astype(str)
    table.attrs["n_replications"] = (int(gap_shares["n_replications"].max())
                                     if len(gap_shares) else 0)
    return table


def _row_order(table: pd.DataFrame, order: Sequence[str] | None) -> list[str]:
    present = [str(c) for c in table.index]
    if order is not None:
        listed = [c for c in order if c in present]
        return listed + [c for c in present if c not in listed]
    components = [c for c in present if c != ALL]
    means = table.loc[components].mean(axis=1, skipna=True).fillna(-1.0)
    worst_first = sorted(components, key=lambda c: (-float(means[c]), components.index(c)))
    return ([ALL] if ALL in present else []) + worst_first


def _percent(value: float) -> str:
    if value > 0 and value < 0.005:
        return "<1%"
    return f"{100 * value:.0f}%"


def _luminance(rgba: tuple[float, float, float, float]) -> float:
    r, g, b, _ = rgba
    return 0.299 * r + 0.587 * g + 0.114 * b
