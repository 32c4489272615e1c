"""Line failures: long-run availability against MTBF / (MTBF + MTTR)."""

import numpy as np
import pytest

from simulator.evaluate import Grid, evaluate
from simulator.model import simulate
from simulator.model.world import Plan
from tests.model.helpers import scenario_from

SCENARIO = """
scenario: {name: failures, start: 2024-01-01, end: 2030-12-31}
components:
  - {id: a, name: Part A, unit_value: 1, demand: {2024-01-01: 10000}}
plants:
  - id: p
    name: Plant
    lines:
      - {id: l1, component: a, capacity: 1000, committed: 0, mtbf_days: 50, repair_days: REPAIR}
stages:
  sharing: {share: 1.0}
"""


@pytest.mark.parametrize("repair, mttr", [("5", 5.0),
                                          ("{dist: exponential, mean: 10}", 10.0)])
def test_long_run_availability_matches_mtbf_over_mtbf_plus_mttr(repair, mttr):
    plan = Plan.from_scenario(scenario_from(SCENARIO.replace("REPAIR", repair)))
    grid = Grid.from_plan(plan)
    shares = [evaluate(grid, simulate(plan, r)).available[0, 0].mean() / 1000.0
              for r in range(30)]
    expected = 50.0 / (50.0 + mttr)
    assert np.mean(shares) == pytest.approx(expected, abs=0.01)


def test_same_seed_same_failures_and_up_first():
    plan = Plan.from_scenario(scenario_from(SCENARIO.replace("REPAIR", "5")))
    a, b = simulate(plan, 3), simulate(plan, 3)
    assert a.downtime == b.downtime and a.downtime[0][1] > 0
    assert simulate(plan, 4).downtime != a.downtime


def test_a_day_is_down_when_its_midpoint_falls_in_a_repair_spell():
    """By hand: day d is down when t_down <= d + 0.5 < t_up; overlapping spells of one
    line count once; a spell past the end stops at the end."""
    from types import SimpleNamespace

    from simulator.evaluate import line_up_mask

    grid = SimpleNamespace(n_days=10, n_lines=3)
    downtime = [(0, 2.0, 4.6), (1, 0.0, 1.4), (0, 8.2, 20.0), (2, 3.0, 5.5), (2, 4.0, 6.6)]
    up = line_up_mask(grid, downtime)  # type: ignore[arg-type]
    down = {line: [d for d in range(10) if up[line, d] == 0.0] for line in range(3)}
    assert down == {0: [2, 3, 4, 8, 9], 1: [0], 2: [3, 4, 5, 6]}
    assert set(np.unique(up)) == {0.0, 1.0}
    assert line_up_mask(grid, []).tolist() == np.ones((3, 10)).tolist()  # type: ignore[arg-type]
