"""The back-cast's observations: reading and checking `validation/observations.yaml`.

The file lists public facts of 2023–2025 that the frozen `as_of_2023` scenario did not
use. Each comparable observation names the model quantity it maps to (`model:`), the
observed value (a number, a date, or a `{min, max}` range), its original source and a
confidence; facts the model cannot produce a band for sit under `not_comparable:` with
the reason. A bad file is refused with every problem at once, each naming the file, the
line and the field path, as scenario files are (`simulator.scenario.errors`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.scenario.errors import Problem, format_path, pydantic_message, sort_problems
from simulator.scenario.yaml_loader import LMap, locate, parse_yaml, plain

KINDS = ("project_finish", "qualification_days", "supply", "supply_change", "local_share",
         "money_spent")
# the parameters each kind of model quantity needs
NEEDS: dict[str, tuple[str, ...]] = {
    "project_finish": ("projects",),
    "qualification_days": ("component",),
    "supply": ("component", "year"),
    "supply_change": ("component", "year", "base_year"),
    "local_share": ("year",),
    "money_spent": ("stages", "year"),
}
DATE_KINDS = ("project_finish",)
# the kinds whose `component` may be a list of ids, their units added
LIST_KINDS = ("supply", "supply_change")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ModelQuantity(_Strict):
    """Which per-replication model quantity an observation is compared with."""

    quantity: Literal["project_finish", "qualification_days", "supply", "supply_change",
                      "local_share", "money_spent"]
    projects: list[str] | None = Field(None, description="project ids: the first to finish")
    component: str | list[str] | None = Field(None, description=(
        "component id, or `all` (by value); for supply and supply_change also a list of "
        "ids whose units are added (one public count spanning several groups)"))
    year: int | None = Field(None, description="calendar year of a yearly quantity")
    base_year: int | None = Field(None, description="the year a change is measured from")
    stages: list[Literal["procurement", "investment"]] | None = None


class Observation(_Strict):
    """One public fact the model can produce a band for."""

    id: str = Field(min_length=1)
    measures: str = Field(min_length=1)
    model: ModelQuantity
    observed: Any = Field(description="a number, a date, or {min, max}")
    when: dt.date = Field(description="when the fact happened (inside the window)")
    source: str = Field(min_length=1)
    confidence: Literal["H", "M", "L"]
    note: str = ""

    def bounds(self) -> tuple[Any, Any]:
        """The observation as (low, high): equal for a single value; None for an open
        side."""
        if isinstance(self.observed, dict):
            return self.observed.get("min"), self.observed.get("max")
        return self.observed, self.observed


class NotComparable(_Strict):
    """A public fact of the window the model cannot produce a band for, and why."""

    id: str = Field(min_length=1)
    measures: str = Field(min_length=1)
    observed: str = Field(min_length=1)
    source: str = Field(min_length=1)
    confidence: Literal["H", "M", "L"]
    reason: str = Field(min_length=1)


class Window(_Strict):
    start: dt.date
    end: dt.date


class ObservationFile(_Strict):
    """`validation/observations.yaml`: the scenario tested, the window and the facts."""

    scenario: str = Field(min_length=1, description="scenario file, relative to this file")
    window: Window
    observations: list[Observation] = Field(min_length=1)
    not_comparable: list[NotComparable] = []


class ObservationsRefused(ValueError):
    """The observations file was refused; `.problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sort_problems(problems)
        n = len(self.problems)
        super().__init__("\n".join([f"observations refused: {n} problem{'' if n == 1 else 's'}",
                                    *(str(p) for p in self.problems)]))


class Observations:
    """A checked observations file, with where each value was written."""

    def __init__(self, path: Path, content: ObservationFile, tree: LMap):
        self.path = path
        self.content = content
        self._tree = tree

    @property
    def scenario_path(self) -> Path:
        return self.path.parent / self.content.scenario

    def check_against(self, project_ids: set[str], component_ids: set[str],
                      start: dt.date, end: dt.date) -> None:
        """Refuse observations naming projects or components the scenario lacks, or years
        outside its run."""
        issues: list[tuple[tuple[Any, ...], str]] = []
        for i, obs in enumerate(self.content.observations):
            model = obs.model
            at = ("observations", i, "model")
            for j, project in enumerate(model.projects or []):
                if project not in project_ids:
                    issues.append(((*at, "projects", j), f"no project {project!r} in the "
                                   "scenario"))
            named = model.component if isinstance(model.component, list) else [model.component]
            for j, component in enumerate(named):
                if component is not None and component not in component_ids | {"all"}:
                    where = (*at, "component", j) if isinstance(model.component, list) else (
                        *at, "component")
                    issues.append((where, f"no component {component!r} in the scenario "
                                   f"(components: {', '.join(sorted(component_ids))}, all)"))
            for key in ("year", "base_year"):
                year = getattr(model, key)
                if year is not None and not start.year <= year <= end.year:
                    issues.append(((*at, key), f"{year} is outside the run "
                                   f"({start.isoformat()} to {end.isoformat()})"))
        if issues:
            raise ObservationsRefused(_problems(issues, self._tree, str(self.path)))


def load_observations(path: str | Path) -> Observations:
    """Read and check an observations file.

    Raises
    ------
    ObservationsRefused
        With every problem found (file, line, field path, what is wrong).
    """
    path = Path(path)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ObservationsRefused([Problem(label, "", None, f"cannot read: {err}")]) from None
    problems: list[Problem] = []
    tree = parse_yaml(text, label, problems)
    if problems:
        raise ObservationsRefused(problems)
    if not isinstance(tree, LMap):
        raise ObservationsRefused([Problem(label, "", None, "expected a mapping with "
                                           "scenario:, window:, observations:")])
    issues: list[tuple[tuple[Any, ...], str]] = []
    content = None
    try:
        content = ObservationFile.model_validate(plain(tree))
    except ValidationError as err:
        issues += [(tuple(e["loc"]), pydantic_message(e)) for e in err.errors()]
    if content is not None:
        issues += _cross_checks(content)
    if issues:
        raise ObservationsRefused(_problems(issues, tree, label))
    assert content is not None
    return Observations(path, content, tree)


def _cross_checks(content: ObservationFile) -> list[tuple[tuple[Any, ...], str]]:
    """Parameters each kind needs, observed values of the kind's type, dates in the window,
    unique ids."""
    issues: list[tuple[tuple[Any, ...], str]] = []
    window = content.window
    if window.end <= window.start:
        issues.append((("window", "end"), "must be after window.start"))
    seen: set[str] = set()
    entries = [("observations", i, o.id) for i, o in enumerate(content.observations)]
    entries += [("not_comparable", i, o.id) for i, o in enumerate(content.not_comparable)]
    for group, i, ident in entries:
        if ident in seen:
            issues.append(((group, i, "id"), f"duplicate id {ident!r}"))
        seen.add(ident)
    for i, obs in enumerate(content.observations):
        at = ("observations", i)
        kind = obs.model.quantity
        for name in NEEDS[kind]:
            if getattr(obs.model, name) in (None, []):
                issues.append(((*at, "model", name), f"required for quantity {kind!r}"))
        if isinstance(obs.model.component, list) and kind not in LIST_KINDS:
            issues.append(((*at, "model", "component"), f"a list of components is added "
                           f"only for {' and '.join(LIST_KINDS)}, not for {kind!r}"))
        issues += _observed_issues(obs, at)
        if not window.start <= obs.when <= window.end:
            issues.append(((*at, "when"), f"{obs.when.isoformat()} is outside the window "
                           f"{window.start.isoformat()} to {window.end.isoformat()}"))
    return issues


def _observed_issues(obs: Observation, at: tuple[Any, ...]
                     ) -> list[tuple[tuple[Any, ...], str]]:
    """The observed value: of the type its quantity gives (a date or a number), a range
    with at least one bound and min not above max."""
    kind = obs.model.quantity
    wants_date = kind in DATE_KINDS
    what = "a date (YYYY-MM-DD)" if wants_date else "a number"
    if isinstance(obs.observed, dict):
        unknown = sorted(set(obs.observed) - {"min", "max"})
        if unknown:
            return [((*at, "observed", unknown[0]), f"unknown field {unknown[0]!r} (a range "
                     "has min and max)")]
    low, high = obs.bounds()
    if low is None and high is None:
        return [((*at, "observed"), f"give {what}, or a range with min, max or both")]
    for bound in (low, high):
        is_date = isinstance(bound, dt.date)
        is_number = isinstance(bound, int | float) and not isinstance(bound, bool)
        if bound is not None and not (is_date if wants_date else is_number):
            return [((*at, "observed"), f"quantity {kind!r} is compared with {what}, got "
                     f"{bound!r}")]
    if low is not None and high is not None and low > high:
        return [((*at, "observed"), "min is above max")]
    return []


def _problems(issues: list[tuple[tuple[Any, ...], str]], tree: Any, label: str
              ) -> list[Problem]:
    out = []
    for loc, message in issues:
        mark, clean = locate(tree, loc)
        out.append(Problem(mark.file if mark else label, format_path(clean),
                           mark.line if mark else None, message))
    return out
