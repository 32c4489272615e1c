"""The assembly view: hand-computed vehicle bands and binding shares on a tiny table, one
variant at a time, and the same tables whether the result's tables are on disk or in
memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.vehicles import (
    BINDING_COLUMNS,
    OTHER,
    VEHICLES_COLUMNS,
    binding_components,
    tables,
)
from simulator.results import RunResult

JAN, FEB = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")


def assembly_result(assembly: pd.DataFrame | None) -> RunResult:
    """A RunResult holding only a kpis stub and `assembly`."""
    kpis = pd.DataFrame({"replication": [0], "component": ["all"]})
    return RunResult(kpis=kpis, series=None, yearly=None, events=None, suppliers=None,
                     assembly=assembly)


def tiny_assembly(variant: str = "v") -> pd.DataFrame:
    """4 futures × 2 months: January 1, 2, 3, 4 vehicles (a binds in 3, b in 1), February
    5 in every future (b binds in all)."""
    return pd.DataFrame({
        "variant": variant,
        "replication": [0, 1, 2, 3] * 2,
        "month": ["2024-01"] * 4 + ["2024-02"] * 4,
        "vehicles_per_year": [1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0],
        "binding_component": ["a", "a", "b", "a", "b", "b", "b", "b"],
    })


def test_vehicle_bands_are_quantiles_over_futures():
    vehicles = tables(assembly_result(tiny_assembly()), None)["vehicles"]
    assert list(vehicles.columns) == VEHICLES_COLUMNS
    assert list(vehicles["month"]) == [JAN, FEB]
    jan = vehicles.iloc[0]
    # 1, 2, 3, 4 linearly interpolated: median 2.5, p10 at 0.3 of the way from 1 to 2
    assert (jan["median"], jan["p10"], jan["p90"]) == pytest.approx((2.5, 1.3, 3.7))
    assert tuple(vehicles.iloc[1][["median", "p10", "p90"]]) == (5.0, 5.0, 5.0)
    assert list(vehicles["n_replications"]) == [4, 4]


def test_binding_shares_most_often_binding_first():
    binding = tables(assembly_result(tiny_assembly()), None)["binding_components"]
    assert list(binding.columns) == BINDING_COLUMNS
    # mean shares: b (0.25 + 1) / 2 = 0.625, a (0.75 + 0) / 2 = 0.375
    assert list(binding["component"]) == ["b", "b", "a", "a"]
    assert list(binding["rank"]) == [1, 1, 2, 2]
    assert list(binding["month"]) == [JAN, FEB, JAN, FEB]
    assert list(binding["n_binding"]) == [1, 4, 3, 0]
    assert list(binding["share"]) == [0.25, 1.0, 0.75, 0.0]


def test_rarely_binding_components_are_pooled_last():
    counts = pd.DataFrame({"a": [3, 0], "b": [1, 4]}, index=[JAN, FEB])
    pooled = binding_components(counts, min_share=0.8)  # a: 0.75 at most, below 0.8
    assert list(pooled["component"]) == ["b", "b", OTHER, OTHER]
    assert list(pooled["rank"]) == [1, 1, 2, 2]
    assert list(pooled["share"]) == [0.25, 1.0, 0.75, 0.0]
    # shares add to 1 in every month
    assert pooled.groupby("month")["share"].sum().tolist() == [1.0, 1.0]


def test_one_variant_at_a_time():
    other = tiny_assembly("w").assign(vehicles_per_year=10.0, binding_component="c")
    result = assembly_result(pd.concat([tiny_assembly("v"), other], ignore_index=True))
    v, w = tables(result, "v"), tables(result, "w")
    assert "variant" not in v["vehicles"] and "variant" not in v["binding_components"]
    assert v["vehicles"].iloc[0]["median"] == 2.5
    assert list(w["vehicles"]["median"]) == [10.0, 10.0]
    assert set(w["binding_components"]["component"]) == {"c"}
    assert tables(result, "nowhere") == {}


def test_no_assembly_table_no_tables():
    assert tables(assembly_result(None), None) == {}


def test_tables_on_disk_equal_those_in_memory(tmp_path):
    from simulator.pipeline import run
    from simulator.results import read_results
    from simulator.scenario import load_scenario

    run(load_scenario("tests/scenario/good/minimal.yaml"), replications=4, workers=1,
        out=tmp_path / "r", charts=False, report=False)
    in_memory = read_results(tmp_path / "r")
    on_disk = read_results(tmp_path / "r", load_limit=0)
    assert in_memory.assembly is not None and on_disk.assembly is None
    expected = tables(in_memory, None)
    assert set(expected) == {"vehicles", "binding_components"}
    assert expected["vehicles"]["n_replications"].eq(4).all()
    variant = in_memory.variants()[0]
    for variant_asked in (None, variant):
        found = tables(on_disk, variant_asked)
        for name, table in expected.items():
            pd.testing.assert_frame_equal(found[name], table)
    # the bands are those of the rows themselves
    january = in_memory.assembly[in_memory.assembly["month"] == "2024-01"]
    assert expected["vehicles"].iloc[0]["median"] == pytest.approx(
        np.median(january["vehicles_per_year"]))


# ------------------------------------------------------------------ vehicle families


def family_assembly() -> pd.DataFrame:
    """Two families, 4 futures × 2 months: family `m` is `tiny_assembly`; family `x` has
    10 vehicles in every future and month, bound by c; `all` is their sum."""
    m = tiny_assembly().assign(family="m")
    x = m.assign(family="x", vehicles_per_year=10.0, binding_component="c")
    total = m.assign(family="all", vehicles_per_year=m["vehicles_per_year"] + 10.0,
                     binding_component=None)
    return pd.concat([m, x, total], ignore_index=True)


def test_family_bands_and_binding_shares_by_hand():
    found = tables(assembly_result(family_assembly()), None)
    vehicles, binding = found["vehicles"], found["binding_components"]
    assert list(vehicles.columns) == ["family", *VEHICLES_COLUMNS]
    assert list(binding.columns) == ["family", *BINDING_COLUMNS]
    assert list(vehicles["family"]) == ["m", "m", "x", "x", "all", "all"]
    # m: January 1, 2, 3, 4 -> median 2.5, p10 1.3, p90 3.7; all: the same + 10
    assert tuple(vehicles.iloc[0][["median", "p10", "p90"]]) == pytest.approx((2.5, 1.3, 3.7))
    assert tuple(vehicles.iloc[4][["median", "p10", "p90"]]) == pytest.approx((12.5, 11.3, 13.7))
    assert list(vehicles[vehicles["family"] == "x"]["median"]) == [10.0, 10.0]
    # binding per family only (no one component binds a sum)
    assert set(binding["family"]) == {"m", "x"}
    m = binding[binding["family"] == "m"]
    assert list(m["component"]) == ["b", "b", "a", "a"]
    assert list(m["share"]) == [0.25, 1.0, 0.75, 0.0]
    x = binding[binding["family"] == "x"]
    assert list(x["component"]) == ["c", "c"] and list(x["share"]) == [1.0, 1.0]


def test_family_tables_on_disk_equal_those_in_memory(tmp_path):
    from simulator.pipeline import run
    from simulator.results import read_results
    from simulator.scenario import load_scenario_text

    text = open("tests/scenario/good/minimal.yaml", encoding="utf-8").read() + """
vehicle_families:
  - {id: light, name: Light, share: 0.7, units_per_vehicle: {ecu: 1}}
  - {id: heavy, name: Heavy, share: 0.3, units_per_vehicle: {ecu: 3}}
"""
    run(load_scenario_text(text), replications=4, workers=1, out=tmp_path / "r",
        charts=False, report=False)
    in_memory = read_results(tmp_path / "r")
    on_disk = read_results(tmp_path / "r", load_limit=0)
    assert on_disk.assembly is None
    expected = tables(in_memory, None)
    assert list(dict.fromkeys(expected["vehicles"]["family"])) == ["light", "heavy", "all"]
    for variant in (None, in_memory.variants()[0]):
        found = tables(on_disk, variant)
        for name, table in expected.items():
            pd.testing.assert_frame_equal(found[name], table)
    # one component: it binds every family, and each family gets its share of the
    # vehicles it supports (ecu / (0.7 × 1 + 0.3 × 3) per vehicle of the mix), in every future
    bands = expected["vehicles"].set_index(["family", "month"])["median"]
    assert (bands["light"] / bands["all"]).to_numpy() == pytest.approx(0.7)
    assert (bands["heavy"] / bands["all"]).to_numpy() == pytest.approx(0.3)
    assert set(expected["binding_components"]["component"]) == {"ecu"}
