"""Invariants on random small scenarios (hypothesis): served within the gap, the books
balance, money spent never exceeds money released, capacity never negative."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.evaluate import Grid, evaluate
from simulator.model import simulate
from simulator.model.world import Plan
from tests.model.helpers import scenario_from


def random_scenario(d: dict) -> str:
    return f"""
scenario: {{name: prop, start: 2024-01-01, end: 2027-12-31, seed: {d['seed']},
           close_smoothing_days: {d['window']}}}
components:
  - {{id: a, name: A, unit_value: 3,
     demand: {{2024-01-01: {d['demand_a']}, 2027-01-01: {d['demand_a2']}}},
     domestic_supply: {{2024-01-01: {d['supply_a']}}},
     demand_factor: {{dist: uniform, min: 0.8, max: 1.2}}}}
  - {{id: b, name: B, unit_value: 1, demand: {{2024-01-01: {d['demand_b']}}}}}
plants:
  - id: p
    name: P
    lines:
      - {{id: la, component: a, capacity: {d['cap_a']},
         committed: {{dist: uniform, min: 0, max: {d['cap_a']}}},
         mtbf_days: {d['mtbf']}, repair_days: {{dist: lognormal, median: 3, p90: 9}},
         machine_capacity: {d['mcap']}, machine_cost: {d['mcost']}, max_machines: {d['maxm']}}}
      - {{id: lb, component: b, capacity: 500, committed: 200, machine_capacity: 50,
         machine_cost: 2, max_machines: 5}}
stages:
  sharing: {{share: {d['share']}, qualification_days: {{dist: uniform, min: 0, max: 200}},
            ramp_up_days: 30}}
  procurement:
    budget: {d['budget']}
    tranches: [{{id: p1, date: 2025-01-01, amount: {d['ptranche']}, probability: 0.5}}]
    review_days: {d['review']}
    approval_days: {{dist: uniform, min: 0, max: 60}}
    installation_days: 30
    ramp_up_days: {{dist: triangular, min: 0, mode: 60, max: 200}}
    suppliers:
      - {{id: s1, slots: {d['slots']}, lead_time_days: {{dist: lognormal, median: 100, p90: 250}},
         block_probability: {d['block']}, reorder_delay_days: 40}}
      - {{id: s2, slots: 1, lead_time_days: 60, shipping_days: 20}}
  investment:
    tranches:
      - {{id: i1, date: 2024-01-01, amount: {d['itr1']}}}
      - {{id: i2, date: 2025-06-01, amount: {d['itr2']},
         delay_days: {{dist: exponential, mean: 90}}, probability: 0.7}}
    policy: {d['policy']}
    projects:
      - {{id: pa, component: a, capacity: {d['pcap']}, capex: {d['capex']},
         upfront_share: {d['upfront']}, preparation_days: 30,
         build_days: {{dist: pert, min: 100, mode: 300, max: 600}}, ramp_up_days: 90}}
      - {{id: pb, component: b, capacity: 300, capex: 40, build_days: 200,
         progress_at_start: {d['progress']}}}
"""


params = st.fixed_dictionaries({
    "seed": st.integers(0, 10_000),
    "window": st.sampled_from([1, 30]),
    "demand_a": st.floats(0, 5000), "demand_a2": st.floats(0, 5000),
    "supply_a": st.floats(0, 2000), "demand_b": st.floats(0, 1000),
    "cap_a": st.floats(1, 3000), "mtbf": st.floats(5, 400),
    "mcap": st.floats(1, 500), "mcost": st.floats(0.5, 20), "maxm": st.integers(0, 8),
    "share": st.floats(0, 1), "budget": st.floats(0, 60), "ptranche": st.floats(0, 50),
    "review": st.floats(10, 200), "slots": st.integers(1, 3), "block": st.floats(0, 0.9),
    "itr1": st.floats(0, 200), "itr2": st.floats(0, 300),
    "policy": st.sampled_from(["largest_gap_first", "listed_order", "lowest_cost_per_unit"]),
    "pcap": st.floats(1, 3000), "capex": st.floats(1, 400), "upfront": st.floats(0, 1),
    "progress": st.sampled_from([0.0, 0.3, 1.0]),
})


def cumulative_by_time(flows):
    """(times, cumulative amount) at every flow end, spreading ones counted fully at t1."""
    if not flows:
        return np.array([0.0]), np.array([0.0])
    ordered = sorted(flows, key=lambda f: f[1])
    return np.array([f[1] for f in ordered]), np.cumsum([f[2] for f in ordered])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params)
def test_invariants_hold_on_random_scenarios(d):
    plan = Plan.from_scenario(scenario_from(random_scenario(d)))
    record = simulate(plan, replication=d["seed"] % 7)
    daily = evaluate(Grid.from_plan(plan), record)
    tol = 1e-9 * max(1.0, float(daily.gap.max()))
    assert (daily.available >= -tol).all()
    assert (daily.served >= -tol).all()
    assert (daily.served.sum(axis=0) <= daily.gap + tol).all()
    assert np.allclose(daily.served.sum(axis=0) + daily.shortfall, daily.gap, atol=tol * 10)
    assert (daily.shortfall >= 0).all()
    for stage in (1, 2):
        released = [(t0, t1, x) for s, k, t0, t1, x, _c in record.money
                    if s == stage and k == "released"]
        spent = [(t0, t1, x) for s, k, t0, t1, x, _c in record.money if s == stage and k == "spent"]
        total_released = sum(x for *_, x in released)
        total_spent = sum(x for *_, x in spent)
        assert total_spent <= total_released * (1 + 1e-9) + 1e-9
        assert record.unspent[stage] >= -1e-9
        imbalance = total_released - total_spent - record.unspent[stage]
        assert abs(imbalance) <= 1e-6 * max(1, total_released)
        # at every moment money spent so far is covered by money released so far
        t_rel, c_rel = cumulative_by_time(released)
        t_sp, c_sp = cumulative_by_time(spent)
        covered = np.interp(t_sp, t_rel, c_rel, left=0.0) if len(released) else np.zeros_like(c_sp)
        assert (c_sp <= covered * (1 + 1e-9) + 1e-6).all()
