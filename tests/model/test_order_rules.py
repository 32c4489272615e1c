"""The order-quantity rules and the risk-weighted supplier choice against hand-computed
answers (issue 10, item 7; docs/background/model.md, "How much a review orders")."""

import pytest

from simulator import policies
from tests.model.helpers import events, run_one


def scenario(*, rule: str = "full_gap", alpha: float = 1.0, beta: float = 1.0,
             lead: float = 365, slots: int = 1) -> str:
    """One component, a constant gap of 1,000 units/year, machines of 100 at 1 each with
    money and room for 50, reviews every 90 days (days 0, 90, 180, 270, 360)."""
    return f"""
scenario: {{name: orders, start: 2024-01-01, end: 2024-12-31}}
components:
  - {{id: a, name: Part A, unit_value: 1, demand: {{2024-01-01: 1000}}}}
plants:
  - id: p
    name: Plant
    lines:
      - {{id: la, component: a, capacity: 100, committed: 100, machine_capacity: 100,
         machine_cost: 1, max_machines: 50}}
stages:
  procurement:
    budget: 100
    review_days: 90
    installation_days: 20
    order_quantity: {rule}
    adjustment_fraction: {alpha}
    supply_line_weight: {beta}
    suppliers:
      - {{id: s, slots: {slots}, lead_time_days: {lead}}}
"""


def decided_by_review(text: str) -> list[int]:
    """Machines decided at each review day 0, 90, ..., 360."""
    _, record, _ = run_one(text)
    days = [e[0] for e in events(record, "order_decided")]
    return [sum(1 for d in days if d == review) for review in (0, 90, 180, 270, 360)]


def test_full_gap_orders_the_whole_shortfall_at_the_first_review():
    # 1,000 / 100 = 10 machines on day 0; the supply line covers the gap afterwards
    assert decided_by_review(scenario()) == [10, 0, 0, 0, 0]


def test_anchoring_and_adjustment_with_the_defaults_is_the_spec_rule():
    assert decided_by_review(scenario(rule="anchoring_and_adjustment")) == [10, 0, 0, 0, 0]


def test_partial_adjustment_spreads_the_orders_over_reviews():
    # alpha 0.5, beta 1, nothing installed within the year (one slot, 365-day builds):
    # day 0: 0.5 * 1000 = 500 -> 5 machines; day 90: 0.5 * (1000 - 500) = 250 -> 3;
    # day 180: 0.5 * (1000 - 800) = 100 -> 1; day 270: 0.5 * (1000 - 900) = 50 -> 1;
    # day 360: 0.5 * (1000 - 1000) = 0 -> none
    assert decided_by_review(scenario(rule="anchoring_and_adjustment", alpha=0.5)) \
        == [5, 3, 1, 1, 0]


def test_forgetting_the_supply_line_over_orders():
    # beta 0: every review orders 0.5 * 1000 = 500 again, as nothing is installed
    assert decided_by_review(scenario(rule="anchoring_and_adjustment", alpha=0.5, beta=0)) \
        == [5, 5, 5, 5, 5]


def test_installed_machines_are_in_place_not_in_the_supply_line():
    # ten slots, 10-day builds, 20-day installation: day 0's five machines are installed
    # on day 30, so on day 90 they are in place: 0.5 * (1000 - 500) = 250 -> 3 machines
    # (with beta 0 a supply line would not count at all: 500 -> 5, as above)
    text = scenario(rule="anchoring_and_adjustment", alpha=0.5, beta=0, lead=10, slots=10)
    assert decided_by_review(text)[:2] == [5, 3]


def test_the_rules_compute_as_written():
    view = policies.PipelineView("a", expected_gap=1000, in_place=200, supply_line=400,
                                 adjustment_fraction=0.5, supply_line_weight=0.5)
    assert policies.get("order_quantity", "full_gap").amount(view) == 400
    # 0.5 * (1000 - 200 - 0.5 * 400) = 300
    assert policies.get("order_quantity", "anchoring_and_adjustment").amount(view) == 300


RISKY = policies.SupplierOption(0, "risky", 10, 0, 300.0, 30.0, block_probability=0.5,
                                mean_reorder_delay_days=120.0)
SAFE = policies.SupplierOption(1, "safe", 10, 0, 400.0, 30.0)


def test_risk_weighted_delivery_counts_the_expected_reorder_delays():
    # risky: 300 + 30 + 0.5 / 0.5 * 120 = 450 days; safe: 400 + 30 = 430 days
    assert policies.risk_weighted_delivery_days(RISKY) == pytest.approx(450.0)
    assert policies.risk_weighted_delivery_days(SAFE) == pytest.approx(430.0)
    assert policies.get("supplier_choice", "earliest_delivery").choose([RISKY, SAFE]) is RISKY
    assert policies.get("supplier_choice", "risk_weighted_delivery").choose([RISKY, SAFE]) \
        is SAFE


def supplier_scenario(choice: str) -> str:
    return f"""
scenario: {{name: risk, start: 2024-01-01, end: 2025-12-31}}
components:
  - {{id: a, name: Part A, unit_value: 1, demand: {{2024-01-01: 100}}}}
plants:
  - id: p
    name: Plant
    lines:
      - {{id: la, component: a, capacity: 100, committed: 100, machine_capacity: 100,
         machine_cost: 1, max_machines: 1}}
stages:
  procurement:
    budget: 1
    review_days: 1000
    supplier_choice: {choice}
    suppliers:
      - {{id: risky, slots: 10, lead_time_days: 300, shipping_days: 30,
         block_probability: 0.5, reorder_delay_days: 120}}
      - {{id: safe, slots: 10, lead_time_days: 400, shipping_days: 30}}
"""


@pytest.mark.parametrize(("choice", "first"), [("earliest_delivery", "risky"),
                                               ("risk_weighted_delivery", "safe")])
def test_the_supplier_rule_decides_where_the_machine_is_placed(choice, first):
    _, record, _ = run_one(supplier_scenario(choice))
    assert events(record, "order_placed")[0][5] == first
