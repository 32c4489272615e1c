"""Parameter sweeps: an experiment file and its expansion into sweep points.

An experiment file names a base scenario and the parameters to vary (see
`experiments/README.md`); `load_experiment` reads it with the scenario layer's safe YAML
reader, resolves every parameter path (`paths.py`), expands the design (`grid`: every
combination; `list`: the i-th values together; `lhs`: a Latin hypercube over ranges) and
validates each point's scenario again, so that anything wrong is refused, with file, line
and field path, before anything runs.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.experiments.paths import Target, resolve_path
from simulator.scenario import Problem, Scenario, ScenarioError, load_scenario, validate_tree
from simulator.scenario.extends import FileReader
from simulator.scenario.limits import MAX_REPLICATIONS
from simulator.scenario.yaml_loader import LList, LMap, Mark, plain

if TYPE_CHECKING:
    import pandas as pd

DESIGNS = ("grid", "list", "lhs")
TOP_FIELDS = ("scenario", "name", "description", "replications", "seed", "design", "samples",
              "parameters")
PARAMETER_FIELDS = ("path", "values", "range", "integer")
MAX_POINTS = 10_000  # more is surely a slip (a grid's product grows fast)


@dataclass(frozen=True)
class Parameter:
    """One swept value: `path` with its `values` (grid, list) or `range` (lhs)."""

    path: str
    values: tuple[Any, ...] | None = None
    range: tuple[float, float] | None = None
    integer: bool = False
    targets: tuple[Target, ...] = ()  # the scenario values the path reaches
    line: int | None = None  # line of `path:` in the experiment file


@dataclass(frozen=True)
class SweepPoint:
    """One point of the sweep: the values set (by parameter path) and the scenario built."""

    index: int
    name: str
    values: dict[str, Any]
    scenario: Scenario


@dataclass
class Experiment:
    """A loaded experiment file: the base scenario, the parameters, the points."""

    name: str
    base: Scenario
    base_resolved: dict[str, Any]
    parameters: list[Parameter]
    points: list[SweepPoint]
    design: str = "grid"
    samples: int | None = None
    replications: int | None = None
    seed: int | None = None
    description: str | None = None
    source_file: str = ""


# --------------------------------------------------------------------------- designs


def expand_grid(parameters: list[Parameter]) -> list[dict[str, Any]]:
    """Every combination of the parameters' values; the first parameter varies slowest."""
    lists = [p.values or () for p in parameters]
    return [dict(zip((p.path for p in parameters), combo, strict=True))
            for combo in itertools.product(*lists)]


def expand_list(parameters: list[Parameter]) -> list[dict[str, Any]]:
    """The i-th values of every parameter together (the lists have equal length)."""
    lists = [p.values or () for p in parameters]
    return [dict(zip((p.path for p in parameters), combo, strict=True))
            for combo in zip(*lists, strict=True)]


def expand_lhs(parameters: list[Parameter], samples: int, seed: int) -> list[dict[str, Any]]:
    """`samples` points of a Latin hypercube over the parameters' ranges.

    `scipy.stats.qmc.LatinHypercube(d=len(parameters), seed=seed)`, each column scaled to
    its (min, max); an `integer` parameter takes every whole number in its range with
    equal chance (`min + floor(u * (max - min + 1))`), so its ends are not drawn half as
    often as rounding would draw them.
    """
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(parameters), seed=seed).random(samples)
    return [{p.path: _scale(float(u), p) for p, u in zip(parameters, row, strict=True)}
            for row in unit]


def _scale(u: float, parameter: Parameter) -> float | int:
    assert parameter.range is not None
    lo, hi = parameter.range
    if parameter.integer:
        first, last = math.ceil(lo), math.floor(hi)
        return min(last, first + math.floor(u * (last - first + 1)))
    return lo + u * (hi - lo)


def point_columns(experiment: Experiment) -> pd.DataFrame:
    """One row per point: `variant` (the point's name) and one column per parameter path."""
    import pandas as pd

    columns = ["variant", *(p.path for p in experiment.parameters)]
    rows = [{"variant": point.name, **point.values} for point in experiment.points]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- loading


def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """Read an experiment file and build every sweep point's scenario.

    Raises
    ------
    ScenarioError
        With every problem found: in the experiment file (unknown fields, a design that
        does not fit the parameters, unknown paths, ids or indices), in the base scenario,
        or a swept value that makes a point's scenario invalid. Each names the file, line
        and field path.
    """
    reader = _Reader(str(path))
    tree = reader.read(Path(path))
    reader.check_top(tree)
    base = reader.load_base(tree)
    design = reader.design(tree)
    indexed = reader.parameters(tree, design)
    if base is None or design is None:
        reader.raise_problems()  # always raises: either was refused
    assert base is not None and design is not None
    experiment = Experiment(
        name=reader.text_field(tree, "name") or Path(path).stem, base=base,
        base_resolved=base.resolved_dict(), parameters=[], points=[], design=design,
        samples=reader.int_field(tree, "samples", 1), replications=reader.replications,
        seed=reader.seed, description=reader.text_field(tree, "description"),
        source_file=str(path))
    indexed = reader.resolve(indexed, experiment.base_resolved)
    reader.check_values(experiment, indexed)
    reader.raise_problems()
    experiment.parameters = [p for _, p in indexed]
    combos = reader.expand(experiment)
    reader.raise_problems()
    experiment.points = reader.build_points(experiment, combos)
    reader.raise_problems()
    return experiment


class _Reader:
    """Reads one experiment file, collecting every problem before raising them together."""

    top_fields: tuple[str, ...] = TOP_FIELDS  # the fields allowed at the file's top level

    def __init__(self, label: str):
        self.label = label
        self.problems: list[Problem] = []
        self.lines: dict[str, int | None] = {}  # field path -> line, for later problems
        self.replications: int | None = None
        self.seed: int | None = None
        self.file_hash = ""

    def refuse(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.label, path, line, message))

    def raise_problems(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems)

    def read(self, path: Path) -> LMap:
        files = FileReader()
        tree = files.read_file(self.label, path)
        self.file_hash = files.digest.hexdigest()
        self.problems += files.problems
        if tree is None and not files.problems:
            self.refuse("", None, "the file is empty")
        elif tree is not None and not isinstance(tree, LMap):
            self.refuse("", _line(tree), "an experiment file is a mapping of fields "
                        "(scenario:, parameters:, ...)")
        self.raise_problems()
        assert isinstance(tree, LMap)
        return tree

    def check_top(self, tree: LMap) -> None:
        _check_fields(self, tree, self.top_fields, "")
        self.replications = self.int_field(tree, "replications", 1, MAX_REPLICATIONS)
        self.seed = self.int_field(tree, "seed", 0)
        for key in ("name", "description"):
            self.text_field(tree, key)

    def text_field(self, tree: LMap, key: str) -> str | None:
        value = tree.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.refuse(key, tree.key_marks[key].line, f"expected text, got {value!r}")
            return None
        return value

    def int_field(self, tree: LMap, key: str, minimum: int,
                  maximum: int | None = None) -> int | None:
        value = tree.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.refuse(key, tree.key_marks[key].line,
                        f"expected a whole number >= {minimum}, got {value!r}")
            return None
        if maximum is not None and value > maximum:
            self.refuse(key, tree.key_marks[key].line,
                        f"at most {maximum:,} (got {value:,})")
            return None
        return value

    def load_base(self, tree: LMap) -> Scenario | None:
        target = tree.get("scenario")
        line = tree.key_marks["scenario"].line if "scenario" in tree else _line(tree)
        if target is None:
            self.refuse("scenario", line, "required field is missing (the base scenario "
                        "file, relative to this file)")
            return None
        if not isinstance(target, str) or not target.strip():
            self.refuse("scenario", line, f"expected a file name, got {target!r}")
            return None
        label = os.path.normpath(os.path.join(os.path.dirname(self.label), target))
        if not Path(label).is_file():
            self.refuse("scenario", line, f"cannot read {label}: no such file")
            return None
        try:
            return load_scenario(label)
        except ScenarioError as err:
            self.problems += err.problems
            return None

    def design(self, tree: LMap) -> str | None:
        design = tree.get("design", "grid")
        line = tree.key_marks["design"].line if "design" in tree else None
        if design not in DESIGNS:
            self.refuse("design", line, f"must be one of {', '.join(DESIGNS)}, got {design!r}")
            return None
        if design == "lhs" and tree.get("samples") is None:
            self.refuse("samples", line, "required for design: lhs (the number of points)")
        elif design != "lhs" and "samples" in tree:
            self.refuse("samples", tree.key_marks["samples"].line,
                        f"samples is for design: lhs only; design {design} takes every "
                        f"parameter's `values:`")
        if design == "lhs":
            self.int_field(tree, "samples", 1)
        return str(design)

    def parameters(self, tree: LMap, design: str | None) -> list[tuple[int, Parameter]]:
        """The well-formed parameters, each with its position in the file's list."""
        items = tree.get("parameters")
        if "parameters" not in tree:
            self.refuse("parameters", _line(tree), "required field is missing (a list of "
                        "{path: ..., values: [...]} or {path: ..., range: [min, max]})")
            return []
        line = tree.key_marks["parameters"].line
        if not isinstance(items, LList) or not items:
            self.refuse("parameters", line, "needs a list of at least one parameter, got "
                        f"{plain(items)!r}")
            return []
        self.lines["parameters"] = line
        found = [self.parameter(item, f"parameters[{i}]", items.item_marks[i].line, design)
                 for i, item in enumerate(items)]
        indexed = [(i, p) for i, p in enumerate(found) if p is not None]
        if design == "list" and len(indexed) == len(items):
            self.check_lengths([p for _, p in indexed])
        return indexed

    def parameter(self, item: Any, where: str, line: int, design: str | None
                  ) -> Parameter | None:
        if not isinstance(item, LMap):
            self.refuse(where, line, f"expected a mapping {{path: ..., values: [...]}}, "
                        f"got {plain(item)!r}")
            return None
        ok = _check_fields(self, item, PARAMETER_FIELDS, where)
        path = item.get("path")
        path_line = item.key_marks["path"].line if "path" in item else line
        self.lines[f"{where}.path"] = path_line
        if not isinstance(path, str) or not path.strip():
            message = ("required field is missing" if path is None
                       else f"expected a path such as stages.procurement.budget, got {path!r}")
            self.refuse(f"{where}.path", path_line, message)
            ok = False
        values, span, integer = self.parameter_values(item, where, line, design)
        if not ok or (values is None and span is None) or not isinstance(path, str):
            return None
        return Parameter(path.strip(), values, span, integer, line=path_line)

    def parameter_values(self, item: LMap, where: str, line: int, design: str | None
                         ) -> tuple[tuple[Any, ...] | None, tuple[float, float] | None, bool]:
        want = "range" if design == "lhs" else "values"
        other = "values" if design == "lhs" else "range"
        if design is not None and other in item:
            hint = ("lhs draws from `range: [min, max]`" if design == "lhs"
                    else f"design {design} takes `values: [...]`; `range` is for design: lhs")
            self.refuse(f"{where}.{other}", item.key_marks[other].line,
                        f"`{other}` does not fit design: {design} ({hint})")
        if "integer" in item and design is not None and design != "lhs":
            self.refuse(f"{where}.integer", item.key_marks["integer"].line,
                        "`integer` is for ranges (design: lhs); list whole numbers instead")
        if design is None:
            return None, None, False
        if want not in item:
            if other not in item:  # else the mismatch above says what to write
                self.refuse(where, line, f"needs `{want}:` (design: {design})")
            return None, None, False
        if want == "values":
            return self.values(item, where), None, False
        return None, self.range(item, where), self.integer(item, where)

    def values(self, item: LMap, where: str) -> tuple[Any, ...] | None:
        values, line = item["values"], item.key_marks["values"].line
        self.lines[f"{where}.values"] = line
        if not isinstance(values, LList) or not values:
            self.refuse(f"{where}.values", line,
                        f"needs a non-empty list of values, got {plain(values)!r}")
            return None
        for i, mark in enumerate(values.item_marks):
            self.lines[f"{where}.values[{i}]"] = mark.line
        return tuple(plain(v) for v in values)

    def range(self, item: LMap, where: str) -> tuple[float, float] | None:
        span, line = item["range"], item.key_marks["range"].line
        self.lines[f"{where}.range"] = line
        ok = (isinstance(span, LList) and len(span) == 2
              and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                      and math.isfinite(x) for x in span))
        if not ok or span[0] > span[1]:
            self.refuse(f"{where}.range", line,
                        f"needs [min, max], two numbers with min <= max, got {plain(span)!r}")
            return None
        lo, hi = float(span[0]), float(span[1])
        if item.get("integer") is True and math.ceil(lo) > math.floor(hi):
            self.refuse(f"{where}.range", line, f"holds no whole number, got {plain(span)!r}")
            return None
        return lo, hi

    def integer(self, item: LMap, where: str) -> bool:
        value = item.get("integer", False)
        if not isinstance(value, bool):
            self.refuse(f"{where}.integer", item.key_marks["integer"].line,
                        f"expected true or false, got {value!r}")
            return False
        return value

    def check_lengths(self, parameters: list[Parameter]) -> None:
        first = len(parameters[0].values or ())
        for i, p in enumerate(parameters[1:], start=1):
            if p.values is not None and len(p.values) != first:
                self.refuse(f"parameters[{i}].values", self.lines.get(f"parameters[{i}].values"),
                            f"has {len(p.values)} value(s), parameters[0] has {first}: design "
                            f"list takes the i-th value of every parameter together, so the "
                            f"lists must have the same length")

    def resolve(self, indexed: list[tuple[int, Parameter]], tree: dict[str, Any]
                ) -> list[tuple[int, Parameter]]:
        """The parameters with their targets (none where the path reaches nothing)."""
        resolved: list[tuple[int, Parameter]] = []
        for i, p in indexed:
            targets, reasons = resolve_path(tree, p.path)
            if p.path == "scenario.name" or p.path.startswith("scenario.name."):
                reasons = ["the point's name is set by the experiment (<name> / point-NNN)"]
            for reason in reasons:
                self.refuse(f"parameters[{i}].path", p.line, reason)
            for j, q in resolved:
                if any(_overlap(t.loc, u.loc) for t in targets for u in q.targets):
                    self.refuse(f"parameters[{i}].path", p.line,
                                f"sets a value that parameters[{j}] ({q.path}) sets too")
            resolved.append((i, replace(p, targets=() if reasons else tuple(targets))))
        return resolved

    def check_values(self, experiment: Experiment, indexed: list[tuple[int, Parameter]]
                     ) -> None:
        """Each value (or each end of a range) alone on the base scenario: a value that is
        refused is reported at its own line, whatever the other parameters."""
        for i, p in indexed:
            if not p.targets:
                continue
            if p.values is not None:
                for k, value in enumerate(p.values):
                    key = f"parameters[{i}].values[{k}]"
                    for problem in self.validate(experiment, {p.path: value}, [p], key)[1]:
                        detail = _detail(problem, experiment)
                        self.refuse(key, self.lines.get(key), f"{_show(value)} makes the "
                                    f"scenario invalid: {detail}")
            elif p.range is not None:
                self.check_range(experiment, i, p)

    def check_range(self, experiment: Experiment, i: int, p: Parameter) -> None:
        assert p.range is not None
        key = f"parameters[{i}].range"
        ends = (math.ceil(p.range[0]), math.floor(p.range[1])) if p.integer else p.range
        for end, value in zip(("min", "max"), ends, strict=True):
            for problem in self.validate(experiment, {p.path: value}, [p], key)[1]:
                self.refuse(key, self.lines.get(key), f"its {end} {_show(value)} makes the "
                            f"scenario invalid: {_detail(problem, experiment, p)}")

    def expand(self, experiment: Experiment) -> list[dict[str, Any]]:
        params = experiment.parameters
        if experiment.design == "lhs":
            assert experiment.samples is not None
            count = experiment.samples
        elif experiment.design == "grid":
            count = math.prod(len(p.values or ()) for p in params)
        else:
            count = len(params[0].values or ())
        if count > MAX_POINTS:
            self.refuse("parameters", self.lines.get("parameters"),
                        f"the {experiment.design} design has {count} points, more than "
                        f"{MAX_POINTS}; sweep fewer values (or use design: lhs)")
            return []
        if experiment.design == "lhs":
            seed = experiment.seed if experiment.seed is not None else experiment.base.scenario.seed
            return expand_lhs(params, count, seed)
        return expand_grid(params) if experiment.design == "grid" else expand_list(params)

    def build_points(self, experiment: Experiment, combos: list[dict[str, Any]]
                     ) -> list[SweepPoint]:
        width = max(3, len(str(len(combos) - 1)))
        points = []
        for index, values in enumerate(combos):
            name = f"point-{index:0{width}d}"
            scenario = self.build_point(experiment, name, values)
            if scenario is not None:
                points.append(SweepPoint(index, name, values, scenario))
        return points

    def build_point(self, experiment: Experiment, name: str, values: dict[str, Any]
                    ) -> Scenario | None:
        scenario, problems = self.validate(experiment, values, experiment.parameters, name)
        for problem in problems:
            self.explain(experiment, name, values, problem)
        return scenario

    def validate(self, experiment: Experiment, values: dict[str, Any],
                 parameters: list[Parameter], name: str) -> tuple[Scenario | None, list[Problem]]:
        """The base scenario with `values` set at the parameters' targets, checked again."""
        tree = copy.deepcopy(experiment.base_resolved)
        meta = tree["scenario"]
        meta["name"] = f"{experiment.name} / {name}"
        if experiment.replications is not None:
            meta["replications"] = experiment.replications
        if experiment.seed is not None:
            meta["seed"] = experiment.seed
        for p in parameters:
            for target in p.targets:
                _set(tree, target.loc, copy.deepcopy(values[p.path]))
        root = LMap(Mark(self.label, 1))  # the schema checks see plain data either way
        root.update(tree)
        scenario, problems = validate_tree(root, f"{self.label} {name}")
        if scenario is not None:
            scenario._source_file = self.label
            scenario._source_hash = hashlib.sha256(
                (self.file_hash + json.dumps(tree, sort_keys=True, default=str)).encode()
            ).hexdigest()
        return scenario, problems

    def explain(self, experiment: Experiment, name: str, values: dict[str, Any],
                problem: Problem) -> None:
        """Report a point's problem: at the range it was drawn from when one parameter
        caused it, else at `parameters:` with the point's values (values that are refused
        alone were reported by `check_values` already)."""
        params = experiment.parameters
        culprits = [i for i, p in enumerate(params)
                    if any(_related(problem.path, t.loc) for t in p.targets)]
        if len(culprits) > 1:  # prefer the value itself over its neighbours
            culprits = [i for i in culprits if any(
                _related(problem.path, t.loc, strict=True) for t in params[i].targets)] or culprits
        if len(culprits) == 1 and params[culprits[0]].range is not None:
            i = culprits[0]
            key, value = f"parameters[{i}].range", values[params[i].path]
            self.refuse(key, self.lines.get(key), f"{name} draws {_show(value)}, which makes "
                        f"the scenario invalid: {_detail(problem, experiment, params[i])}")
            return
        shown = ", ".join(f"{path} = {_show(v)}" for path, v in values.items())
        self.refuse("parameters", self.lines.get("parameters"),
                    f"{name} ({shown}) makes the scenario invalid: {_detail(problem, experiment)}")


# --------------------------------------------------------------------------- helpers


def _check_fields(reader: _Reader, tree: LMap, allowed: tuple[str, ...], where: str) -> bool:
    ok = True
    for key in tree:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.7)
            path = f"{where}.{key}" if where else str(key)
            reader.refuse(path, tree.key_marks[key].line, f"unknown field {key!r}"
                          + (f" (did you mean {hint[0]!r}?)" if hint else "")
                          + f" (fields: {', '.join(allowed)})")
            ok = False
    return ok


def _line(tree: Any) -> int | None:
    mark = getattr(tree, "mark", None)
    return mark.line if mark is not None else None


def _set(tree: Any, loc: tuple[str | int, ...], value: Any) -> None:
    node = tree
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value


def _overlap(a: tuple[str | int, ...], b: tuple[str | int, ...]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


_TOKEN = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def _tokens(path: str) -> tuple[str, ...]:
    return tuple(m.group(1) if m.group(1) is not None else m.group(2)
                 for m in _TOKEN.finditer(path))


def _related(problem_path: str, loc: tuple[str | int, ...], strict: bool = False) -> bool:
    """Whether a problem at `problem_path` concerns the swept value at `loc`: the same
    value, one inside it or around it, or (unless `strict`) a sibling in its mapping."""
    got, want = _tokens(problem_path), tuple(str(x) for x in loc)
    n = min(len(got), len(want))
    if got[:n] == want[:n]:
        return True
    return not strict and len(got) >= len(want) - 1 and got[:len(want) - 1] == want[:-1]


def _readable(path: str, tree: Any) -> str:
    """A problem's field path with list positions written as ids where items have them."""
    out, node = "", tree
    for token in _tokens(path):
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            item = node[int(token)]
            shown = item["id"] if isinstance(item, dict) and "id" in item else token
            out, node = f"{out}[{shown}]", item
        elif isinstance(node, dict) and token in node:
            out, node = (f"{out}.{token}" if out else token), node[token]
        else:
            out, node = (f"{out}.{token}" if out else token), None
    return out


def _detail(problem: Problem, experiment: Experiment, parameter: Parameter | None = None
            ) -> str:
    """A point's problem as "field path (with ids): message", with a hint for a range
    that draws fractions where a whole number is needed."""
    where = _readable(problem.path, experiment.base_resolved)
    text = f"{where}: {problem.message}" if where else problem.message
    if parameter is not None and not parameter.integer and "whole number" in problem.message:
        text += " (add `integer: true` to the parameter)"
    return text


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return repr(value) if isinstance(value, str) else str(value)

