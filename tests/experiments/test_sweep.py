"""Parameter sweeps: experiment files, their designs, and the refusal of bad ones.

The broken experiment files in `data/` state what they expect in `# expect:` comments, as
the broken scenario corpus does: `# expect: LINE PATH | FRAGMENT` — one problem at that
line and field path of the experiment file whose message contains FRAGMENT; a file must
report exactly the problems it expects.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.experiments.paths import PathSyntaxError, parse_path, resolve_path
from simulator.experiments.sweep import (
    Parameter,
    expand_grid,
    expand_lhs,
    expand_list,
    load_experiment,
    point_columns,
)
from simulator.scenario import ScenarioError

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parents[2]
EXPECT = re.compile(r"^# expect: (?P<line>\d+) (?P<path>\S+) \| (?P<fragment>.+)$")
BROKEN = sorted(p.name for p in DATA.glob("broken_*.yaml"))


def expectations(name: str) -> list[tuple[int, str, str]]:
    found = (EXPECT.match(text) for text in (DATA / name).read_text().splitlines())
    return [(int(m["line"]), m["path"], m["fragment"]) for m in found if m]


@pytest.mark.parametrize("name", BROKEN)
def test_broken_experiment_is_refused_with_file_line_and_path(name, monkeypatch):
    monkeypatch.chdir(REPO)
    label = f"tests/experiments/data/{name}"
    expected = expectations(name)
    assert expected, f"{name} has no '# expect:' comment"
    with pytest.raises(ScenarioError) as info:
        load_experiment(label)
    err = info.value
    text = str(err)
    for line, path, fragment in expected:
        assert any(p.file == label and p.line == line and p.path == path
                   and fragment in p.message for p in err.problems), (
            f"expected {label}:{line}: {path}: ...{fragment}... in\n{text}")
        assert f"{label}:{line}: {path}: " in text
    assert len(err.problems) == len(expected), text


def test_corpus_covers_every_kind_of_error():
    kinds = {
        "unknown_id", "unknown_key", "index_out_of_range", "distribution_parameter",
        "invalid_value", "combination", "range_end", "unknown_field", "missing_parameters",
        "design_mismatch", "lhs_mismatch", "list_lengths", "empty_values", "several",
        "overlap", "scenario_missing",
    }
    assert {f"broken_{k}.yaml" for k in kinds} <= set(BROKEN)


def test_python_tag_in_an_experiment_file_is_refused(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("scenario: !!python/object/apply:os.system ['echo hi']\nparameters: []\n")
    with pytest.raises(ScenarioError, match="YAML tag !!python/object/apply:os.system"):
        load_experiment(path)


# --------------------------------------------------------------------------- designs


def test_grid_of_two_by_three_builds_six_scenarios_with_the_values_set():
    exp = load_experiment(DATA / "grid.yaml")
    assert exp.name == "slots and budget" and exp.design == "grid"
    assert (exp.replications, exp.seed) == (5, 11)
    assert [p.name for p in exp.points] == [f"point-00{i}" for i in range(6)]
    got = [(p.scenario.stages.procurement.suppliers[0].slots,
            p.scenario.stages.procurement.budget) for p in exp.points]
    assert got == [(2, 30e6), (2, 60e6), (2, 90e6), (8, 30e6), (8, 60e6), (8, 90e6)]
    for point in exp.points:
        scenario = point.scenario
        assert scenario.scenario.name == f"slots and budget / {point.name}"
        assert (scenario.scenario.replications, scenario.scenario.seed) == (5, 11)
        assert scenario.stages.procurement.suppliers[1].slots == 1  # untouched
        assert scenario.source_file == str(DATA / "grid.yaml")
    assert exp.points[4].values == {"stages.procurement.suppliers[cn_cnc].slots": 8,
                                    "stages.procurement.budget": 60e6}
    assert exp.base.stages.procurement.suppliers[0].slots == 4  # the base is not changed
    assert exp.base_resolved["stages"]["procurement"]["suppliers"][0]["slots"] == 4


def test_points_keep_the_scenario_seed_and_replications_unless_the_experiment_sets_them():
    exp = load_experiment(DATA / "list.yaml")
    assert (exp.replications, exp.seed) == (None, None)
    assert {(p.scenario.scenario.replications, p.scenario.scenario.seed)
            for p in exp.points} == {(20, 7)}
    assert exp.name == "list"  # the file's stem


def test_list_design_zips_the_values():
    exp = load_experiment(DATA / "list.yaml")
    got = [(p.scenario.stages.procurement.suppliers[0].slots,
            p.scenario.stages.procurement.budget) for p in exp.points]
    assert got == [(2, 30e6), (4, 60e6), (8, 120e6)]


def test_star_sets_every_tranche_and_a_mixture_part_by_position():
    exp = load_experiment(DATA / "star.yaml")
    assert len(exp.points) == 2
    for point, mean in zip(exp.points, (30, 365), strict=True):
        tranches = point.scenario.stages.investment.tranches
        assert [t.delay_days.mean() for t in tranches] == [mean, mean]
        build = point.scenario.stages.investment.projects[0].build_days
        assert build.to_dict()["parts"][1]["max"] == 1500
        assert build.to_dict()["parts"][0]["max"] == 720
    targets = [t.label for t in exp.parameters[0].targets]
    assert targets == ["stages.investment.tranches[t1].delay_days.mean",
                       "stages.investment.tranches[t2].delay_days.mean"]


def test_lhs_is_deterministic_within_ranges_and_rounds_integer_parameters():
    first, again = load_experiment(DATA / "lhs.yaml"), load_experiment(DATA / "lhs.yaml")
    assert [p.values for p in first.points] == [p.values for p in again.points]
    assert len(first.points) == 12
    slots = [p.values["stages.procurement.suppliers[cn_cnc].slots"] for p in first.points]
    means = [p.values["stages.investment.tranches[t1].delay_days.mean"] for p in first.points]
    assert all(isinstance(s, int) and 1 <= s <= 6 for s in slots)
    assert set(slots) == {1, 2, 3, 4, 5, 6}  # 12 strata over 6 whole numbers: each twice
    assert sorted(slots) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    assert all(isinstance(m, float) and 30 <= m <= 365 for m in means)
    # one draw per stratum of the range: a Latin hypercube
    assert sorted(int((m - 30) / (335 / 12)) for m in means) == list(range(12))
    for point, s, m in zip(first.points, slots, means, strict=True):
        assert point.scenario.stages.procurement.suppliers[0].slots == s
        assert point.scenario.stages.investment.tranches[0].delay_days.mean() == m


def test_lhs_seed_defaults_to_the_scenario_seed():
    exp = load_experiment(DATA / "lhs_default_seed.yaml")
    params = exp.parameters
    assert [p.values for p in exp.points] == expand_lhs(params, 4, seed=7)
    assert [p.values for p in exp.points] != expand_lhs(params, 4, seed=8)


def test_expanders_on_plain_parameters():
    a = Parameter("a", values=(1, 2))
    b = Parameter("b", values=("x", "y", "z"))
    assert expand_grid([a, b]) == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                                   {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"}]
    assert expand_list([a, Parameter("b", values=("x", "y"))]) == [{"a": 1, "b": "x"},
                                                                  {"a": 2, "b": "y"}]
    r = Parameter("r", range=(2.0, 3.0))
    i = Parameter("i", range=(0.5, 3.5), integer=True)  # whole numbers 1, 2, 3
    drawn = expand_lhs([r, i], 300, seed=1)
    assert all(2.0 <= d["r"] <= 3.0 for d in drawn)
    assert sorted({d["i"] for d in drawn}) == [1, 2, 3]
    assert [sum(d["i"] == k for d in drawn) for k in (1, 2, 3)] == [100, 100, 100]


def test_point_columns_one_row_per_point_with_the_swept_values():
    table = point_columns(load_experiment(DATA / "grid.yaml"))
    assert list(table.columns) == ["variant", "stages.procurement.suppliers[cn_cnc].slots",
                                   "stages.procurement.budget"]
    assert list(table["variant"]) == [f"point-00{i}" for i in range(6)]
    assert list(table["stages.procurement.budget"]) == [30e6, 60e6, 90e6] * 2


def test_the_documented_example_loads(monkeypatch):
    monkeypatch.chdir(REPO)
    exp = load_experiment("experiments/procurement_slots.yaml")
    assert exp.name == "procurement slots" and len(exp.points) == 9
    assert exp.base.scenario.name == "baseline"
    point = exp.points[5]  # 16 Chinese slots, 8 third-country slots
    suppliers = {s.id: s.slots for s in point.scenario.stages.procurement.suppliers}
    assert suppliers == {"cn_cnc": 16, "domestic_mt": 3, "third_country": 8}
    assert point.scenario.scenario.replications == 100


# --------------------------------------------------------------------------- paths


def test_path_grammar():
    steps = parse_path("stages.investment.tranches[*].delay_days.mean")
    assert [(s.kind, s.text) for s in steps] == [
        ("key", "stages"), ("key", "investment"), ("key", "tranches"), ("all", "*"),
        ("key", "delay_days"), ("key", "mean")]
    assert [(s.kind, s.text) for s in parse_path("plants[bate].lines[bate#0]")] == [
        ("key", "plants"), ("select", "bate"), ("key", "lines"), ("select", "bate#0")]
    for bad in ("", "a..b", "a.", ".a", "[0]", "a[", "a[]", "a]", "a[0]b"):
        with pytest.raises(PathSyntaxError):
            parse_path(bad)


def test_a_field_the_scenario_leaves_unset_may_be_set_but_not_entered():
    tree = load_experiment(DATA / "grid.yaml").base_resolved
    targets, reasons = resolve_path(tree, "stages.procurement.target_offset_days")
    assert reasons == [] and targets[0].loc == ("stages", "procurement", "target_offset_days")
    _, reasons = resolve_path(tree, "plants[bate].lines[bate_ecu].mtbf_days.mean")
    assert reasons == ["plants[bate].lines[bate_ecu].mtbf_days is not in the scenario "
                       "(disabled or left unset), so there is nothing under it to change"]
    _, reasons = resolve_path(tree, "stages.procurement.suppliers.slots")
    assert reasons == ["stages.procurement.suppliers is a list: select its items with [id], "
                       "[N] or [*] before .slots"]


def test_an_experiment_asking_for_more_replications_than_the_limit_is_refused(tmp_path):
    from simulator.scenario.limits import MAX_REPLICATIONS

    text = (DATA / "grid.yaml").read_text(encoding="utf-8")
    text = text.replace("scenario: small.yaml", f"scenario: {DATA / 'small.yaml'}")
    text = text.replace("replications: 5", f"replications: {MAX_REPLICATIONS * 10}")
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=f"at most {MAX_REPLICATIONS:,}"):
        load_experiment(path)
