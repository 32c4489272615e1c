"""Safe YAML reading that remembers where every value was written.

The text is composed into YAML nodes (never constructed by PyYAML), then turned into
`LMap`/`LList` containers — a dict and a list that also hold the `Mark(file, line)` of each
key and item — so that any later problem can name its file and line, even after `extends`
has merged several files. Only plain data is built: any tag beyond the standard scalar,
mapping and sequence tags (e.g. `!!python/object/apply:os.system`) is refused without
running anything. Numbers in exponent form (`60e6`, `2e-3`) are floats; `true`/`false` are
the only booleans (so `country: NO` stays the text "NO"); duplicate keys are refused.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from simulator.scenario.errors import Problem, format_path

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MAX_NODES = 200_000  # guards against alias bombs ("billion laughs")

_FLOAT = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


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
    """SafeLoader with YAML 1.2-style floats (`60e6`) and booleans (`true`/`false` only)."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's own class attribute)
        first: [
            (tag, _FLOAT if tag == _TAG + "float" else _BOOL if tag == _TAG + "bool" else rx)
            for tag, rx in resolvers
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


class _TooLarge(Exception):
    pass


def parse_yaml(text: str, file: str, problems: list[Problem]) -> Any:
    """Parse `text` into plain data with marks; append any problem found to `problems`.

    Returns None (and records a problem) when the text is not valid YAML.
    """
    loader = ScenarioLoader(text)
    try:
        node = loader.get_single_node()
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
        problems.append(Problem(file, "", None, "file too large (too many values or aliases)"))
        return None


class _Builder:
    """Turns composed YAML nodes into LMap/LList/scalars, recording problems."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        self.count = 0
        self.constructor = SafeConstructor()

    def mark(self, node: Node) -> Mark:
        return Mark(self.file, node.start_mark.line + 1)

    def refuse(self, node: Node, loc: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.file, format_path(loc), self.mark(node).line, message))

    def build(self, node: Node, loc: tuple[Any, ...]) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _TooLarge
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
        construct = yaml.SafeLoader.yaml_constructors[node.tag]
        try:
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
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                self.refuse(key_node, loc, "mapping keys must be plain values")
                continue
            key = self.scalar(key_node)
            if key in out:
                first = out.key_marks[key].line
                self.refuse(key_node, loc + (key,),
                            f"duplicate key {key!r} (first at line {first})")
                continue
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
