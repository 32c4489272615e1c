"""Values that were taken silently in a sense the author did not mean (issue 8, section 6).

One date spelled two ways in `demand` kept only the last value; `2024-1-1` passed as a
date although SPEC.md writes dates ISO; YAML 1.1 read `1:30` as 90 (base 60) and `010` as
8 (octal). Dates are now ISO and given once, and numbers are read as YAML 1.2 reads them:
`010` is 10, `1:30` is text (refused where a number is expected).
"""

from __future__ import annotations

import datetime as dt

import pytest

from simulator.scenario import load_scenario, load_scenario_text
from simulator.scenario.checks import run_checks
from simulator.scenario.yaml_loader import parse_yaml
from tests.scenario.limit_helpers import TINY, bent, only, refused

# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("field", ["demand", "domestic_supply"])
@pytest.mark.parametrize("second", ['"2024-01-01"', "'2024-01-01'", '" 2024-01-01"'])
def test_one_date_given_twice_however_spelled_is_refused(field, second):
    old = f"{field}: {{2024-01-01: {'1000' if field == 'demand' else '100'}}}"
    text = bent(old, f"{field}: {{2024-01-01: 7, {second}: 9}}")
    problem = only(refused(text))
    line = 7 if field == "demand" else 8
    assert problem.path.startswith(f"components[0].{field}[") and problem.line == line
    assert f"date 2024-01-01 is given twice (as 2024-01-01 at line {line} and as" in \
        problem.message


def test_a_non_iso_date_is_refused_with_the_iso_spelling():
    problem = only(refused(bent("demand: {2024-01-01: 1000}", "demand: {2024-1-1: 1000}")))
    assert problem.path == "components[0].demand[2024-1-1]"
    assert "write dates as YYYY-MM-DD (ISO): 2024-01-01, not '2024-1-1'" in problem.message


def test_a_non_iso_date_beside_its_iso_twin_is_a_date_given_twice():
    problem = only(refused(bent("demand: {2024-01-01: 1000}",
                                "demand: {2024-01-01: 1000, 2024-1-1: 5}")))
    assert problem.path == "components[0].demand[2024-1-1]"
    assert "date 2024-01-01 is given twice" in problem.message


def test_a_variant_overrides_a_date_however_either_file_spells_it(tmp_path):
    (tmp_path / "base.yaml").write_text(TINY)
    (tmp_path / "variant.yaml").write_text(
        "extends: base.yaml\ncomponents:\n  - id: a\n    demand: {'2024-01-01': 1200}\n")
    demand = load_scenario(tmp_path / "variant.yaml").components[0].demand
    assert demand == {dt.date(2024, 1, 1): 1200.0}


def test_dates_given_twice_in_a_tree_built_in_python_are_refused():
    raw = {"components": [{"id": "a", "demand": {dt.date(2024, 1, 1): 1, "2024-01-01": 2}}]}
    ((loc, message),) = run_checks(raw)
    assert loc == ("components", 0, "demand", "2024-01-01") and "given twice" in message


def test_a_non_iso_date_field_is_refused():
    problem = refused(bent("start: 2024-01-01", "start: 2024-1-01"))[0]  # stages inherit it
    assert problem.path == "scenario.start" and "(ISO): 2024-01-01," in problem.message


def test_distinct_dates_are_kept():
    text = bent("demand: {2024-01-01: 1000}", 'demand: {2024-01-01: 1000, "2024-06-01": 1500}')
    demand = load_scenario_text(text).components[0].demand
    assert demand == {dt.date(2024, 1, 1): 1000.0, dt.date(2024, 6, 1): 1500.0}


# --------------------------------------------------------------------------- YAML 1.2 numbers


@pytest.mark.parametrize("written, read", [
    ("010", 10), ("-007", -7), ("0o17", 15), ("0x1F", 31), ("1_000", 1000),
    ("1:30", "1:30"), ("-1:30", "-1:30"), ("1:30.5", "1:30.5"), ("0b101", "0b101"),
    ("010.5", 10.5), ("1e3", 1000.0), (".5", 0.5), ("0", 0),
])
def test_numbers_are_read_as_yaml_1_2_reads_them(written, read):
    problems: list = []
    value = parse_yaml(f"x: {written}\n", "t.yaml", problems)
    assert problems == []
    assert value["x"] == read and type(value["x"]) is type(read)


def test_a_leading_zero_is_decimal_not_octal():
    scenario = load_scenario_text(bent("replications: 2", "replications: 010"))
    assert scenario.scenario.replications == 10


def test_a_base_60_number_is_refused_where_a_number_is_expected():
    problem = only(refused(bent("replications: 2", "replications: 1:30")))
    assert problem.path == "scenario.replications"
    assert "expected a whole number, got '1:30'" in problem.message
    problem = only(refused(bent("review_days: 30\n    tranches",
                                "review_days: 1:30\n    tranches")))
    assert problem.path == "stages.investment.review_days" and "'1:30'" in problem.message


def test_a_base_60_text_stays_text_where_text_is_expected():
    scenario = load_scenario_text(bent("name: tiny", "name: 1:30"))
    assert scenario.scenario.name == "1:30"
