"""Charts of a run: one function per chart, each returning a matplotlib `Figure`.

Chart functions take prepared tables (and draw nothing they have to compute beyond light
reshaping; the aggregation lives in `simulator.summary`), and their docstrings state the
question each answers. `save_figure` writes a PNG and an SVG; `draw_run_charts` writes the
standard set for a `RunResult`. Figures are built without pyplot; the Agg backend is
selected here unless pyplot was already imported (an interactive session keeps its own).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import pandas as pd

from simulator.results import release_memory

if "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from simulator.charts.close_dates import close_date_distribution  # noqa: E402
from simulator.charts.shortfall import (  # noqa: E402
    shortfall_by_stage,
    shortfall_small_multiples,
)
from simulator.charts.style import chart_style  # noqa: E402

if TYPE_CHECKING:
    from simulator.results import RunResult

__all__ = [
    "close_date_distribution",
    "draw_run_charts",
    "save_figure",
    "shortfall_by_stage",
    "shortfall_small_multiples",
]

PNG_DPI = 150
RUN_CHARTS = ("shortfall_overall", "shortfall_by_component", "close_dates")


def save_figure(fig: Figure, folder: Path | str, stem: str) -> list[Path]:
    """Write `fig` as ``<folder>/<stem>.png`` (150 dpi) and ``.svg``; return both paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    with chart_style():
        fig.savefig(png, dpi=PNG_DPI)
        fig.savefig(svg, metadata={"Date": None})  # no timestamp: same chart, same file
    return [png, svg]


def draw_run_charts(result: RunResult, folder: Path | str) -> list[Path]:
    """Write the standard charts of a run to `folder`: ``shortfall_overall``,
    ``shortfall_by_component`` and ``close_dates`` (PNG and SVG each); return the paths."""
    from simulator.summary import ALL, component_labels, component_order, horizon, month_bands

    if len(result.variants()) > 1:
        return draw_batch_charts(result, folder)
    start, end = horizon(result)
    names, units = component_labels(result)
    in_kpis = set(result.kpis["component"].unique())
    components = [c for c in component_order(result) if c != ALL and c in in_kpis]

    def rows(component: str) -> pd.DataFrame:
        """One component's monthly bands, computed without a frame of its series rows."""
        release_memory()
        return month_bands(result, component)

    drawers = {
        "shortfall_overall": lambda: shortfall_by_stage(
            rows, component=ALL, unit=units.get(ALL)
        ),
        "shortfall_by_component": lambda: shortfall_small_multiples(
            rows, components, names=names, units=units
        ),
        "close_dates": lambda: close_date_distribution(
            result.kpis, end_date=end, start_date=start, names=names
        ),
    }
    paths: list[Path] = []
    for stem in RUN_CHARTS:
        paths += save_figure(drawers[stem](), folder, stem)
    release_memory()
    return paths


BATCH_CHARTS = ("close_dates_compared", "shortfall_compared", "stage_gains")


def draw_batch_charts(result: RunResult, folder: Path | str) -> list[Path]:
    """Write a batch's charts: close dates and overall shortfall paths of every variant
    overlaid, and (for stage attribution) the months each added stage gains."""
    from simulator.charts.compare import (
        close_dates_compared,
        shortfall_paths_compared,
        stage_gains_chart,
    )
    from simulator.summary import ALL, component_labels, horizon

    start, end = horizon(result)
    names, units = component_labels(result)
    drawers = {
        "close_dates_compared": lambda: close_dates_compared(
            result.kpis, end_date=end, start_date=start, component=ALL),
        "shortfall_compared": lambda: shortfall_paths_compared(
            _variant_paths(result), unit=units.get(ALL)),
    }
    if "stage_gains" in result.extra:
        drawers["stage_gains"] = lambda: stage_gains_chart(
            result.extra["stage_gains"], component_names=names)
    paths: list[Path] = []
    for stem, draw in drawers.items():
        paths += save_figure(draw(), folder, stem)
    return paths


def _variant_paths(result: RunResult) -> pd.DataFrame:
    """Per variant and month, the overall shortfall's median and 10–90% band (the table
    `shortfall_paths_compared` draws), one variant at a time to stay lean."""
    from simulator.summary import ALL, month_bands

    parts = []
    for variant in result.variants():
        bands = month_bands(result, ALL, variant)
        parts.append(pd.DataFrame({
            "month": bands.index, "variant": variant,
            "shortfall_median": bands["shortfall"].to_numpy(),
            "p10": bands["shortfall_p10"].to_numpy(), "p90": bands["shortfall_p90"].to_numpy(),
        }))
        release_memory()
    return pd.concat(parts, ignore_index=True)
