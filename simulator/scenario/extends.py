"""`extends: other.yaml` — start from another scenario file and change it.

The path is relative to the file that says it, and the parent may extend in turn (cycles
are refused, naming the chain). Merging (SPEC.md §8, §10): mappings merge deeply; a list
merges by `id` only if every item in both lists is a mapping with an `id` (a new id is
appended, an item with `remove: true` drops the parent's item, and removing an id the
parent lacks is refused); any other list, an empty one included, replaces the parent's
whole. A child mapping with a `dist` key is a whole distribution and replaces the
parent's value (one without `dist` merges, to change a single parameter). A date key
overrides the parent's point on the same date however either is spelled. Every merged
value keeps the mark of the file and line it came from.

Only regular files of at most `MAX_FILE_BYTES` are read, checked before a byte is read (a
device such as /dev/zero never ends, a FIFO waits for a writer), and a chain holds at most
`MAX_EXTENDS_CHAIN` files (`limits.py`).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

from simulator.scenario.errors import Problem, format_path
from simulator.scenario.limits import MAX_EXTENDS_CHAIN, MAX_FILE_BYTES, explain
from simulator.scenario.yaml_loader import LList, LMap, Mark, date_key, parse_yaml


class NotReadable(Exception):
    """A path that is not read: not a regular file, or too large; the message says which."""


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path`, if it is a regular file of at most `limit` bytes.

    The path is checked with `stat` before it is opened (a FIFO is never opened), opened
    without blocking, checked again on the open file (it may have been swapped), and read
    to at most `limit` + 1 bytes (it may be growing).

    Raises
    ------
    NotReadable
        Not a regular file, or larger than `limit`.
    OSError
        It cannot be opened or read.
    """
    _check_kind(os.stat(path), limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        _check_kind(os.fstat(fd), limit)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise NotReadable(_too_big(size, limit))
    return b"".join(chunks)


def _check_kind(info: os.stat_result, limit: int) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise NotReadable("it is a folder, not a file")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise NotReadable(f"it is {kind}; only regular files are read")
    if info.st_size > limit:
        raise NotReadable(_too_big(info.st_size, limit))


def _too_big(size: int, limit: int) -> str:
    return (f"it is larger than {limit:,} bytes ({limit / 2**20:g} MiB; limit "
            f"{explain('MAX_FILE_BYTES')})")


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
            data = read_bounded(path)
        except (OSError, NotReadable) as err:
            reason = (err.strerror if isinstance(err, OSError) else str(err)) or repr(err)
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
    if len(chain) >= MAX_EXTENDS_CHAIN:
        _refuse(reader, where, "extends", f"extends chain longer than {MAX_EXTENDS_CHAIN} "
                f"files, from {chain[0][0]} (limit {explain('MAX_EXTENDS_CHAIN')})")
        return child
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
            same = _same_key(parent, key)
            if same is not None and same != key:  # "2024-01-01" over 2024-01-01: one date
                del out[same], out.key_marks[same]
            out[key] = merge(parent[same], value, loc + (key,), reader) if same is not None \
                else value
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


def _same_key(parent: LMap, key: Any) -> Any:
    """The parent's key that `key` overrides: itself, or the same date spelled otherwise
    (a date key quoted in one file and not in the other), else None."""
    if key in parent:
        return key
    day = date_key(key)
    if day is None:
        return None
    return next((k for k in parent if date_key(k) == day), None)


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
