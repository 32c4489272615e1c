"""The close rule under other thresholds and relative to the initial gap (issue 10, item
6), against hand-computed answers."""

import math

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.close_dates import threshold_sensitivity
from simulator.analysis.summary import threshold_sentence
from simulator.evaluate import Grid
from simulator.kpis import neighbour_thresholds, smoothed_initial_gap_ratio
from simulator.scenario import ScenarioError
from simulator.tables import kpi_columns
from tests.model.helpers import run_one, scenario_from


def scenario(extra: str = "") -> str:
    """Demand 1,000 and domestic supply 500: a gap of 500 a year. Sharing offers 0.5 of
    the line's 940 spare, 470, usable from day 100: the shortfall is then 30, 3% of demand
    and 6% of the initial gap."""
    return f"""
scenario: {{name: thresholds, start: 2024-01-01, end: 2024-12-31{extra}}}
components:
  - {{id: a, name: Part A, unit_value: 2, demand: {{2024-01-01: 1000}},
     domestic_supply: {{2024-01-01: 500}}}}
plants:
  - id: p
    name: Plant
    lines:
      - {{component: a, capacity: 1000, committed: 60}}
stages:
  sharing: {{share: 0.5, qualification_days: 100}}
"""


def kpis(text: str) -> dict:
    plan, record, daily = run_one(text)
    return kpi_columns(plan, Grid.from_plan(plan), record, daily)


def test_the_neighbours_of_the_default_threshold_are_two_and_ten_percent():
    assert neighbour_thresholds(0.05) == (0.02, 0.1)
    assert neighbour_thresholds(0.1) == (0.05, 0.2)
    assert neighbour_thresholds(0.03) == (0.02, 0.05)
    assert neighbour_thresholds(0.005) == (None, 0.01)
    assert neighbour_thresholds(0.6) == (0.5, None)
    assert neighbour_thresholds(0.05, [0.04, 0.07]) == (0.04, 0.07)


def test_relative_to_demand_closes_at_five_and_ten_percent_not_at_two():
    cols = kpis(scenario())
    assert cols["close_day"] == [100.0, 100.0]  # component a, then all
    assert list(cols["close_threshold"]) == [0.05, 0.05]
    assert list(cols["lower_threshold"]) == [0.02, 0.02]
    assert cols["closed_lower_threshold"] == [False, False]  # 3% > 2%
    assert cols["close_day_higher_threshold"] == [100.0, 100.0]


def test_relative_to_the_initial_gap_the_same_shortfall_is_six_percent():
    cols = kpis(scenario(", close_relative_to: initial_gap"))
    assert cols["closed"] == [False, False]  # 30 / 500 = 6% > 5%
    assert cols["close_day_higher_threshold"] == [100.0, 100.0]  # 6% <= 10%
    assert cols["closed_lower_threshold"] == [False, False]


def test_neighbours_given_in_the_scenario():
    cols = kpis(scenario(", close_threshold_neighbours: [0.031, 0.2]"))
    assert list(cols["lower_threshold"]) == [0.031, 0.031]
    assert cols["close_day_lower_threshold"] == [100.0, 100.0]  # 3% <= 3.1%


def test_neighbours_must_bracket_the_threshold():
    with pytest.raises(ScenarioError, match="close_threshold_neighbours"):
        scenario_from(scenario(", close_threshold_neighbours: [0.06, 0.2]"))


def test_ratio_to_a_zero_initial_gap_is_infinite_while_short():
    ratio = smoothed_initial_gap_ratio(np.array([0.0, 5.0, 0.0]), 0.0, 1)
    assert ratio[0] == 0.0 and math.isinf(ratio[1]) and ratio[2] == 0.0
    # window 2 over an initial gap of 10: (0 + 5) / (10 * 2), then (5 + 0) / 20
    assert smoothed_initial_gap_ratio(np.array([0.0, 5.0, 0.0]), 10.0, 2).tolist() == \
        [0.0, 0.25, 0.25]


def synthetic_kpis() -> pd.DataFrame:
    """Four futures of one component over a 100-day run: closed on days 10, 20, never and
    never under 5%; on days 5, 10, 20 and 40 under 10%; only day 30 under 2%."""
    return pd.DataFrame({
        "replication": range(4), "component": "all", "close_threshold": 0.05,
        "closed": [True, True, False, False], "close_day": [10.0, 20.0, np.nan, np.nan],
        "reopened": False,
        "lower_threshold": 0.02, "closed_lower_threshold": [False, False, True, False],
        "close_day_lower_threshold": [np.nan, np.nan, 30.0, np.nan],
        "higher_threshold": 0.1, "closed_higher_threshold": True,
        "close_day_higher_threshold": [5.0, 10.0, 20.0, 40.0],
    })


def test_sensitivity_table_by_hand():
    table = threshold_sensitivity(synthetic_kpis(), 100, 0.05)
    assert table["which"].tolist() == ["lower", "used", "higher"]
    assert table["threshold"].tolist() == [0.02, 0.05, 0.1]
    assert table["share_closed"].tolist() == [0.25, 0.5, 1.0]
    # restricted means in days: (100+100+30+100)/4, (10+20+100+100)/4, (5+10+20+40)/4
    days = table["restricted_mean_months"] * 365.25 / 12
    assert days.tolist() == pytest.approx([82.5, 57.5, 18.75])


def test_the_sentence_names_the_threshold_used_and_its_neighbours():
    summary = {"close_rule": {"relative_to": "demand"}, "components": {"all": {
        "close_threshold_sensitivity": [
            {"threshold": 0.02, "used": False, "share_closed_by_end": 0.25},
            {"threshold": 0.05, "used": True, "share_closed_by_end": 0.5},
            {"threshold": 0.1, "used": False, "share_closed_by_end": 1.0}]}}}
    assert threshold_sentence(summary) == (
        "The overall shortfall is closed by the end of the run in 50% of futures with the "
        "threshold used here, a shortfall of at most 5% of demand; 25% at 2% and 100% at "
        "10%.")


def test_the_sentence_writes_no_share_as_zero_and_small_thresholds_exactly():
    summary = {"close_rule": {"relative_to": "initial_gap"}, "components": {"all": {
        "close_threshold_sensitivity": [
            {"threshold": 0.005, "used": False, "share_closed_by_end": 0.0},
            {"threshold": 0.01, "used": True, "share_closed_by_end": 0.0},
            {"threshold": 0.02, "used": False, "share_closed_by_end": 0.08}]}}}
    assert threshold_sentence(summary) == (
        "The overall shortfall is closed by the end of the run in 0% of futures with the "
        "threshold used here, a shortfall of at most 1% of the initial gap; 0% at 0.5% and "
        "8% at 2%.")
