"""What differs between scenario files, parameter by parameter.

`scenario_differences` takes resolved scenarios (``Scenario.resolved_dict()``: plain nested
dicts and lists) and lists the paths whose values differ, one column per scenario. Paths
are written as the scenario loader writes them: dots between fields, ``[id]`` for an item
of a list of items with ids, ``[i]`` for other list items, ``[key]`` for a key that is not
a plain name (e.g. a date in a demand table). Documentation keys (``source``,
``confidence``) are left out unless asked for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

ABSENT = "—"
DOC_KEYS = frozenset({"source", "confidence"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MISSING = object()


def scenario_differences(
    resolved: Mapping[str, Mapping[str, Any]], *, include_sources: bool = False,
) -> pd.DataFrame:
    """The paths whose values differ between the scenarios, with each scenario's value.

    Parameters
    ----------
    resolved
        ``{scenario name: scenario.resolved_dict()}``, in the order the columns should take.
    include_sources
        Also compare ``source`` and ``confidence`` notes.

    Returns
    -------
    pandas.DataFrame
        Columns ``path`` and one per scenario; ``"—"`` where a scenario has no such value.
        Lists of items with an ``id`` are matched by id, other lists by position;
        distributions (dicts) are compared field by field. A subtree (e.g. a stage, a
        supplier) that some scenarios lack is one row, holding the subtree where present;
        where the others differ inside it, their differing leaves follow (``"—"`` for the
        scenarios that lack it). Otherwise rows are leaves.
        Scalars compare by ``==`` (``1`` equals ``1.0``; NaN equals NaN).
    """
    names = list(resolved)
    if "path" in names:
        raise ValueError("a scenario may not be called 'path' (it names the path column)")
    skip = frozenset() if include_sources else DOC_KEYS
    rows: list[dict[str, Any]] = []
    _compare("", [_without(dict(resolved[n]), skip) for n in names], names, rows)
    return pd.DataFrame(rows, columns=["path", *names])


def _compare(path: str, values: list[Any], names: list[str], rows: list[dict[str, Any]],
             gone: frozenset[int] = frozenset()) -> None:
    """Append a row per differing leaf under `path` to `rows`; a scenario lacking the whole
    subtree gets one row here, and is not reported again below (`gone`)."""
    absent = {i for i, v in enumerate(values) if v is _MISSING}
    present = [v for v in values if v is not _MISSING]
    uniform = all(_same(present[0], v) for v in present[1:])
    newly_absent = absent - gone
    if uniform and not newly_absent:
        return
    if newly_absent or not _all_containers(present):
        rows.append({"path": path, **{
            n: ABSENT if v is _MISSING else v for n, v in zip(names, values, strict=True)}})
        if uniform or not _all_containers(present):
            return
    for key, children in _children(values):
        _compare(_join(path, key), children, names, rows, gone | absent)


def _all_containers(values: list[Any]) -> bool:
    """All dicts, or all lists (then compared element by element)."""
    return all(isinstance(v, dict) for v in values) or all(isinstance(v, list) for v in values)


def _children(values: list[Any]) -> list[tuple[str | int, list[Any]]]:
    """(key, value per scenario) for each key of the dicts / items of the lists, in order of
    first appearance; ``_MISSING`` where a scenario lacks the key."""
    keyed: list[Any] = [v if v is _MISSING else _keyed(v) for v in values]
    keys = list(dict.fromkeys(k for kv in keyed if kv is not _MISSING for k in kv))
    return [
        (key, [_MISSING if kv is _MISSING else kv.get(key, _MISSING) for kv in keyed])
        for key in keys
    ]


def _keyed(value: dict | list) -> dict[str | int, Any]:
    """A dict as is; a list of items that all have an ``id`` keyed by ``[id]``, other lists
    by position."""
    if isinstance(value, dict):
        return dict(value)
    if value and all(isinstance(item, dict) and "id" in item for item in value):
        return {_Id(str(item["id"])): item for item in value}
    return dict(enumerate(value))


class _Id(str):
    """A list item's id (written ``[id]`` even when it is a plain name)."""

    __slots__ = ()


def _without(value: Any, skip: frozenset[str]) -> Any:
    """`value` with the dict keys in `skip` dropped at every depth."""
    if isinstance(value, dict):
        return {k: _without(v, skip) for k, v in value.items() if k not in skip}
    if isinstance(value, list):
        return [_without(v, skip) for v in value]
    return value


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int) or isinstance(key, _Id) or not _NAME.match(str(key)):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)
