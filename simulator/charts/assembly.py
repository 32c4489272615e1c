"""Chart of the assembly view: how many vehicles the parts support, and which part binds.

Cars need every part, so a value-weighted total can hide the one component that limits
output. The upper panel shows, month by month, the vehicles per year that the supply of the
components with a ``units_per_vehicle`` supports (the median over simulated futures, with
the 10–90% range as a band). The lower panel shows, month by month, in what share of the
futures each component is the binding one (the one in shortest supply per vehicle);
components that rarely bind are pooled as "other components". `vehicle_bands` and
`binding_shares` prepare the two tables from the run's ``assembly`` table.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.charts.style import (
    OKABE_ITO,
    chart_style,
    plain_date_axis,
    plain_number_axis,
    share_axis,
)

TITLE = "How many vehicles can the parts supply support, and which part limits it?"
MEDIAN_LABEL = "Vehicles supportable (median)"
BAND_LABEL = "10–90% of simulated futures"
OTHER = "Other components"
MIN_SHARE = 0.02  # a component binding in fewer than 2% of futures in every month: pooled
LINE_COLOUR = OKABE_ITO["black"]
BAND_COLOUR = OKABE_ITO["sky_blue"]
# binding components: Okabe–Ito colours, alternating light and dark, and hatches for grey
BIND_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["blue"], OKABE_ITO["yellow"],
                OKABE_ITO["reddish_purple"], OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"],
                OKABE_ITO["sky_blue"])
BIND_HATCHES = (None, "////", "..", "\\\\\\\\", "xx", "--", "oo")
OTHER_COLOUR = "#BBBBBB"


def vehicle_bands(assembly: pd.DataFrame) -> pd.DataFrame:
    """Per month (index: first day): the median, 10% and 90% quantiles over replications of
    the vehicles per year supportable (``median``, ``p10``, ``p90``).
    ``attrs["n_replications"]`` holds N."""
    months = pd.to_datetime(assembly["month"].astype(str), format="%Y-%m")
    values = assembly["vehicles_per_year"].astype(float)
    grouped = values.groupby(months.to_numpy(), sort=True)
    bands = pd.DataFrame({"median": grouped.median(), "p10": grouped.quantile(0.1),
                          "p90": grouped.quantile(0.9)})
    bands.index.name = "month"
    bands.attrs["n_replications"] = (int(assembly["replication"].nunique())
                                     if "replication" in assembly else 0)
    return bands


def binding_shares(assembly: pd.DataFrame | None, *, min_share: float = MIN_SHARE,
                   counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per month (index: first day) and binding component (columns, most often binding
    first): the share of replications in which that component binds. Components below
    `min_share` in every month are pooled in an ``"Other components"`` column (last).
    `counts` (month x component, as `pd.crosstab` gives) may replace the rows."""
    if counts is None:
        assert assembly is not None
        months = pd.to_datetime(assembly["month"].astype(str), format="%Y-%m")
        binding = assembly["binding_component"].astype(str).to_numpy()
        counts = pd.crosstab(months.to_numpy(), binding)
    shares = counts.div(counts.sum(axis=1), axis=0)
    order = shares.mean().sort_values(ascending=False, kind="stable").index
    shares = shares[order]
    rare = [c for c in shares.columns if shares[c].max() < min_share]
    if rare:
        kept = [c for c in shares.columns if c not in rare]
        shares = shares[kept].assign(**{OTHER: shares[rare].sum(axis=1)})
    shares.index.name = "month"
    return shares


def vehicles_supportable(assembly: pd.DataFrame | None, *,
                         bands: pd.DataFrame | None = None,
                         shares: pd.DataFrame | None = None,
                         names: Mapping[str, str] | None = None,
                         title: str | None = None) -> Figure:
    """How many vehicles a year can the components' supply support over time, how sure is
    that, and which component limits it — in what share of simulated futures?

    Parameters
    ----------
    assembly
        The run's ``assembly`` table (replication, month, vehicles_per_year,
        binding_component).
    names
        Plain names of the component ids.
    """
    names = dict(names or {})
    if bands is None:
        assert assembly is not None, "give the assembly table or its bands and shares"
        bands = vehicle_bands(assembly)
    shares = binding_shares(assembly) if shares is None else shares
    n = int(bands.attrs.get("n_replications", 0))
    x = pd.DatetimeIndex(bands.index).to_pydatetime()
    with chart_style():
        fig = Figure(figsize=(9.0, 7.2), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.3, 1.0])
        top.fill_between(x, bands["p10"], bands["p90"], color=BAND_COLOUR, alpha=0.35,
                         linewidth=0, label=BAND_LABEL)
        top.plot(x, bands["median"], color=LINE_COLOUR, linewidth=1.8, label=MEDIAN_LABEL)
        top.set_ylim(bottom=0)
        plain_number_axis(top)
        top.set_ylabel("vehicles per year")
        top.set_title("Vehicles a year that the parts supply supports"
                      + (f" ({n} simulated futures)" if n else ""), loc="left", fontsize=10)
        top.legend(loc="lower right")
        # steps over whole months: one more edge at the end of the last month
        starts = pd.DatetimeIndex(shares.index)
        sx = pd.DatetimeIndex(starts.append(starts[-1:] + pd.offsets.MonthBegin(1))
                              if len(starts) else starts).to_pydatetime()
        base = np.zeros(len(sx))
        for i, component in enumerate(shares.columns):
            values = shares[component].to_numpy(dtype=float)
            values = np.append(values, values[-1:]) if len(values) else values
            other = component == OTHER
            colour = OTHER_COLOUR if other else BIND_COLOURS[i % len(BIND_COLOURS)]
            hatch = None if other else BIND_HATCHES[i % len(BIND_HATCHES)]
            bottom.fill_between(sx, base, base + values, step="post", facecolor=colour,
                                edgecolor="#333333" if hatch else "#FFFFFF", hatch=hatch,
                                linewidth=0.0, label=names.get(component) or component)
            base = base + values
        bottom.set_ylim(0, 1)
        share_axis(bottom)
        bottom.set_ylabel("share of simulated futures")
        bottom.set_title("Which component limits output (binds), month by month", loc="left",
                         fontsize=10)
        bottom.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2)
        if len(sx):
            bottom.set_xlim(sx[0], sx[-1])
        plain_date_axis(bottom)
        fig.suptitle(title or TITLE, fontweight="bold")
    return fig
