"""Safe YAML reading: exponent floats, dates, booleans, duplicate keys, tags, marks."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.scenario.yaml_loader import LList, LMap, Mark, locate, parse_yaml


def parse(text: str):
    problems: list = []
    value = parse_yaml(text, "t.yaml", problems)
    return value, problems


@pytest.mark.parametrize("text, expected", [
    ("60e6", 60e6), ("1.5e6", 1.5e6), ("2e-3", 2e-3), ("-1E+3", -1000.0), ("+4e2", 400.0),
    (".5", 0.5), ("3.", 3.0), ("1_000.5", 1000.5), ("1.5e+06", 1.5e6),
])
def test_exponent_and_decimal_numbers_are_floats(text, expected):
    value, problems = parse(f"x: {text}\n")
    assert problems == []
    assert isinstance(value["x"], float) and value["x"] == expected


@pytest.mark.parametrize("text, expected", [
    ("42", 42), ("-7", -7), ("1_000_000", 1_000_000), ("true", True), ("false", False),
    ("NO", "NO"), ("yes", "yes"), ("off", "off"), ("~", None), ("e6", "e6"), ("1e", "1e"),
    ("2024-01-01", dt.date(2024, 1, 1)), ("'2024-01-01'", "2024-01-01"),
    ("2024-13-01", "2024-13-01"),  # no such date: kept as text, the schema refuses it
])
def test_other_scalars(text, expected):
    value, problems = parse(f"x: {text}\n")
    assert problems == []
    assert value["x"] == expected and type(value["x"]) is type(expected)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_float_written_by_python_reads_back(x):
    for text in (repr(x), f"{x:e}", f"{x:E}"):
        value, problems = parse(f"x: {text}\n")
        assert problems == [] and value["x"] == pytest.approx(x, rel=1e-6, abs=0)


def test_marks_of_keys_and_items():
    text = "a: 1\nb:\n  - x\n  - {c: 2,\n     d: 3}\n"
    value, _ = parse(text)
    assert isinstance(value, LMap) and value.key_marks == {"a": Mark("t.yaml", 1),
                                                           "b": Mark("t.yaml", 2)}
    assert isinstance(value["b"], LList) and [m.line for m in value["b"].item_marks] == [3, 4]
    assert value["b"][1].key_marks["d"].line == 5
    assert locate(value, ("b", 1, "d")) == (Mark("t.yaml", 5), ("b", 1, "d"))
    # a missing key points at the deepest mapping found
    assert locate(value, ("b", 1, "zz")) == (Mark("t.yaml", 4), ("b", 1, "zz"))


def test_date_keys_are_located_by_their_repr():
    value, _ = parse("demand:\n  2024-01-01: 5\n  2025-01-01: 6\n")
    mark, clean = locate(value, ("demand", "datetime.date(2025, 1, 1)"))
    assert mark.line == 3 and clean == ("demand", "2025-01-01")


def test_duplicate_keys_are_problems_with_both_lines():
    _, problems = parse("a: 1\nb:\n  c: 1\n  c: 2\n")
    (p,) = problems
    assert (p.file, p.line, p.path) == ("t.yaml", 4, "b.c")
    assert p.message == "duplicate key 'c' (first at line 3)"


def test_syntax_error_names_file_and_line():
    value, problems = parse("a: [1, 2\nb: 3\n")
    assert value is None
    (p,) = problems
    assert p.file == "t.yaml" and p.line == 2 and p.message.startswith("YAML syntax error")


def test_several_documents_are_refused():
    _, problems = parse("a: 1\n---\nb: 2\n")
    assert problems and "YAML syntax error" in problems[0].message


def test_tags_are_refused_and_nothing_is_built():
    value, problems = parse("a: !!python/object/apply:os.getcwd []\nb: !!python/name:os.system\n")
    assert value == {"a": None, "b": None}
    assert [p.line for p in problems] == [1, 2]
    assert all("is not allowed" in p.message for p in problems)


def test_standard_tags_are_plain_data():
    value, problems = parse("a: !!str 60e6\nb: !!float '3'\nc: !!int '7'\n")
    assert problems == [] and value == {"a": "60e6", "b": 3.0, "c": 7}


def test_anchors_and_merge_keys():
    text = "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n"
    value, problems = parse(text)
    assert problems == [] and value["other"] == {"x": 1, "y": 3}
    assert value["other"].key_marks["x"].line == 1


def test_alias_bombs_are_refused():
    rows = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
    value, problems = parse("\n".join(rows) + "\n")
    assert value is None and "too large" in problems[0].message
