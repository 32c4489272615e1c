"""Each chart returns a Figure with the expected title, panels and legend, and saves."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from simulator.charts import (
    RUN_CHARTS,
    close_date_distribution,
    draw_run_charts,
    save_figure,
    shortfall_by_stage,
    shortfall_small_multiples,
)
from simulator.charts.style import STAGE_COLOURS, STAGE_HATCHES, STAGE_LABELS
from tests.synthetic_tables import make_result

STACK_LABELS = [
    "Stage 1: sharing spare capacity",
    "Stage 2: new machines",
    "Stage 3: new plants",
    "Still missing (shortfall)",
]


@pytest.fixture(scope="module")
def result():
    return make_result(n_reps=20, n_months=24)


def legend_labels(legend) -> list[str]:
    return [text.get_text() for text in legend.get_texts()]


def test_shortfall_by_stage_overall(result):
    fig = shortfall_by_stage(result.series, unit="RUB")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == (
        "How the component gap is closed, by stage (median of 20 simulated futures)"
    )
    assert ax.get_ylabel() == "RUB per year"
    labels = legend_labels(ax.get_legend())
    assert labels[:4] == STACK_LABELS
    assert "Gap to close (median)" in labels
    assert any("10–90%" in label for label in labels)


def test_shortfall_by_stage_for_one_component_into_given_axes(result):
    base = Figure()
    ax = base.add_subplot()
    fig = shortfall_by_stage(result.series, component="ecu", unit="pcs",
                             name="engine control units", ax=ax)
    assert fig is base
    assert ax.get_title(loc="left").startswith("How the gap in engine control units is closed")
    assert ax.get_ylabel() == "pcs per year"


def test_small_multiples_have_one_panel_per_component_plus_overall(result):
    fig = shortfall_small_multiples(result.series, ["ecu", "seat", "glass"],
                                    names={"ecu": "Engine control units"})
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title(loc="left") == "All components (value-weighted)"
    assert fig.axes[1].get_title(loc="left") == "Engine control units"
    assert fig.get_suptitle().startswith("How each component's gap is closed, by stage")
    assert legend_labels(fig.legends[0])[:4] == STACK_LABELS


def test_close_date_distribution(result):
    fig = close_date_distribution(result.kpis, end_date="2025-12-31", start_date="2024-01-01")
    assert fig.get_suptitle() == "When is each component's shortfall closed?"
    assert len(fig.axes) == 4  # all + 3 components
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[0] == "All components (value-weighted)"
    assert titles[-1] == "glass"  # never closed: sorted last
    glass_texts = [t.get_text() for t in fig.axes[-1].texts]
    assert "not closed\nby end: 100%" in glass_texts


def test_save_figure_writes_png_and_svg(result, tmp_path):
    png, svg = save_figure(shortfall_by_stage(result.series), tmp_path / "out", "overall")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 1000
    assert b"<svg" in svg.read_bytes()[:2000]
    fig = shortfall_by_stage(result.series)
    again = save_figure(fig, tmp_path / "again", "overall")[1]
    assert again.read_bytes() == svg.read_bytes()  # no timestamp, stable ids


def test_draw_run_charts_writes_the_standard_set(tmp_path):
    small = make_result(n_reps=4, n_months=6)
    paths = draw_run_charts(small, tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        f"{stem}.{ext}" for stem in RUN_CHARTS for ext in ("png", "svg")
    )
    assert all(p.stat().st_size > 0 for p in paths)


def test_stage_styles_differ_and_read_in_grey():
    stages = list(STAGE_LABELS)
    assert len({STAGE_COLOURS[s] for s in stages}) == len(stages)
    grey = {s: _luminance(STAGE_COLOURS[s]) for s in stages}
    # stages with equal hatching differ in lightness by a clear margin
    for a in stages:
        for b in stages:
            if a < b and STAGE_HATCHES[a] == STAGE_HATCHES[b]:
                assert abs(grey[a] - grey[b]) > 0.15, (a, b)


def _luminance(colour: str) -> float:
    r, g, b = to_rgb(colour)
    return 0.299 * r + 0.587 * g + 0.114 * b
