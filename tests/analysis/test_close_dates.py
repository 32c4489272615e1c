"""Close dates: year-end probabilities, censored quantiles, reopened shares and the
cumulative shortfall totals, against hand-computed answers."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from simulator.analysis.close_dates import close_times, closed_by_year, year_ends
from simulator.analysis.cumulative import shortfall_totals

START = dt.date(2024, 1, 1)
N_DAYS = 731  # 2024-01-01 .. 2025-12-31 (2024 is a leap year)


def kpis(close_days: list[int | None], reopened: list[bool] | None = None) -> pd.DataFrame:
    n = len(close_days)
    return pd.DataFrame({
        "variant": "v", "replication": range(n), "component": "ecu",
        "closed": [d is not None for d in close_days],
        "close_day": [math.nan if d is None else float(d) for d in close_days],
        "reopened": reopened if reopened is not None else [False] * n,
    })


def test_year_ends_and_a_run_ending_mid_year():
    assert year_ends(START, dt.date(2025, 12, 31)) == [dt.date(2024, 12, 31),
                                                       dt.date(2025, 12, 31)]
    assert year_ends(START, dt.date(2025, 6, 30)) == [dt.date(2024, 12, 31),
                                                      dt.date(2025, 6, 30)]


def test_probability_closed_by_each_year_end_by_hand():
    # days 59 (2024-02-29), 200, 400 (2025-02-04) and never: by 2024-12-31 (day 365) 2 of
    # 4, by 2025-12-31 (day 730) 3 of 4
    table = closed_by_year(kpis([59, 200, 400, None]), N_DAYS, START)
    assert list(table["year"]) == [2024, 2025]
    assert list(table["probability"]) == [0.5, 0.75]
    assert table["se"].iloc[1] == pytest.approx(math.sqrt(0.75 * 0.25 / 4))
    assert list(table["date"]) == [pd.Timestamp("2024-12-31"), pd.Timestamp("2025-12-31")]


def test_a_close_on_the_year_end_counts_for_that_year():
    table = closed_by_year(kpis([365, None]), N_DAYS, START)
    assert list(table["probability"]) == [0.5, 0.5]


def test_quantiles_exist_only_where_more_than_that_share_closed():
    # 10 futures, 6 closed on days 10..60, 4 never (+inf): the median (Hyndman-Fan type 2)
    # has n q = 5, a whole number, so it averages the 5th and 6th values: (50 + 60) / 2
    row = close_times(kpis([10, 20, 30, 40, 50, 60, None, None, None, None]), N_DAYS).iloc[0]
    assert row["median_close_day"] == 55.0
    assert row["close_day_p10"] == 15.0  # n q = 1: the 1st and 2nd averaged
    assert math.isnan(row["close_day_p90"])  # only 60% closed: "after the end"
    # restricted mean: (10+20+30+40+50+60 + 4 x 731) / 10
    assert row["restricted_mean_days"] == pytest.approx((210 + 4 * 731) / 10)


def test_share_reopened_is_of_the_futures_that_closed():
    row = close_times(kpis([10, 20, None], reopened=[True, False, False]), N_DAYS).iloc[0]
    assert row["share_reopened_of_closed"] == 0.5
    none = close_times(kpis([None, None]), N_DAYS).iloc[0]
    assert math.isnan(none["share_reopened_of_closed"])


def test_shortfall_totals_mean_and_normal_interval_by_hand():
    frame = pd.DataFrame({
        "variant": "v", "replication": [0, 1, 2, 3], "component": "ecu",
        "cumulative_shortfall": [1.0, 2.0, 3.0, 4.0],
        "cumulative_shortfall_value": [10.0, 10.0, 10.0, 10.0],
    })
    row = shortfall_totals(frame).iloc[0]
    half = 1.96 * pd.Series([1.0, 2.0, 3.0, 4.0]).std(ddof=1) / 2
    assert row["cumulative_shortfall"] == 2.5
    assert row["cumulative_shortfall_low"] == pytest.approx(2.5 - half)
    assert row["cumulative_shortfall_value_low"] == row["cumulative_shortfall_value_high"] == 10
    assert row["cumulative_shortfall_n"] == row["cumulative_shortfall_value_n"] == 4


def test_sweep_points_are_named_by_their_values():
    from simulator.analysis.labels import parameter_labels, variant_names
    from simulator.results import RunResult

    points = pd.DataFrame({
        "variant": ["point-000", "point-001"],
        "stages.procurement.suppliers[cn_cnc].slots": [8.0, 16.0],
        "stages.procurement.suppliers[third_country].slots": [2.0, 2.0]})
    result = RunResult(kpis=pd.DataFrame({"component": []}), series=None, yearly=None,
                       events=None, suppliers=None, extra={"points": points})
    assert variant_names(result) == {
        "point-000": "suppliers [cn_cnc] slots 8, suppliers [third_country] slots 2",
        "point-001": "suppliers [cn_cnc] slots 16, suppliers [third_country] slots 2"}
    assert parameter_labels(["a.b.c", "x.b.c"]) == {"a.b.c": "a b c", "x.b.c": "x b c"}
