"""Small scenarios written inline and run for one replication, for mechanism tests."""

from __future__ import annotations

import datetime as dt
import textwrap

from simulator.evaluate import Daily, Grid, evaluate
from simulator.model import simulate
from simulator.model.record import Record
from simulator.model.world import Plan
from simulator.scenario import load_scenario_text

START = dt.date(2024, 1, 1)


def day(n: int) -> str:
    """The ISO date n days after the test scenarios' start."""
    return (START + dt.timedelta(days=n)).isoformat()


def scenario_from(text: str):
    return load_scenario_text(textwrap.dedent(text), name="<test>")


def run_one(text: str, replication: int = 0) -> tuple[Plan, Record, Daily]:
    plan = Plan.from_scenario(scenario_from(text))
    record = simulate(plan, replication)
    return plan, record, evaluate(Grid.from_plan(plan), record)


def events(record: Record, kind: str) -> list[tuple]:
    return [e for e in record.events if e[1] == kind]
