"""Console tables of stages, compare and sweep: one sign convention (positive = earlier /
less shortfall than the reference), said in every header, intervals on every paired
difference, the currency named with money figures."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import pytest

from simulator.analysis.close_dates import close_times
from simulator.analysis.comparison import paired_differences, stage_gains
from simulator.analysis.cumulative import shortfall_totals
from simulator.display import compare_table, stage_gains_table, sweep_table

START, END = "2024-01-01", "2030-12-31"
N_DAYS = 2557
CONVENTION = "months earlier (+) / later (−) than"
SHARING, PLUS_MACHINES, ALL_THREE = (
    "sharing", "sharing+procurement", "sharing+procurement+investment")


@dataclass
class Result:
    """What the console tables read of an analysed `RunResult`: its analysis tables (made
    here by the analysis functions from `kpis`), input tables and labels."""

    kpis: pd.DataFrame
    extra: dict = field(default_factory=dict)
    meta: dict = field(default_factory=lambda: {"currency": "RUB"})
    scenario_dict: dict = field(default_factory=lambda: {
        "scenario": {"start": START, "end": END, "currency": "RUB"}})
    analysis: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        reference = self.variants()[0]
        self.analysis = {
            "differences": paired_differences(self.kpis, reference, None, N_DAYS,
                                              start_date=START),
            "close_times": close_times(self.kpis, N_DAYS),
            "shortfall_totals": shortfall_totals(self.kpis),
        }
        if SHARING in self.variants():
            self.analysis["stage_gains"] = stage_gains(self.kpis, N_DAYS, start_date=START)

    def variants(self) -> list[str]:
        return list(dict.fromkeys(self.kpis["variant"].astype(str)))


def kpis_table(close_days: dict[str, list[float | None]], values: dict[str, list[float]],
               components: tuple[str, ...] = ("all", "ecu")) -> pd.DataFrame:
    rows = []
    for variant, days in close_days.items():
        for r, day in enumerate(days):
            for component in components:
                rows.append({
                    "variant": variant, "replication": r, "component": component,
                    "closed": day is not None,
                    "close_day": math.nan if day is None else float(day),
                    "cumulative_shortfall": math.nan if component == "all"
                    else values[variant][r] / 100,
                    "cumulative_shortfall_value": values[variant][r],
                })
    return pd.DataFrame(rows)


@pytest.fixture
def stages() -> Result:
    kpis = pd.concat([
        kpis_table({SHARING: [None] * 3, PLUS_MACHINES: [400] * 3, ALL_THREE: [300] * 3},
                   {SHARING: [100e9, 200e9, 300e9], PLUS_MACHINES: [50e9, 150e9, 200e9],
                    ALL_THREE: [40e9, 140e9, 190e9]}),
        kpis_table({v: [50] * 3 for v in (SHARING, PLUS_MACHINES, ALL_THREE)},
                   {v: [0.0] * 3 for v in (SHARING, PLUS_MACHINES, ALL_THREE)},
                   components=("tyres",)),
    ], ignore_index=True)
    return Result(kpis)


def row(table: pd.DataFrame, **where: str) -> pd.Series:
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column] == value
    assert mask.sum() == 1
    return table[mask].iloc[0]


def test_stage_gains_table_by_hand(stages):
    table = stage_gains_table(stages)
    months = f"{CONVENTION} without the stage (95% CI)"
    money = "shortfall value removed, RUB (95% CI)"
    assert list(table.columns) == ["component", "stage added", months,
                                   "closed by end: without → with", money]
    assert table["component"].tolist()[:2] == ["all", "ecu"]
    machines = row(table, component="ecu", **{"stage added": "procurement"})
    # never closed (= N) against day 400 in every future: (2557 − 400) / 30.4375 = 70.87
    assert machines[months] == "+70.9 (+70.9 to +70.9)"
    assert machines["closed by end: without → with"] == "0% → 100%"
    # removed 50, 50, 100 bn: mean 66.7, t(0.975, 2) = 4.303 → −5.04 to 138 bn
    assert machines[money] == "66.7 bn (−5.04 bn to 138 bn)"
    plants = row(table, component="all", **{"stage added": "investment"})
    assert plants[months] == "+3.3 (+3.3 to +3.3)"  # 100 days earlier
    assert row(table, component="tyres", **{"stage added": "procurement"})[months] == \
        "0 — already closed by sharing"


def test_the_analysis_table_is_read_as_it_is(stages):
    stages.analysis["stage_gains"]["earlier_months"] = 99.0
    table = stage_gains_table(stages)
    assert table.iloc[1, 2].startswith("+99.0 (")


def test_compare_table_later_is_negative_and_every_header_says_so():
    kpis = kpis_table({"base": [300, 400, 500], "slower": [330, 430, 560]},
                      {"base": [10e9, 20e9, 30e9], "slower": [12e9, 22e9, 35e9]})
    table = compare_table(Result(kpis))
    months = f"{CONVENTION} base (95% CI)"
    money = "shortfall value removed vs base, RUB (95% CI)"
    assert list(table.columns) == ["variant", "P(closed by end)", "mean shortfall value, RUB",
                                   months, money]
    assert table[months].tolist()[0] == table[money].tolist()[0] == "reference"
    # base − slower: −30, −30, −60 days = −1.0, −1.0, −2.0 months → mean −1.3 (later)
    slower = table.iloc[1]
    assert slower[months].startswith("−1.3 (−")
    assert slower[money].startswith("−3 bn (")  # −2, −2, −5 bn: more shortfall
    assert slower["mean shortfall value, RUB"] == "23 bn"


def test_sweep_table_pairs_each_point_with_the_first_with_intervals():
    kpis = kpis_table({"point-000": [None, None, None], "point-001": [400, 700, None]},
                      {"point-000": [9e6, 9e6, 9e6], "point-001": [5e6, 7e6, 9e6]})
    points = pd.DataFrame({"variant": ["point-000", "point-001"],
                           "stages.procurement.suppliers[cn_cnc].slots": [2, 4]})
    table = sweep_table(Result(kpis, extra={"points": points}))
    months = f"{CONVENTION} the first point (95% CI)"
    money = "shortfall value removed vs the first point, RUB (95% CI)"
    assert [c for c in table.columns if CONVENTION in c or "removed" in c] == [months, money]
    assert table[months].iloc[0] == "reference"
    # (2557 − 400) and (2557 − 700) days, and 0: a mean with a real interval
    mean = (2157 + 1857) / 3 / (365.25 / 12)
    assert table[months].iloc[1].startswith(f"+{mean:.1f} (")
    assert " to " in table[months].iloc[1]
    assert table[money].iloc[1].startswith("2 m (")  # 4, 2, 0 m removed
    assert table.attrs["console_headers"] == {  # the short headers are kept
        "stages.procurement.suppliers[cn_cnc].slots": "suppliers [cn_cnc] slots"}


def test_one_convention_in_every_table(stages):
    points = pd.DataFrame({"variant": stages.variants(), "x": [1, 2, 3]})
    tables = [stage_gains_table(stages), compare_table(stages),
              sweep_table(Result(stages.kpis, extra={"points": points}))]
    for table in tables:
        headers = [c for c in table.columns if c.startswith(CONVENTION)]
        assert len(headers) == 1 and headers[0].endswith("(95% CI)")
        assert all("RUB" in c for c in table.columns if "value" in c)


def test_compare_table_says_how_much_later_new_plants_produce():
    from simulator.analysis.plants import plant_differences

    kpis = kpis_table({"base": [300, 400, 500], "tight": [330, 430, 560]},
                      {"base": [10e9, 20e9, 30e9], "tight": [12e9, 22e9, 35e9]})
    # plants start producing on days 700, 800, 900 (base) and 730.5, 860.5, 930.5 (tight):
    # +30.5, +60.5, +30.5 days later -> mean 40.5 days = 1.33 months
    start = {("base", r): d for r, d in enumerate((700, 800, 900))}
    start |= {("tight", r): d for r, d in enumerate((730.5, 860.5, 930.5))}
    kpis["plant_start_day_mean"] = [start[(v, r)] for v, r in zip(
        kpis["variant"], kpis["replication"], strict=True)]
    result = Result(kpis)
    result.analysis["plant_differences"] = plant_differences(kpis, "base")
    table = compare_table(result)
    column = "new plants produce, months later than base (95% CI)"
    assert table[column].tolist()[0] == "reference"
    assert table[column].tolist()[1].startswith("+1.3 (")
