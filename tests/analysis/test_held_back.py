"""Held-back tables: budget figures, supplier waits, idle capacity and, from a tiny events
table worked by hand, what delays each component's machines; one variant at a time; the
same numbers from tables left on disk as in memory; on a real run, the slot waits from the
events equal the model's own per-supplier figures and the summary's ``held_back``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator.analysis import held_back
from simulator.pipeline import run
from simulator.results import RunResult, read_results
from simulator.scenario import load_scenario

MINIMAL = "tests/scenario/good/minimal.yaml"
nan = np.nan
TABLES = {"budget_held_back", "supplier_waits", "component_waits", "idle_capacity"}


def events_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["replication", "time_days", "kind", "stage", "entity",
                                       "component"])


# Two replications. ecu, replication 0: m1 waits 20 days (placed 10, started 30, installed
# 120); m2 is blocked at 10, placed again at 40 and starts at 100 (wait 60: from the last
# placement), installed 200; m3 is blocked and lapses; m4 is placed and still waits at the
# end. Replication 1 (same order ids): m1 starts the day it is placed (wait 0), installed
# 300. seat: one machine, replication 1, waits 40 and is not installed in the run. The
# investment row is another stage's and is left out.
EVENTS = events_frame([
    (0, 0.0, "order_decided", "procurement", "L#0/m1", "ecu"),
    (0, 0.0, "order_decided", "procurement", "L#0/m2", "ecu"),
    (0, 0.0, "order_decided", "procurement", "L#0/m3", "ecu"),
    (0, 0.0, "order_decided", "procurement", "L#0/m4", "ecu"),
    (0, 10.0, "order_placed", "procurement", "L#0/m1", "ecu"),
    (0, 10.0, "order_placed", "procurement", "L#0/m2", "ecu"),
    (0, 10.0, "order_blocked", "procurement", "L#0/m2", "ecu"),
    (0, 10.0, "order_placed", "procurement", "L#0/m3", "ecu"),
    (0, 10.0, "order_blocked", "procurement", "L#0/m3", "ecu"),
    (0, 10.0, "order_placed", "procurement", "L#0/m4", "ecu"),
    (0, 30.0, "building_started", "procurement", "L#0/m1", "ecu"),
    (0, 40.0, "order_reordered", "procurement", "L#0/m2", "ecu"),
    (0, 40.0, "order_placed", "procurement", "L#0/m2", "ecu"),
    (0, 50.0, "order_lapsed", "procurement", "L#0/m3", "ecu"),
    (0, 100.0, "building_started", "procurement", "L#0/m2", "ecu"),
    (0, 100.0, "shipped", "procurement", "L#0/m1", "ecu"),
    (0, 110.0, "delivered", "procurement", "L#0/m1", "ecu"),
    (0, 120.0, "installed", "procurement", "L#0/m1", "ecu"),
    (0, 200.0, "installed", "procurement", "L#0/m2", "ecu"),
    (0, 5.0, "building_started", "investment", "P1", "ecu"),
    (1, 5.0, "order_decided", "procurement", "L#0/m1", "ecu"),
    (1, 15.0, "order_placed", "procurement", "L#0/m1", "ecu"),
    (1, 15.0, "building_started", "procurement", "L#0/m1", "ecu"),
    (1, 300.0, "installed", "procurement", "L#0/m1", "ecu"),
    (1, 0.0, "order_decided", "procurement", "S#0/m1", "seat"),
    (1, 0.0, "order_placed", "procurement", "S#0/m1", "seat"),
    (1, 40.0, "building_started", "procurement", "S#0/m1", "seat"),
])


def tiny_result(variants: tuple[str, ...] = ("base",)) -> RunResult:
    """Five replications per variant: kpis of components ecu, seat and all, a suppliers
    table with suppliers a and b, and `EVENTS` for every variant (the second variant's
    events are shifted 1,000 days later)."""
    kpis, suppliers, events = [], [], []
    for k, variant in enumerate(variants):
        for r in range(5):
            for component in ("ecu", "seat"):
                kpis.append({"variant": variant, "replication": r, "component": component,
                             "idle_capacity": 10.0 * r, "idle_capacity_value": 20.0 * r,
                             "capacity_added_procurement": 1.0 + k})
            kpis.append({"variant": variant, "replication": r, "component": "all",
                         "idle_capacity": nan, "idle_capacity_value": 40.0 * r,
                         "capacity_added_procurement": nan,
                         "empty_budget_days_procurement": 10.0 * r + 1000 * k,
                         "empty_budget_days_investment": 0.0, "paused_build_days": 5.0,
                         "unspent_procurement": 100.0 * r, "unspent_investment": nan,
                         "orders_placed": 4.0 + r, "orders_blocked": 1.0,
                         "orders_lapsed": float(r % 2), "slot_wait_mean_days": 12.0,
                         "slot_wait_p90_days": 30.0})
            for supplier, orders, blocked, wait in (("a", 3 + r, 1, 10.0 * r),
                                                    ("b", 1, 0, nan if r < 4 else 50.0)):
                suppliers.append({"variant": variant, "replication": r, "supplier": supplier,
                                  "orders": orders, "blocked": blocked,
                                  "slot_wait_mean_days": wait, "slot_wait_p90_days": wait})
        events.append(EVENTS.assign(variant=variant, time_days=EVENTS["time_days"] + 1000 * k))
    return RunResult(kpis=pd.DataFrame(kpis), series=None, yearly=None,
                     events=pd.concat(events, ignore_index=True),
                     suppliers=pd.DataFrame(suppliers), scenario_dict={})


# ------------------------------------------------------------------- hand-computed


def test_component_waits_by_hand():
    table = held_back.component_waits(EVENTS, n_replications=2).set_index("component")
    assert list(table.index) == ["ecu", "seat"]
    ecu = table.loc["ecu"]
    assert ecu["machines_ordered"] == 5 / 2  # order_decided: four, then one
    assert ecu["orders_placed"] == 6 / 2  # re-orders included
    assert ecu["orders_blocked"] == 2 / 2
    assert ecu["machines_lapsed"] == 1 / 2
    assert ecu["machines_started"] == 3 / 2  # the investment row is not a machine
    assert ecu["machines_waiting_at_end"] == 1 / 2  # m4 (m3 lapsed, m2 was placed again)
    assert ecu["machines_installed"] == 3 / 2
    # waits 20, 60 (from the last placement) and 0
    assert ecu["slot_wait_mean_days"] == pytest.approx(80 / 3)
    assert ecu["slot_wait_p90_days"] == pytest.approx(20 + 0.8 * 40)  # linear, sorted 0 20 60
    assert ecu["n_waits"] == 3
    assert ecu["installed_day_mean"] == pytest.approx((120 + 200 + 300) / 3)
    seat = table.loc["seat"]
    assert (seat["machines_ordered"], seat["slot_wait_mean_days"], seat["n_waits"]) == (
        0.5, 40.0, 1)
    assert math.isnan(seat["installed_day_mean"])  # none installed in the run


def test_slot_waits_are_per_machine_and_replication():
    waits = held_back.slot_waits(EVENTS[EVENTS["stage"] == "procurement"])
    assert waits.to_dict() == {(0, "L#0/m1"): 20.0, (0, "L#0/m2"): 60.0,
                               (1, "L#0/m1"): 0.0, (1, "S#0/m1"): 40.0}


def test_budget_held_back_by_hand():
    table = held_back.tables(tiny_result(), None)["budget_held_back"]
    assert list(table["figure"]) == [
        "empty_budget_days_procurement", "empty_budget_days_investment", "paused_build_days",
        "unspent_procurement", "unspent_investment"]
    assert list(table["unit"]) == ["days", "days", "build-days", "money", "money"]
    assert list(table["stage"]) == ["procurement", "investment", "investment", "procurement",
                                    "investment"]
    empty = table.set_index("figure").loc["empty_budget_days_procurement"]
    # replications: 0, 10, 20, 30, 40
    assert (empty["mean"], empty["p10"], empty["p90"], empty["n"]) == (20.0, 4.0, 36.0, 5)
    unspent = table.set_index("figure").loc["unspent_investment"]
    assert unspent["n"] == 0 and math.isnan(unspent["mean"])


def test_supplier_waits_by_hand():
    table = held_back.tables(tiny_result(), None)["supplier_waits"].set_index("supplier")
    assert list(table.index) == ["a", "b", "all"]
    a, b, overall = table.loc["a"], table.loc["b"], table.loc["all"]
    assert (a["orders"], a["blocked"], a["n"]) == (5.0, 1.0, 5)  # orders 3..7
    assert a["share_blocked"] == 5 / 25  # all futures pooled
    assert a["slot_wait_mean_days"] == 20.0 and a["slot_wait_mean_days_p90"] == 36.0
    assert math.isnan(a["lapsed"])  # lapsed orders are counted over all suppliers only
    assert b["slot_wait_mean_days"] == 50.0  # futures without a wait are left out
    assert b["share_blocked"] == 0.0
    assert (overall["orders"], overall["lapsed"], overall["slot_wait_p90_days"]) == (
        6.0, 0.4, 30.0)


def test_idle_capacity_by_hand():
    table = held_back.tables(tiny_result(), None)["idle_capacity"].set_index("component")
    assert list(table.index) == ["ecu", "seat", "all"]
    assert table.loc["ecu", "idle_capacity"] == 20.0
    assert table.loc["all", "idle_capacity_value"] == 80.0
    assert math.isnan(table.loc["all", "idle_capacity"])
    assert table.loc["seat", "n"] == 5


def test_one_variant_at_a_time():
    result = tiny_result(("base", "rich"))
    base, rich = held_back.tables(result, "base"), held_back.tables(result, "rich")
    assert set(base) == TABLES
    for name in TABLES:
        assert "variant" not in base[name], name
    days = {name: t.set_index("figure").loc["empty_budget_days_procurement", "mean"]
            for name, t in (("base", base["budget_held_back"]),
                            ("rich", rich["budget_held_back"]))}
    assert days == {"base": 20.0, "rich": 1020.0}
    waits = rich["component_waits"].set_index("component")
    assert waits.loc["ecu", "machines_ordered"] == 5 / 5  # five events, five replications
    assert waits.loc["ecu", "installed_day_mean"] == pytest.approx(1000 + 620 / 3)
    assert rich["idle_capacity"].set_index("component").loc["ecu",
                                                            "capacity_added_procurement"] == 2.0


def test_without_events_or_suppliers():
    from dataclasses import replace

    tables = held_back.tables(replace(tiny_result(), events=None, suppliers=None), None)
    assert tables["component_waits"].empty
    assert list(tables["supplier_waits"]["supplier"]) == ["all"]


# ------------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A tiny real run held in memory, and the same run written to a folder and read back
    with every table but kpis left on disk."""
    folder = tmp_path_factory.mktemp("held_back") / "r"
    run(load_scenario(MINIMAL), replications=4, workers=1, out=folder, charts=False,
        report=False)
    back = read_results(folder, load_limit=0)
    result = run(load_scenario(MINIMAL), replications=4, workers=1)
    assert result.events is not None and result.table_dir is None
    assert back.events is None and back.suppliers is None
    return result, back


def test_tables_on_disk_equal_those_in_memory(written):
    memory, disk = written
    for variant in (None, memory.variants()[0]):
        expected, found = held_back.tables(memory, variant), held_back.tables(disk, variant)
        assert set(found) == TABLES
        for name, table in expected.items():
            assert len(table), name
            pd.testing.assert_frame_equal(found[name], table, check_dtype=False, obj=name)


def test_slot_waits_from_events_are_the_models_own(written):
    """Each machine's wait from the events, averaged per replication and supplier, equals
    the suppliers table's ``slot_wait_mean_days`` (which the model records as it runs)."""
    result = written[0]
    events = result.events[result.events["stage"] == "procurement"]
    waits = held_back.slot_waits(events).rename("wait").reset_index()
    started = events[events["kind"] == "building_started"][["replication", "entity",
                                                            "supplier"]]
    means = waits.merge(started, on=["replication", "entity"]).groupby(
        ["replication", "supplier"])["wait"].mean()
    model = result.suppliers.set_index(["replication", "supplier"])["slot_wait_mean_days"]
    assert len(means) > 0
    pd.testing.assert_series_equal(means, model.dropna().loc[means.index], check_names=False)
    table = held_back.tables(result, None)["component_waits"].set_index("component")
    assert table.loc["ecu", "n_waits"] == len(waits)


def test_held_back_is_the_summarys(written):
    """The summary's ``held_back`` means are the budget rows, the suppliers' ``all`` row
    and the new plants' ``all`` rows, and each component's ``means`` the idle_capacity
    row."""
    result = written[0]
    summary = result.summary
    tables = held_back.tables(result, None)
    budget = tables["budget_held_back"].set_index("figure")["mean"]
    overall = tables["supplier_waits"].set_index("supplier").loc["all"]
    names = {"orders_placed": "orders", "orders_blocked": "blocked",
             "orders_lapsed": "lapsed"}
    from simulator.analysis import plants

    new = plants.tables(result, None)["new_plants"]
    plant_means = new[new["component"] == "all"].set_index("figure")["mean"]
    for key, value in summary["held_back"].items():
        if key in plant_means:  # new plants and their tooling (issue 10, item 1)
            found = plant_means[key]
        else:
            found = budget[key] if key in budget else overall[names.get(key, key)]
        if value is None:
            assert math.isnan(found), key
        else:
            assert found == pytest.approx(value), key
    idle = tables["idle_capacity"].set_index("component")
    for component, entry in summary["components"].items():
        for key, value in entry["means"].items():
            if value is None:
                assert math.isnan(idle.loc[component, key])
            else:
                assert idle.loc[component, key] == pytest.approx(value), (component, key)


def test_events_on_disk_are_read_a_row_group_at_a_time(written, monkeypatch):
    """A large result's events are never read whole: one pass over the file, in parts of
    whole row groups (whole replications) of a bounded size, one variant's procurement
    rows, five columns."""
    import simulator.table_parts as table_parts

    disk = written[1]
    calls = []
    original = table_parts.iter_matching

    def spy(path, columns, equal, **options):
        calls.append((path.name, columns, dict(equal)))
        if path.name == "events.parquet":
            assert options == {"at_least": held_back.EVENT_ROWS}
        for part in original(path, columns, equal, **options):
            calls.append(("part", part.num_rows))
            yield part

    monkeypatch.setattr(table_parts, "iter_matching", spy)
    variant = disk.variants()[0]
    held_back.tables(disk, variant)
    passes = [c for c in calls if c[0] == "events.parquet"]
    assert passes == [("events.parquet", ["replication", "time_days", "kind", "entity",
                                          "component"],
                       {"variant": variant, "stage": "procurement"})]
    assert any(c[0] == "part" and c[1] > 0 for c in calls)
