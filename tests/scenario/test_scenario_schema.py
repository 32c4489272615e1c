"""The loaded Scenario: SPEC.md §9's minimal file, defaults, ids, helpers, round trip."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import pydantic
import pytest
import yaml

from simulator.distributions import fixed
from simulator.scenario import Scenario, ScenarioError, load_scenario, load_scenario_text

GOOD = Path(__file__).parent / "good"
D = dt.date

SMALL = """\
scenario: {name: small, start: 2024-01-01}
components:
  - {id: ecu, name: ECU, unit_value: 350, demand: {2024-01-01: 1000}}
"""


def load(text: str) -> Scenario:
    return load_scenario_text(text, name="t.yaml")


def test_minimal_scenario_from_the_spec():
    s = load_scenario(GOOD / "minimal.yaml")
    m = s.scenario
    assert (m.name, m.start, m.end, m.seed, m.replications, m.currency, m.price_year) == (
        "minimal", D(2024, 1, 1), D(2030, 12, 31), 42, 100, "USD", 2024)
    (c,) = s.components
    assert (c.id, c.name, c.unit, c.unit_value, c.units_per_vehicle) == (
        "ecu", "Engine control units", "pcs", 350.0, 1.0)
    assert c.source == "illustrative figures, not a forecast"
    assert c.demand == {D(2024, 1, 1): 900000.0, D(2030, 1, 1): 1200000.0}
    assert c.domestic_supply == {D(2024, 1, 1): 150000.0}
    (plant,) = s.plants
    assert (plant.id, plant.name, plant.country) == ("bate", "BATE, Borisov", "BY")
    (line,) = plant.lines
    assert (line.id, line.component, line.capacity, line.mtbf_days) == (
        "bate#0", "ecu", 400000.0, 90.0)
    assert line.committed == fixed(300000)
    assert line.repair_days.to_dict() == {"dist": "lognormal", "median": 3.0, "p90": 10.0}
    assert (line.machine_capacity, line.machine_cost, line.max_machines) == (25000.0, 1.5e6, 12)
    assert isinstance(line.machine_cost, float)
    sh = s.stages.sharing
    assert (sh.start, sh.share, sh.ramp_up_days) == (D(2024, 1, 1), 0.8, fixed(60))
    assert sh.qualification_days.mean() == pytest.approx((90 + 180 + 365) / 3)
    pr = s.stages.procurement
    assert (pr.start, pr.budget, pr.review_days, pr.ramp_up_days) == (
        D(2024, 3, 1), 60e6, 90.0, fixed(270))
    assert (pr.approval_days, pr.tranches, pr.target_offset_days) == (fixed(0), [], None)
    assert (pr.ordering, pr.supplier_choice) == ("lowest_cost_per_capacity", "earliest_delivery")
    (sup,) = pr.suppliers
    assert (sup.id, sup.slots, sup.shipping_days, sup.block_probability,
            sup.reorder_delay_days) == ("cn_cnc", 4, fixed(45), 0.15, fixed(60))
    assert sup.lead_time_days.to_dict() == {"dist": "lognormal", "median": 180.0, "p90": 365.0}
    inv = s.stages.investment
    assert (inv.start, inv.budget, inv.review_days, inv.policy) == (
        D(2024, 1, 1), 0.0, 90.0, "largest_gap_first")
    assert [(t.id, t.date, t.amount, t.probability) for t in inv.tranches] == [
        ("2024-07-01", D(2024, 7, 1), 200e6, 1.0), ("2026-01-01", D(2026, 1, 1), 300e6, 1.0)]
    assert inv.tranches[0].delay_days == fixed(0)
    assert inv.tranches[1].delay_days.mean() == 120
    (p,) = inv.projects
    assert (p.id, p.component, p.capacity, p.capex, p.upfront_share, p.earliest_start,
            p.progress_at_start, p.preparation_days, p.ramp_up_days) == (
        "ecu_plant", "ecu", 600000.0, 450e6, 0.2, D(2024, 7, 1), 0.0, fixed(0), fixed(365))
    assert p.build_days.mean() == pytest.approx((540 + 4 * 1000 + 1460) / 6)
    assert s.n_days == 2557 and s.day(D(2024, 3, 1)) == 60.0
    assert s.source_file == str(GOOD / "minimal.yaml")
    assert s.source_hash == hashlib.sha256((GOOD / "minimal.yaml").read_bytes()).hexdigest()


def test_defaults_are_filled_in():
    s = load(SMALL + "plants: [{id: p, name: P, lines: [{component: ecu, capacity: 10}]}]\n"
             "stages:\n"
             "  sharing: {share: 0.5}\n"
             "  procurement: {suppliers: [{id: s, slots: 1, lead_time_days: 10}]}\n"
             "  investment:\n"
             "    tranches: [{date: 2025-01-01, amount: 1}]\n"
             "    projects: [{id: x, component: ecu, capacity: 1, capex: 1, build_days: 9}]\n")
    m = s.scenario
    assert (m.end, m.seed, m.replications, m.close_threshold, m.close_hold_days,
            m.close_smoothing_days, m.discount_rate, m.currency, m.price_year) == (
        D(2030, 12, 31), 0, 100, 0.05, 90, 1, 0.0, "", None)
    assert m.demand_factor is None and m.description is None
    c = s.components[0]
    assert (c.unit, c.domestic_supply, c.demand_factor, c.qualification_days,
            c.units_per_vehicle) == ("units", {}, None, None, None)
    ln = s.plants[0].lines[0]
    assert (ln.id, ln.committed, ln.mtbf_days, ln.repair_days, ln.machine_capacity,
            ln.machine_cost, ln.max_machines) == ("p#0", fixed(0), None, fixed(0), 0.0, 0.0, 0)
    assert s.plants[0].country == ""
    sh, pr, inv = s.stages.sharing, s.stages.procurement, s.stages.investment
    assert sh.start == pr.start == inv.start == D(2024, 1, 1)
    assert (sh.qualification_days, sh.ramp_up_days) == (fixed(0), fixed(0))
    assert (pr.budget, pr.tranches, pr.review_days, pr.approval_days, pr.installation_days,
            pr.ramp_up_days) == (0.0, [], 90.0, fixed(0), fixed(0), fixed(0))
    sup = pr.suppliers[0]
    assert (sup.name, sup.shipping_days, sup.block_probability, sup.reorder_delay_days) == (
        None, fixed(0), 0.0, fixed(0))
    assert (inv.budget, inv.review_days, inv.policy) == (0.0, 90.0, "largest_gap_first")
    t = inv.tranches[0]
    assert (t.id, t.delay_days, t.probability) == ("2025-01-01", fixed(0), 1.0)
    p = inv.projects[0]
    assert (p.name, p.upfront_share, p.preparation_days, p.ramp_up_days, p.earliest_start,
            p.progress_at_start) == (None, 0.0, fixed(0), fixed(0), None, 0.0)
    assert s.components[0].source is None and s.components[0].confidence is None


def test_omitted_stages_are_none():
    s = load(SMALL)
    assert (s.stages.sharing, s.stages.procurement, s.stages.investment) == (None, None, None)
    assert s.plants == []


def test_disabled_stage_is_none_and_needs_no_required_fields():
    s = load(SMALL + "stages:\n  sharing: {enabled: false}\n  procurement:\n    enabled: false\n"
             "    budget: 5\n  investment: {enabled: true}\n")
    assert s.stages.sharing is None and s.stages.procurement is None
    assert s.stages.investment is not None and s.stages.investment.start == D(2024, 1, 1)


def test_line_and_tranche_ids():
    s = load(SMALL + "plants:\n"
             "  - {id: a, name: A, lines: [{component: ecu, capacity: 1},\n"
             "                             {id: special, component: ecu, capacity: 1},\n"
             "                             {component: ecu, capacity: 1}]}\n"
             "  - {id: b, name: B, lines: [{component: ecu, capacity: 1}]}\n"
             "stages:\n  investment:\n    tranches:\n"
             "      - {date: 2025-01-01, amount: 1}\n"
             "      - {date: 2025-01-01, amount: 2}\n"
             "      - {id: big, date: 2025-01-01, amount: 3}\n"
             "      - {date: 2025-01-01, amount: 4}\n"
             "      - {date: 2026-01-01, amount: 5}\n")
    assert [ln.id for p in s.plants for ln in p.lines] == ["a#0", "special", "a#2", "b#0"]
    assert [t.id for t in s.stages.investment.tranches] == [
        "2025-01-01", "2025-01-01#2", "big", "2025-01-01#3", "2026-01-01"]


def test_numbers_must_be_numbers():
    with pytest.raises(ScenarioError) as info:
        load(SMALL.replace("unit_value: 350", "unit_value: '350'"))
    (p,) = info.value.problems
    assert (p.path, p.line) == ("components[0].unit_value", 3)
    assert "expected a finite number" in p.message
    with pytest.raises(ScenarioError, match="expected a finite number"):
        load(SMALL.replace("unit_value: 350", "unit_value: .nan"))


def test_datetime_is_not_a_date():
    with pytest.raises(ScenarioError, match="without a time"):
        load(SMALL.replace("start: 2024-01-01", "start: 2024-01-01 10:00:00"))


def test_text_values_are_kept_as_text():
    s = load(SMALL + "plants: [{id: n, name: Norsk, country: NO}]\n")
    assert s.plants[0].country == "NO"


def test_source_and_confidence_everywhere_and_kept_in_resolved_dict():
    s = load(SMALL.replace("name: small,", "name: small, source: me, confidence: M,")
             + "source: top\nconfidence: L\n"
             "stages:\n  source: stages note\n  sharing:\n    source: s1\n    confidence: H\n"
             "    share: 0.5\n"
             "    ramp_up_days: {dist: fixed, value: 30, source: expert, confidence: L}\n"
             "    qualification_days: {dist: pert, min: 1, mode: 2, max: 3, source: q}\n")
    assert (s.source, s.confidence, s.scenario.source, s.scenario.confidence) == (
        "top", "L", "me", "M")
    assert (s.stages.source, s.stages.sharing.confidence) == ("stages note", "H")
    assert s.stages.sharing.ramp_up_days == fixed(30)
    d = s.resolved_dict()
    assert d["stages"]["sharing"]["ramp_up_days"] == {
        "dist": "fixed", "value": 30.0, "source": "expert", "confidence": "L"}
    assert d["stages"]["sharing"]["qualification_days"]["source"] == "q"
    assert list(d)[-2:] == ["source", "confidence"]


@pytest.mark.parametrize("name", ["minimal.yaml", "base.yaml", "variant.yaml",
                                  "variant_of_variant.yaml"])
def test_resolved_dict_round_trips(name):
    s = load_scenario(GOOD / name)
    text = yaml.safe_dump(s.resolved_dict(), sort_keys=False)
    again = load_scenario_text(text)
    assert again == s
    assert again.resolved_dict() == s.resolved_dict()


def test_round_trip_of_rich_distributions():
    s = load(SMALL.replace("unit_value: 350,", "unit_value: 350, demand_factor: "
                           "{dist: normal, mean: 1, sd: 0.1, min: 0.5},")
             + "stages:\n  sharing:\n    share: 0.5\n    qualification_days:\n"
             "      dist: mixture\n      parts:\n"
             "        - {weight: 0.5, dist: triangular, min: 540, mode: 990, max: 1440}\n"
             "        - {weight: 0.5, dist: empirical, values: [3, 1, 2]}\n")
    again = load_scenario_text(yaml.safe_dump(s.resolved_dict()))
    assert again == s


def test_with_stages_keeps_only_the_named():
    s = load_scenario(GOOD / "minimal.yaml")
    only = s.with_stages({"sharing"})
    assert only.stages.sharing == s.stages.sharing
    assert only.stages.procurement is None and only.stages.investment is None
    assert s.stages.procurement is not None  # the original is untouched
    assert only.source_hash == s.source_hash and only.source_file == s.source_file
    assert s.with_stages(["sharing", "procurement", "investment"]) == s
    with pytest.raises(ValueError, match="unknown stage"):
        s.with_stages({"sharing", "magic"})


def test_scenario_is_frozen_and_copies_like_the_runner_does():
    s = load_scenario(GOOD / "minimal.yaml")
    with pytest.raises(pydantic.ValidationError):
        s.scenario.seed = 3  # type: ignore[misc]
    t = s.model_copy(update={"scenario": s.scenario.model_copy(update={"seed": 3})})
    assert t.scenario.seed == 3 and s.scenario.seed == 42


def test_model_validate_fills_context_defaults_without_the_loader():
    raw = {"scenario": {"name": "x", "start": "2024-02-01"},
           "components": [{"id": "c", "name": "C", "unit_value": 1, "demand": {"2024-01-01": 1}}],
           "plants": [{"id": "p", "name": "P", "lines": [{"component": "c", "capacity": 1}]}],
           "stages": {"sharing": {"share": 1}, "procurement": {"enabled": False}}}
    s = Scenario.model_validate(raw)
    assert s.plants[0].lines[0].id == "p#0"
    assert s.stages.sharing.start == D(2024, 2, 1) and s.stages.procurement is None


def test_importing_the_package_is_light():
    code = ("import sys, simulator.scenario, simulator.scenario.summary; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'simpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parents[2], check=True)
    assert out.stdout.strip() == "[]"
