"""What differs between scenarios: changed scalars, items by id, distributions, sources."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from simulator.experiments.scenario_diff import ABSENT, scenario_differences

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASE = {
    "scenario": {"name": "base", "seed": 1, "close_threshold": 0.05},
    "components": [
        {"id": "ecu", "unit_value": 350.0, "demand": {"2024-01-01": 100.0},
         "source": "a report", "confidence": "M"},
    ],
    "stages": {
        "procurement": {
            "budget": 1e9,
            "suppliers": [
                {"id": "cn_cnc", "slots": 16, "block_probability": 0.15,
                 "lead_time_days": {"dist": "lognormal", "median": 180.0, "p90": 365.0}},
                {"id": "domestic", "slots": 4, "block_probability": 0.0},
            ],
        },
    },
    "years": [2024, 2025],
}


def by_path(table):
    return {row["path"]: row for _, row in table.iterrows()}


def test_changed_scalar_items_by_id_and_distribution():
    other = copy.deepcopy(BASE)
    other["scenario"]["name"] = "tight"
    suppliers = other["stages"]["procurement"]["suppliers"]
    suppliers[0]["block_probability"] = 0.35
    suppliers[0]["lead_time_days"] = {"dist": "lognormal", "median": 270.0, "p90": 365.0}
    suppliers.pop(1)  # "domestic" removed
    suppliers.insert(0, {"id": "third", "slots": 2, "block_probability": 0.5})  # added
    other["components"][0]["source"] = "another report"  # documentation only
    other["years"] = [2024, 2026]
    table = scenario_differences({"base": BASE, "tight": other})
    assert list(table.columns) == ["path", "base", "tight"]
    rows = by_path(table)
    assert set(rows) == {
        "scenario.name",
        "stages.procurement.suppliers[cn_cnc].block_probability",
        "stages.procurement.suppliers[cn_cnc].lead_time_days.median",
        "stages.procurement.suppliers[domestic]",
        "stages.procurement.suppliers[third]",
        "years[1]",
    }
    changed = rows["stages.procurement.suppliers[cn_cnc].block_probability"]
    assert (changed["base"], changed["tight"]) == (0.15, 0.35)
    assert rows["stages.procurement.suppliers[cn_cnc].lead_time_days.median"]["tight"] == 270.0
    removed = rows["stages.procurement.suppliers[domestic]"]
    assert removed["tight"] == ABSENT == "—"
    assert removed["base"] == {"id": "domestic", "slots": 4, "block_probability": 0.0}
    assert rows["stages.procurement.suppliers[third]"]["base"] == ABSENT
    assert (rows["years[1]"]["base"], rows["years[1]"]["tight"]) == (2025, 2026)


def test_identical_scenarios_have_no_differences_and_order_of_items_does_not_matter():
    other = copy.deepcopy(BASE)
    other["stages"]["procurement"]["suppliers"].reverse()
    other["stages"]["procurement"]["budget"] = int(1e9)  # 1e9 == 1000000000
    table = scenario_differences({"a": BASE, "b": other})
    assert table.empty and list(table.columns) == ["path", "a", "b"]


def test_sources_are_compared_only_when_asked():
    other = copy.deepcopy(BASE)
    other["components"][0]["source"] = "another report"
    other["components"][0]["confidence"] = "H"
    assert scenario_differences({"a": BASE, "b": other}).empty
    rows = by_path(scenario_differences({"a": BASE, "b": other}, include_sources=True))
    assert set(rows) == {"components[ecu].source", "components[ecu].confidence"}
    assert rows["components[ecu].confidence"]["b"] == "H"


def test_a_distribution_changing_kind_and_a_date_key():
    other = copy.deepcopy(BASE)
    other["stages"]["procurement"]["suppliers"][0]["lead_time_days"] = {
        "dist": "triangular", "min": 90.0, "mode": 180.0, "max": 365.0}
    other["components"][0]["demand"]["2024-01-01"] = 120.0
    rows = by_path(scenario_differences({"a": BASE, "b": other}))
    prefix = "stages.procurement.suppliers[cn_cnc].lead_time_days"
    assert rows[f"{prefix}.dist"]["b"] == "triangular"
    assert rows[f"{prefix}.median"]["b"] == ABSENT
    assert rows[f"{prefix}.min"]["a"] == ABSENT
    assert rows["components[ecu].demand[2024-01-01]"]["b"] == 120.0


def test_a_stage_one_scenario_lacks_is_one_row_then_the_others_differences():
    no_stage = copy.deepcopy(BASE)
    del no_stage["stages"]["procurement"]
    more = copy.deepcopy(BASE)
    more["stages"]["procurement"]["budget"] = 2e9
    table = scenario_differences({"base": BASE, "none": no_stage, "more": more})
    assert list(table["path"]) == ["stages.procurement", "stages.procurement.budget"]
    rows = by_path(table)
    assert rows["stages.procurement"]["none"] == ABSENT
    assert rows["stages.procurement.budget"]["none"] == ABSENT
    assert rows["stages.procurement.budget"]["more"] == 2e9


def test_booleans_are_not_numbers_and_the_path_column_is_reserved():
    a = {"stages": {"sharing": {"enabled": True}}}
    b = {"stages": {"sharing": {"enabled": 1}}}
    assert list(scenario_differences({"a": a, "b": b})["path"]) == ["stages.sharing.enabled"]
    with pytest.raises(ValueError, match="path"):
        scenario_differences({"path": a, "b": b})


def test_real_scenario_files():
    from simulator.scenario import load_scenario

    resolved = {name: load_scenario(SCENARIOS / f"{name}.yaml").resolved_dict()
                for name in ("baseline", "sanctions_tighten")}
    paths = set(scenario_differences(resolved)["path"])
    assert "stages.procurement.suppliers[cn_cnc].block_probability" in paths
    assert not any(p.endswith((".source", ".confidence")) for p in paths)
