"""The representative future's machine orders: the future chosen by hand-computed ranks,
phases read off hand-made events, one future's events read (one variant at a time), and
the same tables whether the result's tables are on disk or in memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.procurement import (
    ORDERS_COLUMNS,
    REPRESENTATIVE_COLUMNS,
    RULE,
    SETBACKS_COLUMNS,
    order_phases,
    ramp_days,
    representative_replication,
    representative_scores,
    tables,
)
from simulator.results import RunResult

EVENTS = [  # (day, kind, entity) of one future's machine orders
    (0.0, "order_decided", "line/m1"), (30.0, "order_placed", "line/m1"),
    (30.0, "order_blocked", "line/m1"), (90.0, "order_reordered", "line/m1"),
    (90.0, "order_placed", "line/m1"), (120.0, "building_started", "line/m1"),
    (300.0, "shipped", "line/m1"), (340.0, "delivered", "line/m1"),
    (400.0, "installed", "line/m1"),
    (10.0, "order_decided", "line/m2"), (40.0, "order_placed", "line/m2"),
    (40.0, "order_blocked", "line/m2"), (100.0, "order_lapsed", "line/m2"),
    (20.0, "order_decided", "line/m10"), (50.0, "order_placed", "line/m10"),
    (80.0, "building_started", "line/m10"),
    (20.0, "order_decided", "line/m3"),  # same day as m10: m3 first (natural order)
]


def events_of(replication: int, variant: str = "v") -> pd.DataFrame:
    frame = pd.DataFrame(EVENTS, columns=["time_days", "kind", "entity"])
    project = pd.DataFrame([(5.0, "building_started", "plant_x")], columns=frame.columns)
    return pd.concat([frame.assign(stage="procurement", component="ecu"),
                      project.assign(stage="investment", component="ecu")],
                     ignore_index=True).assign(variant=variant, replication=replication)


def test_representative_is_the_middle_future():
    kpis = pd.DataFrame({
        "replication": [0, 1, 2, 3, 4],
        "component": "all",
        "close_day": [100.0, 300.0, 200.0, np.nan, 250.0],
        "cumulative_shortfall_value": [1.0, 5.0, 3.0, 9.0, 3.5],
    })
    # ranks: close 0<2<4<1<3 (never closed last) and shortfall 0<2<4<1<3: 4 in the middle
    scores = representative_scores(kpis)
    assert representative_replication(kpis) == 4
    # mid-rank shares (rank - 0.5) / 5: replications 2 (0.3 on both) and 1 (0.7 on both)
    # are 0.2 + 0.2 away, the lower number first; 0 and 3 are 0.4 + 0.4 away
    assert list(scores["replication"]) == [4, 1, 2, 0, 3]
    assert scores["score"].tolist() == pytest.approx([0.0, 0.4, 0.4, 0.8, 0.8])
    # four futures: 2 and 1 tie in the middle (score 0.5); the lower number wins
    assert representative_replication(kpis[kpis["replication"] != 4]) == 1


def test_representative_without_overall_rows():
    kpis = pd.DataFrame({
        "replication": [0, 0, 1, 1, 2, 2],
        "component": ["a", "b"] * 3,
        "close_day": [10.0, 20.0, 30.0, np.nan, 20.0, 40.0],
        "cumulative_shortfall_value": [1.0, 1.0, 9.0, 9.0, 2.0, 3.0],
    })
    # latest close day 20, never, 40; summed shortfall 2, 18, 5: replication 2 in the middle
    scores = representative_scores(kpis)
    assert scores.iloc[0]["replication"] == 2
    assert scores.iloc[0]["close_day"] == 40.0
    assert scores.iloc[0]["cumulative_shortfall_value"] == 5.0
    with pytest.raises(ValueError, match="no kpis rows"):
        representative_scores(kpis.iloc[0:0])


def test_order_phases_follow_the_events():
    phases, setbacks, n = order_phases(events_of(0), end_day=500.0, ramp_days=50.0)
    assert n == 4
    assert list(phases.columns) == ORDERS_COLUMNS[1:]
    first = phases[phases["order"] == "line/m1"].set_index("phase")
    assert list(first.index) == ["approval", "blocked", "queued", "building", "shipping",
                                 "installing", "ramping"]
    assert tuple(first.loc["approval", ["start_day", "end_day"]]) == (0.0, 30.0)
    assert tuple(first.loc["blocked", ["start_day", "end_day"]]) == (30.0, 90.0)
    assert tuple(first.loc["queued", ["start_day", "end_day"]]) == (90.0, 120.0)
    assert tuple(first.loc["ramping", ["start_day", "end_day"]]) == (400.0, 450.0)
    assert set(first["line"]) == {"line"} and set(first["machine"]) == {1}
    assert set(first["component"]) == {"ecu"}
    lapsed = phases[phases["order"] == "line/m2"]
    assert set(lapsed["phase"]) == {"approval", "blocked"}  # never queued: it lapsed
    assert tuple(lapsed.set_index("phase").loc["blocked", ["start_day", "end_day"]]) == (
        40.0, 100.0)
    running = phases[phases["order"] == "line/m10"].set_index("phase")
    assert running.loc["building", "end_day"] == 500.0  # still being built at the end
    # ranks by first event, then natural order of the entity; the project is no order
    ranks = phases.drop_duplicates("order").set_index("order")["order_rank"].to_dict()
    assert ranks == {"line/m1": 0, "line/m2": 1, "line/m3": 2, "line/m10": 3}
    waiting = phases[phases["order"] == "line/m3"]  # decided only: in approval to the end
    assert waiting[["phase", "start_day", "end_day"]].values.tolist() == [
        ["approval", 20.0, 500.0]]
    assert setbacks[["order", "kind", "day"]].values.tolist() == [
        ["line/m1", "blocked", 30.0], ["line/m2", "blocked", 40.0],
        ["line/m2", "lapsed", 100.0]]


def test_order_phases_without_ramp_or_orders():
    phases, _setbacks, _n = order_phases(events_of(0), end_day=500.0)
    assert "ramping" not in set(phases["phase"])
    none, no_setbacks, n = order_phases(events_of(0).iloc[0:0])
    assert n == 0 and none.empty and no_setbacks.empty


def test_ramp_days_is_the_scenario_median():
    assert ramp_days({"stages": {"procurement": {"ramp_up_days": 120}}}) == 120.0
    triangular = {"dist": "triangular", "min": 0, "mode": 100, "max": 200}
    assert ramp_days({"stages": {"procurement": {"ramp_up_days": triangular}}}) == (
        pytest.approx(100.0))
    assert ramp_days({"stages": {"procurement": {}}}) is None
    assert ramp_days({}) is None


def tiny_result(variants: tuple[str, ...] = ("v",)) -> RunResult:
    """Three futures per variant; in each, replication 1 is the middle one; every future
    has the orders of `EVENTS`; a run of 366 days (2024) with a 50-day ramp."""
    kpis = pd.concat([pd.DataFrame({
        "variant": variant, "replication": [0, 1, 2], "component": "all",
        "close_day": [100.0, 200.0, np.nan],
        "cumulative_shortfall_value": [1.0, 2.0, 3.0]}) for variant in variants],
        ignore_index=True)
    events = pd.concat([events_of(r, variant) for variant in variants for r in (0, 1, 2)],
                       ignore_index=True)
    scenario = {"scenario": {"start": "2024-01-01", "end": "2024-12-31"},
                "stages": {"procurement": {"ramp_up_days": 50}}}
    return RunResult(kpis=kpis, series=None, yearly=None, events=events, suppliers=None,
                     scenario_dict=scenario)


def test_tables_of_the_representative_future():
    found = tables(tiny_result(), None)
    assert set(found) == {"procurement_orders", "procurement_setbacks",
                          "procurement_representative"}
    orders, setbacks = found["procurement_orders"], found["procurement_setbacks"]
    assert list(orders.columns) == ORDERS_COLUMNS
    assert list(setbacks.columns) == SETBACKS_COLUMNS
    assert set(orders["replication"]) == {1} and set(setbacks["replication"]) == {1}
    expected, _, _ = order_phases(events_of(1), end_day=366.0, ramp_days=50.0)
    pd.testing.assert_frame_equal(orders.drop(columns="replication"), expected)
    # clipped at the end of the run (366 days): m10 is still being built, m1 ramping
    assert orders["end_day"].max() == 366.0
    (about,) = found["procurement_representative"].to_dict("records")
    assert list(found["procurement_representative"].columns) == REPRESENTATIVE_COLUMNS
    assert about == {"replication": 1, "n_replications": 3, "close_day": 200.0,
                     "cumulative_shortfall_value": 2.0, "score": 0.0, "n_orders": 4,
                     "ramp_days": 50.0, "horizon_days": 366, "rule": RULE}


def test_one_variant_at_a_time():
    result = tiny_result(("v", "w"))
    in_w = result.kpis["variant"] == "w"  # in w, replication 2 is the middle one
    result.kpis.loc[in_w, "close_day"] = [100.0, 300.0, 150.0]
    result.kpis.loc[in_w, "cumulative_shortfall_value"] = [1.0, 3.0, 2.0]
    v, w = tables(result, "v"), tables(result, "w")
    assert v["procurement_representative"]["replication"].item() == 1
    assert w["procurement_representative"]["replication"].item() == 2
    assert all("variant" not in table for table in (*v.values(), *w.values()))
    assert len(w["procurement_orders"]) == len(v["procurement_orders"])  # one future's
    assert tables(result, "nowhere") == {}


def test_a_future_without_orders_and_a_result_without_events():
    result = tiny_result()
    result.events = result.events[result.events["replication"] != 1]
    found = tables(result, None)
    assert found["procurement_orders"].empty and found["procurement_setbacks"].empty
    assert found["procurement_representative"]["n_orders"].item() == 0
    result.events = None
    assert tables(result, None) == {}


def test_tables_on_disk_equal_those_in_memory(tmp_path):
    from simulator.pipeline import run
    from simulator.results import read_results
    from simulator.scenario import load_scenario

    run(load_scenario("tests/scenario/good/minimal.yaml"), replications=4, workers=1,
        out=tmp_path / "r", charts=False, report=False)
    in_memory = read_results(tmp_path / "r")
    on_disk = read_results(tmp_path / "r", load_limit=0)
    assert in_memory.events is not None and on_disk.events is None
    expected = tables(in_memory, None)
    assert not expected["procurement_orders"].empty
    assert expected["procurement_representative"]["ramp_days"].item() == 270.0
    rep = representative_replication(in_memory.kpis)
    assert set(expected["procurement_orders"]["replication"]) == {rep}
    variant = in_memory.variants()[0]
    for variant_asked in (None, variant):
        found = tables(on_disk, variant_asked)
        assert set(found) == set(expected)
        for name, table in expected.items():
            pd.testing.assert_frame_equal(found[name], table)
