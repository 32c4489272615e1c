"""Stage-3 tooling through the machine-tool suppliers (issue 10, item 1), against hand
arithmetic: one supplier with one slot is a first-come-first-served queue shared by stage
2's machines and the plants' tooling orders."""

import math

import pytest

from simulator.experiments.attribution import stage_set_name
from simulator.model.streams import Stream
from simulator.scenario import ScenarioError
from tests.model.helpers import events, run_one, scenario_from

BASE = """
scenario: {{name: tooling, start: 2024-01-01, end: 2026-12-31, seed: 3}}
components:
  - {{id: a, name: Part A, unit_value: 1, demand: {{2024-01-01: 10000}}}}
plants:
  - id: p
    name: Plant
    lines:
      - {{id: la, component: a, capacity: 100, committed: 100, machine_capacity: 100,
         machine_cost: 1, max_machines: {machines}}}
stages:
  procurement:
    budget: {budget}
    review_days: 5000
    suppliers:
      - {{id: s, slots: 1, lead_time_days: 100, shipping_days: 10{supplier}}}
  investment:
    budget: 1000
    review_days: 5000
    projects:
      - {{id: plant, component: a, capacity: 3000, capex: 900, build_days: 200,
         preparation_days: 20, ramp_up_days: 0{project}}}
"""


def make(*, machines: int = 0, budget: float = 0, supplier: str = "", project: str = "") -> str:
    return BASE.format(machines=machines, budget=budget, supplier=supplier, project=project)


def days(record, kind):
    return [e[0] for e in events(record, kind)]


def test_plant_waits_for_its_tooling_through_one_slot():
    # building begins at 20 (after preparation) and the 3 orders are placed then; one slot:
    # built at 120, 220, 320; +10 shipping, +5 installation -> installed 135, 235, 335.
    # The building is done at 20 + 200 = 220, so the plant produces from 335.
    text = make(project=", tooling: [{orders: 3, installation_days: 5}]")
    _, record, daily = run_one(text)
    assert days(record, "tooling_placed") == [20.0] * 3
    assert days(record, "tooling_installed") == pytest.approx([135.0, 235.0, 335.0])
    assert days(record, "project_finished") == [220.0]
    assert days(record, "production_started") == pytest.approx([335.0])
    assert record.plants == [[0.0, 220.0, pytest.approx(335.0)]]
    assert record.tooling_waits == pytest.approx([0.0, 100.0, 200.0])
    assert daily.available[2, 0, 334] == 0.0 and daily.available[2, 0, 336] == 3000.0


def test_stage_two_machine_ahead_in_the_queue_delays_the_plant():
    # Same instant t = 0 of the first decisions: stage 2 orders one machine (placed at 0,
    # no approval) before stage 3 decides; the tooling orders, placed at 20, queue behind
    # it: slot free at 100, 200, 300, 400 -> tooling installed 315, 415 ... the last at
    # 400 + 10 + 5 = 415, so production starts at 415, not 335.
    text = make(machines=1, budget=1, project=", tooling: [{orders: 3, installation_days: 5}]")
    _, record, _ = run_one(text)
    assert days(record, "building_started")[0] == 0.0  # the stage-2 machine
    assert days(record, "tooling_installed") == pytest.approx([215.0, 315.0, 415.0])
    assert days(record, "production_started") == pytest.approx([415.0])


def test_partial_start_produces_in_proportion_to_the_installed_tooling():
    # tooling_start_share 0.5 of 3 orders: ceil(1.5) = 2 needed. Installed 135, 235, 335;
    # building done at 220 -> produces 2/3 x 3000 = 2000 from 235, 3000 from 335.
    text = make(project=", tooling: [{orders: 3, installation_days: 5}], "
                        "tooling_start_share: 0.5")
    _, record, daily = run_one(text)
    assert days(record, "production_started") == pytest.approx([235.0])
    assert daily.available[2, 0, 236] == pytest.approx(2000.0)
    assert daily.available[2, 0, 336] == pytest.approx(3000.0)


def test_tooling_early_enough_does_not_delay_the_plant():
    # one order: installed at 20 + 100 + 10 + 5 = 135 < 220, the building's end
    text = make(project=", tooling: [{orders: 1, installation_days: 5}]")
    _, record, _ = run_one(text)
    assert days(record, "production_started") == [220.0]


def test_capex_share_gives_the_number_of_orders():
    # 900 x 0.5 / 200 = 2.25 -> 3 orders
    text = make(project=", tooling: [{capex_share: 0.5, order_cost: 200}]")
    _, record, _ = run_one(text)
    assert len(days(record, "tooling_placed")) == 3


def test_blocked_tooling_orders_are_placed_again_after_the_delay():
    # Block probability 0.5; the draws of stream tooling:plant decide it. Per order, the
    # installation draw is taken when the orders are placed (one each, in order), then per
    # placement: block, re-order delay, lead time, shipping.
    text = make(supplier=", block_probability: 0.5, reorder_delay_days: 30",
                project=", tooling: [{orders: 2}]")
    _, record, _ = run_one(text)
    stream = Stream(3, 0, "tooling:plant")
    draws = [stream.next() for _ in range(40)]
    # the two processes start in order at t = 20, each drawing 4 at its first placement
    blocked_first = [draws[2] < 0.5, draws[6] < 0.5]
    placed = days(record, "tooling_placed")
    assert placed[:2] == [20.0, 20.0]
    assert days(record, "tooling_blocked")[:sum(blocked_first)] == [20.0] * sum(blocked_first)
    assert record.tooling_blocked == len(days(record, "tooling_blocked"))
    assert record.tooling_placed == len(placed) == 2 + record.tooling_blocked
    for t in days(record, "tooling_blocked"):
        assert t + 30.0 in placed  # each block is placed again 30 days later


def test_under_way_plant_has_its_share_of_tooling_installed_before_the_run():
    # progress 0.5 of 4 orders: 2 installed before the run, 2 ordered at t = 0:
    # installed 110 and 210; building's rest 100 days -> produces from 210
    text = make(project=", tooling: [{orders: 4}], progress_at_start: 0.5")
    _, record, _ = run_one(text)
    assert len(days(record, "tooling_placed")) == 2
    assert days(record, "tooling_installed") == pytest.approx([110.0, 210.0])
    assert days(record, "production_started") == pytest.approx([210.0])


def test_tooling_draws_leave_stage_two_draws_alone():
    # with a random lead time, adding tooling to the plant changes no stage-2 draw: the
    # machine, first in the queue, keeps its timeline (tooling draws on tooling:plant)
    text = make(machines=1, budget=1).replace(
        "lead_time_days: 100,", "lead_time_days: {dist: uniform, min: 50, max: 150},")
    _, without, _ = run_one(text)
    _, with_tooling, _ = run_one(text.replace("ramp_up_days: 0}",
                                              "ramp_up_days: 0, tooling: [{orders: 2}]}"))
    assert len(days(with_tooling, "tooling_placed")) == 2
    machine = [e for e in without.events if e[3] == "la/m1"]
    assert machine and machine == [e for e in with_tooling.events if e[3] == "la/m1"]


def test_stage_set_without_stage_two_keeps_the_suppliers_for_tooling():
    scenario = scenario_from(make(machines=1, budget=1,
                                  project=", tooling: [{orders: 3, installation_days: 5}]"))
    only = scenario.with_stages(["investment"])
    assert only.stages.procurement is None
    assert only.tooling_market() is scenario.stages.procurement
    from simulator.model import simulate
    from simulator.model.world import Plan
    record = simulate(Plan.from_scenario(only), 0)
    # no stage-2 machine in the queue: the first test's timeline
    assert days(record, "production_started") == pytest.approx([335.0])
    assert stage_set_name(["investment"]) == "investment"


@pytest.mark.parametrize(("project", "supplier", "message"), [
    (", tooling: [{orders: 2, capex_share: 0.5}]", "", "not both"),
    (", tooling: [{capex_share: 0.5}]", "", "needs orders, or both"),
    (", tooling: [{orders: 0}]", "", "must be >= 1, got 0"),
    (", tooling: [{orders: 2, supplier_class: precision}]", "", "no supplier of class"),
    (", tooling: [{orders: 2}]", ", supplier_class: precision", "no supplier without"),
    (", tooling: [{capex_share: 1.0, order_cost: 0.000001}]", "", "MAX_TOOLING_ORDERS"),
    (", tooling: [{orders: 2}], tooling_start_share: 0", "", "must be > 0"),
])
def test_bad_tooling_is_refused_with_its_field(project, supplier, message):
    with pytest.raises(ScenarioError) as info:
        scenario_from(make(project=project, supplier=supplier))
    text = str(info.value)
    assert "stages.investment.projects[" in text or "projects[plant]" in text
    assert message in text


def test_tooling_needs_stage_two_suppliers():
    text = make(project=", tooling: [{orders: 2}]").replace("  procurement:\n",
                                                             "  procurement:\n    enabled: false\n")
    with pytest.raises(ScenarioError) as info:
        scenario_from(text)
    assert "tooling is ordered through the machine-tool suppliers" in str(info.value)


def test_supplier_classes_route_the_orders():
    # two suppliers, the precision one slower: orders of class precision go there only
    text = make(project=", tooling: [{orders: 1, supplier_class: precision}]").replace(
        "      - {id: s, slots: 1, lead_time_days: 100, shipping_days: 10}",
        "      - {id: s, slots: 1, lead_time_days: 100, shipping_days: 10}\n"
        "      - {id: fine, slots: 1, lead_time_days: 300, supplier_class: precision}")
    _, record, _ = run_one(text)
    assert {e[5] for e in events(record, "tooling_placed")} == {"fine"}
    assert days(record, "production_started") == pytest.approx([320.0])
    assert math.isfinite(record.plants[0][2])


def test_plant_kpis_of_the_one_slot_case():
    # the first case: built at 220, producing from 335 (wait 115); waits 0, 100, 200
    from simulator.evaluate import Grid
    from simulator.tables import kpi_columns

    plan, record, daily = run_one(make(project=", tooling: [{orders: 3, installation_days: 5}]"))
    cols = kpi_columns(plan, Grid.from_plan(plan), record, daily)
    assert cols["plants_built"] == [1.0, 1.0]
    assert cols["plants_producing"] == [1.0, 1.0]
    assert cols["plant_start_day_mean"] == pytest.approx([335.0, 335.0])
    assert cols["tooling_wait_days_mean"] == pytest.approx([115.0, 115.0])
    assert cols["tooling_orders_placed"][-1] == 3
    assert cols["tooling_slot_wait_mean_days"][-1] == pytest.approx(100.0)


def test_plant_that_never_gets_its_tooling_counts_the_horizon():
    # 12 orders through one slot of 100 days: the last is built at 20 + 1,200 = 1,220,
    # after the run's 1,096 days; the plant built at 220 never produces: its start day is
    # the horizon N = 1,096 and it waited 1,096 - 220 = 876 days
    from simulator.evaluate import Grid
    from simulator.tables import kpi_columns

    plan, record, daily = run_one(make(project=", tooling: [{orders: 12}]"))
    cols = kpi_columns(plan, Grid.from_plan(plan), record, daily)
    assert plan.n_days == 1096
    assert cols["plants_producing"] == [0.0, 0.0]
    assert cols["plant_start_day_mean"] == pytest.approx([1096.0, 1096.0])
    assert cols["tooling_wait_days_mean"] == pytest.approx([876.0, 876.0])
