"""Comparison charts return Figures with the expected titles and legends, and save."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from simulator.charts import save_figure
from simulator.charts.compare import (
    CENSORED_LABEL,
    CI_LABEL,
    GAINS_TITLE,
    PATHS_TITLE,
    close_dates_compared,
    shortfall_paths_compared,
    stage_gains_chart,
    variant_label,
)
from simulator.experiments.differences import stage_gains, variant_shortfall_paths

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
    fig = close_dates_compared(kpis, end_date=END, start_date=START)
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


def test_close_dates_compared_from_close_days_for_one_component(kpis):
    fig = close_dates_compared(kpis.drop(columns="close_date"), end_date=END, start_date=START,
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
    medians = variant_shortfall_paths(series)
    fig = shortfall_paths_compared(medians, unit="RUB")
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == PATHS_TITLE
    assert ax.get_ylabel() == "Still missing, RUB per year"
    assert legend_texts(fig) == [
        "Sharing only (median)", "Sharing + new machines (median)",
        "All three stages (median)", "Light bands: 10–90% of simulated futures"]
    assert len(ax.collections) == 3  # one band per variant
    assert all(p.stat().st_size > 1000 for p in save_figure(fig, tmp_path, "paths"))


def test_stage_gains_chart(kpis, tmp_path):
    gains = stage_gains(kpis, n_days=N_DAYS)
    fig = stage_gains_chart(gains, component_names={"ecu": "Engine control units"})
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == GAINS_TITLE
    labels = legend_texts(fig)
    assert labels[:2] == ["Stage 2: new machines", "Stage 3: new plants"]
    assert CI_LABEL in labels and CENSORED_LABEL in labels
    assert any(label.startswith("Bound from all futures") for label in labels)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["All components (value-weighted)", "Engine control units", "seat"]
    notes = [t.get_text() for t in ax.texts]
    assert any("censored" in note for note in notes)
    mixed = gains[(gains["metric"] == "close_day") & (gains["bound_kind"] == "mixed")]
    assert any("no bound" in note for note in notes) == (len(mixed) > 0)
    bars = [p for p in ax.patches]
    assert len(bars) == 6 and any(bar.get_hatch() for bar in bars)
    assert all(p.stat().st_size > 1000 for p in save_figure(fig, tmp_path, "gains"))


def test_stage_gains_chart_needs_close_day_rows(kpis):
    gains = stage_gains(kpis, n_days=N_DAYS)
    with pytest.raises(ValueError, match="close_day"):
        stage_gains_chart(gains[gains["metric"] != "close_day"])
