"""An empty stage mapping is refused, not read as "switched off" (issue 9).

`procurement:` with nothing under it is what a mis-indentation leaves; YAML reads it as
null, and the loader took null as "off", so stage 2 vanished without a word (in a variant,
the parent's stage too). A stage is switched off only by `enabled: false` or by leaving
its key out. `{}` is written on purpose and means "enabled, defaults for the rest": the
required fields of sharing and procurement are then asked for; in a variant it changes
nothing. The Python API keeps `None` as "off" (`with_stages` builds such scenarios).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario import Scenario, ScenarioError, load_scenario_text
from tests.scenario.limit_helpers import TINY, bent, refused

GOOD = Path(__file__).parent / "good"
STAGE_LINE = {"sharing": 16, "procurement": 17, "investment": 21}


def emptied(name: str, value: str) -> str:
    """TINY with stage `name` written as `name: value` and its fields left out."""
    lines = TINY.splitlines()
    start = STAGE_LINE[name] - 1
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    return "\n".join(lines[:start] + [f"  {name}:{value}"] + lines[end:]) + "\n"


@pytest.mark.parametrize("value", ["", " ~", " null"])
@pytest.mark.parametrize("name", ["sharing", "procurement", "investment"])
def test_an_empty_stage_is_refused_with_its_path_and_line(name, value):
    (problem,) = refused(emptied(name, value))
    assert (problem.file, problem.line, problem.path) == ("t.yaml", STAGE_LINE[name],
                                                           f"stages.{name}")
    assert problem.message.startswith("is empty")
    assert "enabled: false" in problem.message  # says how to switch a stage off


def test_the_mis_indented_fields_are_reported_too():
    text = bent("    budget: 1000\n    review_days: 30\n    suppliers:",
                "  budget: 1000\n  review_days: 30\n  suppliers:")
    got = {(p.line, p.path) for p in refused(text)}
    assert got == {(17, "stages.procurement"), (18, "stages.budget"),
                   (19, "stages.review_days"), (20, "stages.suppliers")}


@pytest.mark.parametrize("name", ["sharing", "procurement", "investment"])
def test_an_empty_stage_in_a_variant_does_not_remove_the_parents(name):
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(f"extends: base.yaml\nstages:\n  {name}:\n", name="child.yaml",
                           base_dir=GOOD)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.path) == ("child.yaml", 3, f"stages.{name}")
    assert "enabled: false" in problem.message


def test_a_variant_switches_a_parents_stage_off_with_enabled_false():
    s = load_scenario_text("extends: base.yaml\nstages:\n  investment: {enabled: false}\n",
                           base_dir=GOOD)
    assert s.stages.investment is None and s.stages.procurement is not None


def test_an_empty_mapping_in_a_variant_changes_nothing():
    parent = load_scenario_text((GOOD / "base.yaml").read_text(), base_dir=GOOD)
    child = load_scenario_text("extends: base.yaml\nstages:\n  investment: {}\n",
                               base_dir=GOOD)
    assert child.stages == parent.stages


def test_an_empty_mapping_enables_a_stage_with_its_defaults():
    s = load_scenario_text(emptied("investment", " {}"))
    assert s.stages.investment is not None
    assert (s.stages.investment.projects, s.stages.investment.budget) == ([], 0.0)
    (problem,) = refused(emptied("procurement", " {}"))  # required fields are asked for
    assert (problem.path, problem.message) == ("stages.procurement.suppliers",
                                               "required field is missing")


def test_none_still_means_off_in_python():
    s = load_scenario_text(TINY)
    data = s.model_dump()
    data["stages"]["procurement"] = None
    assert Scenario.model_validate(data).stages.procurement is None
    assert s.with_stages(["sharing"]).stages.procurement is None
