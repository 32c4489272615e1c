"""Stage 1 against hand-computed answers: fixed qualification delay, linear ramp."""

import pytest

from tests.model.helpers import day, run_one

SCENARIO = f"""
scenario: {{name: sharing, start: 2024-01-01, end: 2024-12-31}}
components:
  - {{id: ecu, name: ECU, unit_value: 10, demand: {{2024-01-01: 1000}}}}
  - {{id: none, name: No gap, unit_value: 10, demand: {{2024-01-01: 100}},
     domestic_supply: {{2024-01-01: 100}}}}
plants:
  - id: p
    name: Plant
    lines:
      - {{component: ecu, capacity: 1000, committed: 600}}
      - {{component: none, capacity: 1000, committed: 0}}
stages:
  sharing: {{start: {day(10)}, share: 0.5, qualification_days: 100, ramp_up_days: 50}}
"""


def test_offer_is_share_of_spare_capacity_after_qualification_and_linear_ramp():
    plan, record, daily = run_one(SCENARIO)
    # offer = 0.5 * (1000 - 600) = 200 units/yr, usable from t = 10 + 100, full at 160
    assert record.sources == [(0, 0, 0, 110.0, 50.0, 200.0)]
    served = daily.served[0, 0]
    assert served[109] == 0.0
    assert served[110] == pytest.approx(200 * 0.5 / 50)
    assert served[134] == pytest.approx(200 * 24.5 / 50)
    assert served[160] == pytest.approx(200.0)
    assert daily.shortfall[0, 200] == pytest.approx(800.0)


def test_component_without_a_gap_gets_no_offer():
    _, record, daily = run_one(SCENARIO)
    assert all(source[1] == 0 for source in record.sources)
    assert daily.available[0, 1].max() == 0.0
