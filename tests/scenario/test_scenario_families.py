"""`vehicle_families`: what a good one reads as, and each bad one refused with the file,
the field path, the line and what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from simulator.scenario import load_scenario_text
from tests.scenario.limit_helpers import TINY, refused

TWO = TINY.replace("  - {id: a, name: A,", """\
  - {id: b, name: B, unit_value: 1, demand: {2024-01-01: 10}}
  - {id: a, name: A,""")


def families(*items: str) -> str:
    return TWO + "vehicle_families:\n" + "".join(f"  - {item}\n" for item in items)


GOOD_A = "{id: f, name: F, share: 0.25, units_per_vehicle: {a: 1, b: 0}}"
GOOD_B = "{id: g, name: G, share: 0.75, units_per_vehicle: {b: 2}}"


def messages(text: str) -> list[tuple[str, int | None, str]]:
    return [(p.path, p.line, p.message) for p in refused(text)]


def test_a_good_family_list_and_its_round_trip():
    scenario = load_scenario_text(families(GOOD_A, GOOD_B))
    f, g = scenario.vehicle_families
    assert (f.id, f.share, f.units_per_vehicle) == ("f", 0.25, {"a": 1.0, "b": 0.0})
    assert g.vehicles_per_year is None
    dumped = scenario.resolved_dict()["vehicle_families"]
    assert dumped[0] == {"id": "f", "name": "F", "share": 0.25,
                         "units_per_vehicle": {"a": 1.0, "b": 0.0}}


def test_absent_families_stay_absent():
    scenario = load_scenario_text(TWO)
    assert scenario.vehicle_families is None
    assert "vehicle_families" not in scenario.resolved_dict()


def test_dated_shares_that_sum_to_one_on_every_date():
    scenario = load_scenario_text(families(
        "{id: f, name: F, share: {2024-01-01: 0.2, 2024-07-01: 0.5}, units_per_vehicle: {a: 1}}",
        "{id: g, name: G, share: {2024-01-01: 0.8, 2024-07-01: 0.5}, units_per_vehicle: {a: 1}}"))
    assert scenario.vehicle_families[0].share == {dt.date(2024, 1, 1): 0.2,
                                                  dt.date(2024, 7, 1): 0.5}


def test_shares_not_summing_to_one_are_refused_on_the_date():
    found = messages(families(
        "{id: f, name: F, share: {2024-01-01: 0.2, 2024-07-01: 0.5}, units_per_vehicle: {a: 1}}",
        "{id: g, name: G, share: 0.8, units_per_vehicle: {a: 1}}"))
    assert found == [("vehicle_families", found[0][1],
                      "the families' shares sum to 1.3 on 2024-07-01; they must sum to 1")]


@pytest.mark.parametrize("items, path, message", [
    ((GOOD_A.replace("b: 0", "c: 1"), GOOD_B), "vehicle_families[0].units_per_vehicle.c",
     "unknown component 'c' (components: a, b)"),
    ((GOOD_A.replace("a: 1", "a: -1"), GOOD_B), "vehicle_families[0].units_per_vehicle.a",
     "must be >= 0, got -1"),
    ((GOOD_A.replace("a: 1", "a: 1e-9"), GOOD_B), "vehicle_families[0].units_per_vehicle.a",
     "must be 0 (not needed) or at least 1e-06, got 1e-09"),
    ((GOOD_A.replace("a: 1", "a: 0"), GOOD_B), "vehicle_families[0].units_per_vehicle",
     "the family needs no component: give at least one a number above 0"),
    ((GOOD_A.replace("id: f", "id: all"), GOOD_B), "vehicle_families[0].id",
     "'all' is the total of the families; choose another id"),
    ((GOOD_A, GOOD_B.replace("id: g", "id: f")), "vehicle_families[1].id",
     "duplicate vehicle family id 'f' (also vehicle_families[0])"),
    ((GOOD_A.replace("share: 0.25", "share: -0.25"), GOOD_B), "vehicle_families[0].share",
     "must be >= 0, got -0.25"),
    ((GOOD_A.replace("share: 0.25", "share: {2024-01-01: 0.25, 2024-02-01: 2}"), GOOD_B),
     "vehicle_families[0].share", "on 2024-02-01: must be <= 1, got 2"),
    ((GOOD_A.replace("share: 0.25", "share: 0.25, vehicles_per_year: 10"), GOOD_B),
     "vehicle_families[0]", "give exactly one of share and vehicles_per_year, got share "
     "and vehicles_per_year"),
    ((GOOD_A.replace("share: 0.25, ", ""), GOOD_B), "vehicle_families[0]",
     "give exactly one of share and vehicles_per_year, got neither"),
    ((GOOD_A.replace("share: 0.25", "vehicles_per_year: 100"), GOOD_B), "vehicle_families",
     "give every family its output the same way: share in vehicle_families[1], "
     "vehicles_per_year in vehicle_families[0]"),
    ((GOOD_A.replace("share: 0.25", "vehicles_per_year: 0"),
      GOOD_B.replace("share: 0.75", "vehicles_per_year: {2024-01-01: 0, 2025-01-01: 5}")),
     "vehicle_families", "the families' vehicles_per_year are all 0 on 2024-01-01; the mix "
     "is then undefined"),
    ((GOOD_A.replace("name: F", "name: F, colour: red"), GOOD_B), "vehicle_families[0].colour",
     None),
])
def test_bad_families_are_refused_with_path_line_and_reason(items, path, message):
    found = messages(families(*items))
    mine = [(line, text) for where, line, text in found if where == path]
    assert mine, found
    line, text = mine[0]
    assert line is not None and line > TWO.count("\n")  # the family's own line
    if message is not None:
        assert text.startswith(message), text
