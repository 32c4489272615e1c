"""The stages see each other's pipeline: hand-computed projected shortfalls and gaps."""

from tests.model.helpers import events, run_one

BASE = """
scenario: {{name: projections, start: 2024-01-01, end: 2024-12-31}}
components:
  - {{id: a, name: Part A, unit_value: 1, demand: {demand}}}
plants:
  - id: p
    name: Plant
    lines:
      - {{id: la, component: a, capacity: 100, committed: 100, machine_capacity: 100,
         machine_cost: 1, max_machines: 10}}
      - {{id: lshare, component: a, capacity: 1000, committed: 600}}
stages:
{stages}
"""

PROCUREMENT = """
  procurement:
    start: {start}
    budget: {budget}
    {offset}
    installation_days: 20
    suppliers:
      - {{id: s, slots: 1, lead_time_days: 100, shipping_days: 10}}
"""


def machines(record, at: float | None = None) -> int:
    """Machines decided (at one review time, when given)."""
    return len([e for e in events(record, "order_decided") if at is None or e[0] == at])


def procurement(budget=10, start="2024-01-01", offset=""):
    return PROCUREMENT.format(budget=budget, start=start, offset=offset)


def test_review_counts_sharing_offers_made():
    sharing = "  sharing: {share: 0.5}\n"
    flat = "{2024-01-01: 350}"
    # gap 350 - offer 0.5 * (1000 - 600) = 150 -> two machines of 100
    _, with_sharing, _ = run_one(BASE.format(demand=flat, stages=sharing + procurement()))
    assert machines(with_sharing) == 2
    _, alone, _ = run_one(BASE.format(demand=flat, stages=procurement()))
    assert machines(alone) == 4  # 350 -> 4 machines


def test_review_targets_the_mean_total_lead_time_or_the_given_offset():
    rising = "{2024-01-01: 0, 2024-07-19: 1000}"  # +5 units/yr per day, 1000 at day 200
    # default target: E[lead] 100 + E[shipping] 10 + E[installation] 20 = day 130 -> gap 650
    _, default, _ = run_one(BASE.format(demand=rising, stages=procurement()))
    assert machines(default, at=0.0) == 7
    _, offset, _ = run_one(BASE.format(demand=rising,
                                       stages=procurement(offset="target_offset_days: 100")))
    assert machines(offset, at=0.0) == 5  # gap(100) = 500


INVESTMENT = """
  investment:
    tranches: [{{id: t, date: 2024-01-01, amount: 1000}}]
    projects:
      - {{id: plant, component: a, capacity: 300, capex: 10, build_days: {build}}}
"""


def test_project_start_counts_machines_ordered_first():
    flat = "{2024-01-01: 350}"
    # stage 2 decides before stage 3 at the same instant: 4 machines cover the gap
    _, covered, _ = run_one(BASE.format(demand=flat,
                                        stages=procurement() + INVESTMENT.format(build=100)))
    assert events(covered, "project_started") == []
    # with money for two machines, 150 is left: the project starts
    _, short, _ = run_one(BASE.format(demand=flat, stages=procurement(budget=2)
                                      + INVESTMENT.format(build=100)))
    assert [e[0] for e in events(short, "project_started")] == [0.0]


def test_review_counts_projects_expected_to_finish_by_the_target():
    flat = "{2024-01-01: 350}"
    late_review = procurement(start="2024-03-31")  # day 90; target 90 + 130 = 220
    # started at 0, expected finish 100 <= 220: counted -> 350 - 300 = 50 -> one machine
    _, soon, _ = run_one(BASE.format(demand=flat, stages=late_review
                                     + INVESTMENT.format(build=100)))
    assert machines(soon) == 1
    # expected finish 500 > 220: not counted -> four machines
    _, late, _ = run_one(BASE.format(demand=flat, stages=late_review
                                     + INVESTMENT.format(build=500)))
    assert machines(late) == 4


UNDER_WAY = """
scenario: {name: under way, start: 2024-01-01, end: 2024-12-31}
components:
  - {id: a, name: Part A, unit_value: 10, demand: {2024-01-01: 100}}
  - {id: b, name: Part B, unit_value: 1, demand: {2024-01-01: 100}}
plants:
  - id: p
    name: Plant
    lines:
      - {id: la, component: a, capacity: 0, machine_capacity: 100, machine_cost: 1,
         max_machines: 10}
      - {id: lb, component: b, capacity: 0, machine_capacity: 100, machine_cost: 1,
         max_machines: 10}
stages:
  procurement:
    budget: 1
    installation_days: 20
    suppliers:
      - {id: s, slots: 1, lead_time_days: 100, shipping_days: 10}
  investment:
    tranches: [{id: t, date: 2024-01-01, amount: 1000}]
    projects:
      - {id: a_plant, component: a, capacity: 100, capex: 100, build_days: 100,
         progress_at_start: 0.5}
"""


def test_first_review_counts_a_project_already_under_way():
    """SPEC §10: a project under way at the start is state, not a decision. The first
    review (t = 0, target 0 + 100 + 10 + 20 = 130) sees a's plant, expected to finish at
    0.5 * 100 = 50 <= 130, so a's projected shortfall is 100 - 100 = 0 although a is worth
    more; b's is 100. The budget pays for one machine: it must go to b's line."""
    _, record, _ = run_one(UNDER_WAY)
    decided = [(e[0], e[4]) for e in events(record, "order_decided")]
    assert decided == [(0.0, "b")]
    assert [e[0] for e in events(record, "project_started")] == [0.0]
