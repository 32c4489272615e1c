"""Comparison charts return Figures with the expected titles and legends, and save."""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from simulator.analysis.close_dates import survival
from simulator.analysis.comparison import stage_gains
from simulator.charts import save_figure
from simulator.charts.compare import (
    CI_LABEL,
    EARLIER_LABEL,
    GAINS_TITLE,
    NEVER_CLOSED_WORDS,
    PATHS_TITLE,
    SURVIVAL_TITLE,
    close_dates_compared,
    shortfall_paths_compared,
    stage_gains_chart,
    survival_small_multiples,
    variant_label,
)

START, END = dt.date(2024, 1, 1), dt.date(2027, 12, 31)
N_DAYS = (END - START).days + 1
VARIANTS = {  # variant: share of futures that close, mean close day
    "sharing": (0.25, 1100),
    "sharing+procurement": (0.6, 900),
    "sharing+procurement+investment": (0.9, 700),
}


@pytest.fixture(scope="module")
def kpis() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 40
    uniform = rng.uniform(size=n)
    noise = rng.normal(0, 60, size=n)
    rows = []
    for variant, (share, mean_day) in VARIANTS.items():
        for r in range(n):
            closed = bool(uniform[r] < share)
            day = min(mean_day + noise[r], N_DAYS - 91) if closed else math.nan
            for component in ("ecu", "seat", "all"):
                rows.append({
                    "variant": variant, "replication": r, "component": component,
                    "closed": closed, "close_day": day,
                    "close_date": (pd.Timestamp(START) + pd.Timedelta(days=day)) if closed
                    else pd.NaT,
                    "cumulative_shortfall": math.nan if component == "all" else 1000 - day
                    if closed else 1500.0,
                    "cumulative_shortfall_value": 5000.0 if not closed else 4000 - day,
                })
    return pd.DataFrame(rows)


def legend_texts(fig: Figure) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    return [t.get_text() for legend in legends for t in legend.get_texts()]


def test_variant_labels():
    assert variant_label("sharing") == "Sharing only"
    assert variant_label("sharing+procurement") == "Sharing + new machines"
    assert variant_label("sharing+procurement+investment") == "All three stages"
    assert variant_label("none") == "No stages"
    assert variant_label("tight_sanctions") == "tight_sanctions"
    assert variant_label("sharing", {"sharing": "Pooling only"}) == "Pooling only"


def test_close_dates_compared(kpis, tmp_path):
    fig = close_dates_compared(survival(kpis, N_DAYS, START), end_date=END, start_date=START)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == (
        "When is the shortfall closed, variant by variant? — All components (value-weighted)")
    labels = legend_texts(fig)
    assert len(labels) == 3
    never = 1 - kpis[(kpis["component"] == "all") & (kpis["variant"] == "sharing")][
        "closed"].mean()
    assert labels[0] == f"Sharing only — never closed: {100 * never:.0f}%"
    assert labels[2].startswith("All three stages — never closed: ")
    assert len(ax.get_lines()) >= 3
    paths = save_figure(fig, tmp_path, "close_dates_compared")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_close_dates_compared_for_one_component(kpis):
    fig = close_dates_compared(survival(kpis, N_DAYS, START), end_date=END, start_date=START,
                               component="ecu", component_name="Engine control units",
                               names={"sharing": "Stage 1"})
    (ax,) = fig.axes
    assert ax.get_title(loc="left").endswith("— Engine control units")
    assert legend_texts(fig)[0].startswith("Stage 1 — never closed")


def test_shortfall_paths_compared(tmp_path):
    months = pd.period_range("2024-01", periods=24, freq="M").strftime("%Y-%m")
    rng = np.random.default_rng(2)
    series = pd.DataFrame([
        {"variant": v, "replication": r, "month": m, "component": "all",
         "shortfall": max(0.0, 100 - k * (i + 1) * 2 + rng.normal(0, 5))}
        for i, v in enumerate(VARIANTS) for r in range(10) for k, m in enumerate(months)
    ])
    grouped = series.groupby(["variant", "month"], sort=False)["shortfall"]
    medians = pd.DataFrame({"shortfall": grouped.median(), "shortfall_p10": grouped.quantile(0.1),
                            "shortfall_p90": grouped.quantile(0.9)}).reset_index()
    fig = shortfall_paths_compared(medians, unit="RUB")
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == PATHS_TITLE
    assert ax.get_ylabel() == "Still missing, RUB per year"
    assert legend_texts(fig) == [
        "Sharing only (median)", "Sharing + new machines (median)",
        "All three stages (median)", "Light bands: 10–90% of simulated futures"]
    assert len(ax.collections) == 3  # one band per variant
    assert all(p.stat().st_size > 1000 for p in save_figure(fig, tmp_path, "paths"))


def drawn_texts(fig: Figure) -> list[tuple[str, object]]:
    """(text, window extent) of every visible, non-empty text once the figure is laid out
    and drawn as saved."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    undrawn = set()  # labels of ticks outside the view: kept by matplotlib, never drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * max(1.0, abs(high - low))
            for tick in [*axis.majorTicks, *axis.minorTicks]:
                if not low - slack <= tick.get_loc() <= high + slack:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    out = []
    for text in fig.findobj(Text):
        if id(text) in undrawn:
            continue
        if text.get_visible() and text.get_text().strip() and text.get_figure() is not None:
            out.append((text.get_text(), text.get_window_extent(renderer)))
    return out


def assert_texts_apart_and_inside(fig: Figure) -> None:
    """No text overlaps another; none leaves the figure (nothing clipped)."""
    texts = drawn_texts(fig)
    box = fig.bbox
    for label, extent in texts:
        assert extent.x0 >= box.x0 - 0.5 and extent.x1 <= box.x1 + 0.5, f"clipped: {label!r}"
        assert extent.y0 >= box.y0 - 0.5 and extent.y1 <= box.y1 + 0.5, f"clipped: {label!r}"
    for i, (a, first) in enumerate(texts):
        for b, second in texts[i + 1:]:
            overlap = (min(first.x1, second.x1) - max(first.x0, second.x0),
                       min(first.y1, second.y1) - max(first.y0, second.y0))
            assert min(overlap) <= 0.5, f"{a!r} overlaps {b!r}"


@pytest.fixture(scope="module")
def gains(kpis) -> pd.DataFrame:
    """The new measure, with a component closed by sharing already (tyres: nothing
    changes) and one never closed (glass)."""
    extra = []
    for variant in VARIANTS:
        for r in range(40):
            extra.append({"variant": variant, "replication": r, "component": "tyres",
                          "closed": True, "close_day": 100.0 + r,
                          "cumulative_shortfall": 10.0, "cumulative_shortfall_value": 50.0})
            extra.append({"variant": variant, "replication": r, "component": "glass",
                          "closed": False, "close_day": math.nan,
                          "cumulative_shortfall": 99.0, "cumulative_shortfall_value": 500.0})
    table = pd.concat([kpis.drop(columns="close_date"), pd.DataFrame(extra)],
                      ignore_index=True)
    return stage_gains(table, N_DAYS, start_date=START)


def test_stage_gains_chart_draws_every_row_with_numbers_or_words(gains, tmp_path):
    fig = stage_gains_chart(gains, {"ecu": "Engine control units"})
    (ax,) = fig.axes
    assert fig.get_suptitle() == GAINS_TITLE  # in the figure, laid out with it
    assert ax.get_xlabel() == EARLIER_LABEL == \
        "months earlier (+) / later (−) than without the stage"
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["All components (value-weighted)", "Engine control units", "seat",
                     "tyres", "glass"]
    assert len(ax.patches) == 2 * 5  # a bar per added stage on every row
    labels = legend_texts(fig)
    assert labels == ["Stage 2: new machines", "Stage 3: new plants", CI_LABEL]
    words = [t.get_text() for t in ax.texts]
    assert "0 — already closed by sharing" in words
    assert "0 — already closed by sharing and procurement" in words
    assert words.count("0 — neither closes by December 2027") == 2
    ecu = gains[(gains["component"] == "ecu") & (gains["stage"] == "procurement")].iloc[0]
    number = (f"{ecu['earlier_months']:+.1f} ({ecu['earlier_months_low']:+.1f} to "
              f"{ecu['earlier_months_high']:+.1f})").replace("-", "−")
    assert number in words
    assert_texts_apart_and_inside(fig)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    right = ax.get_window_extent(canvas.get_renderer()).x1
    renderer = canvas.get_renderer()
    column = [t for t in ax.texts if not t.get_text().startswith("Paired differences")]
    assert len(column) == 1 + 2 * 2 * 5  # header; a swatch and a number or note per bar
    assert all(t.get_window_extent(renderer).x0 >= right for t in column)  # beside the plot
    assert all(p.stat().st_size > 1000 for p in save_figure(fig, tmp_path, "gains"))


def test_stage_gains_chart_keeps_long_names_and_notes_inside_and_apart():
    """The default scenario's names and notes once collapsed the layout (matplotlib gave
    up and cut names and numbers off): long ones wrap, and the rows grow to hold them."""
    long_note = ("closes on the same day in every future where it closes; neither closes "
                 "by December 2030 in 987 of 1000")
    gains = pd.DataFrame({
        "stage": ["procurement"] * 3 + ["investment"] * 3, "n_pairs": 1000,
        "component": ["all", "cardan", "engines"] * 2,
        "earlier_months": [0.0, 13.3, 0.0, 1.3, 2.7, 3.9],
        "earlier_months_low": [0.0, 12.3, 0.0, 1.1, 1.9, 3.5],
        "earlier_months_high": [0.0, 14.3, 0.0, 1.5, 3.5, 4.4],
        "note": ["neither closes by December 2030", "", long_note, "", "", ""]})
    names = {"cardan": "Cardan shafts and axles (trucks), counted one axle or one shaft each",
             "engines": "Passenger-car engines (petrol)"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "constrained_layout not applied" fails the test
        fig = stage_gains_chart(gains, names)
        assert_texts_apart_and_inside(fig)
    (ax,) = fig.axes
    assert all(len(line) <= 34 for t in ax.get_yticklabels()
               for line in t.get_text().split("\n"))
    assert any(t.get_text().startswith("0 — closes on the same day") and "\n" in t.get_text()
               for t in ax.texts)


def test_stage_gains_chart_later_and_single_future_rows():
    gains = pd.DataFrame({
        "stage": ["procurement", "procurement"], "before": "sharing",
        "after": "sharing+procurement", "component": ["all", "ecu"], "n_pairs": [1, 1],
        "earlier_months": [-4.0, 2.5], "earlier_months_low": [-6.5, np.nan],
        "earlier_months_high": [0.01, np.nan], "note": ["", ""]})
    fig = stage_gains_chart(gains)
    (ax,) = fig.axes
    words = [t.get_text() for t in ax.texts]
    assert "−4.0 (−6.5 to 0.0)" in words and "+2.5 (one future: no interval)" in words
    assert ax.get_xlim()[0] < -6.5  # room for a stage that closes later
    assert_texts_apart_and_inside(fig)


def test_survival_small_multiples(kpis, gains, tmp_path):
    table = pd.concat([kpis, pd.DataFrame([
        {"variant": v, "replication": r, "component": "glass", "closed": False,
         "close_day": math.nan} for v in VARIANTS for r in range(40)])], ignore_index=True)
    curve = survival(table, N_DAYS, START)
    fig = survival_small_multiples(curve, {"ecu": "Engine control units"},
                                   {"sharing": "Pooling only"})
    assert fig.get_suptitle() == SURVIVAL_TITLE
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == [
        "All components (value-weighted)", "Engine control units", "seat", "glass"]
    assert all(len(ax.get_lines()) == 3 for ax in visible)  # a line per variant
    assert legend_texts(fig) == ["Pooling only", "Sharing + new machines", "All three stages"]
    never = [ax for ax in visible if any(t.get_text() == NEVER_CLOSED_WORDS for t in ax.texts)]
    assert [ax.get_title(loc="left") for ax in never] == ["glass"]
    # the last step of each line is the share closed by the end of the run
    ecu = visible[1].get_lines()[0].get_ydata()
    closed = kpis[(kpis["component"] == "ecu") & (kpis["variant"] == "sharing")]["closed"]
    assert ecu[-1] == pytest.approx(closed.mean())
    assert_texts_apart_and_inside(fig)
    assert all(p.stat().st_size > 1000 for p in save_figure(fig, tmp_path, "survival"))


def test_survival_small_multiples_ten_components_stay_legible():
    rows = []
    for c in range(10):
        for v, share in (("sharing", 0.2), ("sharing+procurement", 0.6)):
            for r in range(10):
                closed = r < share * 10
                rows.append({"variant": v, "replication": r,
                             "component": f"component_{c}", "closed": closed,
                             "close_day": 200.0 + 30 * r + c if closed else math.nan})
    curve = survival(pd.DataFrame(rows), N_DAYS, START)
    names = {f"component_{c}": f"A rather long component name number {c} (with detail)"
             for c in range(10)}
    fig = survival_small_multiples(curve, names)
    assert sum(ax.get_visible() for ax in fig.axes) == 10
    assert_texts_apart_and_inside(fig)


def test_many_variants_draw_medians_only_and_say_so():
    months = pd.period_range("2024-01", periods=6, freq="M").strftime("%Y-%m")
    names = [f"point-{i:03d}" for i in range(5)]
    medians = pd.DataFrame([
        {"variant": v, "month": m, "shortfall": 100.0 - k - i, "shortfall_p10": 80.0 - k,
         "shortfall_p90": 120.0 - k} for i, v in enumerate(names) for k, m in enumerate(months)])
    labels = {v: f"slots {2 * (i + 1)}" for i, v in enumerate(names)}
    fig = shortfall_paths_compared(medians, unit="RUB", names=labels)
    (ax,) = fig.axes
    assert len(ax.collections) == 0  # no band hides another
    texts = legend_texts(fig)
    assert texts[0] == "slots 2 (median)"  # the swept values, not point-000
    assert texts[-1].startswith("5 variants: medians only")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    legend = fig.legends[0].get_window_extent(canvas.get_renderer())
    assert legend.y1 <= ax.get_window_extent(canvas.get_renderer()).y0  # below the lines


def test_a_long_survival_legend_wraps_into_columns_inside_the_figure(kpis):
    names = {v: f"suppliers [cn_cnc] slots {i}, suppliers [third_country] slots {i}"
             for i, v in enumerate(VARIANTS)}
    many = pd.concat([kpis.assign(variant=kpis["variant"] + f"-{k}") for k in range(3)],
                     ignore_index=True)
    labels = {f"{v}-{k}": f"{names[v]} ({k})" for v in VARIANTS for k in range(3)}
    fig = survival_small_multiples(survival(many, N_DAYS, START), variant_labels=labels)
    assert_texts_apart_and_inside(fig)  # a one-row legend of nine ran past both edges
