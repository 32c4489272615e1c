"""The shares of the gap, month by month and year by year: hand-computed on tiny tables,
one variant at a time, and the same on a real run in memory and with every table left on
disk (the summary's `gap_share_by_year` is this table)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.shortfall import (
    BAND_COLUMNS,
    GAP_SHARE_COLUMNS,
    gap_shares,
    shortfall_bands,
    tables,
)
from simulator.pipeline import run
from simulator.results import RunResult, read_results
from simulator.scenario import load_scenario

PARTS = ["gap", "served_sharing", "served_procurement", "served_investment", "shortfall"]

# (month, replication): gap, sharing, procurement, investment, shortfall — for component x
SERIES_X = {
    ("2030-01", 0): (100.0, 20.0, 10.0, 0.0, 70.0),
    ("2030-01", 1): (300.0, 30.0, 60.0, 0.0, 210.0),
    ("2030-02", 0): (0.0, 0.0, 0.0, 0.0, 0.0),  # no gap in this future
    ("2030-02", 1): (200.0, 100.0, 50.0, 50.0, 0.0),
    ("2030-03", 0): (0.0, 0.0, 0.0, 0.0, 0.0),  # no gap in any future
    ("2030-03", 1): (0.0, 0.0, 0.0, 0.0, 0.0),
}
# (year, replication): the same parts summed over the year
YEARLY_X = {
    (2030, 0): (10.0, 2.0, 3.0, 0.0, 5.0),
    (2030, 1): (30.0, 3.0, 6.0, 6.0, 15.0),
    (2031, 0): (0.0, 0.0, 0.0, 0.0, 0.0),
    (2031, 1): (0.0, 0.0, 0.0, 0.0, 0.0),
}
VALUE = 10.0  # the ``all`` rows: component x valued at 10 a unit


def rows(table: dict, key: str, variant: str, scale: float = 1.0) -> list[dict]:
    out = []
    for (period, replication), values in table.items():
        for component, weight in (("x", 1.0), ("all", VALUE)):
            out.append({"variant": variant, "replication": replication, key: period,
                        "component": component,
                        **{p: weight * scale * v for p, v in zip(PARTS, values, strict=True)}})
    return out


def tiny_result(variants: dict[str, float] | None = None) -> RunResult:
    """Two futures of component x (and ``all``), per variant the hand-made parts × a
    scale; a plain run (no ``variant`` column) when `variants` is None."""
    scales = variants or {"": 1.0}
    series = pd.DataFrame([r for v, s in scales.items() for r in rows(SERIES_X, "month", v, s)])
    yearly = pd.DataFrame([r for v, s in scales.items() for r in rows(YEARLY_X, "year", v, s)])
    kpis = pd.DataFrame([{"variant": v, "replication": r, "component": c}
                         for v in scales for r in (0, 1) for c in ("x", "all")])
    if variants is None:
        series, yearly, kpis = (t.drop(columns="variant") for t in (series, yearly, kpis))
    return RunResult(kpis=kpis, series=series, yearly=yearly, events=None, suppliers=None,
                     scenario_dict={"components": [{"id": "x"}]})


# ---------------------------------------------------------------------- hand-computed


def test_bands_by_hand():
    bands = shortfall_bands(tiny_result())
    assert list(bands.columns) == BAND_COLUMNS
    assert list(bands["component"].unique()) == ["all", "x"]  # all first
    x = bands[bands["component"] == "x"].set_index("month")
    jan, feb, mar = (pd.Timestamp(f"2030-0{m}-01") for m in (1, 2, 3))
    assert list(x.index) == [jan, feb, mar]
    assert (x["n_replications"] == 2).all()
    # medians of two futures are their means; numpy's linear 10% / 90% quantiles
    assert x.loc[jan, "gap"] == 200.0 and x.loc[jan, "shortfall"] == 140.0
    assert x.loc[jan, "gap_p10"] == pytest.approx(120.0)
    assert x.loc[jan, "gap_p90"] == pytest.approx(280.0)
    assert x.loc[jan, "shortfall_p10"] == pytest.approx(84.0)
    assert x.loc[jan, "shortfall_p90"] == pytest.approx(196.0)
    # shares of the gap: ratios of sums over the futures (400 in January)
    assert x.loc[jan, "gap_share_sharing"] == pytest.approx(50 / 400)
    assert x.loc[jan, "gap_share_procurement"] == pytest.approx(70 / 400)
    assert x.loc[jan, "gap_share_investment"] == 0.0
    assert x.loc[jan, "gap_share_shortfall"] == pytest.approx(280 / 400)
    assert x.loc[jan, "gap_share_shortfall_p10"] == pytest.approx(0.7)  # both futures 70%
    # February: one future has no gap; its share is left out of the range, not counted 0
    assert x.loc[feb, ["gap_share_sharing", "gap_share_procurement", "gap_share_investment",
                       "gap_share_shortfall"]].tolist() == pytest.approx([0.5, 0.25, 0.25, 0])
    assert x.loc[feb, "gap_share_shortfall_p90"] == 0.0
    # March: no gap anywhere, no share
    assert x.loc[mar, ["gap_share_shortfall", "gap_share_shortfall_p10"]].isna().all()
    shares = ["gap_share_sharing", "gap_share_procurement", "gap_share_investment",
              "gap_share_shortfall"]
    np.testing.assert_allclose(x.loc[[jan, feb], shares].sum(axis=1), 1.0)


def test_gap_shares_by_hand():
    table = gap_shares(tiny_result())
    assert list(table.columns) == GAP_SHARE_COLUMNS
    x = table[table["component"] == "x"].set_index("year")
    assert list(x.index) == [2030, 2031]
    assert x.loc[2030, "gap_mean"] == 20.0 and x.loc[2030, "n_replications"] == 2
    assert x.loc[2030, ["gap_share_sharing", "gap_share_procurement", "gap_share_investment",
                        "gap_share_shortfall"]].tolist() == pytest.approx([5 / 40, 9 / 40,
                                                                           6 / 40, 20 / 40])
    assert x.loc[2031, "gap_mean"] == 0.0 and math.isnan(x.loc[2031, "gap_share_shortfall"])
    overall = table[table["component"] == "all"].set_index("year")
    assert overall.loc[2030, "gap_mean"] == 200.0  # value-weighted: currency
    assert overall.loc[2030, "gap_share_shortfall"] == pytest.approx(0.5)


def test_one_variant_at_a_time_without_a_variant_column():
    result = tiny_result({"slow": 1.0, "fast": 3.0})
    fast = tables(result, "fast")
    assert set(fast) == {"shortfall_bands", "gap_shares"}
    assert all("variant" not in t.columns for t in fast.values())
    bands = fast["shortfall_bands"].set_index(["component", "month"])
    assert bands.loc[("x", pd.Timestamp("2030-01-01")), "gap"] == 600.0  # 3 × 200
    assert bands.loc[("x", pd.Timestamp("2030-01-01")), "n_replications"] == 2
    shares = fast["gap_shares"].set_index(["component", "year"])
    assert shares.loc[("x", 2030), "gap_mean"] == 60.0
    assert shares.loc[("x", 2030), "gap_share_shortfall"] == pytest.approx(0.5)  # scale-free


def test_a_run_without_tables_gives_empty_tables_with_their_columns():
    result = tiny_result()
    result.series = result.yearly = None
    out = tables(result, None)
    assert list(out["shortfall_bands"].columns) == BAND_COLUMNS
    assert list(out["gap_shares"].columns) == GAP_SHARE_COLUMNS
    assert out["shortfall_bands"].empty and out["gap_shares"].empty


# ------------------------------------------------------------- equal to today's numbers


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The minimal scenario, 6 futures: in memory, and written then read back with every
    table left on disk."""
    scenario = load_scenario("tests/scenario/good/minimal.yaml")
    memory = run(scenario, replications=6, workers=1)
    folder = tmp_path_factory.mktemp("shortfall") / "r"
    run(scenario, replications=6, workers=1, out=folder, charts=False, report=False)
    disk = read_results(folder, load_limit=0)
    assert disk.series is None and disk.yearly is None
    return memory, disk


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_gap_shares_equal_the_summary(runs, where):
    result = runs[0] if where == "memory" else runs[1]
    summary = runs[0].summary  # the summary computed in memory
    shares = tables(result, None)["gap_shares"].set_index(["component", "year"])
    n = 0
    for component, entry in summary["components"].items():
        for year in entry["gap_share_by_year"]:
            row = shares.loc[(component, year["year"])]
            assert row["gap_mean"] == pytest.approx(year["gap_mean"], rel=1e-12)
            for stage in ("sharing", "procurement", "investment", "shortfall"):
                assert row[f"gap_share_{stage}"] == pytest.approx(year[stage], rel=1e-12,
                                                                  abs=1e-15)
            n += 1
    assert n == len(shares)  # every row of the table is in the summary


def test_tables_on_disk_equal_those_in_memory(runs):
    memory, disk = (tables(r, None) for r in runs)
    for name in memory:
        pd.testing.assert_frame_equal(disk[name], memory[name], rtol=1e-12)


@pytest.mark.parametrize("cells", [1, 10**9])
def test_bands_read_a_component_at_a_time_or_all_at_once_are_the_same(runs, cells,
                                                                        monkeypatch):
    """However many components one pass over the file lays out (`BLOCK_CELLS`: one, or
    all), the bands are those of the table held in memory."""
    import simulator.analysis.shortfall as shortfall

    expected = shortfall_bands(runs[0])
    monkeypatch.setattr(shortfall, "BLOCK_CELLS", cells)
    pd.testing.assert_frame_equal(shortfall_bands(runs[1]), expected, rtol=1e-12)


def test_overall_missing_share_is_the_heat_map_measure(runs):
    """One measure of what is still missing: the shortfall summed over futures over the
    gap summed the same way, on the raw yearly rows."""
    memory = runs[0]
    shares = tables(memory, None)["gap_shares"].set_index(["component", "year"])
    raw = memory.yearly[(memory.yearly["component"] == "ecu") & (memory.yearly["year"] == 2027)]
    assert shares.loc[("ecu", 2027), "gap_share_shortfall"] == pytest.approx(
        raw["shortfall"].sum() / raw["gap"].sum(), rel=1e-12)
