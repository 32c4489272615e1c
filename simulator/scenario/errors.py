"""Problems found in a scenario, and the error that carries all of them.

Every check in this package reports a `Problem` naming the file, the field path, the line
and what is wrong; `ScenarioError` carries every problem found, not only the first. Field
paths are written `plants[2].lines[0].committed`: mapping keys joined by dots, list items
by their 0-based index in brackets (the index in the merged scenario when `extends` is
used; the file and line then say where the value was written).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (file, field path, line) and what."""

    file: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario was refused; `.problems` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sort_problems(problems)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        n = len(self.problems)
        header = f"scenario refused: {n} problem{'' if n == 1 else 's'}"
        return "\n".join([header, *(str(p) for p in self.problems)])


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Drop exact repeats; order by file (first appearance), then line."""
    unique = list(dict.fromkeys(problems))
    file_order = {f: i for i, f in reversed(list(enumerate(p.file for p in unique)))}
    return sorted(unique, key=lambda p: (file_order[p.file], p.line or 0))


def format_path(loc: Sequence[Any]) -> str:
    """`("plants", 2, "lines", 0, "committed")` -> `plants[2].lines[0].committed`."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif _IDENTIFIER.match(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{part}]"
    return out


def describe_value(value: Any) -> str:
    """A short rendering of a bad input for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def pydantic_message(error: Mapping[str, Any], allowed: Sequence[str] = ()) -> str:
    """Plain words for one pydantic error (`ValidationError.errors()` item).

    `allowed` lists the field names accepted where an unknown field was found, to suggest
    the closest one.
    """
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "extra_forbidden":
        name = error["loc"][-1] if error["loc"] else "?"
        hint = _closest(str(name), allowed)
        return f"unknown field {name!r}" + (f" (did you mean {hint!r}?)" if hint else "")
    if kind == "missing":
        return "required field is missing"
    if kind in ("greater_than_equal", "greater_than", "less_than", "less_than_equal"):
        op, bound = {
            "greater_than_equal": (">=", ctx.get("ge")),
            "greater_than": (">", ctx.get("gt")),
            "less_than": ("<", ctx.get("lt")),
            "less_than_equal": ("<=", ctx.get("le")),
        }[kind]
        return f"must be {op} {_num(bound)}, got {describe_value(value)}"
    if kind in ("float_type", "int_type", "int_from_float", "finite_number", "float_parsing"):
        want = "a whole number" if kind.startswith("int") else "a finite number"
        return f"expected {want}, got {describe_value(value)}"
    if kind in ("string_type",):
        return f"expected text, got {describe_value(value)}"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"expected true or false, got {describe_value(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping (key: value), got {describe_value(value)}"
    if kind == "list_type":
        return f"expected a list, got {describe_value(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {describe_value(value)}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s), has {ctx.get('actual_length')}"
    if kind == "string_too_short":
        return "must not be empty"
    # custom errors (dates, distributions, policies) already speak plainly
    message = str(error.get("msg", kind))
    return message.removeprefix("Value error, ")


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _closest(name: str, allowed: Sequence[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.7)
    return matches[0] if matches else None
