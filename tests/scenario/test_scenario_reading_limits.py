"""Reading without bound, nesting without end, control bytes: refused by name, exit 2.

Each case ended in a hang, a memory blow-up, a `RecursionError` or a reader error without
file or line (exit 1) before the limits of `simulator/scenario/limits.py`. The command
line cases run in a child process with a time and memory limit (`limit_helpers.capsim`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator.scenario import ScenarioError, load_scenario, load_scenario_text
from simulator.scenario.extends import read_bounded
from simulator.scenario.limits import (
    MAX_EXTENDS_CHAIN,
    MAX_FILE_BYTES,
    MAX_MIXTURE_DEPTH,
    MAX_NESTING_DEPTH,
)
from simulator.scenario.yaml_loader import parse_yaml
from tests.scenario.limit_helpers import TINY, assert_refused, bent, capsim, only, refused

posix_only = pytest.mark.skipif(os.name != "posix", reason="devices and FIFOs are POSIX")

# --------------------------------------------------------------------------- files


@posix_only
def test_validate_dev_zero_is_refused_before_reading():
    assert_refused(capsim("validate", "/dev/zero", timeout=60),
                   "/dev/zero", "a device", "only regular files are read")


@posix_only
def test_extends_dev_zero_is_refused_at_the_extends_line(tmp_path):
    (tmp_path / "child.yaml").write_text("# a variant\nextends: /dev/zero\n")
    assert_refused(capsim("validate", "child.yaml", cwd=tmp_path, timeout=60),
                   "child.yaml:2: extends: cannot read /dev/zero: it is a device")


@posix_only
@pytest.mark.parametrize("how", ["direct", "extends"])
def test_a_fifo_is_refused_not_waited_on(tmp_path, how):
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "child.yaml").write_text("extends: pipe.yaml\n")
    target = "pipe.yaml" if how == "direct" else "child.yaml"
    assert_refused(capsim("validate", target, cwd=tmp_path, timeout=60),
                   "cannot read pipe.yaml: it is a FIFO")


@posix_only
def test_experiment_files_are_read_through_the_same_bounded_reader(tmp_path):
    os.mkfifo(tmp_path / "sweep.yaml")
    assert_refused(capsim("sweep", "sweep.yaml", cwd=tmp_path, timeout=60),
                   "sweep.yaml: cannot read sweep.yaml: it is a FIFO")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written
    problem = only(_problems(big))
    assert problem.file == str(big) and "larger than 10,485,760 bytes" in problem.message
    assert "MAX_FILE_BYTES" in problem.message


def test_a_file_at_the_size_limit_is_read_whole(tmp_path):
    full = tmp_path / "full.yaml"
    full.write_bytes(b"#" * MAX_FILE_BYTES)
    assert len(read_bounded(full)) == MAX_FILE_BYTES


def _problems(path: Path) -> list:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


# --------------------------------------------------------------------------- nesting

DEEP = 20_000


def test_deep_nesting_exits_2_without_a_traceback(tmp_path):
    (tmp_path / "deep.yaml").write_text("scenario: " + "[" * DEEP + "]" * DEEP + "\n")
    assert_refused(capsim("validate", "deep.yaml", cwd=tmp_path, timeout=60),
                   f"deep.yaml:1: nested more than {MAX_NESTING_DEPTH} levels deep",
                   "MAX_NESTING_DEPTH")


@pytest.mark.parametrize("shape, text, line", [
    ("flow", "scenario: " + "[" * DEEP + "]" * DEEP + "\n", 1),
    ("flow mapping", "scenario: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n", 1),
    ("block sequence", "scenario:\n" + "- " * DEEP + "x\n", 2),
    ("block mapping", "".join(" " * i + "a:\n" for i in range(3_000)) + " " * 3_000 + "1\n",
     MAX_NESTING_DEPTH),
    ("mixture", "scenario: " + "{dist: mixture, parts: [{weight: 1, " * 5_000 + "dist: fixed, "
     "value: 1" + "}]}" * 5_000 + "\n", 1),
])
def test_deep_nesting_of_every_shape_is_refused_with_its_line(tmp_path, shape, text, line):
    (tmp_path / "deep.yaml").write_text(text)
    problem = only(_problems(tmp_path / "deep.yaml"))
    assert problem.line == line and problem.path == ""
    assert f"nested more than {MAX_NESTING_DEPTH} levels deep" in problem.message


@pytest.mark.parametrize("text", ["a: &x [*x]\n", "scenario: &x {name: a, more: *x}\n",
                                  "a: &x {b: 1, <<: *x}\n"])
def test_a_cyclic_alias_is_refused(tmp_path, text):
    (tmp_path / "cycle.yaml").write_text(text)
    problem = only(_problems(tmp_path / "cycle.yaml"))
    assert problem.line == 1 and "nested more than" in problem.message
    assert "aliases counted" in problem.message


def test_nesting_up_to_the_limit_is_read():
    def nested(depth: int) -> str:  # the root mapping is level 1, the scalar the last
        return "a: " + "[" * (depth - 2) + "1" + "]" * (depth - 2) + "\n"

    problems: list = []
    assert parse_yaml(nested(MAX_NESTING_DEPTH), "t.yaml", problems) is not None
    assert problems == []
    assert parse_yaml(nested(MAX_NESTING_DEPTH + 1), "t.yaml", problems) is None
    assert len(problems) == 1 and "nested more than" in problems[0].message


def test_mixtures_nested_beyond_the_limit_are_refused_by_field():
    problem = only(refused(bent("build_days: 100",
                                f"build_days: {_mixture_chain(MAX_MIXTURE_DEPTH + 1)}")))
    assert problem.path == "stages.investment.projects[0].build_days"
    assert f"mixtures nested more than {MAX_MIXTURE_DEPTH} deep" in problem.message
    assert "MAX_MIXTURE_DEPTH" in problem.message
    ok = bent("build_days: 100", f"build_days: {_mixture_chain(MAX_MIXTURE_DEPTH)}")
    assert load_scenario_text(ok).stages.investment.projects[0].build_days.mean() > 90


def _mixture_chain(depth: int) -> str:
    """`depth` mixtures, each the second part of the one before (flow YAML)."""
    text = "{dist: fixed, value: 100}"
    for _ in range(depth):
        part = "{weight: 1, " + text[1:]
        text = f"{{dist: mixture, parts: [{{weight: 1, dist: fixed, value: 90}}, {part}]}}"
    return text


def test_an_extends_chain_of_a_thousand_files_is_refused(tmp_path):
    (tmp_path / "f0.yaml").write_text(TINY)
    for i in range(1, 1_000):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    assert_refused(capsim("validate", "f999.yaml", cwd=tmp_path, timeout=60),
                   f"extends chain longer than {MAX_EXTENDS_CHAIN} files, from f999.yaml",
                   "MAX_EXTENDS_CHAIN")


def test_an_extends_chain_at_the_limit_is_read(tmp_path):
    (tmp_path / "f0.yaml").write_text(TINY)
    for i in range(1, MAX_EXTENDS_CHAIN + 1):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    last = MAX_EXTENDS_CHAIN - 1  # f<last> .. f0: exactly MAX_EXTENDS_CHAIN files
    assert load_scenario(tmp_path / f"f{last}.yaml").scenario.name == "tiny"
    problem = only(_problems(tmp_path / f"f{last + 1}.yaml"))
    assert problem.path == "extends" and "extends chain longer than" in problem.message


# --------------------------------------------------------------------------- control bytes


CONTROL_LINE = next(i for i, x in enumerate(TINY.splitlines(), 1) if "name: A," in x)


def _with_raw(byte: bytes) -> bytes:
    return TINY.encode().replace(b"name: A,", b"name: A" + byte + b",")


def test_a_raw_control_byte_exits_2_with_file_and_line(tmp_path):
    (tmp_path / "ctrl.yaml").write_bytes(_with_raw(b"\x07"))
    assert_refused(capsim("validate", "ctrl.yaml", cwd=tmp_path, timeout=60),
                   f"ctrl.yaml:{CONTROL_LINE}: raw control character U+0007 at column")


@pytest.mark.parametrize("byte", [b"\x00", b"\x1b", b"\x7f", "\x85".encode()])
def test_every_raw_control_byte_is_refused_with_its_line(tmp_path, byte):
    (tmp_path / "ctrl.yaml").write_bytes(_with_raw(byte))
    problem = only(_problems(tmp_path / "ctrl.yaml"))
    assert problem.line == CONTROL_LINE and "raw control character" in problem.message


@pytest.mark.parametrize("field, old, new", [
    ("scenario.name", "name: tiny", r'name: "ti\x07ny"'),
    ("plants[0].id", "id: p\n", 'id: "p\\0"\n'),
    ("components[0].name", "name: A,", r'name: "A\bB",'),
    ("stages.investment.tranches[0].id", "{date: 2024-03-01,", r'{id: "t\t1", date: 2024-03-01,'),
    ("components[0].unit", "name: A,", r'name: A, unit: "pcs\x85",'),
    ("plants[0].lines[0].id", "id: l,", r'id: "l\n",'),
    ("scenario.currency", "replications: 2", r'currency: "RUB\e"'),
    ("plants[0].country", "name: P", 'name: P\n    country: "B\\x7fY"'),
    ("stages.procurement.suppliers[0].name", "{id: s,", r'{id: s, name: "S\0",'),
    ("stages.investment.projects[0].name", "{id: pr,", r'{id: pr, name: "\x1b[31mred",'),
    ("scenario.description", "name: tiny", 'name: tiny\n  description: "bell\\x07"'),
    ("components[0].source", "name: A,", r'name: A, source: "x\0",'),
])
def test_an_escaped_control_character_is_refused_by_field(field, old, new):
    problem = only(refused(bent(old, new)))
    assert problem.path == field and "control character U+" in problem.message


def test_text_keeps_tabs_and_line_breaks_ids_do_not():
    text = bent("name: tiny", 'name: "\\tti\\r\\nny"\n  description: "two\\tcolumns\\nand lines"\n'
                '  source: |\n    one\n    two')
    meta = load_scenario_text(text).scenario
    assert meta.name == "\tti\r\nny" and meta.source == "one\ntwo\n"
    assert meta.description == "two\tcolumns\nand lines"
    problem = only(refused(bent("{id: s,", r'{id: "s\t",')))
    assert problem.path == "stages.procurement.suppliers[0].id"
    assert "an id is one line of printable text" in problem.message


def test_a_control_character_in_a_distribution_source_is_refused():
    problem = only(refused(bent("build_days: 100", r'build_days: {dist: fixed, value: 100, '
                                r'source: "a\x07"}')))
    assert problem.path == "stages.investment.projects[0].build_days"
    assert "control character U+0007" in problem.message
