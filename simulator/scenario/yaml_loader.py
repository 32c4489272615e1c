"""Safe YAML reading that remembers where every value was written.

The text is composed into YAML nodes (never constructed by PyYAML), then turned into
`LMap`/`LList` containers — a dict and a list that also hold the `Mark(file, line)` of each
key and item — so that any later problem can name its file and line, even after `extends`
has merged several files. Only plain data is built: any tag beyond the standard scalar,
mapping and sequence tags (e.g. `!!python/object/apply:os.system`) is refused without
running anything. Duplicate keys are refused.

Scalars are read as YAML 1.2 (core schema) reads them, not as YAML 1.1, so that nothing is
taken silently in a sense the author did not mean: `true`/`false` are the only booleans
(`country: NO` stays the text "NO"); numbers are decimal (`010` is 10, not octal 8),
`0o17` octal, `0x1F` hex, floats with an optional exponent (`60e6`, `2e-3`); `_` may
separate digits (`1_000_000`); base-60 forms such as `1:30` are text (a number field then
refuses them, a name keeps them). Dates (`2024-01-01`) are still read as dates.

Limits (`limits.py`): nesting deeper than `MAX_NESTING_DEPTH` (aliases counted, so a
cyclic alias ends there too) and more than `_MAX_NODES` values are refused; so is a raw
control character (only tab and line breaks are allowed), with its line.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, NamedTuple

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from simulator.scenario.errors import Problem, format_path
from simulator.scenario.limits import MAX_NESTING_DEPTH, explain

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MAX_NODES = 200_000  # guards against alias bombs ("billion laughs")

# YAML 1.2 core schema (`_` between digits allowed, as before); a float needs `.` or an
# exponent, so that the float resolver, listed before the int one, leaves integers alone
_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*\.[0-9_]*)(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_RESOLVERS = {_TAG + "int": _INT, _TAG + "float": _FLOAT, _TAG + "bool": _BOOL}
# C0 but tab, LF, CR; DEL; C1, NEL included (PyYAML would take NEL as a line break)
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Mark(NamedTuple):
    """Where a value was written: file label and 1-based line."""

    file: str
    line: int


class LMap(dict):  # type: ignore[type-arg]
    """A mapping that knows its own mark and the mark of each key."""

    def __init__(self, mark: Mark):
        super().__init__()
        self.mark = mark
        self.key_marks: dict[Any, Mark] = {}


class LList(list):  # type: ignore[type-arg]
    """A list that knows its own mark and the mark of each item."""

    def __init__(self, mark: Mark):
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []


class ScenarioLoader(yaml.SafeLoader):
    """SafeLoader reading numbers and booleans as YAML 1.2 does, refusing deep nesting."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's own class attribute)
        first: [(tag, _RESOLVERS.get(tag, rx)) for tag, rx in resolvers]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        """PyYAML's composer recurses once per level: stop before the stack runs out."""
        self.depth += 1
        try:
            if self.depth > MAX_NESTING_DEPTH:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _TooLarge(Exception):
    pass


class _TooDeep(Exception):
    """Nesting beyond MAX_NESTING_DEPTH; `args[0]` is the 1-based line where it went over."""


def to_int(text: str) -> int:
    """A YAML 1.2 integer (`42`, `-7`, `010` = 10, `0o17`, `0x1F`; `_` between digits)."""
    digits = text.replace("_", "")
    if digits.startswith("0o"):
        return int(digits[2:], 8)
    if digits.startswith("0x"):
        return int(digits[2:], 16)
    if not re.fullmatch(r"[-+]?[0-9]+", digits):
        raise ValueError(f"not a YAML 1.2 integer: {text!r}")
    return int(digits, 10)


def to_float(text: str) -> float:
    """A YAML 1.2 float (`60e6`, `.5`, `.inf`, `.nan`; `_` between digits); no base 60."""
    digits = text.replace("_", "").lower()
    sign = -1.0 if digits.startswith("-") else 1.0
    if digits.lstrip("+-") == ".inf":
        return sign * math.inf
    if digits == ".nan":
        return math.nan
    if ":" in digits:
        raise ValueError(f"not a YAML 1.2 number: {text!r}")
    return float(digits)


_CONSTRUCT = {_TAG + "int": to_int, _TAG + "float": to_float}
_DATE_TEXT = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")


def date_key(value: Any) -> dt.date | None:
    """The calendar date a key names however it is spelled (`2024-01-01`, quoted or not,
    `2024-1-1`), else None: two keys naming one date are one key given twice."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    found = _DATE_TEXT.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return None
    try:
        return dt.date(*(int(x) for x in found.groups()))
    except ValueError:
        return None


def parse_yaml(text: str, file: str, problems: list[Problem]) -> Any:
    """Parse `text` into plain data with marks; append any problem found to `problems`.

    Returns None (and records a problem) when the text is not valid YAML.
    """
    raw = _RAW_CONTROL.search(text)
    if raw is not None:
        problems.append(_control_problem(text, raw.start(), file))
        return None
    try:
        loader = ScenarioLoader(text)
    except ReaderError as err:  # another character PyYAML refuses (U+FFFE, ...)
        problems.append(_control_problem(text, int(err.position), file))
        return None
    try:
        node = loader.get_single_node()
    except _TooDeep as err:
        problems.append(Problem(file, "", err.args[0], _too_deep()))
        return None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(x for x in (err.context, err.problem) if x)
        problems.append(Problem(file, "", line, f"YAML syntax error: {what}"))
        return None
    except yaml.YAMLError as err:
        problems.append(Problem(file, "", None, f"YAML syntax error: {err}"))
        return None
    finally:
        loader.dispose()
    if node is None:
        return None
    builder = _Builder(file, problems)
    try:
        return builder.build(node, ())
    except _TooLarge:
        problems.append(Problem(file, "", None, f"file too large (more than {_MAX_NODES:,} "
                                "values, aliases counted)"))
        return None
    except _TooDeep as err:
        problems.append(Problem(file, "", err.args[0], _too_deep(" (aliases counted)")))
        return None


def _too_deep(how: str = "") -> str:
    return (f"nested more than {MAX_NESTING_DEPTH} levels deep{how} "
            f"(limit {explain('MAX_NESTING_DEPTH')})")


def _control_problem(text: str, position: int, file: str) -> Problem:
    """A raw control character at `position` of `text`, with its line and column."""
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return Problem(file, "", line, f"raw control character U+{ord(text[position]):04X} at "
                   f"column {column}: a scenario file is text, with tabs and line breaks as "
                   "its only control characters")


class _Builder:
    """Turns composed YAML nodes into LMap/LList/scalars, recording problems."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        self.count = 0
        self.depth = 0  # of build calls: aliases can nest (and cycle) beyond the composer's
        self.constructor = SafeConstructor()

    def mark(self, node: Node) -> Mark:
        return Mark(self.file, node.start_mark.line + 1)

    def refuse(self, node: Node, loc: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.file, format_path(loc), self.mark(node).line, message))

    def build(self, node: Node, loc: tuple[Any, ...]) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _TooLarge
        self.depth += 1
        try:
            if self.depth > MAX_NESTING_DEPTH:
                raise _TooDeep(self.mark(node).line)
            return self.build_node(node, loc)
        finally:
            self.depth -= 1

    def build_node(self, node: Node, loc: tuple[Any, ...]) -> Any:
        if isinstance(node, MappingNode):
            if node.tag != _TAG + "map":
                return self.bad_tag(node, loc)
            return self.build_map(node, loc)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                return self.bad_tag(node, loc)
            out = LList(self.mark(node))
            for i, item in enumerate(node.value):
                out.append(self.build(item, loc + (i,)))
                out.item_marks.append(self.mark(item))
            return out
        if node.tag not in _SCALAR_TAGS or not isinstance(node, ScalarNode):
            return self.bad_tag(node, loc)
        return self.scalar(node)

    def scalar(self, node: ScalarNode) -> Any:
        try:
            if node.tag in _CONSTRUCT:
                return _CONSTRUCT[node.tag](node.value)
            construct = yaml.SafeLoader.yaml_constructors[node.tag]
            return construct(self.constructor, node)
        except (ValueError, TypeError, yaml.YAMLError):
            # e.g. 2024-13-01 matches the date pattern but is no date: keep the text,
            # the schema then says it is not a valid date.
            return node.value

    def bad_tag(self, node: Node, loc: tuple[Any, ...]) -> None:
        tag = node.tag.replace(_TAG, "!!", 1) if node.tag.startswith(_TAG) else node.tag
        self.refuse(node, loc, f"YAML tag {tag} is not allowed (scenario files hold plain data)")

    def build_map(self, node: MappingNode, loc: tuple[Any, ...]) -> LMap:
        out = LMap(self.mark(node))
        merges: list[Node] = []
        dates: dict[dt.date, Any] = {}  # date -> the key that first named it
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                self.refuse(key_node, loc, "mapping keys must be plain values")
                continue
            key = self.scalar(key_node)
            day = date_key(key)
            if key in out:
                first = out.key_marks[key].line
                self.refuse(key_node, loc + (key,),
                            f"duplicate key {key!r} (first at line {first})")
                continue
            if day is not None and day in dates:
                twin = dates[day]
                self.refuse(key_node, loc + (key,), f"date {day} is given twice (as "
                            f"{_spelled(twin)} at line {out.key_marks[twin].line} and as "
                            f"{_spelled(key)}); give each date once")
                continue
            if day is not None:
                dates[day] = key
            out[key] = self.build(value_node, loc + (key,))
            out.key_marks[key] = self.mark(key_node)
        for source in merges:  # YAML merge keys (<<: *anchor): explicit keys win
            sources = source.value if isinstance(source, SequenceNode) else [source]
            for src in sources:
                merged = self.build(src, loc)
                if not isinstance(merged, LMap):
                    self.refuse(src, loc, "a merge key (<<) needs a mapping")
                    continue
                for key, value in merged.items():
                    if key not in out:
                        out[key] = value
                        out.key_marks[key] = merged.key_marks[key]
        return out


def _spelled(key: Any) -> str:
    return key.isoformat() if isinstance(key, dt.date) else repr(key)


def plain(value: Any) -> Any:
    """A deep copy of `value` as ordinary dicts and lists (marks dropped)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def locate(tree: Any, loc: tuple[Any, ...]) -> tuple[Mark | None, tuple[Any, ...]]:
    """The mark of the value at `loc` in `tree`, and `loc` with keys as written.

    Follows `loc` as far as it exists; the deepest mark found is returned (so a missing
    field points at the mapping that lacks it). Keys are matched by value, text or repr
    (pydantic reports a date key as its repr).
    """
    mark: Mark | None = getattr(tree, "mark", None)
    node = tree
    clean: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(node, LMap):
            key = _match_key(node, part)
            if key is None:
                clean.extend(loc[i:])
                break
            mark = node.key_marks.get(key, mark)
            clean.append(key.isoformat() if hasattr(key, "isoformat") else key)
            node = node[key]
        elif isinstance(node, LList) and isinstance(part, int) and 0 <= part < len(node):
            mark = node.item_marks[part]
            clean.append(part)
            node = node[part]
        else:
            clean.extend(loc[i:])
            break
    return mark, tuple(clean)


def _match_key(node: LMap, part: Any) -> Any:
    if part in node and not isinstance(part, bool):
        return part
    for key in node:
        if str(key) == str(part) or repr(key) == str(part):
            return key
    return None
