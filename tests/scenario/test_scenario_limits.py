"""Domain bounds, magnitudes and the work guard: valid-looking inputs that hang or overflow.

Before `simulator/scenario/limits.py`, each refused case here passed `capsim validate`
and then never ended (a review every 1e-9 days), exhausted memory (a failure every 1e-9
days, a million re-orders of a blocked machine) or overflowed to an answer that
contradicts itself (1e308 as a capacity). Each is now refused with the field, the line
and the limit named; the limits cover every shipped scenario, and a run at the limits
gives finite, consistent numbers.
"""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import pytest

from simulator.scenario import limits, load_scenario, load_scenario_text
from simulator.scenario.limits import (
    MAX_DAYS,
    MAX_EVENTS_PER_REPLICATION,
    MAX_MONEY,
    MAX_REPLICATIONS,
    MAX_RUN_DAYS,
    MAX_UNITS_PER_YEAR,
    MIN_DISCOUNT_RATE,
    MIN_MTBF_DAYS,
    MIN_REVIEW_DAYS,
    MIN_UNITS_PER_VEHICLE,
)
from simulator.scenario.workload import workload
from tests.scenario.limit_helpers import ROOT, TINY, assert_refused, bent, capsim, only, refused

# --------------------------------------------------------------------------- domain bounds


@pytest.mark.parametrize("old, new, path, limit", [
    ("budget: 1000\n    review_days: 30", "budget: 1000\n    review_days: 1e-9",
     "stages.procurement.review_days", "MIN_REVIEW_DAYS"),
    ("    review_days: 30\n    tranches", "    review_days: 0.5\n    tranches",
     "stages.investment.review_days", "MIN_REVIEW_DAYS"),
    ("mtbf_days: 30", "mtbf_days: 1e-9", "plants[0].lines[0].mtbf_days", "MIN_MTBF_DAYS"),
    ("replications: 2", "replications: 1000000000000", "scenario.replications",
     "MAX_REPLICATIONS"),
    ("replications: 2", "discount_rate: -0.9999999", "scenario.discount_rate",
     "MIN_DISCOUNT_RATE"),
    ("replications: 2", "close_hold_days: 100000000", "scenario.close_hold_days",
     "MAX_RUN_DAYS"),
    ("name: A,", "name: A, units_per_vehicle: 1e-300,", "components[0].units_per_vehicle",
     "MIN_UNITS_PER_VEHICLE"),
    ("budget: 1000\n    review_days: 30", "budget: 1000\n    review_days: 30\n"
     "    target_offset_days: 1e300", "stages.procurement.target_offset_days", "MAX_DAYS"),
])
def test_a_value_beyond_a_domain_bound_is_refused_with_its_limit(old, new, path, limit):
    problem = only(refused(bent(old, new)))
    assert problem.path == path and problem.line is not None
    assert f"(limit {limit}: " in problem.message, problem.message


@pytest.mark.parametrize("field, value", [
    ("lead_time_days", "{dist: lognormal, median: 3, p90: 1e9}"),
    ("lead_time_days", "1e12"),
    ("reorder_delay_days", "{dist: mixture, parts: [{weight: 1, dist: uniform, min: 0, "
                           "max: 1e300}]}"),
])
def test_a_duration_beyond_a_century_is_refused(field, value):
    old = {"lead_time_days": "lead_time_days: 30", "reorder_delay_days": "reorder_delay_days: 10"}
    problem = only(refused(bent(old[field], f"{field}: {value}")))
    assert problem.path == f"stages.procurement.suppliers[0].{field}"
    assert f"must be at most {MAX_DAYS} days" in problem.message and "MAX_DAYS" in problem.message


@pytest.mark.parametrize("value, words", [
    ("{dist: lognormal, median: 1e-6, p90: 36525}", "has a mean of 1.61651e+72 days"),
    ("{dist: lognormal, median: 1e-300, p90: 36525}", "cannot be computed with"),
    ("{dist: mixture, parts: [{weight: 1e308, dist: fixed, value: 1}, "
     "{weight: 1e308, dist: fixed, value: 2}]}", "cannot be computed with"),
])
def test_a_distribution_whose_mean_overflows_is_refused_not_a_traceback(value, words):
    problem = only(refused(bent("lead_time_days: 30", f"lead_time_days: {value}")))
    assert problem.path == "stages.procurement.suppliers[0].lead_time_days"
    assert words in problem.message


def test_a_run_longer_than_a_century_is_refused():
    problem = only(refused(bent("end: 2024-12-31", "end: 9999-12-31")))
    assert problem.path == "scenario.end" and "MAX_RUN_DAYS" in problem.message


def test_values_at_the_domain_bounds_are_accepted():
    text = TINY.replace("mtbf_days: 30", f"mtbf_days: {MIN_MTBF_DAYS!r}")
    text = text.replace("review_days: 30", f"review_days: {MIN_REVIEW_DAYS!r}")
    text = text.replace("replications: 2", f"replications: {MAX_REPLICATIONS}\n"
                        f"  discount_rate: {MIN_DISCOUNT_RATE}")
    text = text.replace("name: A,", f"name: A, units_per_vehicle: {MIN_UNITS_PER_VEHICLE!r},")
    scenario = load_scenario_text(text)
    assert scenario.scenario.replications == MAX_REPLICATIONS
    assert scenario.plants[0].lines[0].mtbf_days == MIN_MTBF_DAYS


def test_a_review_every_nanosecond_exits_2_before_running(tmp_path):
    (tmp_path / "s.yaml").write_text(bent("budget: 1000\n    review_days: 30",
                                          "budget: 1000\n    review_days: 1e-9"))
    done = capsim("run", "s.yaml", "--out", "out", "--workers", "1", "--no-progress",
                  cwd=tmp_path, timeout=120)
    assert_refused(done, "stages.procurement.review_days: must be >= 1", "MIN_REVIEW_DAYS")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]  # nothing written


def test_the_command_line_can_import_max_replications():
    assert MAX_REPLICATIONS == 100_000


def test_every_limit_has_a_reason_and_is_documented():
    tree = ast.parse(Path(limits.__file__).read_text(encoding="utf-8"))
    names = [node.targets[0].id for node in tree.body if isinstance(node, ast.Assign)
             and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()]
    assert len(names) >= 15
    howto = (ROOT / "docs" / "how-to" / "write-a-scenario.md").read_text(encoding="utf-8")
    for name in names:
        reason = limits.explain(name)
        assert len(reason) > len(name) + 20 and ":" in reason
        assert f"`{name}`" in howto, f"{name} is missing from the how-to's Limits section"


# --------------------------------------------------------------------------- work guard


def test_failures_too_frequent_for_the_run_are_refused_at_the_largest_line():
    lines = "\n".join(
        f"      - {{id: l{i}, component: a, capacity: 10, mtbf_days: {1 / 24 * (1 + i)!r}, "
        f"repair_days: 0}}" for i in range(3))
    text = bent("end: 2024-12-31", "end: 2123-12-31", TINY)
    text = text.replace(
        "      - {id: l, component: a, capacity: 2000, committed: 500, mtbf_days: 30, "
        "repair_days: 2,\n         machine_capacity: 100, machine_cost: 10, max_machines: 3}",
        lines)
    problem = only(refused(text))
    assert problem.path == "plants[0].lines[0].mtbf_days"  # the most frequent failures
    assert f"more than {MAX_EVENTS_PER_REPLICATION:,}" in problem.message
    assert "failures and repairs of line 'l0'" in problem.message
    assert "MAX_EVENTS_PER_REPLICATION" in problem.message


def test_an_order_blocked_a_million_times_is_refused_at_the_supplier():
    text = bent("reorder_delay_days: 10", "reorder_delay_days: 0, block_probability: 0.999999")
    problem = only(refused(text))
    assert problem.path == "stages.procurement.suppliers[0].block_probability"
    assert "re-orders of 3 machines" in problem.message and "1,000,000 attempts" in problem.message


def test_a_re_order_delay_bounds_the_attempts():
    text = bent("reorder_delay_days: 10", "reorder_delay_days: 10, block_probability: 0.999999")
    assert load_scenario_text(text).stages.procurement.suppliers[0].block_probability > 0.99


def test_millions_of_machines_are_refused_at_max_machines():
    problem = only(refused(bent("max_machines: 3", "max_machines: 10000000")))
    assert problem.path == "plants[0].lines[0].max_machines"
    assert "10,000,000 machines of line 'l'" in problem.message


@pytest.mark.parametrize("path", ["scenarios/baseline.yaml", "benchmarks/baseline_frozen.yaml"])
def test_the_default_case_schedules_a_small_share_of_the_limit(path):
    events = sum(part[0] for part in workload(load_scenario(ROOT / path)))
    assert 1_000 < events < MAX_EVENTS_PER_REPLICATION / 100


# --------------------------------------------------------------------------- magnitudes


@pytest.mark.parametrize("old, new, path, limit", [
    ("capacity: 2000", "capacity: 1e308", "plants[0].lines[0].capacity", "MAX_UNITS_PER_YEAR"),
    ("demand: {2024-01-01: 1000}", "demand: {2024-01-01: 1e308}",
     "components[0].demand[2024-01-01]", "MAX_UNITS_PER_YEAR"),
    ("unit_value: 100", "unit_value: 1e308", "components[0].unit_value", "MAX_MONEY"),
    ("budget: 1000", "budget: 1e308", "stages.procurement.budget", "MAX_MONEY"),
    ("capex: 400", "capex: 1e17", "stages.investment.projects[0].capex", "MAX_MONEY"),
    ("capacity: 500,", "capacity: 1e11,", "stages.investment.projects[0].capacity",
     "MAX_UNITS_PER_YEAR"),
    ("capacity: 2000", "capacity: 1" + "0" * 400, "plants[0].lines[0].capacity", ""),
])
def test_a_magnitude_no_economy_has_is_refused(old, new, path, limit):
    problem = only(refused(bent(old, new)))
    assert problem.path == path
    assert limit in problem.message


def test_a_committed_distribution_beyond_the_rate_limit_is_refused():
    text = bent("committed: 500", "committed: {dist: uniform, min: 0, max: 1e300}")
    problem = only(refused(text))
    assert problem.path == "plants[0].lines[0].committed"
    assert "MAX_UNITS_PER_YEAR" in problem.message


def test_a_demand_factor_beyond_a_hundredfold_is_refused():
    text = bent("replications: 2", "replications: 2\n  demand_factor: {dist: triangular, "
                "min: 1, mode: 1, max: 1e300}")
    problem = only(refused(text))
    assert problem.path == "scenario.demand_factor" and "MAX_FACTOR" in problem.message


@pytest.mark.parametrize("path", sorted(
    [*map(str, (ROOT / "scenarios").glob("*.yaml")),
     *map(str, (ROOT / "tests" / "scenario" / "good").glob("*.yaml")),
     str(ROOT / "benchmarks" / "baseline_frozen.yaml")]))
def test_shipped_scenarios_are_within_the_limits_with_margin(path):
    scenario = load_scenario(path)
    money = [c.unit_value for c in scenario.components]
    rates = [v for c in scenario.components for v in [*c.demand.values(),
                                                      *c.domestic_supply.values()]]
    for plant in scenario.plants:
        for line in plant.lines:
            rates += [line.capacity, line.machine_capacity]
            money.append(line.machine_cost)
    for name in ("procurement", "investment"):
        stage = getattr(scenario.stages, name)
        if stage is not None:
            money += [stage.budget, *(t.amount for t in stage.tranches)]
    if scenario.stages.investment is not None:
        money += [p.capex for p in scenario.stages.investment.projects]
        rates += [p.capacity for p in scenario.stages.investment.projects]
    assert max(money) * 1_000 <= MAX_MONEY and max(rates) * 100 <= MAX_UNITS_PER_YEAR
    assert scenario.n_days * 4 <= MAX_RUN_DAYS


MAXIMA = f"""\
scenario:
  name: maxima
  start: 2024-01-01
  end: 2025-12-31
  replications: 3
  discount_rate: {MIN_DISCOUNT_RATE}
components:
  - {{id: a, name: A, unit_value: {MAX_MONEY!r}, units_per_vehicle: {MIN_UNITS_PER_VEHICLE!r},
     demand: {{2024-01-01: {MAX_UNITS_PER_YEAR!r}}}}}
  - {{id: b, name: B, unit_value: {MAX_MONEY!r}, units_per_vehicle: 1,
     demand: {{2024-01-01: {MAX_UNITS_PER_YEAR!r}}}}}
plants:
  - id: p
    name: P
    lines:
      - {{id: l, component: a, capacity: {MAX_UNITS_PER_YEAR!r}, mtbf_days: {MIN_MTBF_DAYS!r},
         machine_capacity: {MAX_UNITS_PER_YEAR!r}, machine_cost: {MAX_MONEY!r},
         max_machines: 2}}
stages:
  sharing: {{share: 0.5}}
  procurement:
    budget: {MAX_MONEY!r}
    review_days: {MIN_REVIEW_DAYS!r}
    tranches: [{{date: 2024-06-01, amount: {MAX_MONEY!r}}}]
    suppliers: [{{id: s, slots: 1, lead_time_days: 30}}]
  investment:
    budget: {MAX_MONEY!r}
    tranches: [{{date: 2024-03-01, amount: {MAX_MONEY!r}}}]
    projects:
      - {{id: pr, component: b, capacity: {MAX_UNITS_PER_YEAR!r}, capex: {MAX_MONEY!r},
         upfront_share: 0.5, build_days: 200}}
"""


def test_a_run_at_the_limits_gives_finite_consistent_numbers():
    from simulator import run

    result = run(load_scenario_text(MAXIMA), workers=1, charts=False)
    text = json.dumps(result.summary, allow_nan=False)  # no inf or NaN anywhere
    assert all(math.isfinite(x) for x in _numbers(json.loads(text)))
    kpis = result.kpis
    parts, overall = kpis[kpis.component != "all"], kpis[kpis.component == "all"]
    value = parts.cumulative_shortfall * MAX_MONEY
    assert (abs(parts.cumulative_shortfall_value - value) <= 1e-9 * value.abs().max()).all()
    total = parts.groupby("replication").cumulative_shortfall_value.sum()
    assert overall.set_index("replication").cumulative_shortfall_value.values == \
        pytest.approx(total.values, rel=1e-9)
    summary = result.summary["components"]
    for name in ("a", "b", "all"):
        closed = kpis[kpis.component == name].closed.mean()
        assert summary[name]["share_closed_by_end"] == pytest.approx(closed)
        median = summary[name]["median_close_date"]
        assert (median is not None) == (closed > 0.5)
    # a closes within weeks, b once its plant is built; "all" (equal weights) not before a:
    # never "0 % closed" beside "all closed on the first day", as with 1e308
    days = kpis.pivot(index="replication", columns="component", values="close_day")
    assert days.notna().all().all()
    assert (days["all"] >= days[["a", "b"]].min(axis=1)).all() and (days["all"] > 0).all()


def _numbers(value: object) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []
