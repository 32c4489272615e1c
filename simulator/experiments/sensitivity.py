"""Global sensitivity experiments: an experiment file and its SALib design.

A sensitivity experiment is a sweep whose points come from SALib's sampler: Morris
trajectories (`method: morris`) or Saltelli/Sobol' samples (`method: sobol`) over the
factors' ranges. Factors are scenario paths as in `sweep` with a `range: [min, max]`, or
the shortcut `{confidence: L}`: every figure of the base scenario whose confidence is L
(or the level given) and that carries a range (a distribution with `min` and `max`), each
fixed at a value in [min, max] at every point (docs/design/decisions.md says why). Every
point keeps the experiment's seed, so replication r shares its draws across points.
`load_sensitivity` refuses anything wrong, with file, line and field path, before
anything runs.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any

import numpy as np

from simulator.experiments.paths import Target
from simulator.experiments.sweep import (
    Experiment,
    Parameter,
    SweepPoint,
    _check_fields,
    _line,
    _overlap,
    _Reader,
)
from simulator.scenario import Problem, Scenario, ScenarioError
from simulator.scenario.yaml_loader import LList, LMap, plain

METHODS = ("morris", "sobol")
TOP_FIELDS = ("scenario", "name", "description", "replications", "seed", "method",
              "trajectories", "levels", "samples", "outcomes", "factors")
FACTOR_FIELDS = ("path", "range", "integer", "name")
SHORTCUT_FIELDS = ("confidence", "group")
LEVELS = ("H", "M", "L")
Spans = tuple[tuple[float, float], ...]
MAX_POINTS = 20_000  # more is surely a slip (Sobol' costs N(k + 2) points)


@dataclass(frozen=True)
class Factor:
    """One factor: a scenario path, its range, and where it came from."""

    name: str
    parameter: Parameter
    origin: str = "path"  # "path" (written in the file) or "confidence L" (the shortcut)
    spans: tuple[tuple[float, float], ...] = ()  # shortcut: each target's (min, max)

    @property
    def unit(self) -> bool:
        """Whether the factor is a position in [0, 1] within each target's own range."""
        return bool(self.spans)


@dataclass
class SensitivityExperiment:
    """A loaded sensitivity experiment: the design (SALib's unit-free sample `X`), the
    factors, the points (one scenario each), the outcomes asked for."""

    name: str
    method: str
    factors: list[Factor]
    sample: np.ndarray  # SALib's X: one row per point, one column per factor
    sweep: Experiment  # the base scenario and the points, as a sweep holds them
    outcomes: list[str]
    trajectories: int | None = None
    levels: int = 4
    samples: int | None = None
    source_file: str = ""
    description: str | None = None
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def points(self) -> list[SweepPoint]:
        return self.sweep.points

    @property
    def seed(self) -> int:
        return int(self.sweep.seed if self.sweep.seed is not None
                   else self.sweep.base.scenario.seed)

    @property
    def replications(self) -> int:
        return int(self.sweep.replications or self.sweep.base.scenario.replications)


def salib_problem(factors: list[Factor]) -> dict[str, Any]:
    """SALib's problem dict: the factors' names and ranges."""
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [list(f.parameter.range or (0.0, 1.0)) for f in factors]}


def salib_sample(method: str, problem: dict[str, Any], *, trajectories: int | None,
                 levels: int, samples: int | None, seed: int) -> np.ndarray:
    """The design: Morris trajectories (r(k + 1) points) or Saltelli/Sobol' samples
    (N(k + 2) points, first-order and total indices only)."""
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, int(trajectories or 10), num_levels=levels,
                                        seed=seed))
    from SALib.sample import sobol

    return np.asarray(sobol.sample(problem, int(samples or 64), calc_second_order=False,
                                   seed=seed))


def design_size(method: str, k: int, trajectories: int | None, samples: int | None) -> int:
    """Points of a design: r(k + 1) for Morris, N(k + 2) for Sobol'."""
    return (int(trajectories or 10) * (k + 1) if method == "morris"
            else int(samples or 64) * (k + 2))


def load_sensitivity(path: str | os.PathLike[str]) -> SensitivityExperiment:
    """Read a sensitivity experiment file and build every point's scenario.

    Raises
    ------
    ScenarioError
        With every problem found (unknown fields, a method or outcome that does not
        exist, factors that reach nothing or overlap, a shortcut that finds no figure, a
        range end that makes the scenario invalid), each with file, line and field path.
    """
    from simulator.analysis.outcomes import check_outcomes, default_outcomes

    reader = _SensitivityReader(str(path))
    tree = reader.read(Path(path))
    reader.check_top(tree)
    base = reader.load_base(tree)
    method = reader.method(tree)
    if base is None or method is None:
        reader.raise_problems()
    assert base is not None and method is not None
    sweep = Experiment(
        name=reader.text_field(tree, "name") or Path(path).stem, base=base,
        base_resolved=base.resolved_dict(), parameters=[], points=[], design="sensitivity",
        replications=reader.replications, seed=reader.seed,
        description=reader.text_field(tree, "description"), source_file=str(path))
    trajectories, levels, samples = reader.sizes(tree, method)
    indexed = reader.factors(tree, sweep.base_resolved)
    indexed = reader.resolve(indexed, sweep.base_resolved)
    reader.check_values(sweep, indexed)
    outcomes = reader.outcome_list(tree, base, check_outcomes, default_outcomes)
    reader.raise_problems()
    factors = [Factor(reader.names[i], p, reader.origins[i], reader.spans.get(i, ()))
               for i, p in indexed]
    sweep.parameters = [f.parameter for f in factors]
    count = design_size(method, len(factors), trajectories, samples)
    if count > MAX_POINTS:
        reader.refuse("factors", reader.lines.get("factors"),
                      f"the {method} design has {count:,} points, more than {MAX_POINTS:,}; "
                      f"use fewer factors, trajectories or samples")
        reader.raise_problems()
    problem = salib_problem(factors)
    seed = reader.seed if reader.seed is not None else int(base.scenario.seed)
    sample = salib_sample(method, problem, trajectories=trajectories, levels=levels,
                          samples=samples, seed=seed)
    combos = [{f.parameter.path: _value(float(x), f.parameter) for f, x in zip(factors, row,
                                                                               strict=True)}
              for row in sample]
    sweep.points = reader.build_points(sweep, combos)
    reader.raise_problems()
    return SensitivityExperiment(
        name=sweep.name, method=method, factors=factors, sample=sample, sweep=sweep,
        outcomes=outcomes, trajectories=trajectories, levels=levels, samples=samples,
        source_file=str(path), description=sweep.description, problem=problem)


def scenario_at(experiment: SensitivityExperiment, values: dict[str, float],
                name: str = "point") -> Scenario:
    """The base scenario with each factor at `values[factor name]` (a written factor's
    value, rounded when `integer`; a shortcut factor's position u, each of its figures
    at min + u (max - min)), the experiment's seed and replications: a point outside
    the design (for other samplers, e.g. the EMA Workbench's).

    Raises
    ------
    ScenarioError
        If a value is missing or makes the scenario invalid.
    """
    import copy

    from simulator.scenario import validate_tree
    from simulator.scenario.yaml_loader import Mark

    sweep = experiment.sweep
    tree = copy.deepcopy(sweep.base_resolved)
    meta = tree["scenario"]
    meta["name"] = f"{experiment.name} / {name}"
    meta["seed"] = experiment.seed
    meta["replications"] = experiment.replications
    label = experiment.source_file or experiment.name
    missing = [f.name for f in experiment.factors if f.name not in values]
    if missing:
        raise ScenarioError([Problem(label, "factors", None,
                                     f"no value given for {', '.join(missing)}")])
    for factor in experiment.factors:
        x = float(values[factor.name])
        spans = factor.spans or tuple((x, x) for _ in factor.parameter.targets)
        for target, (lo, hi) in zip(factor.parameter.targets, spans, strict=True):
            value = lo + x * (hi - lo) if factor.unit else _value(x, factor.parameter)
            node: Any = tree
            for part in target.loc[:-1]:
                node = node[part]
            node[target.loc[-1]] = value
    root = LMap(Mark(label, 1))
    root.update(tree)
    scenario, problems = validate_tree(root, f"{label} {name}")
    if scenario is None:
        raise ScenarioError(problems)
    return scenario


def replace_param(parameter: Parameter, path: str, target: Target) -> Parameter:
    """`parameter` as one of its targets alone, under its own key."""
    return dc_replace(parameter, path=path, targets=(target,))


def _value(x: float, parameter: Parameter) -> float | int:
    """A sampled value as the scenario takes it: whole numbers rounded to the nearest."""
    return int(round(x)) if parameter.integer else x


# --------------------------------------------------------------------------- shortcut


@dataclass(frozen=True)
class Figure:
    """A ranged figure the shortcut found: its path (with ids), place and range."""

    path: str
    loc: tuple[str | int, ...]
    low: float
    high: float

    @property
    def field(self) -> str:
        """The path with every list item written [*]: figures of one field share it."""
        return re.sub(r"\[[^\]]*\]", "[*]", self.path)


def ranged_figures(tree: dict[str, Any], level: str) -> list[Figure]:
    """Every figure of a resolved scenario whose confidence is `level` and that carries a
    range: a distribution mapping with numeric `min` < `max` (its own `confidence`, else
    that of the nearest mapping around it), in file order."""
    found: list[Figure] = []

    def walk(node: Any, path: str, loc: tuple[str | int, ...], inherited: str | None) -> None:
        if isinstance(node, dict):
            own = node.get("confidence", inherited)
            if "dist" in node:
                lo, hi = node.get("min"), node.get("max")
                if own == level and isinstance(lo, (int, float)) and isinstance(hi, (int, float)) \
                        and _number(lo) and _number(hi) and lo < hi:
                    found.append(Figure(path, loc, float(lo), float(hi)))
                return
            for key, value in node.items():
                if key not in ("source", "confidence"):
                    walk(value, f"{path}.{key}" if path else str(key), (*loc, key), own)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                shown = item["id"] if isinstance(item, dict) and "id" in item else str(i)
                walk(item, f"{path}[{shown}]", (*loc, i), inherited)

    walk(tree, "", (), None)
    return found


def grouped_figures(figures: list[Figure], group: bool) -> list[list[Figure]]:
    """One factor's figures each: all figures of one field together (`group`), or one
    figure each."""
    if not group:
        return [[f] for f in figures]
    groups: dict[str, list[Figure]] = {}
    for figure in figures:
        groups.setdefault(figure.field, []).append(figure)
    return list(groups.values())


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


# --------------------------------------------------------------------------- reading


class _SensitivityReader(_Reader):
    """Reads a sensitivity experiment file, collecting every problem (as a sweep's).

    Factor k is handled by the sweep's checks as `parameters[k]`; `where[k]` is its place
    in the file (`factors[i]`), which the problems are reported at."""

    top_fields = TOP_FIELDS

    def __init__(self, label: str):
        super().__init__(label)
        self.names: dict[int, str] = {}
        self.origins: dict[int, str] = {}
        self.where: dict[int, str] = {}
        self.spans: dict[int, tuple[tuple[float, float], ...]] = {}

    def method(self, tree: LMap) -> str | None:
        method = tree.get("method")
        line = tree.key_marks["method"].line if "method" in tree else _line(tree)
        if method not in METHODS:
            what = "required field is missing" if method is None else f"got {method!r}"
            self.refuse("method", line, f"{what}: one of {', '.join(METHODS)}")
            return None
        return str(method)

    def sizes(self, tree: LMap, method: str) -> tuple[int | None, int, int | None]:
        """trajectories and levels (Morris), samples (Sobol', a power of 2)."""
        own = ("trajectories", "levels") if method == "morris" else ("samples",)
        for key in ("trajectories", "levels", "samples"):
            if key in tree and key not in own:
                self.refuse(key, tree.key_marks[key].line,
                            f"{key} is not for method: {method} (morris takes trajectories "
                            f"and levels, sobol samples)")
        trajectories = self.int_field(tree, "trajectories", 2) if method == "morris" else None
        levels = (self.int_field(tree, "levels", 2) or 4) if method == "morris" else 4
        if method == "morris" and levels % 2:
            self.refuse("levels", tree.key_marks["levels"].line,
                        f"must be even (Morris' step is levels / (2 (levels - 1))), got {levels}")
        samples = self.int_field(tree, "samples", 2) if method == "sobol" else None
        if samples is not None and samples & (samples - 1):
            self.refuse("samples", tree.key_marks["samples"].line,
                        f"must be a power of 2 (Sobol' sequences), got {samples}")
        if method == "morris":
            trajectories = trajectories or 10
        else:
            samples = samples or 64
        return trajectories, levels, samples

    def factors(self, tree: LMap, base: dict[str, Any]) -> list[tuple[int, Parameter]]:
        """The factors in order: written ones and those the shortcut finds."""
        items = tree.get("factors")
        if "factors" not in tree:
            self.refuse("factors", _line(tree), "required field is missing (a list of "
                        "{path: ..., range: [min, max]} or {confidence: L})")
            return []
        line = tree.key_marks["factors"].line
        self.lines["factors"] = line
        if isinstance(items, LMap):  # `factors: {confidence: L}` alone
            pairs = [("factors", items, line)]
        elif isinstance(items, LList) and items:
            pairs = [(f"factors[{i}]", item, mark.line)
                     for i, (item, mark) in enumerate(zip(items, items.item_marks,
                                                          strict=True))]
        else:
            self.refuse("factors", line, f"needs a list of factors, got {plain(items)!r}")
            return []
        out: list[tuple[int, Parameter]] = []
        for where, item, item_line in pairs:
            if isinstance(item, LMap) and "confidence" in item and "path" not in item:
                out += self.shortcut(item, where, item_line, base, len(out))
            else:
                found = self.factor(item, where, item_line, len(out))
                out += [(len(out), found)] if found is not None else []
        if not out and not self.problems:
            self.refuse("factors", line, "no factor to vary")
        names = [self.names[i] for i, _ in out]
        for i, name in enumerate(names):
            if name in names[:i]:
                self.refuse(self.where[out[i][0]], line, f"two factors are named {name!r}")
        return out

    def factor(self, item: Any, where: str, line: int, k: int) -> Parameter | None:
        """A written factor: `path`, `range`, optional `integer` and `name`."""
        if not isinstance(item, LMap):
            self.refuse(where, line, f"expected a mapping {{path: ..., range: [min, max]}}, "
                        f"got {plain(item)!r}")
            return None
        ok = _check_fields(self, item, FACTOR_FIELDS, where)
        if "range" not in item:
            self.refuse(where, line, "needs `range: [min, max]`")
            return None
        sweep_item = LMap(item.mark)
        for key in ("path", "range", "integer"):
            if key in item:
                sweep_item[key] = item[key]
                sweep_item.key_marks[key] = item.key_marks[key]
        self.where[k] = where
        parameter = super().parameter(sweep_item, f"parameters[{k}]", line, "lhs")
        if parameter is None or not ok:
            return None
        assert parameter.range is not None
        if parameter.range[0] == parameter.range[1]:
            self.refuse(f"parameters[{k}].range", self.lines.get(f"parameters[{k}].range"),
                        "min and max are equal: a factor needs a range to vary over")
            return None
        name = item.get("name")
        if "name" in item and (not isinstance(name, str) or not name.strip()):
            self.refuse(f"{where}.name", item.key_marks["name"].line,
                        f"expected text, got {plain(name)!r}")
        self.names[k] = name if isinstance(name, str) and name.strip() else parameter.path
        self.origins[k] = "path"
        return parameter

    def shortcut(self, item: LMap, where: str, line: int, base: dict[str, Any],
                 first: int) -> list[tuple[int, Parameter]]:
        """`{confidence: L, group: true}`: one factor per field of ranged figures of that
        confidence (`group: false`: per figure), each a position u in [0, 1] that sets
        every figure it holds to min + u (max - min)."""
        _check_fields(self, item, SHORTCUT_FIELDS, where)
        level = item.get("confidence")
        at = item.key_marks["confidence"].line
        group = item.get("group", True)
        if not isinstance(group, bool):
            self.refuse(f"{where}.group", item.key_marks["group"].line,
                        f"expected true or false, got {plain(group)!r}")
            return []
        if level not in LEVELS:
            self.refuse(f"{where}.confidence", at,
                        f"one of {', '.join(LEVELS)}, got {plain(level)!r}")
            return []
        figures = ranged_figures(base, str(level))
        if not figures:
            self.refuse(f"{where}.confidence", at,
                        f"the scenario has no figure of confidence {level} with a range "
                        f"(a distribution with min and max)")
        out = []
        for j, members in enumerate(grouped_figures(figures, group)):
            k = first + j
            path = members[0].path if len(members) == 1 else members[0].field
            self.names[k], self.origins[k] = path, f"confidence {level}"
            self.where[k] = f"{where} ({path})"
            self.spans[k] = tuple((f.low, f.high) for f in members)
            self.lines[f"parameters[{k}].range"] = at
            self.lines[f"parameters[{k}].path"] = at
            targets = tuple(Target(f.loc, f.path) for f in members)
            out.append((k, Parameter(path, None, (0.0, 1.0), False, targets, line=at)))
        return out

    def resolve(self, indexed: list[tuple[int, Parameter]], tree: dict[str, Any]
                ) -> list[tuple[int, Parameter]]:
        """Written factors resolved as a sweep's; the shortcut's carry their targets. A
        value two factors would set is refused."""
        written = super().resolve([(i, p) for i, p in indexed if i not in self.spans], tree)
        by_index = dict(written)
        resolved = [(i, by_index.get(i, p)) for i, p in indexed]
        for n, (i, p) in enumerate(resolved):
            for j, q in resolved[:n]:
                if (i in self.spans or j in self.spans) and any(
                        _overlap(t.loc, u.loc) for t in p.targets for u in q.targets):
                    self.refuse(f"parameters[{i}].path", self.lines.get(f"parameters[{i}].path"),
                                f"sets a value that {self.names[j]} sets too")
        return resolved

    def validate(self, experiment: Experiment, values: dict[str, Any],
                 parameters: list[Parameter], name: str) -> tuple[Scenario | None, list[Problem]]:
        """As a sweep's, where a shortcut factor's position u sets each of its figures to
        min + u (max - min)."""
        spans = {self.names[k]: v for k, v in self.spans.items()}
        paths = {p.path for p in parameters}
        spans = {path: v for path, v in spans.items() if path in paths}
        if not spans:
            return super().validate(experiment, values, parameters, name)
        return self.validate_with(experiment, values, parameters, spans, name)

    def validate_with(self, experiment: Experiment, values: dict[str, Any],
                      parameters: list[Parameter], spans: dict[str, Spans],
                      name: str) -> tuple[Scenario | None, list[Problem]]:
        """The base with the written values set and the shortcut's figures at their
        positions, checked again."""
        expanded = dict(values)
        targets: list[Parameter] = []
        for p in parameters:
            if p.path in spans:
                u = float(values[p.path])
                for m, (target, (lo, hi)) in enumerate(zip(p.targets, spans[p.path],
                                                           strict=True)):
                    key = f"{p.path}#{m}"
                    expanded[key] = lo + u * (hi - lo)
                    targets.append(replace_param(p, key, target))
            else:
                targets.append(p)
        return super().validate(experiment, expanded, targets, name)

    def outcome_list(self, tree: LMap, base: Any, check: Any, default: Any) -> list[str]:
        """The outcomes asked for (checked against the scenario), or the defaults."""
        if "outcomes" not in tree:
            return list(default(base))
        items, line = tree["outcomes"], tree.key_marks["outcomes"].line
        if not isinstance(items, LList) or not items \
                or not all(isinstance(x, str) for x in items):
            self.refuse("outcomes", line, f"needs a list of outcome names, got {plain(items)!r}")
            return []
        for i, (name, mark) in enumerate(zip(items, items.item_marks, strict=True)):
            reason = check(str(name), base)
            if reason:
                self.refuse(f"outcomes[{i}]", mark.line, reason)
        return [str(x) for x in dict.fromkeys(items)]

    def raise_problems(self) -> None:
        """Raise every problem, each at the factor's place in the file."""
        if not self.problems:
            return
        pattern = re.compile(r"parameters\[(\d+)\]")

        def place(found: re.Match[str]) -> str:
            return self.where.get(int(found.group(1)), found.group(0))

        def moved(problem: Problem) -> Problem:
            return dc_replace(problem, path=pattern.sub(place, problem.path),
                              message=pattern.sub(place, problem.message))

        raise ScenarioError([moved(p) for p in self.problems])
