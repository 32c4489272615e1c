"""The back-cast's statistics on hand-made numbers: the band, the hit rule, where an
observation falls, and each model quantity taken from hand-made tables."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.backcast import (
    backcast_table,
    band,
    inside,
    replication_values,
    share_at_or_below,
    share_within,
)
from simulator.results import RunResult

INF = math.inf


def test_band_is_the_10th_and_90th_type_2_quantile():
    # ten values 1..10: n*q = 1 and 9 are whole, so type 2 averages the neighbours
    assert band(np.arange(1.0, 11.0)) == (1.5, 9.5)
    # eleven values 0..10: n*q = 1.1 and 9.9 -> the 2nd and 10th smallest
    assert band(np.arange(0.0, 11.0)) == (1.0, 9.0)


def test_a_band_edge_past_the_unfinished_runs_is_after_the_end():
    # 3 of 10 never finish: the 90th percentile falls among them
    values = np.array([1, 2, 3, 4, 5, 6, 7, INF, INF, INF], dtype=float)
    low, high = band(values)
    assert low == 1.5 and high == INF
    # all unfinished: both edges after the end
    assert band(np.full(5, INF)) == (INF, INF)


def test_inside_is_an_overlap_with_both_ends_included():
    assert inside((10.0, 20.0), 10.0, 10.0)          # on the lower edge
    assert inside((10.0, 20.0), 20.0, 20.0)          # on the upper edge
    assert not inside((10.0, 20.0), 20.5, 20.5)
    assert inside((10.0, 20.0), 18.0, 30.0)          # a range reaching into the band
    assert not inside((10.0, 20.0), -INF, 9.0)       # an open range below it
    assert inside((10.0, INF), 400.0, 400.0)         # a band open to "after end"


def test_where_the_observation_falls():
    values = np.array([1, 2, 3, 4, INF], dtype=float)
    assert share_at_or_below(values, 2.0) == 0.4
    assert share_within(values, 2.0, 4.0) == 0.6
    assert share_within(values, 5.0, INF) == 0.2


def _result() -> RunResult:
    """Three replications, two components, two years; a project finishing in two of them."""
    yearly = pd.DataFrame({
        "replication": [0, 1, 2] * 4,
        "year": [2024] * 6 + [2025] * 6,
        "component": (["engines"] * 3 + ["all"] * 3) * 2,
        "demand": [100, 100, 100, 1000, 1000, 1000, 120, 110, 100, 1200, 1100, 1000],
        "shortfall": [20, 40, 50, 300, 400, 500, 30, 40, 50, 360, 440, 500],
        "capex_spent_procurement": [np.nan] * 3 + [1, 2, 3] + [np.nan] * 3 + [10, 20, 30],
        "capex_spent_investment": [np.nan] * 3 + [5, 5, 5] + [np.nan] * 3 + [7, 7, 7],
    })
    events = pd.DataFrame({
        "replication": [0, 1, 1, 0, 0, 1, 1, 2],
        "time_days": [200.0, 150.0, 300.0, 10.0, 100.0, 10.0, 400.0, 10.0],
        "kind": ["project_finished"] * 3 + ["offer_made", "offer_qualified"] * 2
                + ["offer_made"],
        "stage": ["investment"] * 3 + ["sharing"] * 5,
        "entity": ["a", "b", "a", "l1", "l1", "l1", "l1", "l1"],
        "component": ["engines"] * 3 + ["airbags"] * 5,
    })
    return RunResult(kpis=pd.DataFrame(), series=None, yearly=yearly, events=events,
                     suppliers=None, meta={"replications": 3},
                     scenario_dict={"scenario": {"start": "2023-07-18"}})


def test_project_finish_is_the_first_of_the_projects_or_after_the_end():
    values = replication_values(_result(), "project_finish", projects=["a", "b"])
    assert values.tolist() == [200.0, 150.0, INF]
    assert replication_values(_result(), "project_finish", projects=["b"]).tolist() == [
        INF, 150.0, INF]


def test_qualification_days_per_offer_unqualified_ones_never():
    values = replication_values(_result(), "qualification_days", component="airbags")
    assert sorted(values.tolist()) == [90.0, 390.0, INF]


def test_yearly_quantities_by_hand():
    r = _result()
    supply = replication_values(r, "supply", component="engines", year=2025)
    assert supply.tolist() == [90.0, 70.0, 50.0]              # demand - shortfall
    change = replication_values(r, "supply_change", component="engines", year=2025,
                                base_year=2024)
    assert change == pytest.approx([90 / 80 - 1, 70 / 60 - 1, 0.0])
    share = replication_values(r, "local_share", year=2024)    # `all` by default
    assert share == pytest.approx([0.7, 0.6, 0.5])
    spent = replication_values(r, "money_spent", stages=["procurement", "investment"],
                               year=2024)
    assert spent.tolist() == [6.0, 7.0, 8.0]
    spent = replication_values(r, "money_spent", stages=["procurement"], year=2025)
    assert spent.tolist() == [11.0, 22.0, 33.0]


def test_supply_of_several_components_adds_their_units():
    """A public count spanning two groups (all engines: car petrol + truck diesels)."""
    yearly = pd.DataFrame({
        "replication": [0, 1] * 4,
        "year": [2024] * 4 + [2025] * 4,
        "component": ["engines", "engines", "truck_diesels", "truck_diesels"] * 2,
        "demand": [100, 100, 30, 30, 90, 80, 20, 10],
        "shortfall": [20, 40, 10, 0, 30, 40, 5, 10],
    })
    r = RunResult(kpis=pd.DataFrame(), series=None, yearly=yearly, events=pd.DataFrame(),
                  suppliers=None, meta={"replications": 2},
                  scenario_dict={"scenario": {"start": "2023-07-18"}})
    both = ["engines", "truck_diesels"]
    # 2025: (90 - 30) + (20 - 5) = 75 and (80 - 40) + (10 - 10) = 40
    assert replication_values(r, "supply", component=both, year=2025).tolist() == [75.0, 40.0]
    # 2024: 80 + 20 = 100 and 60 + 30 = 90
    change = replication_values(r, "supply_change", component=both, year=2025,
                                base_year=2024)
    assert change == pytest.approx([75 / 100 - 1, 40 / 90 - 1])


def test_the_table_turns_dates_into_days_from_the_start_and_judges_each_row():
    def observation(ident, quantity, observed, **model):
        fields = {"projects": None, "component": None, "year": None, "base_year": None,
                  "stages": None, **model, "quantity": quantity}
        bounds = ((observed.get("min"), observed.get("max")) if isinstance(observed, dict)
                  else (observed, observed))
        return SimpleNamespace(id=ident, model=SimpleNamespace(**fields),
                               bounds=lambda: bounds, confidence="M")

    start = dt.date(2023, 7, 18)
    table = backcast_table(_result(), [
        observation("finish", "project_finish", start + dt.timedelta(days=160),
                    projects=["a", "b"]),
        observation("share", "local_share", {"max": 0.45}, year=2024),
    ])
    finish, share = table.to_dict("records")
    # values 150, 200, inf: type-2 10% = 150, 90% = after the end
    assert (finish["low"], finish["high"], finish["observed_min"]) == (150.0, INF, 160.0)
    assert finish["hit"] and finish["share_at_or_below"] == pytest.approx(1 / 3)
    # shares 0.7, 0.6, 0.5: band (0.5, 0.7), observation <= 0.45: a miss, no run in range
    assert (share["low"], share["high"]) == pytest.approx((0.5, 0.7))
    assert not share["hit"] and share["share_within"] == 0.0
    assert share["observed_min"] == -INF
