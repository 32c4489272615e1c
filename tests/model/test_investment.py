"""Stage 3 against hand-computed answers: upfront, continuous draw, pause and resume."""

import pytest

from tests.model.helpers import day, events, run_one

SCENARIO = f"""
scenario: {{name: investment, start: 2024-01-01, end: 2024-12-31}}
components:
  - {{id: a, name: Part A, unit_value: 1, demand: {{2024-01-01: 10000}}}}
plants: []
stages:
  investment:
    tranches:
      - {{id: t1, date: 2024-01-01, amount: 600}}
      - {{id: t2, date: {day(200)}, amount: 1000}}
    projects:
      - {{id: plant, component: a, capacity: 500, capex: 1000, upfront_share: 0.2,
         preparation_days: 10, build_days: 100, ramp_up_days: 0}}
"""


def test_build_pauses_when_money_runs_dry_and_resumes_at_next_tranche():
    _, record, daily = run_one(SCENARIO)
    # t=0: start, upfront 200 -> balance 400; building from t=10 draws 800/100 = 8 a day;
    # dry at 10 + 400/8 = 60 with 50 build-days left; resumes at 200; finishes at 250
    assert [e[0] for e in events(record, "project_started")] == [0.0]
    assert [e[0] for e in events(record, "project_paused")] == [pytest.approx(60.0)]
    assert [e[0] for e in events(record, "project_resumed")] == [200.0]
    assert [e[0] for e in events(record, "project_finished")] == [pytest.approx(250.0)]
    assert record.paused_build_days == pytest.approx(140.0)
    spent = sum(m[4] for m in record.money if m[0] == 2 and m[1] == "spent")
    assert spent == pytest.approx(1000.0)
    assert record.unspent[2] == pytest.approx(600.0)
    assert daily.available[2, 0, 249] == 0.0 and daily.available[2, 0, 250] == 500.0


def test_project_under_way_draws_only_the_rest():
    text = SCENARIO.replace("ramp_up_days: 0}", "ramp_up_days: 0, progress_at_start: 0.5}")
    _, record, _ = run_one(text)
    # starts at t=0 with no upfront and no preparation: 500 drawn at 10/day over 50 days
    assert record.capex_before_start == pytest.approx(500.0)
    assert [e[0] for e in events(record, "project_finished")] == [pytest.approx(50.0)]
    spent = sum(m[4] for m in record.money if m[0] == 2 and m[1] == "spent")
    assert spent == pytest.approx(500.0)


def test_candidate_the_budget_cannot_pay_is_skipped_not_waited_for():
    text = SCENARIO.replace(
        "    projects:\n",
        "    policy: listed_order\n    projects:\n"
        "      - {id: big, component: a, capacity: 500, capex: 10000, upfront_share: 0.5,\n"
        "         build_days: 100}\n")
    _, record, _ = run_one(text)
    started = [e[3] for e in events(record, "project_started")]
    assert started[0] == "plant"
