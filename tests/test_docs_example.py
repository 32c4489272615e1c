"""The worked example of docs/how-to/extend-the-model.md, run as a test.

The policy below is copied exactly from the how-to. Keep the two in step: if you change
one, change the other.
"""

from collections.abc import Sequence

import pytest

from simulator import policies
from simulator.pipeline import run
from simulator.policies import ProjectOption
from simulator.scenario import ScenarioError, load_scenario_text


@policies.register("project_policy", "smallest_capex_first")
class SmallestCapexFirst:
    """By `capex`, smallest first; ties in file order."""

    def order(self, options: Sequence[ProjectOption]) -> list[ProjectOption]:
        return sorted(options, key=lambda o: (o.capex, o.index))


SCENARIO = """
scenario: {name: docs_example, start: 2024-01-01, end: 2026-12-31, seed: 1, replications: 2}
components:
  - {id: widgets, name: Widgets, unit_value: 1, demand: {2024-01-01: 1000}}
plants: []
stages:
  investment:
    policy: smallest_capex_first
    tranches: [{id: only, date: 2024-01-01, amount: 100}]
    projects:
      - {id: big, component: widgets, capacity: 600, capex: 80, upfront_share: 1,
         build_days: 365}
      - {id: small, component: widgets, capacity: 300, capex: 30, upfront_share: 1,
         build_days: 365}
"""


def started(policy: str) -> list[tuple[int, float, str]]:
    """(replication, day, project) of every project start, in the order they happened."""
    scenario = load_scenario_text(SCENARIO.replace("smallest_capex_first", policy))
    events = run(scenario, workers=1).events
    starts = events[events["kind"] == "project_started"]
    return list(starts[["replication", "time_days", "entity"]].itertuples(index=False, name=None))


def test_the_example_policy_is_registered():
    assert "smallest_capex_first" in policies.registered("project_policy")


def test_smallest_capex_first_starts_the_small_project():
    # 100 of money, upfront share 1: small (30) starts, then big (80) cannot be paid
    assert started("smallest_capex_first") == [(0, 0.0, "small"), (1, 0.0, "small")]


def test_the_default_policy_starts_the_big_project_instead():
    # same gap for both (one component), so largest_gap_first keeps file order: big first
    assert started("largest_gap_first") == [(0, 0.0, "big"), (1, 0.0, "big")]


def test_an_unregistered_policy_is_refused_when_the_scenario_is_loaded():
    with pytest.raises(ScenarioError, match="unknown project policy 'cheapest_first'"):
        load_scenario_text(SCENARIO.replace("smallest_capex_first", "cheapest_first"))
