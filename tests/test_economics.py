"""Economic value (issue 10, item 5) against hand-computed answers: a one-project case's
NPV, IRR and payback, deflation of nominal capex by the price index, the cases where IRR
and payback are undefined, refused input, and that a scenario without economics keeps
every column and draw it had."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.economics import internal_rate, payback_years, present_value
from simulator.evaluate import Grid, evaluate
from simulator.model import simulate
from simulator.model.world import Plan
from simulator.scenario import ScenarioError
from simulator.tables import replication_tables
from tests.model.helpers import scenario_from

YEAR = 365.25
N_DAYS = 731  # 2024-01-01 to 2025-12-31: 366 + 365 days
MARGIN = 100.0  # import price 150 − domestic unit cost 50, per unit
BUILD = 100  # the plant serves from day 100 on


def q(rate: float) -> float:
    """The one-day discount factor at a yearly rate: (1 + r)^(−1/365.25)."""
    return (1.0 + rate) ** (-1.0 / YEAR)


def capex_for_irr(irr: float) -> float:
    """The capex, paid on day 0, at which the one-project case's IRR is `irr`: the present
    value at `irr` of 100 a day over days 100..730, moved to day 0's weight q^0.5."""
    x = q(irr)
    return MARGIN * x ** BUILD * (1 - x ** (N_DAYS - BUILD)) / (1 - x)


def one_project(capex: float, *, rate: float = 0.1, project: str = "",
                index: str = "") -> str:
    """One component (demand 1,000 a year, no domestic supply; import price 150, domestic
    unit cost 50) and one plant of 365.25 units a year (one unit a day), paid in full
    on its start at day 0, built in 100 days, no ramp-up; nothing random."""
    return f"""
    scenario: {{name: econ, start: 2024-01-01, end: 2025-12-31, currency: RUB,
               price_year: 2024, replications: 1}}
    components:
      - {{id: ecu, name: ECU, unit_value: 100, demand: {{2024-01-01: 1000}},
         import_price: 150, domestic_unit_cost: 50}}
    stages:
      investment:
        budget: 1.0e9
        projects:
          - {{id: p1, component: ecu, capacity: 365.25, capex: {capex!r}, upfront_share: 1,
             build_days: {BUILD} {project}}}
    economics: {{real_discount_rate: {rate} {index}}}
    """


def run_tables(text: str, replication: int = 0) -> dict[str, dict]:
    plan = Plan.from_scenario(scenario_from(text))
    grid = Grid.from_plan(plan)
    record = simulate(plan, replication)
    return replication_tables(plan, grid, record, evaluate(grid, record))


def overall(tables: dict[str, dict], column: str) -> float:
    return float(np.asarray(tables["kpis"][column], dtype=float)[-1])


def test_one_project_npv_irr_and_payback_by_hand():
    """Flows: −K on day 0; +100 a day (one unit at a margin of 150 − 50) on days 100..730
    (631 days). With q = 1.1^(−1/365.25) and day d weighed q^(d + 0.5):

    NPV = −K q^0.5 + 100 q^100.5 (1 − q^631) / (1 − q).

    K is chosen as the present value at 25% of the inflows, moved to day 0
    (`capex_for_irr(0.25)`), so the IRR is 25% exactly.

    Payback (discounted at 10%, from day 0, the first outflow): the cumulative flow after
    day P ≥ 100 is −K q^0.5 + 100 q^100.5 (1 − q^(P − 99)) / (1 − q), first ≥ 0 for
    n = P − 99 = ceil(ln(1 − K (1 − q) / (100 q^100)) / ln q); it stays ≥ 0 (only inflows
    follow), so the payback is (P − 0 + 1) / 365.25 = (100 + n) / 365.25 years.
    """
    k = capex_for_irr(0.25)
    tables = run_tables(one_project(k))
    x = q(0.1)
    npv = -k * x ** 0.5 + MARGIN * x ** 100.5 * (1 - x ** 631) / (1 - x)
    n = math.ceil(math.log(1 - k * (1 - x) / (MARGIN * x ** 100)) / math.log(x))
    for suffix in ("_investment", ""):
        assert overall(tables, f"economic_npv{suffix}") == pytest.approx(npv, rel=1e-9)
        assert overall(tables, f"irr{suffix}") == pytest.approx(0.25, rel=1e-9)
        assert overall(tables, f"payback_years{suffix}") == pytest.approx((100 + n) / YEAR,
                                                                        rel=1e-9)
        assert overall(tables, f"import_substitution_value{suffix}") == pytest.approx(
            631 * MARGIN, rel=1e-9)
        assert overall(tables, f"operating_cost{suffix}") == pytest.approx(631 * 50.0,
                                                                         rel=1e-9)
        assert overall(tables, f"capex_real{suffix}") == pytest.approx(k, rel=1e-12)
    project = {key: values[0] for key, values in tables["projects"].items()}
    assert project["project"] == "p1" and project["started"]
    assert project["usable_day"] == BUILD and project["served"] == pytest.approx(631.0)
    assert project["economic_npv"] == pytest.approx(npv, rel=1e-9)
    assert project["irr"] == pytest.approx(0.25, rel=1e-9)
    assert project["payback_years"] == pytest.approx((100 + n) / YEAR, rel=1e-9)
    # stage 1 and 2 are off: no value, no capex, no IRR, no payback
    assert overall(tables, "economic_npv_sharing") == 0.0
    assert math.isnan(overall(tables, "irr_sharing"))
    assert math.isnan(overall(tables, "payback_years_procurement"))


def test_nominal_capex_is_deflated_by_the_index_of_its_year():
    """A plant started on 2025-01-01 (day 366) pays 50,000 nominal; with the index 100 in
    2024 (the price year) and 125 in 2025 that is 50,000 × 100 / 125 = 40,000 at 2024
    prices. Served from day 466 to 730 (265 days) at 100 a day:
    NPV = −40,000 q^366.5 + 100 q^466.5 (1 − q^265) / (1 − q) at 10%."""
    text = one_project(50_000, project=", earliest_start: 2025-01-01",
                       index=", money_terms: nominal, price_index: {2024: 100, 2025: 125}")
    tables = run_tables(text)
    x = q(0.1)
    assert overall(tables, "capex_real_investment") == pytest.approx(40_000, rel=1e-12)
    assert overall(tables, "capex_spent_investment") == 50_000  # SPEC's column: as given
    npv = -40_000 * x ** 366.5 + MARGIN * x ** 466.5 * (1 - x ** 265) / (1 - x)
    assert overall(tables, "economic_npv") == pytest.approx(npv, rel=1e-9)


def test_not_paid_back_and_no_irr_in_the_bracket_when_capex_is_too_large():
    # 1e9 against at most 63,100 of value: never paid back; even at −90% a year the
    # inflows weigh at most 10^2 times more, so no root in [−0.9, 10]
    tables = run_tables(one_project(1.0e9))
    assert math.isnan(overall(tables, "payback_years"))
    assert math.isnan(overall(tables, "irr"))
    assert overall(tables, "economic_npv") < 0


def test_sharing_has_no_capex_so_no_irr_and_no_payback():
    text = """
    scenario: {name: econ, start: 2024-01-01, end: 2024-12-31, replications: 1}
    components:
      - {id: ecu, name: ECU, unit_value: 100, demand: {2024-01-01: 1000},
         import_price: 150, domestic_unit_cost: 50}
    plants:
      - {id: p, name: P, lines: [{component: ecu, capacity: 365.25, committed: 0}]}
    stages:
      sharing: {share: 1}
    economics: {real_discount_rate: 0}
    """
    tables = run_tables(text)
    # one unit a day for 366 days at a margin of 100, undiscounted
    assert overall(tables, "economic_npv_sharing") == pytest.approx(36_600, rel=1e-12)
    assert math.isnan(overall(tables, "irr_sharing"))
    assert math.isnan(overall(tables, "payback_years_sharing"))
    dearer = text.replace("domestic_unit_cost: 50", "domestic_unit_cost: 250")
    tables = run_tables(dearer)  # every day a loss: nothing ever pays back
    assert overall(tables, "economic_npv_sharing") == pytest.approx(-36_600, rel=1e-12)
    assert math.isnan(overall(tables, "irr_sharing"))
    assert math.isnan(overall(tables, "payback_years_sharing"))


def test_irr_and_payback_on_flows_by_hand():
    flows = np.zeros(800)
    flows[0], flows[730] = -100.0, 121.0  # 121 after 730 days ≈ 2 years
    # PV(r) = −100 (1+r)^(−0.5/365.25) + 121 (1+r)^(−730.5/365.25) = 0
    # ⇔ (1+r)^(730/365.25) = 1.21
    assert internal_rate(flows) == pytest.approx(1.21 ** (YEAR / 730) - 1, rel=1e-9)
    assert payback_years(flows, 0.0) == pytest.approx(731 / YEAR)
    assert present_value(flows, 0.0) == pytest.approx(21.0)
    assert math.isnan(internal_rate(np.full(10, 1.0)))  # no outflow
    assert math.isnan(internal_rate(np.full(10, -1.0)))  # no inflow
    assert math.isnan(payback_years(np.full(10, 1.0), 0.1))  # nothing to pay back
    dip = np.array([5.0, -10.0, 3.0, 3.0, 3.0, 3.0])  # cumulative 5, −5, −2, 1, 4, 7
    assert payback_years(dip, 0.0) == pytest.approx(3 / YEAR)  # days 1..3


def test_a_price_range_is_drawn_once_per_replication_from_its_own_stream():
    text = one_project(capex_for_irr(0.25)).replace(
        "import_price: 150", "import_price: {dist: uniform, min: 100, max: 200}")
    values = {overall(run_tables(text, r), "import_substitution_value") for r in range(3)}
    assert len(values) == 3  # a different price in each replication


def test_absent_economics_leaves_every_column_and_draw_as_it_was():
    base = """
    scenario: {name: plain, start: 2024-01-01, end: 2026-12-31, seed: 3, currency: RUB,
               price_year: 2024}
    components:
      - {id: ecu, name: ECU, unit_value: 100, demand: {2024-01-01: 1000},
         demand_factor: {dist: uniform, min: 0.8, max: 1.2}}
    plants:
      - {id: p, name: P, lines: [{component: ecu, capacity: 600, committed: 300,
         mtbf_days: 60, repair_days: {dist: exponential, mean: 5}, machine_capacity: 50,
         machine_cost: 1000, max_machines: 4}]}
    stages:
      sharing: {share: 0.5, qualification_days: {dist: uniform, min: 10, max: 90}}
      procurement:
        budget: 3000
        suppliers: [{id: s, slots: 1, lead_time_days: {dist: uniform, min: 50, max: 150}}]
      investment:
        budget: 1.0e6
        projects:
          - {id: p1, component: ecu, capacity: 200, capex: 5000, upfront_share: 0.2,
             build_days: {dist: uniform, min: 100, max: 300}}
    """
    priced = base.replace("demand_factor:", "import_price: {dist: uniform, min: 100, max: "
                          "200}, domestic_unit_cost: 40, demand_factor:").rstrip() + (
        "\n    economics: {real_discount_rate: 0.1}\n")
    for r in range(3):
        plain, extended = run_tables(base, r), run_tables(priced, r)
        assert "projects" not in plain and "projects" in extended
        for name, columns in plain.items():
            new = extended[name]
            assert list(new)[:len(columns)] == list(columns)
            for key, values in columns.items():
                np.testing.assert_array_equal(np.asarray(new[key]), np.asarray(values),
                                              err_msg=f"{name}.{key}")
        added = set(extended["kpis"]) - set(plain["kpis"])
        assert added and all(c.startswith(("import_substitution_value", "operating_cost",
                                           "capex_real", "economic_npv", "irr",
                                           "payback_years")) for c in added)


BAD = """
scenario: {name: bad, start: 2024-01-01, end: 2025-12-31, price_year: 2024}
components:
  - {id: a, name: A, unit_value: 1, demand: {2024-01-01: 10}, IMPORT}
  - {id: b, name: B, unit_value: 1, demand: {2024-01-01: 10}, import_price: 5,
     domestic_unit_cost: 2}
ECONOMICS
"""


@pytest.mark.parametrize(("importing", "economics", "wanted"), [
    ("import_price: -5, domestic_unit_cost: 2", "economics: {real_discount_rate: 0.1}",
     "components[0].import_price: must be >= 0"),
    ("import_price: 5", "economics: {real_discount_rate: 0.1}",
     "components[0].domestic_unit_cost: is required"),
    ("import_price: 5, domestic_unit_cost: 2", "",
     "economics: is required when components give import_price"),
    ("import_price: 5, domestic_unit_cost: 2", "economics: {money_terms: real}",
     "economics.real_discount_rate"),
    ("import_price: 5, domestic_unit_cost: 2",
     "economics: {real_discount_rate: 0.1, money_terms: nominal, price_index: {2025: 110}}",
     "missing: 2024"),
    ("import_price: 5, domestic_unit_cost: 2",
     "economics: {real_discount_rate: 0.1, price_index: {2024: 100, 2025: 110}}",
     "used only with money_terms: nominal"),
    ("import_price: 5, domestic_unit_cost: 2",
     "economics: {real_discount_rate: 0.1, money_terms: nominal, price_index: {2024: 100, "
     "2025: 0}}", "price_index values must be > 0"),
    ("import_price: 5, domestic_unit_cost: 2",
     "economics: {real_discount_rate: 0.1, discount: 0.1}", "economics.discount"),
])
def test_bad_economic_input_is_refused_with_its_field(importing, economics, wanted):
    text = BAD.replace("IMPORT", importing).replace("ECONOMICS", economics)
    with pytest.raises(ScenarioError) as err:
        scenario_from(text)
    assert wanted in str(err.value)


def test_nominal_money_needs_a_price_year():
    text = BAD.replace("IMPORT", "import_price: 5, domestic_unit_cost: 2").replace(
        "ECONOMICS", "economics: {real_discount_rate: 0.1, money_terms: nominal, "
                     "price_index: {2024: 100, 2025: 110}}").replace(", price_year: 2024", "")
    with pytest.raises(ScenarioError) as err:
        scenario_from(text)
    assert "scenario.price_year: is required with economics.money_terms: nominal" in str(
        err.value)


def test_a_run_with_economics_shows_npv_irr_and_payback_per_stage(tmp_path, capsys):
    """The minimal scenario with prices: the console table, summary.json, the report's
    first screen and the projects table all carry the economic value per stage."""
    import json
    from pathlib import Path

    from simulator.cli import main
    from simulator.results import read_results

    text = Path("tests/scenario/good/minimal.yaml").read_text().replace(
        "    unit_value: 350\n",
        "    unit_value: 350\n    import_price: {dist: uniform, min: 300, max: 400}\n"
        "    domestic_unit_cost: 200\n") + "economics: {real_discount_rate: 0.1}\n"
    scenario = tmp_path / "priced.yaml"
    scenario.write_text(text)
    out = tmp_path / "run"
    assert main(["run", str(scenario), "-n", "4", "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "econ. NPV" in printed and "sharing" in printed and "undefined" in printed
    summary = json.loads((out / "summary.json").read_text())
    stages = summary["economics"]["stages"]
    assert set(stages) == {"sharing", "procurement", "investment", "all"}
    assert stages["all"]["economic_npv"]["n"] == 4
    assert stages["sharing"]["irr"]["n"] == 0  # no capex: never defined
    report = (out / "report.html").read_text()
    first_screen = report[report.find("What does it cost"):report.find("Further findings")]
    assert "Economic NPV of import substitution" in first_screen
    result = read_results(out)
    assert result.projects is not None and set(result.projects["project"]) == {"ecu_plant"}
    kpis = result.kpis[result.kpis["component"] == "all"]
    assert np.isfinite(kpis["economic_npv_investment"]).all()


def test_without_capex_there_is_no_irr_even_when_the_flows_change_sign():
    """Sharing two components, one dearer at home (a loss of 50 a day) from day 0, one
    cheaper (a gain of 100 a day) only from day 10: the flows change sign, but nothing is
    invested, so IRR and payback are undefined; the NPV is 100 × 356 − 50 × 366."""
    text = """
    scenario: {name: econ, start: 2024-01-01, end: 2024-12-31, replications: 1}
    components:
      - {id: a, name: A, unit_value: 1, demand: {2024-01-01: 1000}, qualification_days: 0,
         import_price: 100, domestic_unit_cost: 150}
      - {id: b, name: B, unit_value: 1, demand: {2024-01-01: 1000}, qualification_days: 10,
         import_price: 150, domestic_unit_cost: 50}
    plants:
      - {id: p, name: P, lines: [{component: a, capacity: 365.25},
                                  {component: b, capacity: 365.25}]}
    stages:
      sharing: {share: 1}
    economics: {real_discount_rate: 0}
    """
    tables = run_tables(text)
    assert overall(tables, "economic_npv_sharing") == pytest.approx(100 * 356 - 50 * 366)
    assert math.isnan(overall(tables, "irr_sharing"))
    assert math.isnan(overall(tables, "payback_years_sharing"))
