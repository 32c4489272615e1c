"""Problem and ScenarioError formatting."""

from __future__ import annotations

from simulator.scenario.errors import Problem, ScenarioError, format_path


def test_problem_lines():
    assert str(Problem("a.yaml", "plants[2].lines[0].committed", 14, "too big")) == (
        "a.yaml:14: plants[2].lines[0].committed: too big")
    assert str(Problem("a.yaml", "scenario", None, "x")) == "a.yaml: scenario: x"
    assert str(Problem("a.yaml", "", 3, "YAML syntax error")) == "a.yaml:3: YAML syntax error"


def test_error_lists_every_problem_in_file_then_line_order():
    problems = [Problem("b.yaml", "x", 9, "m1"), Problem("a.yaml", "y", 2, "m2"),
                Problem("b.yaml", "z", 1, "m3"), Problem("b.yaml", "z", 1, "m3")]
    err = ScenarioError(problems)
    assert str(err).splitlines() == [
        "scenario refused: 3 problems", "b.yaml:1: z: m3", "b.yaml:9: x: m1", "a.yaml:2: y: m2"]
    assert len(err.problems) == 3
    assert str(ScenarioError(problems[:1])).startswith("scenario refused: 1 problem\n")


def test_format_path():
    assert format_path(("plants", 2, "lines", 0, "committed")) == "plants[2].lines[0].committed"
    assert format_path(("components", 0, "demand", "2024-01-01")) == (
        "components[0].demand[2024-01-01]")
    assert format_path(()) == ""
