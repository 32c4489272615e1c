"""New plants' analysis: means with intervals and paired start-day differences, on
hand-made KPI rows."""

import math

import pandas as pd
import pytest

from simulator.analysis.plants import new_plants, plant_differences


def kpis(rows):
    return pd.DataFrame(rows, columns=["variant", "replication", "component", "plants_built",
                                       "plant_start_day_mean", "tooling_wait_days_mean"])


FRAME = kpis([
    ("base", 0, "a", 1, 300.0, 0.0), ("base", 0, "all", 1, 300.0, 0.0),
    ("base", 1, "a", 1, 400.0, 50.0), ("base", 1, "all", 1, 400.0, 50.0),
    ("tight", 0, "a", 1, 330.0, 30.0), ("tight", 0, "all", 1, 330.0, 30.0),
    ("tight", 1, "a", 1, 450.0, 100.0), ("tight", 1, "all", 1, 450.0, 100.0),
])


def test_paired_start_day_differences_by_hand():
    # pairs: +30 and +50 days -> mean 40, sd 14.142, t(0.975, 1) = 12.706:
    # half-width 12.706 x 14.142 / sqrt(2) = 127.06
    out = plant_differences(FRAME, "base")
    row = out[out["component"] == "all"].iloc[0]
    assert row["variant"] == "tight" and row["n_pairs"] == 2
    assert row["later_days"] == pytest.approx(40.0)
    assert row["later_days_low"] == pytest.approx(40.0 - 127.062, abs=1e-2)
    assert row["later_days_high"] == pytest.approx(40.0 + 127.062, abs=1e-2)
    assert row["later_months"] == pytest.approx(40.0 / (365.25 / 12))
    assert list(out["component"]) == ["all", "a"]


def test_pairs_without_a_plant_on_both_sides_are_left_out():
    frame = FRAME.copy()
    frame.loc[(frame["variant"] == "tight") & (frame["replication"] == 1),
              "plant_start_day_mean"] = math.nan
    row = plant_differences(frame, "base").iloc[0]
    assert row["n_pairs"] == 1 and row["later_days"] == pytest.approx(30.0)
    assert math.isnan(row["later_days_low"])


def test_new_plants_means():
    out = new_plants(FRAME[FRAME["variant"] == "base"])
    start = out[(out["component"] == "all") & (out["figure"] == "plant_start_day_mean")]
    assert start["mean"].iloc[0] == pytest.approx(350.0) and start["n"].iloc[0] == 2
    assert new_plants(FRAME.assign(plants_built=0)).empty
