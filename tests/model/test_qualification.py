"""Qualification that can fail (issue 10, item 2) against hand-computed answers: the
attempts of one offer, the share given up over many futures, and what a given-up offer
or plant leaves in the run's tables."""

import numpy as np
import pytest

from simulator.evaluate import Grid
from simulator.model.qualification import qualify
from simulator.model.streams import Stream
from simulator.scenario import load_scenario_text
from simulator.tables import kpi_columns
from tests.model.helpers import events, run_one


def component(p: float, retry: float = 30, attempts: int = 3):
    text = f"""
scenario: {{name: q, start: 2024-01-01, end: 2024-12-31}}
components:
  - {{id: a, name: A, unit_value: 1, demand: {{2024-01-01: 100}},
     qualification_failure_probability: {p}, qualification_retry_days: {retry},
     qualification_attempts: {attempts}}}
plants: []
"""
    return load_scenario_text(text, name="<test>").components[0]


class Uniforms:
    """A stream that gives the uniforms it is told to."""

    def __init__(self, values: list[float]) -> None:
        self.values = list(values)

    def next(self) -> float:
        return self.values.pop(0)


def test_a_failed_first_attempt_is_retried_after_the_retry_delay():
    # attempt 1 at day 100: 0.2 < 0.5 fails; attempt 2 at day 130: 0.7 >= 0.5 succeeds
    outcome = qualify(100.0, component(0.5), Uniforms([0.2, 0.9, 0.7, 0.9]))
    assert (outcome.usable, outcome.given_up, outcome.failures) == (130.0, None, (100.0,))


def test_after_the_last_failed_attempt_the_offer_is_given_up():
    outcome = qualify(100.0, component(0.5), Uniforms([0.1, 0.5, 0.1, 0.5, 0.1, 0.5]))
    assert outcome.usable is None
    assert outcome.given_up == 160.0  # days 100, 130, 160
    assert outcome.failures == (100.0, 130.0, 160.0)


def test_over_many_futures_the_share_given_up_is_p_to_the_attempts():
    # p = 0.3, two attempts: given up with probability 0.09; qualified at once with 0.7,
    # after one retry (30 days) with 0.21: mean delay of the qualified 30 * 0.21 / 0.91
    n = 20_000
    spec = component(0.3, retry=30, attempts=2)
    outcomes = [qualify(0.0, spec, Stream(7, r, "qualifying:x")) for r in range(n)]
    given_up = np.mean([o.usable is None for o in outcomes])
    assert abs(given_up - 0.09) < 4 * np.sqrt(0.09 * 0.91 / n)
    delays = np.array([o.usable for o in outcomes if o.usable is not None])
    assert delays.mean() == pytest.approx(30 * 0.21 / 0.91, abs=4 * 30 * 0.42 / np.sqrt(n))


ALWAYS_FAILS = 0.999999  # a uniform above it is a one-in-a-million event


def sharing_scenario(p: float) -> str:
    return f"""
scenario: {{name: q, start: 2024-01-01, end: 2024-12-31}}
components:
  - {{id: a, name: A, unit_value: 2, demand: {{2024-01-01: 1000}},
     qualification_failure_probability: {p}, qualification_retry_days: 30}}
plants:
  - id: p
    name: Plant
    lines:
      - {{id: la, component: a, capacity: 1000, committed: 600}}
stages:
  sharing: {{share: 0.5, qualification_days: 100}}
"""


def test_a_shared_offer_that_never_qualifies_serves_nothing_and_is_counted():
    plan, record, daily = run_one(sharing_scenario(ALWAYS_FAILS))
    # offer 0.5 * (1000 - 600) = 200; attempts end on days 100, 130, 160: given up on 160
    assert [e[0] for e in events(record, "qualification_failed")] == [100.0, 130.0, 160.0]
    assert [e[0] for e in events(record, "qualification_given_up")] == [160.0]
    assert events(record, "offer_qualified") == []
    assert daily.served[0].max() == 0.0
    cols = kpi_columns(plan, Grid.from_plan(plan), record, daily)
    assert cols["capacity_offered_sharing"][0] == 200.0
    assert cols["capacity_never_qualified_sharing"][0] == 200.0
    assert cols["never_qualified_value"][-1] == 400.0  # 200 units x value 2
    assert cols["offered_value"][-1] == 400.0


def test_without_failures_the_offer_is_usable_after_its_qualification_days():
    plan, record, daily = run_one(sharing_scenario(0))
    assert [e[0] for e in events(record, "offer_qualified")] == [100.0]
    cols = kpi_columns(plan, Grid.from_plan(plan), record, daily)
    assert cols["capacity_never_qualified_sharing"][0] == 0.0
    assert cols["capacity_offered_sharing"][0] == 200.0


def test_a_new_plant_that_never_qualifies_serves_nothing():
    text = f"""
scenario: {{name: q, start: 2024-01-01, end: 2025-12-31}}
components:
  - {{id: a, name: A, unit_value: 1, demand: {{2024-01-01: 1000}},
     qualification_failure_probability: {ALWAYS_FAILS}, qualification_retry_days: 30,
     qualification_attempts: 2}}
plants: []
stages:
  investment:
    tranches: [{{date: 2024-01-01, amount: 100}}]
    projects:
      - {{id: plant, component: a, capacity: 500, capex: 10, upfront_share: 1,
         build_days: 100}}
"""
    plan, record, daily = run_one(text)
    assert [e[0] for e in events(record, "project_finished")] == [100.0]
    assert [e[0] for e in events(record, "qualification_given_up")] == [130.0]
    assert daily.served[2].max() == 0.0
    cols = kpi_columns(plan, Grid.from_plan(plan), record, daily)
    assert cols["capacity_offered_investment"][0] == 500.0
    assert cols["capacity_never_qualified_investment"][0] == 500.0
