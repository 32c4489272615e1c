"""`extends`: deep merge, merge by id, replace, remove, cycles; marks point to the right file."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from simulator.scenario import ScenarioError, load_scenario, load_scenario_text

GOOD = Path(__file__).parent / "good"


def test_variant_merges_by_id_replaces_and_removes():
    s = load_scenario(GOOD / "variant.yaml")
    assert s.scenario.name == "variant"
    assert (s.scenario.start.isoformat(), s.scenario.seed, s.scenario.currency) == (
        "2024-01-01", 7, "RUB")  # deep merge keeps the base's other fields
    # plants merge by id; bate's lines have no ids, so the child's list replaces them whole
    assert [p.id for p in s.plants] == ["bate", "kamaz"]
    assert s.plants[0].name == "BATE, Borisov"
    assert [(ln.id, ln.capacity) for ln in s.plants[0].lines] == [("bate#0", 500e3)]
    assert [ln.id for ln in s.plants[1].lines] == ["kamaz_ecu"]
    proc = s.stages.procurement
    assert proc.tranches == []  # an empty list in the child replaces
    assert proc.budget == 60e6
    assert [(x.id, x.slots) for x in proc.suppliers] == [("cn_cnc", 6), ("tr_cnc", 2)]
    assert proc.suppliers[0].lead_time_days.to_dict()["median"] == 180  # kept from base
    assert [p.id for p in s.stages.investment.projects] == ["ecu_plant"]
    assert [t.id for t in s.stages.investment.tranches] == ["2024-07-01", "2024-07-01#2"]


def test_chain_of_three_files_and_hash_over_every_file_read():
    s = load_scenario(GOOD / "variant_of_variant.yaml")
    assert (s.scenario.name, s.scenario.seed) == ("variant of variant", 11)
    assert s.stages.sharing is None  # enabled: false in the last file
    assert [x.id for x in s.stages.procurement.suppliers] == ["cn_cnc", "tr_cnc"]
    digest = hashlib.sha256()
    for name in ("variant_of_variant.yaml", "variant.yaml", "base.yaml"):
        digest.update((GOOD / name).read_bytes())
    assert s.source_hash == digest.hexdigest()
    assert s.source_file == str(GOOD / "variant_of_variant.yaml")


@pytest.fixture
def base(tmp_path):
    shutil.copy(GOOD / "base.yaml", tmp_path / "base.yaml")
    return tmp_path


def refused(path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def test_problems_point_into_the_file_that_wrote_the_value(base):
    (base / "child.yaml").write_text(
        "extends: base.yaml\n"
        "scenario:\n"
        "  end: 2024-12-31\n"  # makes the base's procurement tranche (2025-01-01) too late
        "stages:\n"
        "  procurement:\n"
        "    suppliers:\n"
        "      - id: cn_cnc\n"
        "        block_probability: 1\n"
    )
    err = refused(base / "child.yaml")
    got = {(Path(p.file).name, p.line, p.path) for p in err.problems}
    base_line = next(i for i, t in enumerate((base / "base.yaml").read_text().splitlines(), 1)
                     if "2025-01-01" in t)
    assert got == {
        ("child.yaml", 8, "stages.procurement.suppliers[0].block_probability"),
        ("base.yaml", base_line, "stages.procurement.tranches[0].date"),
    }
    assert f"{base / 'base.yaml'}:{base_line}: stages.procurement.tranches[0].date:" in str(err)


def test_merged_items_keep_marks_of_both_files(base):
    (base / "child.yaml").write_text(
        "extends: base.yaml\n"
        "plants:\n"
        "  - id: kamaz\n"
        "    lines:\n"
        "      - {id: kamaz_ecu, capacity: 50e3}\n"  # committed 80e3 stays from the base
        "  - id: gaz\n"
        "    name: GAZ\n"
        "    lines: [{component: ecu, capacity: -1}]\n"
    )
    err = refused(base / "child.yaml")
    got = {(Path(p.file).name, p.line, p.path) for p in err.problems}
    base_line = next(i for i, t in enumerate((base / "base.yaml").read_text().splitlines(), 1)
                     if "committed: 80e3" in t)
    assert got == {
        ("base.yaml", base_line, "plants[1].lines[0].committed"),
        ("child.yaml", 8, "plants[2].lines[0].capacity"),
    }


def test_remove_of_unknown_id_is_refused(base):
    (base / "child.yaml").write_text(
        "extends: base.yaml\nstages:\n  investment:\n    projects:\n"
        "      - {id: ecu_plant, remove: true}\n      - {id: nope, remove: true}\n"
    )
    (p,) = refused(base / "child.yaml").problems
    assert (Path(p.file).name, p.line) == ("child.yaml", 6)
    assert p.path == "stages.investment.projects[1].remove"
    assert "remove: true for id 'nope'" in p.message


def test_remove_in_a_list_without_ids_is_refused(base):
    (base / "child.yaml").write_text(
        "extends: base.yaml\nplants:\n  - id: bate\n    lines:\n"
        "      - {component: ecu, capacity: 1, remove: true}\n"
    )
    (p,) = refused(base / "child.yaml").problems
    assert (Path(p.file).name, p.line, p.path) == ("child.yaml", 5, "plants[0].lines[0].remove")
    assert "only works when every item" in p.message


def test_list_with_an_item_lacking_id_replaces_whole(base):
    (base / "child.yaml").write_text(
        "extends: base.yaml\nstages:\n  investment:\n    tranches:\n"
        "      - {date: 2025-01-01, amount: 5}\n"
    )
    s = load_scenario(base / "child.yaml")
    assert [(t.id, t.amount) for t in s.stages.investment.tranches] == [("2025-01-01", 5.0)]


def test_explicit_ids_on_lines_merge_by_id(base):
    (base / "b2.yaml").write_text(
        "extends: base.yaml\nplants:\n  - id: bate\n    lines:\n"
        "      - {id: b_ecu, component: ecu, capacity: 1}\n"
        "      - {id: b_gear, component: gearbox, capacity: 2}\n"
    )
    (base / "child.yaml").write_text(
        "extends: b2.yaml\nplants:\n  - id: bate\n    lines:\n"
        "      - {id: b_gear, capacity: 3}\n      - {id: b_new, component: ecu, capacity: 4}\n"
    )
    s = load_scenario(base / "child.yaml")
    assert [(ln.id, ln.capacity) for ln in s.plants[0].lines] == [
        ("b_ecu", 1.0), ("b_gear", 3.0), ("b_new", 4.0)]


def test_extends_is_relative_to_the_file_that_says_it(base):
    (base / "sub").mkdir()
    (base / "sub" / "child.yaml").write_text("extends: ../base.yaml\nscenario: {name: sub}\n")
    assert load_scenario(base / "sub" / "child.yaml").scenario.name == "sub"
    s = load_scenario_text("extends: base.yaml\nscenario: {name: text}\n", base_dir=base)
    assert s.scenario.name == "text" and s.source_file is None


def test_cycles_are_refused_naming_the_chain(base):
    (base / "a.yaml").write_text("extends: b.yaml\n")
    (base / "b.yaml").write_text("# b\nextends: a.yaml\n")
    (base / "self.yaml").write_text("extends: self.yaml\n")
    (p,) = refused(base / "a.yaml").problems
    assert (Path(p.file).name, p.line, p.path) == ("b.yaml", 2, "extends")
    names = [Path(x.strip()).name for x in p.message.removeprefix("extends cycle: ").split("->")]
    assert names == ["a.yaml", "b.yaml", "a.yaml"]
    (p,) = refused(base / "self.yaml").problems
    assert "self.yaml -> " in p.message


def test_missing_or_bad_parent(base):
    (base / "c1.yaml").write_text("extends: nope.yaml\n")
    (base / "c2.yaml").write_text("extends: [base.yaml]\n")
    (base / "c3.yaml").write_text("extends: broken.yaml\n")
    (base / "broken.yaml").write_text("a: [\n")
    (p,) = refused(base / "c1.yaml").problems
    assert (Path(p.file).name, p.line, p.path) == ("c1.yaml", 1, "extends")
    assert "cannot read" in p.message
    assert "expected a file name" in refused(base / "c2.yaml").problems[0].message
    (p,) = refused(base / "c3.yaml").problems
    assert Path(p.file).name == "broken.yaml" and "YAML syntax error" in p.message


def test_a_distribution_with_dist_replaces_the_parents_whole(tmp_path):
    shutil.copy(GOOD / "minimal.yaml", tmp_path / "minimal.yaml")
    (tmp_path / "tri.yaml").write_text(
        "extends: minimal.yaml\n"
        "stages:\n"
        "  procurement:\n"
        "    suppliers:\n"
        "      - {id: cn_cnc, lead_time_days: {dist: triangular, min: 90, mode: 200, max: 400}}\n")
    s = load_scenario(tmp_path / "tri.yaml")
    assert s.stages.procurement.suppliers[0].lead_time_days.to_dict() == {
        "dist": "triangular", "min": 90.0, "mode": 200.0, "max": 400.0}
    (tmp_path / "median.yaml").write_text(
        "extends: minimal.yaml\n"
        "stages:\n"
        "  procurement:\n"
        "    suppliers:\n"
        "      - {id: cn_cnc, lead_time_days: {median: 200}}\n")
    merged = load_scenario(tmp_path / "median.yaml").stages.procurement.suppliers[0]
    assert merged.lead_time_days.to_dict() == {"dist": "lognormal", "median": 200.0, "p90": 365.0}
