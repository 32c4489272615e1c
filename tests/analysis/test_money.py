"""Money tables: hand-computed totals with their 95% intervals, yearly means and ranges and
cost per unit on tiny tables; one variant at a time; the same numbers from tables left on
disk as in memory; and on a real run, the numbers the summary's ``money`` entry holds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator.analysis import money
from simulator.pipeline import run
from simulator.results import RunResult, read_results
from simulator.scenario import load_scenario

MINIMAL = "tests/scenario/good/minimal.yaml"
nan = np.nan


def tiny_result(variants: tuple[str, ...] = ("base",)) -> RunResult:
    """Two replications, components ``ecu`` and ``all``, two years; the second variant's
    money is ten times the first's."""
    kpis, yearly = [], []
    for k, variant in enumerate(variants):
        scale = 10.0 ** k
        for r in range(2):
            kpis.append({"variant": variant, "replication": r, "component": "ecu",
                         "capex_spent_procurement": scale * (100.0 + 100 * r),
                         "capacity_added_procurement": 10.0,
                         "capex_spent_investment": 0.0, "capacity_added_investment": 0.0,
                         "capex_committed_procurement": nan, "npv": nan})
            kpis.append({"variant": variant, "replication": r, "component": "all",
                         "capex_committed_procurement": scale * (150.0 + 100 * r),
                         "capex_spent_procurement": scale * (100.0 + 100 * r),
                         "capex_spent_investment": 0.0,
                         "capacity_added_procurement": nan, "capacity_added_investment": nan,
                         "capex_before_start": 7.0, "npv": scale * (1.0 + 2 * r),
                         "served_value": 10.0})
            for year in (2024, 2025):
                for component in ("ecu", "all"):
                    money_rows = component == "all"
                    yearly.append({
                        "variant": variant, "replication": r, "year": year,
                        "component": component, "gap": 1.0,
                        "released_procurement": scale * 50.0 if money_rows else nan,
                        "capex_committed_procurement": (scale * (10.0 * (r + 1) + year - 2024)
                                                        if money_rows else nan),
                        "capex_spent_procurement": scale * 5.0 * r if money_rows else nan,
                    })
    scenario = {"scenario": {"start": "2024-01-01", "end": "2025-12-31", "currency": "RUB",
                             "discount_rate": 0.05}}
    return RunResult(kpis=pd.DataFrame(kpis), series=None, yearly=pd.DataFrame(yearly),
                     events=None, suppliers=None, scenario_dict=scenario)


# ------------------------------------------------------------------- hand-computed


def test_money_totals_by_hand():
    table = money.tables(tiny_result(), None)["money_totals"].set_index(["measure", "stage"])
    committed = table.loc[("capex_committed", "procurement")]
    assert committed["mean"] == 200.0
    half = 1.96 * math.sqrt(5000.0) / math.sqrt(2)  # sd of 150, 250 is sqrt(5000)
    assert committed["ci95_low"] == pytest.approx(200.0 - half)
    assert committed["ci95_high"] == pytest.approx(200.0 + half)
    assert table.loc[("capex_spent", "procurement"), "mean"] == 150.0
    assert table.loc[("capex_spent", "investment"), "mean"] == 0.0
    assert table.loc[("capex_before_start", "investment"), "mean"] == 7.0
    npv = table.loc[("npv", "")]
    assert (npv["mean"], npv["n"]) == (2.0, 2)
    assert npv["ci95_high"] == pytest.approx(2.0 + 1.96 * math.sqrt(2) / math.sqrt(2))
    served = table.loc[("served_value", "")]
    assert served["ci95_low"] == served["ci95_high"] == 10.0  # no spread, no width
    assert set(table["currency"]) == {"RUB"} and set(table["discount_rate"]) == {0.05}
    assert "variant" not in table.reset_index()


def test_money_by_year_by_hand():
    table = money.tables(tiny_result(), None)["money_by_year"]
    assert list(table.columns) == ["year", "stage", "kind", "mean", "p10", "p90", "n"]
    assert set(table["stage"]) == {"procurement"}  # no investment money column in yearly
    row = table.set_index(["year", "stage", "kind"]).loc[(2025, "procurement",
                                                          "capex_committed")]
    # the two replications: 11 and 21
    assert (row["mean"], row["n"]) == (16.0, 2)
    assert row["p10"] == pytest.approx(11.0 + 0.1 * 10.0)  # linear between the two
    assert row["p90"] == pytest.approx(11.0 + 0.9 * 10.0)
    assert list(table["kind"][:3]) == ["released", "capex_committed", "capex_spent"]
    assert list(table["year"].unique()) == [2024, 2025]


def test_cost_per_unit_by_hand():
    table = money.tables(tiny_result(), None)["cost_per_unit"].set_index(
        ["component", "stage"])
    assert list(table.index.get_level_values("component").unique()) == ["ecu"]  # not all
    row = table.loc[("ecu", "procurement")]
    assert (row["capex_spent_sum"], row["capacity_added_sum"]) == (300.0, 20.0)
    assert row["cost_per_unit"] == 15.0  # ratio of totals over replications
    assert math.isnan(table.loc[("ecu", "investment"), "cost_per_unit"])  # nothing added


def test_one_variant_at_a_time():
    result = tiny_result(("base", "rich"))
    base, rich = money.tables(result, "base"), money.tables(result, "rich")
    for name in base:
        assert "variant" not in base[name]
    totals = {name: t.set_index(["measure", "stage"]).loc[("npv", ""), "mean"]
              for name, t in (("base", base["money_totals"]), ("rich", rich["money_totals"]))}
    assert totals == {"base": 2.0, "rich": 20.0}
    by_year = rich["money_by_year"].set_index(["year", "stage", "kind"])
    assert by_year.loc[(2024, "procurement", "released"), "mean"] == 500.0
    assert rich["cost_per_unit"]["cost_per_unit"].iloc[0] == 150.0


def test_spread_and_mean_ci_leave_missing_values_out():
    assert money.spread(pd.Series([nan, 1.0, 3.0])) == {"mean": 2.0, "p10": 1.2, "p90": 2.8,
                                                        "n": 2}
    empty = money.spread(np.array([nan]))
    assert empty["n"] == 0 and math.isnan(empty["mean"])
    one = money.mean_ci(np.array([4.0, nan]))
    assert one["mean"] == 4.0 and one["n"] == 1 and math.isnan(one["ci95_low"])


# ------------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A tiny real run held in memory, and the same run written to a folder and read back
    with every table but kpis left on disk."""
    folder = tmp_path_factory.mktemp("money") / "r"
    run(load_scenario(MINIMAL), replications=4, workers=1, out=folder, charts=False,
        report=False)
    back = read_results(folder, load_limit=0)
    result = run(load_scenario(MINIMAL), replications=4, workers=1)
    assert result.events is not None and result.table_dir is None
    assert back.yearly is None and back.events is None and back.suppliers is None
    return result, back


def test_tables_on_disk_equal_those_in_memory(written):
    memory, disk = written
    for variant in (None, memory.variants()[0]):
        expected, found = money.tables(memory, variant), money.tables(disk, variant)
        assert set(found) == {"money_by_year", "money_totals", "cost_per_unit"}
        for name, table in expected.items():
            assert len(table), name
            pd.testing.assert_frame_equal(found[name], table, check_dtype=False, obj=name)


def test_money_totals_are_the_summarys_money(written):
    """The summary's ``money`` entry and each component's cost per unit are the tables'."""
    result = written[0]
    summary = result.summary
    expected = summary["money"]
    tables = money.tables(result, None)
    totals = tables["money_totals"].set_index(["measure", "stage"])
    for kind in ("capex_committed", "capex_spent"):
        for stage, mean in expected[kind].items():
            assert totals.loc[(kind, stage), "mean"] == pytest.approx(mean)
    assert totals.loc[("capex_before_start", "investment"), "mean"] == pytest.approx(
        expected["capex_before_start"])
    for measure in ("npv", "served_value"):
        for key in ("mean", "ci95_low", "ci95_high", "n"):
            assert totals.loc[(measure, ""), key] == pytest.approx(expected[measure][key])
    assert set(totals["currency"]) == {expected["currency"]}
    assert set(totals["discount_rate"]) == {expected["discount_rate"]}
    by_year = tables["money_by_year"].set_index(["year", "stage", "kind"])["mean"]
    for row in expected["by_year"]:
        for column, value in row.items():
            if column == "year":
                continue
            kind, stage = column.rsplit("_", 1)
            assert by_year[(row["year"], stage, kind)] == pytest.approx(value), column
    cost = tables["cost_per_unit"].set_index(["component", "stage"])["cost_per_unit"]
    for component, entry in summary["components"].items():
        for stage, value in entry["cost_per_unit_added"].items():
            if component == "all" or value is None:
                assert component == "all" or math.isnan(cost[(component, stage)])
            else:
                assert cost[(component, stage)] == pytest.approx(value)


def test_yearly_money_is_read_without_the_rest_of_the_table(written, monkeypatch):
    """Only the money columns of the overall rows of one variant are read from disk."""
    disk = written[1]
    calls = []
    original = disk.read

    def spy(name, columns=None, where=None, **equal):
        calls.append((name, columns, {**(where or {}), **equal}))
        return original(name, columns=columns, where=where, **equal)

    monkeypatch.setattr(disk, "read", spy)
    variant = disk.variants()[0]
    money.tables(disk, variant)
    yearly = [c for c in calls if c[0] == "yearly"]
    assert yearly and all(c[2] == {"variant": variant, "component": "all"} for c in yearly)
    assert all(c[1] is not None and "gap" not in c[1] for c in yearly)


# ------------------------------------------------------------------- economic value


def test_economic_value_means_over_the_futures_where_each_measure_is_defined():
    kpis = pd.DataFrame([
        {"component": "ecu", "economic_npv": 1.0, "irr": nan},
        {"component": "all", "economic_npv": 10.0, "irr": nan, "irr_investment": nan,
         "payback_years_investment": 2.0},
        {"component": "all", "economic_npv": 20.0, "irr": 0.1, "irr_investment": 0.1,
         "payback_years_investment": nan},
        {"component": "all", "economic_npv": 30.0, "irr": 0.3, "irr_investment": 0.3,
         "payback_years_investment": nan},
    ])
    scenario = {"scenario": {"currency": "RUB", "price_year": 2024},
                "economics": {"real_discount_rate": 0.08}}
    table = money.economic_value(kpis, scenario).set_index(["stage", "measure"])
    npv = table.loc[("all", "economic_npv")]
    assert (npv["mean"], npv["n"], npv["n_total"]) == (20.0, 3, 3)
    assert npv["ci95_high"] == pytest.approx(20 + 1.96 * 10 / math.sqrt(3))
    irr = table.loc[("investment", "irr")]
    assert (irr["mean"], irr["n"], irr["n_total"]) == (pytest.approx(0.2), 2, 3)
    payback = table.loc[("investment", "payback_years")]
    assert (payback["mean"], payback["n"]) == (2.0, 1)
    assert math.isnan(payback["ci95_low"])  # one future: no interval
    assert set(table["real_discount_rate"]) == {0.08} and set(table["price_year"]) == {2024}


def test_project_value_gives_shares_started_and_usable_and_means():
    projects = pd.DataFrame({
        "project": ["p1", "p2", "p1", "p2"], "component": ["ecu"] * 4,
        "started": [True, False, True, True], "usable_day": [100.0, nan, nan, 300.0],
        "served": [10.0, 0.0, 0.0, 4.0], "import_substitution_value": [1.0, 0.0, 0.0, 0.4],
        "operating_cost": [0.5, 0.0, 0.0, 0.2], "capex_real": [2.0, 0.0, 2.0, 2.0],
        "economic_npv": [-1.0, 0.0, -2.0, -1.6], "irr": [0.05, nan, nan, nan],
        "payback_years": [nan] * 4})
    table = money.project_value(projects).set_index(["project", "measure"])
    assert table.loc[("p1", "started"), "mean"] == 1.0
    assert table.loc[("p2", "started"), "mean"] == 0.5
    assert table.loc[("p1", "usable"), "mean"] == 0.5
    assert table.loc[("p1", "economic_npv"), "mean"] == -1.5
    assert (table.loc[("p1", "irr"), "mean"], table.loc[("p1", "irr"), "n"]) == (0.05, 1)
    assert table.loc[("p2", "payback_years"), "n"] == 0
