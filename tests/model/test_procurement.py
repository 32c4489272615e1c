"""Stage 2 against hand-computed answers: slot queues, supplier choice, blocking, budgets."""

import pytest

from simulator.model.streams import Stream
from tests.model.helpers import events, run_one


def scenario(suppliers: str, *, budget: float = 3, max_machines: int = 3, approval: float = 0,
             review_days: float = 1000, extra_components: str = "", extra_lines: str = "",
             seed: int = 0) -> str:
    return f"""
scenario: {{name: procurement, start: 2024-01-01, end: 2024-12-31, seed: {seed}}}
components:
  - {{id: a, name: Part A, unit_value: 2, demand: {{2024-01-01: 10000}}}}
{extra_components}
plants:
  - id: p
    name: Plant
    lines:
      - {{id: la, component: a, capacity: 100, committed: 100, machine_capacity: 100,
         machine_cost: 1, max_machines: {max_machines}}}
{extra_lines}
stages:
  procurement:
    budget: {budget}
    review_days: {review_days}
    approval_days: {approval}
    installation_days: 20
    ramp_up_days: 0
    suppliers:
{suppliers}
"""


ONE_SLOT = "      - {id: s, slots: 1, lead_time_days: 100, shipping_days: 10}"
TWO_SLOTS = "      - {id: s, slots: 2, lead_time_days: 100, shipping_days: 10}"


def test_single_supplier_one_slot_is_a_fifo_queue():
    _, record, daily = run_one(scenario(ONE_SLOT))
    assert [s[3] for s in record.sources] == [130.0, 230.0, 330.0]
    assert record.slot_waits["s"] == [0.0, 100.0, 200.0]
    assert daily.available[1, 0, 129] == 0.0
    assert daily.available[1, 0, 130] == pytest.approx(100.0)
    assert daily.available[1, 0, 330] == pytest.approx(300.0)


def test_single_supplier_two_slots():
    _, record, _ = run_one(scenario(TWO_SLOTS))
    assert [s[3] for s in record.sources] == [130.0, 130.0, 230.0]
    assert record.slot_waits["s"] == [0.0, 0.0, 100.0]


def test_two_suppliers_earliest_expected_delivery():
    suppliers = ("      - {id: fast, slots: 1, lead_time_days: 100}\n"
                 "      - {id: slow, slots: 1, lead_time_days: 150}")
    _, record, _ = run_one(scenario(suppliers))
    # expected deliveries: 1st fast 100 vs slow 150 -> fast; 2nd fast 200 vs 150 -> slow;
    # 3rd fast 200 vs slow 300 -> fast
    placed = [e[5] for e in events(record, "order_placed")]
    assert placed == ["fast", "slow", "fast"]
    assert sorted(s[3] for s in record.sources) == [120.0, 170.0, 220.0]


def test_budget_that_runs_out_buys_partial_orders():
    _, record, _ = run_one(scenario(ONE_SLOT, budget=2.5))
    assert len(events(record, "order_decided")) == 2
    assert record.unspent[1] == pytest.approx(0.5)
    spent = sum(m[4] for m in record.money if m[0] == 1 and m[1] == "spent")
    assert spent == pytest.approx(2.0)


def test_room_limits_orders():
    _, record, _ = run_one(scenario(ONE_SLOT, budget=10, max_machines=2))
    assert len(events(record, "order_decided")) == 2


def block_draws(seed: int, supplier: str, n: int) -> list[float]:
    """The block uniforms of the first n placements (4 draws per placement)."""
    stream = Stream(seed, 0, f"supplier:{supplier}")
    draws = [stream.next() for _ in range(4 * n)]
    return draws[0::4]


def test_blocked_order_is_refunded_and_reordered_after_the_delay():
    p = 0.5
    seed = next(s for s in range(100) if [u < p for u in block_draws(s, "s", 3)]
                == [True, True, False])
    suppliers = ("      - {id: s, slots: 1, lead_time_days: 100, block_probability: 0.5,"
                 " reorder_delay_days: 30}")
    _, record, _ = run_one(scenario(suppliers, budget=1, max_machines=1, seed=seed))
    blocked = events(record, "order_blocked")
    assert [e[0] for e in blocked] == [0.0, 30.0]
    assert [e[0] for e in events(record, "order_placed")] == [0.0, 30.0, 60.0]
    # placed unblocked at 60, built by 160, installed 20 days later
    assert [s[3] for s in record.sources] == [180.0]
    assert record.orders_blocked == 2 and record.orders_lapsed == 0
    net = sum(m[4] for m in record.money if m[0] == 1 and m[1] == "spent")
    assert net == pytest.approx(1.0)


def test_reorder_without_money_lapses():
    # Part A's first placement (t=20, after approval) is blocked and refunded; the review at
    # t=30 spends that money on part B; A's re-order at t=35 finds no money and lapses.
    p = 0.999
    seed = next(s for s in range(100) if block_draws(s, "s", 1)[0] < p)
    suppliers = ("      - {id: s, slots: 1, lead_time_days: 100, block_probability: 0.999,"
                 " reorder_delay_days: 15}")
    extra_c = "  - {id: b, name: Part B, unit_value: 1, demand: {2024-01-01: 10000}}"
    extra_l = ("      - {id: lb, component: b, capacity: 100, committed: 100,"
               " machine_capacity: 100, machine_cost: 1, max_machines: 1}")
    _, record, _ = run_one(scenario(suppliers, budget=1, max_machines=1, approval=20,
                                    review_days=30, extra_components=extra_c,
                                    extra_lines=extra_l, seed=seed))
    decided = [(e[0], e[3]) for e in events(record, "order_decided")]
    assert decided[:2] == [(0.0, "la/m1"), (30.0, "lb/m1")]
    lapsed = events(record, "order_lapsed")
    assert lapsed[0][0] == 35.0 and lapsed[0][3] == "la/m1"
    assert record.orders_lapsed >= 1


def test_tranche_at_a_review_instant_is_credited_first():
    text = scenario(ONE_SLOT, budget=0, review_days=90).replace(
        "    budget: 0\n", "    budget: 0\n    tranches: [{date: 2024-03-31, amount: 1}]\n")
    _, record, _ = run_one(text)
    # 2024-03-31 is day 90, the second review: money first, then the decision
    assert [e[0] for e in events(record, "order_decided")] == [90.0]


def slot_crowding(budget: float) -> str:
    """Part A (worth more) has no gap until day 55; part C has one from the start. One
    supplier slot; RUB 1 arrives as a tranche on day 50, the second review."""
    return f"""
scenario: {{name: crowding, start: 2024-01-01, end: 2024-12-31}}
components:
  - {{id: a, name: Part A, unit_value: 2,
     demand: {{2024-01-01: 0, 2024-02-20: 0, 2024-02-25: 10000}}}}
  - {{id: c, name: Part C, unit_value: 1, demand: {{2024-01-01: 10000}}}}
plants:
  - id: p
    name: Plant
    lines:
      - {{id: la, component: a, capacity: 100, committed: 100, machine_capacity: 100,
         machine_cost: 1, max_machines: 1}}
      - {{id: lc, component: c, capacity: 100, committed: 100, machine_capacity: 100,
         machine_cost: 1, max_machines: 1}}
stages:
  procurement:
    budget: {budget}
    tranches: [{{date: 2024-02-20, amount: 1}}]
    review_days: 50
    target_offset_days: 10
    installation_days: 20
    suppliers:
      - {{id: s, slots: 1, lead_time_days: 100, shipping_days: 10}}
"""


@pytest.mark.parametrize("budget, a_ready, waits", [
    # day 50: A's gap at the target (day 60) is 10,000, C's 10,000 - 0; A (value 20,000)
    # comes first and takes the tranche: placed 50, built 150, shipped 160, installed 180
    (0, 180.0, [0.0]),
    # day 0: A has no gap at the target (day 10), so the start budget buys C's machine,
    # which holds the only slot from 0 to 100; A's machine, decided and placed at 50 as
    # before, waits 50 days: built 200, shipped 210, installed 230
    (1, 230.0, [0.0, 50.0]),
])
def test_more_money_can_delay_another_components_machine(budget, a_ready, waits):
    # The default scenario's doubled stage-2 budget in miniature: money that lets a part
    # order earlier fills the FIFO slots that another part's later-placed order needs.
    _, record, _ = run_one(slot_crowding(budget))
    ready = {src[1]: src[3] for src in record.sources}
    assert ready[0] == a_ready
    assert record.slot_waits["s"] == waits
    assert [(e[0], e[3]) for e in events(record, "order_decided")][-1] == (50.0, "la/m1")
