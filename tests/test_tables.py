"""The per-replication tables add up: capex by component, served value, series means."""

import numpy as np
import pytest

from simulator.pipeline import run
from simulator.scenario import load_scenario
from tests.model.helpers import scenario_from
from tests.model.test_investment import SCENARIO as INVESTMENT


def test_capex_by_component_adds_up_to_the_all_row():
    result = run(load_scenario("tests/scenario/good/minimal.yaml"), replications=3, workers=1)
    kpis = result.kpis
    for column in ("capex_committed_procurement", "capex_spent_procurement",
                   "capex_committed_investment", "capex_spent_investment"):
        parts = kpis[kpis.component != "all"].groupby("replication")[column].sum()
        total = kpis[kpis.component == "all"].set_index("replication")[column]
        assert np.allclose(parts, total), column


def test_cost_per_unit_added_on_a_hand_computed_project():
    # one project: capex 1000, capacity 500, finished at day 250 of 366 (test_investment)
    result = run(scenario_from(INVESTMENT), replications=2, workers=1)
    row = result.kpis[(result.kpis.component == "a")].iloc[0]
    assert row["capex_committed_investment"] == pytest.approx(1000.0)
    assert row["capex_spent_investment"] == pytest.approx(1000.0)
    assert row["capacity_added_investment"] == pytest.approx(500.0)
    cost = result.summary["components"]["a"]["cost_per_unit_added"]["investment"]
    assert cost == pytest.approx(2.0)


def test_monthly_series_are_means_of_the_daily_grid():
    result = run(scenario_from(INVESTMENT), replications=1, workers=1)
    series = result.series[result.series.component == "a"].set_index("month")
    # the plant finishes on day 250 (2024-09-07): September has 24 of 30 days at 500
    assert series.loc["2024-09", "served_investment"] == pytest.approx(500 * 24 / 30)
    assert series.loc["2024-08", "served_investment"] == 0.0
    assert series.loc["2024-10", "gap"] == pytest.approx(10000.0)
