"""Labels keep clear of what they label: the end-of-horizon label of the close-date chart
stands above its line, and the stage-speed dates stand off their markers, measured on the
drawn figure (display coordinates, in points)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from simulator.analysis.speed import stage_speed
from simulator.charts import close_date_distribution
from simulator.charts.stage_speed import stage_speed_chart
from tests.charts.test_charts import close_tables

CLEARANCE_PT = 3.0  # at least this much white between a label and its mark


def drawn(fig: Figure) -> Figure:
    FigureCanvasAgg(fig).draw()
    return fig


def points(fig: Figure, pixels: float) -> float:
    return pixels * 72.0 / fig.dpi


def test_end_of_horizon_label_stands_clear_above_its_line():
    close_times, survival = close_tables()
    fig = drawn(close_date_distribution(close_times, survival, end_date="2025-12-31",
                                        start_date="2024-01-01"))
    ax = fig.axes[0]
    (label,) = [t for t in ax.texts if t.get_text() == "end of horizon"]
    box = label.get_window_extent()
    (line,) = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    line_x = ax.transData.transform((ax.convert_xunits(line.get_xdata()[0]), 0))[0]
    line_top = ax.get_window_extent().y1  # the line spans the axes' height
    assert box.x0 < line_x < box.x1  # it names that line
    assert points(fig, box.y0 - line_top) >= CLEARANCE_PT
    panel_name = [t for t in ax.get_children() if getattr(t, "get_text", None)
                  and t.get_text() == ax.get_title(loc="left")]
    assert panel_name and not box.overlaps(panel_name[0].get_window_extent())


def speed_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sharing early and quick, machines mid-run, plants near the end (label on the left)."""
    shares = pd.DataFrame({"component": "all", "year": list(range(2023, 2031)),
                           "n_replications": 1, "gap_share_sharing": 0.15,
                           "gap_share_procurement": 0.1, "gap_share_investment": 0.2,
                           "gap_share_shortfall": 0.55})
    kpis = pd.DataFrame({"component": ["all"], "t50_days_sharing": [120.0],
                         "t90_days_sharing": [200.0], "t50_days_procurement": [900.0],
                         "t90_days_procurement": [1300.0], "t50_days_investment": [2010.0],
                         "t90_days_investment": [2450.0]})
    return shares, stage_speed(kpis, "2023-01-01")


def test_stage_speed_dates_stand_off_their_markers():
    shares, speed = speed_table()
    fig = drawn(stage_speed_chart(shares, speed, start_date="2023-01-01",
                                  end_date="2030-12-31"))
    ax = fig.axes[1]
    markers = [line for line in ax.get_lines() if line.get_marker() in ("o", "D")]
    labels = [t for t in ax.texts if "→" in t.get_text()]
    assert len(labels) == 3 and len(markers) == 6
    sides = set()
    for label in labels:
        box = label.get_window_extent()
        row = ax.transData.inverted().transform(((box.x0 + box.x1) / 2,
                                                 (box.y0 + box.y1) / 2))[1]
        on_row = [m for m in markers if abs(m.get_ydata()[0] - row) < 0.3]
        assert len(on_row) == 2
        for marker in on_row:
            x, y = ax.transData.transform((marker.get_xdata()[0], marker.get_ydata()[0]))
            half = marker.get_markersize() / 2 * fig.dpi / 72.0 * np.sqrt(2)  # a diamond's tip
            around = Bbox.from_extents(x - half, y - half, x + half, y + half)
            gap = max(box.x0 - around.x1, around.x0 - box.x1)
            assert points(fig, gap) >= CLEARANCE_PT, label.get_text()
        sides.add("left" if box.x1 < min(ax.transData.transform(
            (m.get_xdata()[0], 0))[0] for m in on_row) else "right")
    assert sides == {"left", "right"}  # the plants' dates sit left of their markers
