"""Each chart returns a Figure with the expected title, panels and legend, and saves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from simulator.analysis.shortfall import shortfall_bands
from simulator.charts import (
    RUN_CHARTS,
    close_date_distribution,
    draw_run_charts,
    save_figure,
    shortfall_by_stage,
    shortfall_small_multiples,
)
from simulator.charts.style import STAGE_COLOURS, STAGE_HATCHES, STAGE_LABELS
from simulator.results import RunResult
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


@pytest.fixture(scope="module")
def bands(result):
    """The run's ``shortfall_bands`` table (`simulator.analysis.shortfall`)."""
    return shortfall_bands(result)


def legend_labels(legend) -> list[str]:
    return [text.get_text() for text in legend.get_texts()]


def test_shortfall_by_stage_overall(bands):
    fig = shortfall_by_stage(bands, unit="RUB")
    assert isinstance(fig, Figure)
    gap, shares = fig.axes
    assert fig.get_suptitle() == (
        "Share of the gap closed by each stage and still missing (20 simulated futures)")
    assert gap.get_ylabel() == "RUB per year"
    assert shares.get_ylabel() == "Share of the gap"
    assert shares.get_ylim() == (0.0, 1.0)
    labels = legend_labels(fig.legends[0])
    assert labels[:4] == STACK_LABELS
    assert "Gap to close (median)" in labels
    assert "Share still missing: 10–90% of futures (dashed)" in labels


def test_shortfall_by_stage_for_one_component_into_given_axes(bands):
    base = Figure()
    ax = base.add_subplot()
    fig = shortfall_by_stage(bands, component="ecu", unit="pcs",
                             name="engine control units", ax=ax)
    assert fig is base
    assert ax.get_title(loc="left").startswith(
        "Share of the gap in engine control units closed by each stage")
    assert ax.get_ylabel() == "Share of the gap"


def test_small_multiples_have_one_panel_per_component_plus_overall(bands):
    fig = shortfall_small_multiples(bands, ["ecu", "seat", "glass"],
                                    names={"ecu": "Engine control units"})
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title(loc="left") == "All components (value-weighted)"
    assert fig.axes[1].get_title(loc="left") == "Engine control units"
    assert fig.get_suptitle().startswith(
        "Share of each component's gap closed by each stage and still missing")
    assert legend_labels(fig.legends[0])[:4] == STACK_LABELS


def test_small_multiples_wrap_long_panel_titles_apart(bands):
    """A long name once ran into the next panel's title."""
    from tests.charts.test_compare_charts import assert_texts_apart_and_inside

    fig = shortfall_small_multiples(bands, ["ecu", "seat", "glass"], names={
        "ecu": "Automatic transmissions (AT/CVT/AMT), complete units",
        "seat": "Cardan shafts and axles (trucks), counted one axle or one shaft each"})
    assert "\n" in fig.axes[1].get_title(loc="left")
    assert_texts_apart_and_inside(fig)


def uncertain_gap_series(n_reps: int = 40, n_months: int = 6) -> pd.DataFrame:
    """Series rows where the gap itself varies tenfold between futures and the futures
    with the largest gaps serve least: the medians of the served amounts plus the 90%
    quantile of the shortfall rise far above the median gap (the old chart's band)."""
    rng = np.random.default_rng(7)
    rows = []
    for r in range(n_reps):
        gap = 100.0 * (1 + 9 * r / (n_reps - 1))
        served = (0.9 if r < n_reps // 2 else 0.05) * gap
        for m in range(n_months):
            parts = rng.dirichlet([1.0, 1.0, 1.0]) * served
            rows.append({"component": "x", "replication": r, "month": f"2030-{m + 1:02d}",
                         "gap": gap, "served_sharing": parts[0],
                         "served_procurement": parts[1], "served_investment": parts[2],
                         "shortfall": gap - served})
    return pd.DataFrame(rows)


def uncertain_gap_bands(series: pd.DataFrame) -> pd.DataFrame:
    """The ``shortfall_bands`` of `uncertain_gap_series` (component x)."""
    kpis = series[["replication", "component"]].drop_duplicates()
    return shortfall_bands(RunResult(kpis=kpis, series=series, yearly=None, events=None,
                                     suppliers=None))


def drawn_heights(ax) -> list[float]:
    """Every y value the areas and lines of `ax` reach."""
    heights = [float(y) for line in ax.get_lines() for y in line.get_ydata()]
    for collection in ax.collections:
        for path in collection.get_paths():
            heights += [float(y) for y in path.vertices[:, 1]]
    return heights


def test_no_band_rises_above_the_gap_it_is_part_of():
    bands = uncertain_gap_bands(uncertain_gap_series())
    served = bands[["served_sharing", "served_procurement", "served_investment"]].sum(axis=1)
    assert (served + bands["shortfall_p90"] > bands["gap"]).all()  # the old band did
    fig = shortfall_by_stage(bands, component="x", unit="units")
    gap, shares = fig.axes
    heights = drawn_heights(shares)
    assert heights and max(heights) <= 1.0 + 1e-12 and min(heights) >= -1e-12
    missing = [line for line in shares.get_lines() if line.get_linestyle() != "-"]
    assert len(missing) == 2  # the band's edges: where the served part ends, 1 - p90, 1 - p10
    assert np.allclose(missing[0].get_ydata(), 1 - bands["gap_share_shortfall_p90"])
    assert np.allclose(missing[1].get_ydata(), 1 - bands["gap_share_shortfall_p10"])
    # the gap panel: its band is the gap's own range, around its median
    band = gap.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(bands["gap_p90"].max())


def test_bands_stay_within_the_whole_whatever_the_table_holds():
    bands = uncertain_gap_bands(uncertain_gap_series())
    bands["gap_share_sharing"] = 0.8  # stage shares adding up to more than the gap
    bands["gap_share_procurement"] = 0.7
    bands["gap_share_shortfall_p10"] = -0.3  # quantiles outside 0–100%
    bands["gap_share_shortfall_p90"] = 1.6
    fig = shortfall_small_multiples(bands, ["x"])
    assert len(fig.axes) == 1  # no ``all`` rows: no overall panel
    heights = drawn_heights(fig.axes[0])
    assert max(heights) <= 1.0 + 1e-12 and min(heights) >= -1e-12


def test_charts_take_one_variant(bands):
    two = pd.concat([bands.assign(variant="a"), bands.assign(variant="b")])
    with pytest.raises(ValueError, match="one variant"):
        shortfall_by_stage(two)
    with pytest.raises(ValueError, match="no shortfall_bands rows"):
        shortfall_by_stage(bands, component="unknown")


def test_shares_of_the_gap_are_ratios_of_sums_and_add_up_to_one():
    series = uncertain_gap_series()
    bands = uncertain_gap_bands(series)
    month = series[series["month"] == "2030-01"]
    expected = month["shortfall"].sum() / month["gap"].sum()
    assert bands["gap_share_shortfall"].iloc[0] == pytest.approx(expected)
    shares = [f"gap_share_{s}" for s in ("sharing", "procurement", "investment", "shortfall")]
    assert np.allclose(bands[shares].sum(axis=1), 1.0)
    per_future = month["shortfall"] / month["gap"]
    assert bands["gap_share_shortfall_p90"].iloc[0] == pytest.approx(per_future.quantile(0.9))


def close_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hand-made ``close_times`` and ``survival`` rows (the columns of
    `simulator.analysis.close_dates`) of four futures, 2024–2025: ``all`` closes in three,
    seat in two, ecu in all four (earliest median), glass never."""
    start, horizon = pd.Timestamp("2024-01-01"), pd.Timestamp("2026-01-01")
    closes = {"all": ["2024-09-01", "2025-01-01", "2025-03-01"],
              "seat": ["2024-05-01", "2025-06-01"],
              "ecu": ["2024-03-01", "2024-04-01", "2024-06-01", "2024-07-01"], "glass": []}
    times, steps = [], []
    for component, dates in closes.items():
        share = len(dates) / 4
        median = pd.Timestamp(dates[1]) if share > 0.5 else pd.NaT
        times.append({"component": component, "n": 4, "share_closed": share,
                      "median_close_date": median})
        for k, date in enumerate([start, *map(pd.Timestamp, dates), horizon]):
            closed = min(k, len(dates)) / 4
            steps.append({"component": component, "date": date, "share_closed": closed})
    return pd.DataFrame(times), pd.DataFrame(steps)


def test_close_date_distribution():
    close_times, survival = close_tables()
    fig = close_date_distribution(close_times, survival, end_date="2025-12-31",
                                  start_date="2024-01-01")
    assert fig.get_suptitle() == "When is each component's shortfall closed?"
    assert len(fig.axes) == 4  # all + 3 components
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["All components (value-weighted)", "ecu", "seat", "glass"]
    glass_texts = [t.get_text() for t in fig.axes[-1].texts]
    assert "not closed\nby end: 100%" in glass_texts  # never closed: sorted last
    assert "not closed\nby end: 50%" in [t.get_text() for t in fig.axes[2].texts]
    # the steps are the survival table's, ending at the end of the run on the last share
    line = fig.axes[0].get_lines()[0]
    assert list(line.get_ydata()) == [0.0, 0.0, 0.25, 0.5, 0.75, 0.75]
    assert pd.Timestamp(line.get_xdata()[-1]) == pd.Timestamp("2025-12-31")


def test_close_date_distribution_takes_one_variant():
    close_times, survival = close_tables()
    two = pd.concat([close_times.assign(variant="a"), close_times.assign(variant="b")])
    with pytest.raises(ValueError, match="one variant"):
        close_date_distribution(two, survival, end_date="2025-12-31")


def test_save_figure_writes_png_and_svg(bands, tmp_path):
    png, svg = save_figure(shortfall_by_stage(bands), tmp_path / "out", "overall")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 1000
    assert b"<svg" in svg.read_bytes()[:2000]
    fig = shortfall_by_stage(bands)
    again = save_figure(fig, tmp_path / "again", "overall")[1]
    assert again.read_bytes() == svg.read_bytes()  # no timestamp, stable ids


def test_draw_run_charts_writes_the_standard_set(tmp_path):
    from simulator.analysis import analyse

    small = analyse(make_result(n_reps=4, n_months=6))
    paths = draw_run_charts(small, tmp_path)
    stems = [s for s in RUN_CHARTS if s != "economic_value"]  # no economics in these tables
    assert sorted(p.name for p in paths) == sorted(
        f"{stem}.{ext}" for stem in stems for ext in ("png", "svg"))
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
