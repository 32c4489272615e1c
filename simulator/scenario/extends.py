"""`extends: other.yaml` — start from another scenario file and change it.

The path is relative to the file that says it, and the parent may extend in turn (cycles
are refused, naming the chain). Merging (SPEC.md §8, §10): mappings merge deeply; a list
merges by `id` only if every item in both lists is a mapping with an `id` (a new id is
appended, an item with `remove: true` drops the parent's item, and removing an id the
parent lacks is refused); any other list, an empty one included, replaces the parent's
whole. A child mapping with a `dist` key is a whole distribution and replaces the
parent's value (one without `dist` merges, to change a single parameter). Every merged
value keeps the mark of the file and line it came from.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from simulator.scenario.errors import Problem, format_path
from simulator.scenario.yaml_loader import LList, LMap, Mark, parse_yaml


class FileReader:
    """Reads scenario files, hashing their bytes in the order read and collecting problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.digest = hashlib.sha256()
        self.fatal = False  # some file could not be read or merged: the result is partial

    def read_text(self, label: str, data: bytes) -> Any:
        """Parse bytes already read from `label`."""
        self.digest.update(data)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            self.problems.append(Problem(label, "", None, f"not UTF-8 text ({err.reason})"))
            self.fatal = True
            return None
        before = len(self.problems)
        tree = parse_yaml(text, label, self.problems)
        if tree is None and len(self.problems) > before:
            self.fatal = True
        return tree

    def read_file(self, label: str, path: Path, where: Mark | None = None) -> Any:
        """Read and parse one file; a problem (at `where`, if given) when it cannot be read."""
        try:
            data = path.read_bytes()
        except OSError as err:
            reason = err.strerror or type(err).__name__
            file, line = (where.file, where.line) if where else (label, None)
            path_text = "extends" if where else ""
            self.problems.append(Problem(file, path_text, line, f"cannot read {label}: {reason}"))
            self.fatal = True
            return None
        return self.read_text(label, data)


def resolve_extends(
    tree: Any, label: str, real_path: Path | None, base_dir: Path, reader: FileReader,
    chain: tuple[tuple[str, Path], ...] = (),
) -> Any:
    """`tree` with its `extends` chain applied (the `extends` key itself removed)."""
    if not isinstance(tree, LMap) or "extends" not in tree:
        return tree
    child = _without(tree, "extends")
    target = tree["extends"]
    where = tree.key_marks["extends"]
    if target is None:
        return child
    if not isinstance(target, str) or not target.strip():
        _refuse(reader, where, "extends", f"expected a file name, got {target!r}")
        return child
    chain = chain + ((label, real_path or base_dir / label),)
    parent_real = (base_dir / target).resolve()
    parent_label = os.path.normpath(os.path.join(os.path.dirname(label), target))
    if label.startswith("<"):  # text given in memory: name the parent by base_dir
        parent_label = os.path.normpath(os.path.join(str(base_dir), target))
    seen = [lbl for lbl, real in chain if real.resolve() == parent_real]
    if seen:
        names = [lbl for lbl, _ in chain] + [parent_label]
        start = next(i for i, (_, real) in enumerate(chain) if real.resolve() == parent_real)
        _refuse(reader, where, "extends", "extends cycle: " + " -> ".join(names[start:]))
        return child
    parent = reader.read_file(parent_label, parent_real, where)
    if reader.fatal:
        return child
    if not isinstance(parent, LMap):
        what = "is empty" if parent is None else "is not a mapping of scenario fields"
        _refuse(reader, where, "extends", f"{parent_label} {what}")
        return child
    parent = resolve_extends(parent, parent_label, parent_real, parent_real.parent, reader, chain)
    return merge(parent, child, (), reader)


def merge(parent: Any, child: Any, loc: tuple[Any, ...], reader: FileReader) -> Any:
    """The child value laid over the parent value (see module docstring)."""
    if isinstance(parent, LMap) and isinstance(child, LMap):
        if "dist" in child:
            # a distribution is one value: a child that names its form replaces the parent's
            # whole, so a variant can turn a lognormal into a triangular
            return child
        out = _copy_map(parent, child.mark)
        for key, value in child.items():
            out[key] = merge(parent[key], value, loc + (key,), reader) if key in parent else value
            out.key_marks[key] = child.key_marks[key]
        return out
    if isinstance(parent, LList) and isinstance(child, LList):
        if child and _all_have_ids(parent) and _all_have_ids(child):
            return _merge_by_id(parent, child, loc, reader)
        for i, item in enumerate(child):
            if isinstance(item, LMap) and "remove" in item:
                _refuse(reader, item.key_marks["remove"], format_path(loc + (i, "remove")),
                        "`remove` only works when every item of this list and of the "
                        "extended file's list has an `id`; this list replaces the other whole",
                        fatal=False)
        return child
    return child


def _merge_by_id(parent: LList, child: LList, loc: tuple[Any, ...], reader: FileReader) -> LList:
    out = LList(child.mark)
    items = list(zip(parent, parent.item_marks, strict=True))
    seen: set[str] = set()
    for index, (item, mark) in enumerate(zip(child, child.item_marks, strict=True)):
        key = id_key(item["id"])
        if key in seen:
            _refuse(reader, mark, format_path(loc + (index, "id")),
                    f"duplicate id {key!r} in this list", fatal=False)
            continue
        seen.add(key)
        found = next((i for i, (p, _) in enumerate(items) if id_key(p["id"]) == key), None)
        if item.get("remove") is True:
            if found is None:
                _refuse(reader, mark, format_path(loc + (index, "remove")),
                        f"remove: true for id {key!r}, which the extended file does not have",
                        fatal=False)
            else:
                del items[found]
            continue
        if "remove" in item and item["remove"] is False:
            item = _without(item, "remove")
        if found is None:
            items.append((item, mark))
        else:
            items[found] = (merge(items[found][0], item, loc + (found,), reader), mark)
    for item, mark in items:
        out.append(item)
        out.item_marks.append(mark)
    return out


def id_key(value: Any) -> str:
    """An id as text (dates as ISO), so `2024-07-01` and "2024-07-01" match."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _all_have_ids(items: LList) -> bool:
    return all(isinstance(x, LMap) and x.get("id") is not None for x in items)


def _copy_map(source: LMap, mark: Mark) -> LMap:
    out = LMap(mark)
    out.update(source)
    out.key_marks.update(source.key_marks)
    return out


def _without(source: LMap, key: str) -> LMap:
    out = LMap(source.mark)
    for k, v in source.items():
        if k != key:
            out[k] = v
            out.key_marks[k] = source.key_marks[k]
    return out


def _refuse(reader: FileReader, where: Mark, path: str, message: str, fatal: bool = True) -> None:
    reader.problems.append(Problem(where.file, path, where.line, message))
    reader.fatal = reader.fatal or fatal
