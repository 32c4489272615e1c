"""Stage speed: medians of t50/t90 over the futures in which a stage serves, with the
counts and the dates, hand-computed and equal to today's summary on a real run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.speed import SPEED_COLUMNS, stage_speed, tables
from simulator.pipeline import run
from simulator.results import RunResult, read_results
from simulator.scenario import load_scenario

NAN = np.nan


def kpis_table() -> pd.DataFrame:
    """Three futures; sharing serves in all, new machines in two, new plants in none."""
    return pd.DataFrame({
        "variant": ["a"] * 6,
        "replication": [0, 0, 1, 1, 2, 2],
        "component": ["all", "x"] * 3,
        "t50_days_sharing": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        "t90_days_sharing": [15.0, 25.0, 35.0, 45.0, 55.0, 65.0],
        "t50_days_procurement": [100.0, NAN, 301.0, NAN, NAN, NAN],
        "t90_days_procurement": [200.0, NAN, 400.0, NAN, NAN, NAN],
        "t50_days_investment": [NAN] * 6,
        "t90_days_investment": [NAN] * 6,
    })


def test_stage_speed_by_hand():
    table = stage_speed(kpis_table(), "2030-01-01", order=["all", "x"])
    assert list(table.columns) == SPEED_COLUMNS
    assert list(zip(table["component"], table["stage"], strict=True))[:3] == [
        ("all", "sharing"), ("all", "procurement"), ("all", "investment")]
    speed = table.set_index(["component", "stage"])
    sharing = speed.loc[("all", "sharing")]
    assert sharing["t50_days_median"] == 30.0 and sharing["t90_days_median"] == 35.0
    assert sharing["t50_n"] == 3 and sharing["n_replications"] == 3
    assert sharing["t50_date"] == pd.Timestamp("2030-01-31")
    machines = speed.loc[("all", "procurement")]  # over the two futures that serve
    assert machines["t50_days_median"] == 200.5 and machines["t50_n"] == 2
    assert machines["t50_date"] == pd.Timestamp("2030-01-01") + pd.Timedelta(days=200)
    assert machines["t90_days_median"] == 300.0
    plants = speed.loc[("all", "investment")]  # never serves: no median, no date
    assert plants["t50_n"] == 0 and math.isnan(plants["t50_days_median"])
    assert pd.isna(plants["t50_date"]) and plants["n_replications"] == 3
    x = speed.loc[("x", "procurement")]
    assert x["t50_n"] == 0 and pd.isna(x["t90_date"])


def test_a_stage_missing_from_the_table_never_serves():
    kpis = kpis_table().drop(columns=["t50_days_investment", "t90_days_investment"])
    speed = stage_speed(kpis, None).set_index(["component", "stage"])
    assert speed.loc[("x", "investment"), "t90_n"] == 0
    assert pd.isna(speed.loc[("all", "sharing"), "t50_date"])  # no start: no dates
    assert list(speed.index.get_level_values(0).unique()) == ["all", "x"]  # as they appear


def test_tables_takes_one_variant_and_the_scenario_start():
    kpis = pd.concat([kpis_table(), kpis_table().assign(
        variant="b", t50_days_sharing=1000.0)], ignore_index=True)
    result = RunResult(kpis=kpis, series=None, yearly=None, events=None, suppliers=None,
                       scenario_dict={"scenario": {"start": "2030-01-01"},
                                      "components": [{"id": "x"}]})
    (name, table), = tables(result, "b").items()
    assert name == "stage_speed" and "variant" not in table
    speed = table.set_index(["component", "stage"])
    assert speed.loc[("x", "sharing"), "t50_days_median"] == 1000.0
    assert speed.loc[("all", "sharing"), "t50_date"] == pd.Timestamp("2032-09-27")
    assert speed.loc[("all", "sharing"), "n_replications"] == 3


# ------------------------------------------------------------- equal to today's numbers


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    scenario = load_scenario("tests/scenario/good/minimal.yaml")
    memory = run(scenario, replications=6, workers=1)
    folder = tmp_path_factory.mktemp("speed") / "r"
    run(scenario, replications=6, workers=1, out=folder, charts=False, report=False)
    return memory, read_results(folder, load_limit=0)


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_stage_speed_equals_the_summary(runs, where):
    result = runs[0] if where == "memory" else runs[1]
    speed = tables(result, result.variants()[0])["stage_speed"].set_index(
        ["component", "stage"])
    start = pd.Timestamp(result.scenario_dict["scenario"]["start"])
    compared = 0
    for component, entry in runs[0].summary["components"].items():
        for stage, figures in entry["stage_speed"].items():
            row = speed.loc[(component, stage)]
            for k in (50, 90):
                assert row[f"t{k}_days_median"] == figures[f"t{k}_days_median"]
                assert row[f"t{k}_n"] == figures[f"t{k}_n"]
                assert row[f"t{k}_date"] == start + pd.Timedelta(
                    days=round(figures[f"t{k}_days_median"]))
            assert row["n_replications"] == entry["n_replications"]
            compared += 1
    assert compared == len(speed)


def test_stage_speed_on_disk_equals_in_memory(runs):
    memory, disk = (tables(r, None)["stage_speed"] for r in runs)
    pd.testing.assert_frame_equal(disk, memory)
