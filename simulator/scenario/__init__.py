"""Scenario files: read, merge (`extends`), check, and return a `Scenario`.

`load_scenario(path)` reads a YAML file safely (line numbers kept, no Python objects
built; numbers read as YAML 1.2 reads them, so `010` is 10 and `1:30` is text), applies
its `extends` chain, validates it against the schema (`schema.py`), the cross-field checks
(`checks.py`) and the estimate of a replication's work (`workload.py`), and returns the
resolved `Scenario`; anything wrong raises one `ScenarioError` listing every problem with
file, field path and line. Inputs that would hang, exhaust memory or overflow are refused
by the limits in `limits.py`, each message naming its limit. This package imports only
PyYAML, pydantic and `simulator.distributions`, so validating a file is quick.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator.scenario.checks import run_checks
from simulator.scenario.errors import Problem, ScenarioError, format_path, pydantic_message
from simulator.scenario.extends import FileReader, resolve_extends
from simulator.scenario.schema import (
    STAGE_MODELS,
    Component,
    Economics,
    Investment,
    Line,
    Meta,
    Plant,
    Procurement,
    Project,
    Scenario,
    Sharing,
    Stages,
    Supplier,
    Tooling,
    Tranche,
    fields_at,
    is_disabled,
    limit_note,
)
from simulator.scenario.workload import check_workload
from simulator.scenario.yaml_loader import LMap, locate, plain

__all__ = [
    "Component", "Economics", "Investment", "Line", "Meta", "Plant", "Problem", "Procurement",
    "Project", "Scenario", "ScenarioError", "Sharing", "Stages", "Supplier", "Tooling",
    "Tranche",
    "load_scenario", "load_scenario_text",
]


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, merge and check the scenario file at `path`.

    Raises
    ------
    ScenarioError
        With every problem found (file, field path, line, message); also when the file
        or a file it extends cannot be read.
    """
    path = Path(path)
    label = str(path)
    reader = FileReader()
    tree = reader.read_file(label, path)
    scenario = _resolve(tree, label, path.resolve(), path.resolve().parent, reader)
    scenario._source_file = label
    return scenario


def load_scenario_text(text: str, name: str = "<string>",
                       base_dir: str | os.PathLike[str] | None = None) -> Scenario:
    """`load_scenario` for YAML text; `name` labels problems, `extends` is relative to
    `base_dir` (default: the working directory)."""
    reader = FileReader()
    tree = reader.read_text(name, text.encode("utf-8"))
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    return _resolve(tree, name, None, base.resolve(), reader)


def _resolve(tree: Any, label: str, real: Path | None, base: Path, reader: FileReader) -> Scenario:
    if tree is None and not reader.problems:
        reader.problems.append(Problem(label, "", None, "the file is empty"))
    if reader.problems and not isinstance(tree, LMap):
        raise ScenarioError(reader.problems)
    if not isinstance(tree, LMap):
        raise ScenarioError([Problem(label, "", tree_line(tree), "a scenario file is a mapping "
                                     "of fields (scenario:, components:, plants:, stages:)")])
    tree = resolve_extends(tree, label, real, base, reader)
    if reader.fatal:  # a file is missing from the merge: its schema problems would mislead
        raise ScenarioError(reader.problems)
    scenario, problems = validate_tree(tree, label)
    reported = [p.path for p in reader.problems if p.path]
    problems = [p for p in problems if not any(_under(p.path, r) for r in reported)]
    if reader.problems or problems:
        raise ScenarioError([*reader.problems, *problems])
    assert scenario is not None
    scenario._source_hash = reader.digest.hexdigest()
    return scenario


def validate_tree(tree: LMap, label: str) -> tuple[Scenario | None, list[Problem]]:
    """Validate a merged tree: schema errors and cross-field checks, all of them."""
    raw = plain(tree)
    issues: list[tuple[tuple[Any, ...], str]] = []
    stages = raw.get("stages")
    if isinstance(stages, dict):  # a disabled stage still refuses unknown fields
        for name, model in STAGE_MODELS.items():
            stage = stages.get(name)
            if isinstance(stage, dict) and is_disabled(stage):
                issues += _schema_issues(model, stage, ("stages", name), only_unknown=True)
        issues += check_empty_stages(stages)
    scenario = None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        issues += _translate(err, ())
    issues += run_checks(raw)
    if scenario is not None and not issues:  # the estimate needs a whole, valid scenario
        issues += check_workload(scenario)
    problems = []
    for loc, message in issues:
        mark, clean = locate(tree, loc)
        problems.append(Problem(mark.file if mark else label, format_path(clean),
                                mark.line if mark else None, message))
    return (scenario if not problems else None), problems


def check_empty_stages(stages: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """A stage key with nothing under it (null) is refused, not taken as "off".

    `procurement:` followed by fields indented one step too little reads as null; taking
    that as "switched off" lost the stage without a word (in a variant, the parent's
    stage too). Only files are held to this: in Python, `None` still means off.
    """
    return [(("stages", name), f"is empty: indent its fields under `{name}:`, or switch the "
             f"stage off with `{name}: {{enabled: false}}` (or, in a file without "
             f"`extends`, by leaving `{name}:` out)")
            for name in STAGE_MODELS if name in stages and stages[name] is None]


def _schema_issues(model: Any, raw: Any, prefix: tuple[Any, ...],
                   only_unknown: bool = False) -> list[tuple[tuple[Any, ...], str]]:
    try:
        model.model_validate(raw)
    except ValidationError as err:
        return [(loc, msg) for loc, msg, kind in _translate(err, prefix, with_kind=True)
                if not only_unknown or kind == "extra_forbidden"]
    return []


def _translate(err: ValidationError, prefix: tuple[Any, ...], with_kind: bool = False) -> list:
    out: list = []
    for e in err.errors():
        loc = prefix + tuple(e["loc"])
        message = pydantic_message(e, fields_at(loc[:-1]))
        note = limit_note(loc, e["type"]) if e["type"] in _BOUND_ERRORS else None
        if note:
            message += f" (limit {note})"
        if loc and loc[-1] == "[key]":
            loc, message = loc[:-1], f"bad key: {message}"
        out.append((loc, message, e["type"]) if with_kind else (loc, message))
    return out


_BOUND_ERRORS = ("greater_than_equal", "greater_than", "less_than", "less_than_equal")


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith((parent + ".", parent + "["))


def tree_line(tree: Any) -> int | None:
    mark = getattr(tree, "mark", None)
    return mark.line if mark else None
