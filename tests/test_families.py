"""Vehicle families in the assembly view, worked by hand (docs/background/model.md,
"Vehicle families").

The hand case: cars with a manual gearbox (60 % of output: 1 engine, 1 manual gearbox)
and cars with an automatic (40 %: 1 engine, 1 automatic transmission); supplies a year:
engines 1,000, manual gearboxes 900, automatics 300, no stage. Units per vehicle of the
mix: engines 0.6 + 0.4 = 1, manual gearboxes 0.6, automatics 0.4; so engines support
1,000 vehicles of the mix, gearboxes 1,500, automatics 750. Manual cars: 0.6 × min(1,000,
1,500) = 600 a year, bound by engines (their 600 engines of the 1,000); automatic cars:
0.4 × min(1,000, 750) = 300, bound by automatics (their 400 engines are more than the 300
automatics can use). In all 900 — where one family averaging 0.4 automatics a vehicle
(today's view) gives min(1,000, 1,500, 750) = 750, bound by automatics.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.families import family_grid, family_vehicles
from simulator.pipeline import run
from simulator.scenario import load_scenario, load_scenario_text

HAND = """\
scenario: {name: families, start: 2024-01-01, end: 2024-03-31, replications: 1}
components:
  - {id: engine, name: Engines, unit_value: 1, units_per_vehicle: 1,
     demand: {2024-01-01: 1000}, domestic_supply: {2024-01-01: 1000}}
  - {id: manual_gearbox, name: Manual gearboxes, unit_value: 1, units_per_vehicle: 0.6,
     demand: {2024-01-01: 900}, domestic_supply: {2024-01-01: 900}}
  - {id: automatic, name: Automatic transmissions, unit_value: 1, units_per_vehicle: 0.4,
     demand: {2024-01-01: 400}, domestic_supply: {2024-01-01: 300}}
"""
FAMILIES = """\
vehicle_families:
  - {id: manual, name: Manual cars, share: 0.6,
     units_per_vehicle: {engine: 1, manual_gearbox: 1, automatic: 0}}
  - {id: auto, name: Automatic cars, share: 0.4, units_per_vehicle: {engine: 1, automatic: 1}}
"""


def assembly(text: str):
    return run(load_scenario_text(text), workers=1, charts=False).assembly


def test_the_hand_case_on_the_daily_arrays():
    available = np.array([[1000.0], [900.0], [300.0]])
    shares = np.array([[0.6], [0.4]])
    units = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    vehicles, binding = family_vehicles(available, shares, units)
    assert vehicles[:, 0] == pytest.approx([600.0, 300.0], rel=1e-12)
    assert list(binding[:, 0]) == [0, 2]  # engines, automatics


def test_the_hand_case_in_the_assembly_table():
    table = assembly(HAND + FAMILIES)
    assert list(table.columns[-4:]) == ["month", "family", "vehicles_per_year",
                                        "binding_component"]
    assert list(table["family"].unique()) == ["manual", "auto", "all"]
    by = table.groupby("family")
    for family, vehicles, bound in (("manual", 600.0, "engine"), ("auto", 300.0, "automatic")):
        rows = by.get_group(family)
        assert list(rows["month"]) == ["2024-01", "2024-02", "2024-03"]
        assert rows["vehicles_per_year"].to_numpy() == pytest.approx(vehicles, rel=1e-12)
        assert set(rows["binding_component"]) == {bound}
    total = by.get_group("all")
    assert total["vehicles_per_year"].to_numpy() == pytest.approx(900.0, rel=1e-12)
    assert total["binding_component"].isna().all()
    # the same components without families: the mix averaged into one vehicle
    single = assembly(HAND)
    assert "family" not in single
    assert single["vehicles_per_year"].to_numpy() == pytest.approx(750.0, rel=1e-12)
    assert set(single["binding_component"]) == {"automatic"}


def test_vehicles_per_year_give_the_same_mix_as_shares():
    as_output = FAMILIES.replace("share: 0.6", "vehicles_per_year: 450000").replace(
        "share: 0.4", "vehicles_per_year: 300000")
    a, b = assembly(HAND + FAMILIES), assembly(HAND + as_output)
    assert a["vehicles_per_year"].to_numpy() == pytest.approx(
        b["vehicles_per_year"].to_numpy(), rel=1e-12)


def test_dated_shares_are_interpolated_on_the_day_midpoints():
    scenario = load_scenario_text(HAND + """\
vehicle_families:
  - {id: manual, name: M, share: {2024-01-01: 1, 2024-01-11: 0}, units_per_vehicle: {engine: 1}}
  - {id: auto, name: A, share: {2024-01-01: 0, 2024-01-11: 1}, units_per_vehicle: {engine: 1}}
""")
    grid = family_grid(scenario, ["engine", "manual_gearbox", "automatic"],
                       np.array([0.5, 4.5, 20.5]))
    assert grid.ids == ["manual", "auto"]
    assert grid.shares[0] == pytest.approx([0.95, 0.55, 0.0])
    assert grid.shares[1] == pytest.approx([0.05, 0.45, 1.0])
    assert grid.units.tolist() == [[1, 0, 0], [1, 0, 0]]


def test_a_family_without_share_has_no_vehicles():
    available = np.array([[1000.0, 1000.0], [0.0, 0.0]])
    shares = np.array([[1.0, 0.5], [0.0, 0.5]])
    units = np.array([[1.0, 0.0], [1.0, 2.0]])
    vehicles, _binding = family_vehicles(available, shares, units)
    assert vehicles[1, 0] == 0.0 and vehicles[1, 1] == 0.0  # no share; no second part
    assert vehicles[0] == pytest.approx([1000.0, 500.0])


def test_one_family_like_the_components_is_today_bit_for_bit():
    """A single family with the components' own units per vehicle and share 1 gives the
    view without families exactly (SPEC §6), on a run with every stage."""
    minimal = load_scenario("tests/scenario/good/minimal.yaml")
    plain = run(minimal.with_stages(["sharing", "procurement", "investment"]), replications=3,
                workers=1, charts=False).assembly
    family = minimal.model_copy(update={"vehicle_families": load_scenario_text(
        HAND + "vehicle_families: [{id: car, name: Cars, share: 1, "
        "units_per_vehicle: {engine: 1}}]").vehicle_families})
    # the family names `engine` of HAND's scenario; point it at minimal's `ecu`
    car = family.vehicle_families[0].model_copy(update={"units_per_vehicle": {"ecu": 1.0}})
    family = family.model_copy(update={"vehicle_families": [car]})
    mine = run(family, replications=3, workers=1, charts=False).assembly
    cars = mine[mine["family"] == "car"].reset_index(drop=True)
    np.testing.assert_array_equal(cars["vehicles_per_year"].to_numpy(),
                                  plain["vehicles_per_year"].to_numpy())
    assert list(cars["binding_component"]) == list(plain["binding_component"])
    total = mine[mine["family"] == "all"]["vehicles_per_year"].to_numpy()
    np.testing.assert_array_equal(total, plain["vehicles_per_year"].to_numpy())


def test_a_batch_mixing_families_and_none_is_refused():
    from simulator.experiments.batch import checked_replications
    from simulator.experiments.studies import compare_variants

    plain, with_families = load_scenario_text(HAND), load_scenario_text(HAND + FAMILIES)
    with pytest.raises(ValueError, match="assembly views differ in shape: vehicle_families "
                                         "in families \\(2\\), none in families;"):
        checked_replications(compare_variants([plain, with_families]), 2, "milestones")
    assert checked_replications(compare_variants([with_families, with_families]), 2,
                                "milestones") == 2
