"""A market that moves: the yearly market level and import-share paths, worked by hand
(docs/background/model.md, "A market that moves")."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from simulator.model import simulate
from simulator.model.market import draw_levels, expected_levels, next_regime
from simulator.model.streams import Stream
from simulator.model.world import Plan
from simulator.scenario import ScenarioError
from tests.model.helpers import run_one, scenario_from

# 2024-01-01 is day 0; mid-years: 2024-07-01 = day 182, 2025-07-01 = 547, 2026-07-01 = 912,
# 2027-07-01 = 1277
BASE = """
scenario:
  name: market
  start: 2024-01-01
  end: {end}
  {process}
components:
  - id: c
    name: C
    unit_value: 1
    demand: {{2024-01-01: 1000}}
    {supply}
"""


def text(process: str = "", supply: str = "", end: str = "2026-12-31") -> str:
    return BASE.format(process=process, supply=supply, end=end)


class FixedUniforms:
    """A stand-in stream returning the given uniforms in order."""

    def __init__(self, values: list[float]) -> None:
        self.values = list(values)

    def next(self) -> float:
        return self.values.pop(0)


def test_a_walk_without_volatility_grows_by_its_drift_between_mid_years():
    plan, _, daily = run_one(text(
        "demand_process: {kind: log_random_walk, start_year: 2025, drift: 0.1, "
        "volatility: 0}"))
    assert plan.market is not None
    assert plan.market.days.tolist() == [182.0, 547.0, 912.0]
    demand = daily.demand[0]
    assert demand[0] == 1000.0  # flat before the anchor (2024-07-01, level 1)
    assert demand[182] == pytest.approx(1000 * (1 + (math.exp(0.1) - 1) * 0.5 / 365))
    assert demand[364] == pytest.approx(1000 * (1 + math.exp(0.1)) / 2)  # midpoint 364.5
    assert demand[-1] == pytest.approx(1000 * math.exp(0.2))  # flat after 2026-07-01
    assert daily.gap[0] == pytest.approx(demand)  # no domestic supply


def test_a_walk_turns_each_uniform_into_a_normal_log_change():
    process = scenario_from(text(
        "demand_process: {kind: log_random_walk, start_year: 2025, drift: 0.05, "
        "volatility: 0.2}")).scenario.demand_process
    z1 = float(special.ndtr(1.0))  # the uniform whose normal quantile is 1
    levels = draw_levels(process, 3, FixedUniforms([0.5, z1, 1 - z1]))
    assert levels == pytest.approx([math.exp(0.05), math.exp(0.05 + 0.25),
                                    math.exp(0.05 + 0.25 - 0.15)])


def test_deterministic_regimes_alternate_and_planners_see_the_same_path():
    process = ("demand_process: {kind: regimes, start_year: 2025, initial: up, "
               "regimes: [{id: up, growth: 0.1}, {id: down, growth: -0.5}], "
               "transitions: {up: {down: 1}, down: {up: 1}}}")
    plan, record, daily = run_one(text(process, end="2027-12-31"))
    # 2025: up -> down, x 0.5; 2026: down -> up, x 1.1; 2027: up -> down, x 0.5
    assert record.market_levels == pytest.approx([1.0, 0.5, 0.55, 0.275])
    assert plan.market is not None
    assert plan.market.expected.tolist() == pytest.approx([1.0, 0.5, 0.55, 0.275])
    assert daily.demand[0, -1] == pytest.approx(275.0)
    assert plan.components[0].expected_gap(1277.0) == pytest.approx(275.0)
    assert plan.components[0].expected_gap(547.0 + 365 / 2) == pytest.approx(525.0)


def test_expected_levels_in_closed_form():
    walk = scenario_from(text(
        "demand_process: {kind: log_random_walk, start_year: 2025, drift: -0.1, "
        "volatility: 0.4}")).scenario.demand_process
    assert expected_levels(walk, 2) == pytest.approx([math.exp(-0.02), math.exp(-0.04)])
    chain = scenario_from(text(
        "demand_process: {kind: regimes, start_year: 2025, "
        "regimes: [{id: a, growth: {dist: uniform, min: 0, max: 0.2}}, {id: b, growth: -0.5}], "
        "transitions: {a: {a: 0.75, b: 0.25}, b: {a: 1}}}")).scenario.demand_process
    # year 1: v = (0.75 * 1.1, 0.25 * 0.5) = (0.825, 0.125)
    # year 2: v_a = (0.825 * 0.75 + 0.125) * 1.1 = 0.818125, v_b = 0.825 * 0.25 * 0.5
    assert expected_levels(chain, 2) == pytest.approx([0.95, 0.818125 + 0.103125])
    # and the draws agree with it on average
    draws = np.array([draw_levels(chain, 2, Stream(7, r, "market:scenario"))
                      for r in range(20_000)])
    assert draws.mean(axis=0) == pytest.approx([0.95, 0.92125], abs=0.01)
    assert next_regime(chain, 0, 0.749) == 0
    assert next_regime(chain, 0, 0.75) == 1
    assert next_regime(chain, 1, 0.999) == 0


def test_the_gap_is_demand_times_the_import_share():
    _, _, daily = run_one(text(supply="import_share: {2024-01-01: 0.2, 2025-01-01: 0.6}"))
    gap = daily.gap[0]
    assert gap[0] == pytest.approx(1000 * (0.2 + 0.4 * 0.5 / 366))
    assert gap[182] == pytest.approx(1000 * (0.2 + 0.4 * 182.5 / 366))
    assert gap[366:] == pytest.approx(600.0)
    assert daily.supply[0, 400] == pytest.approx(400.0)


@pytest.mark.parametrize(("shift", "first", "last"), [
    (0.5, 1000 * (0.7 + 0.4 * 0.5 / 366), 1000.0),  # 0.6 + 0.5 clipped to 1
    (-0.3, 0.0, 300.0),  # 0.2 - 0.3 clipped to 0
    (0.1, 1000 * (0.3 + 0.4 * 0.5 / 366), 700.0),
])
def test_the_shift_moves_the_share_and_is_clipped_to_0_1(shift, first, last):
    _, record, daily = run_one(text(supply=(
        "import_share: {2024-01-01: 0.2, 2025-01-01: 0.6}\n"
        f"    import_share_shift: {shift}")))
    assert record.import_share_shifts == [shift]
    assert daily.gap[0, 0] == pytest.approx(first)
    assert daily.gap[0, -1] == pytest.approx(last)


def test_the_gap_grows_with_the_market_and_the_mix_shift():
    process = "demand_process: {kind: log_random_walk, start_year: 2025, drift: 0.1, volatility: 0}"
    supply = ("import_share: {2024-07-01: 0.3, 2025-07-01: 0.4}\n"
              "    import_share_shift: {dist: uniform, min: -0.1, max: 0.3}")
    plan, record, daily = run_one(text(process, supply))
    share = min(1.0, max(0.0, 0.4 + record.import_share_shifts[0]))
    assert daily.gap[0, -1] == pytest.approx(1000 * math.exp(0.2) * share)
    # planners: E[shift] = 0.1, E[level] at 2026-07-01 = e^0.2
    assert plan.components[0].expected_gap(912.0) == pytest.approx(1000 * math.exp(0.2) * 0.5)


def test_same_seed_same_market_and_other_draws_untouched():
    stable = text(supply="domestic_supply: {2024-01-01: 100}\n    demand_factor: "
                  "{dist: uniform, min: 0.9, max: 1.1}")
    # drift = -volatility^2 / 2 keeps E[level] at exactly 1, so the decisions stay too
    moving = text("demand_process: {kind: log_random_walk, start_year: 2025, drift: -0.125, "
                  "volatility: 0.5}",
                  supply="domestic_supply: {2024-01-01: 100}\n    demand_factor: "
                  "{dist: uniform, min: 0.9, max: 1.1}")
    plan = Plan.from_scenario(scenario_from(moving))
    first, again = simulate(plan, 3), simulate(plan, 3)
    assert first.market_levels == again.market_levels
    assert first.market_levels != simulate(plan, 4).market_levels
    assert plan.market is not None
    assert plan.market.expected.tolist() == [1.0, 1.0, 1.0]
    before = simulate(Plan.from_scenario(scenario_from(stable)), 3)
    assert before.market_levels == []
    assert before.demand_factors == first.demand_factors


@pytest.mark.parametrize(("extra", "words"), [
    ("demand_process: {kind: log_random_walk, start_year: 2025}", "needs volatility"),
    ("demand_process: {kind: log_random_walk, start_year: 2025, volatility: 0.1, "
     "initial: a}", "initial belongs to kind regimes"),
    ("demand_process: {kind: regimes, start_year: 2025, regimes: [{id: a, growth: 0}], "
     "transitions: {a: {a: 0.5}}}", "transitions from 'a' sum to 0.5, not 1"),
    ("demand_process: {kind: regimes, start_year: 2025, regimes: [{id: a, growth: 0}], "
     "transitions: {a: {b: 1}}}", "unknown regime 'b'"),
    ("demand_process: {kind: regimes, start_year: 2025, regimes: [{id: a, growth: 0}]}",
     "needs regimes and transitions"),
    ("demand_process: {kind: log_random_walk, start_year: 2030, volatility: 0.1}",
     "start_year 2030 is after the run's last year (2026)"),
    ("demand_process: {kind: log_random_walk, start_year: 2025, volatility: -0.1}",
     "volatility: must be >= 0"),
])
def test_bad_processes_are_refused(extra, words):
    with pytest.raises(ScenarioError, match="demand_process") as info:
        scenario_from(text(extra))
    assert words in str(info.value)


@pytest.mark.parametrize(("supply", "path", "words"), [
    ("domestic_supply: {2024-01-01: 100}\n    import_share: {2024-01-01: 0.5}",
     "components[0]", "not both"),
    ("import_share_shift: 0.1", "components[0]", "needs import_share"),
    ("import_share: {2024-01-01: 1.2}", "components[0].import_share[2024-01-01]", "<= 1"),
    ("import_share: {2024-01-01: -0.1}", "components[0].import_share[2024-01-01]", ">= 0"),
])
def test_bad_import_shares_are_refused(supply, path, words):
    with pytest.raises(ScenarioError) as info:
        scenario_from(text(supply=supply))
    (problem,) = info.value.problems
    assert problem.path == path
    assert words in problem.message


def test_a_variant_switches_a_component_from_domestic_supply_to_an_import_share(tmp_path):
    (tmp_path / "base.yaml").write_text(text(supply="domestic_supply: {2024-01-01: 100}"))
    (tmp_path / "variant.yaml").write_text(
        "extends: base.yaml\n"
        "components:\n"
        "  - id: c\n"
        "    domestic_supply: null\n"
        "    import_share: {2024-01-01: 0.25}\n")
    from simulator.scenario import load_scenario

    component = load_scenario(tmp_path / "variant.yaml").components[0]
    assert component.domestic_supply == {}
    assert list(component.import_share.values()) == [0.25]
