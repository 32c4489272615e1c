"""The corpus of broken scenario files: each is refused with the right path and line.

Every file in `broken/` states what it expects in `# expect:` comments:
`# expect: [FILE:]LINE [PATH] | FRAGMENT` — one problem at that file (default: the file
itself), line and field path whose message contains FRAGMENT. A file must report exactly
the problems it expects, no more.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from simulator.scenario import ScenarioError, load_scenario, load_scenario_text

BROKEN = Path(__file__).parent / "broken"
EXPECT = re.compile(
    r"^# expect: (?:(?P<file>[^\s:]+):)?(?P<line>\d+)(?: (?P<path>\S+))? \| (?P<fragment>.+)$"
)
CORPUS = sorted(p.name for p in BROKEN.glob("*.yaml"))


def expectations(name: str) -> list[tuple[str, int, str, str]]:
    out = []
    for text in (BROKEN / name).read_text().splitlines():
        m = EXPECT.match(text)
        if m:
            out.append((m["file"] or name, int(m["line"]), m["path"] or "", m["fragment"]))
    return out


def refuse(name: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(name)
    return info.value


@pytest.mark.parametrize("name", CORPUS)
def test_broken_file_is_refused_with_path_and_line(name, monkeypatch):
    monkeypatch.chdir(BROKEN)  # problems then name files as written: "x.yaml"
    expected = expectations(name)
    assert expected, f"{name} has no '# expect:' comment"
    err = refuse(name)
    text = str(err)
    assert text.splitlines()[0] == (
        f"scenario refused: {len(expected)} problem{'' if len(expected) == 1 else 's'}")
    for file, line, path, fragment in expected:
        matches = [p for p in err.problems
                   if Path(p.file).name == file and p.line == line and p.path == path
                   and fragment in p.message]
        assert matches, f"expected {file}:{line}: {path}: ...{fragment}... in\n{text}"
        prefix = f"{file}:{line}: {path}: " if path else f"{file}:{line}: "
        assert any(row.startswith(prefix) for row in text.splitlines()), text
    assert len(err.problems) == len(expected), text


def test_corpus_covers_every_kind_of_error():
    kinds = {
        "unknown_top_field", "unknown_nested_field", "unknown_component", "negative_capacity",
        "committed_over_capacity", "p90_below_median", "stage_start_outside_run",
        "earliest_start_outside_run", "tranche_after_end", "duplicate_ids",
        "block_probability_one", "review_days_not_positive", "python_tag", "extends_cycle_a",
        "remove_unknown_id", "yaml_syntax", "unknown_policy",
    }
    assert kinds <= {Path(n).stem for n in CORPUS}


def test_python_tag_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "ran.txt"
    text = (
        "scenario:\n"
        "  name: x\n"
        "  start: 2024-01-01\n"
        f"  description: !!python/object/apply:os.system ['touch {marker}']\n"
        "components: [{id: a, name: A, unit_value: 1, demand: {2024-01-01: 1}}]\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, name="tag.yaml")
    assert not marker.exists()
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (4, "scenario.description")
    assert "!!python/object/apply:os.system is not allowed" in problem.message
    # the corpus file's command was not run either
    monkeypatch.chdir(BROKEN)
    refuse("python_tag.yaml")
    assert not (BROKEN / "capsim-yaml-tag-ran.txt").exists()


def test_python_tag_would_run_under_an_unsafe_loader(tmp_path):
    """Control: the tag used above is live, so its absence proves the loader is safe."""
    marker = tmp_path / "ran.txt"
    yaml.unsafe_load(f"x: !!python/object/apply:os.system ['touch {marker}']")
    assert marker.exists()


@pytest.mark.parametrize("tag", ["!!python/name:os.system", "!!set {a, b}",
                                 "!custom 3", "!!binary aGk="])
def test_other_tags_are_refused(tag):
    with pytest.raises(ScenarioError, match="is not allowed"):
        load_scenario_text(f"scenario: {tag}\n")


SEVERAL = """\
scenario: {name: several, start: 2024-01-01, seeed: 3}
components:
  - {id: ecu, name: ECU, unit_value: 350, demand: {2024-01-01: 1000}}
plants:
  - id: bate
    name: BATE
    lines:
      - {component: ecu, capacity: -5}
      - {component: ecux, capacity: 10}
      - {component: ecu, capacity: 10, committed: 20}
stages:
  procurement:
    suppliers:
      - {id: cn, slots: 1, lead_time_days: {dist: lognormal, median: 3, p90: 1}}
      - {id: cn, slots: 1, lead_time_days: 10, block_probability: 1}
  investment:
    review_days: 0
    tranches: [{date: 2031-01-01, amount: 1}]
"""


def test_several_errors_are_all_reported():
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(SEVERAL, name="several.yaml")
    got = {(p.line, p.path) for p in info.value.problems}
    assert got == {
        (1, "scenario.seeed"),
        (8, "plants[0].lines[0].capacity"),
        (9, "plants[0].lines[1].component"),
        (10, "plants[0].lines[2].committed"),
        (14, "stages.procurement.suppliers[0].lead_time_days"),
        (15, "stages.procurement.suppliers[1].id"),
        (15, "stages.procurement.suppliers[1].block_probability"),
        (17, "stages.investment.review_days"),
        (18, "stages.investment.tranches[0].date"),
    }
    lines = str(info.value).splitlines()
    assert lines[0] == "scenario refused: 9 problems"
    assert [int(x.split(":")[1]) for x in lines[1:]] == sorted(p for p, _ in got)


def test_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "nope.yaml")
    (problem,) = info.value.problems
    assert problem.line is None and "cannot read" in problem.message
    assert str(info.value).splitlines()[1].startswith(f"{tmp_path / 'nope.yaml'}: cannot read")


def test_unreadable_and_odd_files_are_scenario_errors(tmp_path):
    (tmp_path / "bin.yaml").write_bytes(b"scenario: \xff\xfe\n")
    (tmp_path / "empty.yaml").write_text("# nothing\n")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    for name, words in (("bin.yaml", "not UTF-8"), ("empty.yaml", "empty"),
                        ("list.yaml", "is a mapping"), (".", "cannot read")):
        with pytest.raises(ScenarioError, match=words):
            load_scenario(tmp_path / name)
