"""Parameter paths of a sweep: which values of a scenario a sweep point changes.

A path is dot-separated keys into a scenario's resolved dict; `[ID]` selects the list item
whose `id` is ID, `[N]` (digits) the N-th item of a list whose items have no ids, and `[*]`
every item: `stages.procurement.suppliers[cn_cnc].slots`,
`stages.investment.tranches[*].delay_days.mean`. A path ends at a field of the scenario or
at a parameter the distribution mapping there already has. `resolve_path` turns a path
into `Target`s (locations in the dict) or plain-words reasons why it cannot.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from simulator.scenario.schema import fields_at

# list field -> the name of one item, for messages ("no supplier with id ...")
_ITEM_NOUNS = {
    "components": "component", "plants": "plant", "lines": "line", "suppliers": "supplier",
    "tranches": "tranche", "projects": "project", "parts": "part",
}
_META_KEYS = ("source", "confidence")


class PathSyntaxError(ValueError):
    """A path that cannot be read (an empty key, an unclosed bracket, ...)."""


@dataclass(frozen=True)
class Step:
    """One step of a path: a mapping key, an item selector `[text]`, or `[*]`."""

    kind: Literal["key", "select", "all"]
    text: str


@dataclass(frozen=True)
class Target:
    """A value a path reaches: `loc` into the resolved dict (keys and list positions) and
    `label`, the same place written with ids (`stages.procurement.suppliers[cn_cnc].slots`)."""

    loc: tuple[str | int, ...]
    label: str


def parse_path(text: str) -> list[Step]:
    """The steps of `text`; raises `PathSyntaxError` saying what is wrong."""
    if not text.strip():
        raise PathSyntaxError("the path is empty")
    steps: list[Step] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == "[":
            i = _parse_selector(text, i, steps)
        elif text[i] == "]":
            raise PathSyntaxError(f"unmatched ']' at character {i + 1}")
        else:
            j = min((k for k in (text.find(c, i) for c in ".[]") if k >= 0), default=n)
            if j == i:
                raise PathSyntaxError(f"empty key at character {i + 1}")
            steps.append(Step("key", text[i:j]))
            i = j
        if i < n and text[i] == ".":
            i += 1
            if i == n or text[i] in ".[]":
                raise PathSyntaxError(f"a key must follow the '.' at character {i}")
    return steps


def _parse_selector(text: str, i: int, steps: list[Step]) -> int:
    if not steps:
        raise PathSyntaxError("a path starts with a key, not with [...]")
    end = text.find("]", i)
    if end < 0:
        raise PathSyntaxError(f"the '[' at character {i + 1} is not closed")
    inner = text[i + 1:end].strip()
    if not inner:
        raise PathSyntaxError(f"empty [] at character {i + 1} (write [id], [N] or [*])")
    steps.append(Step("all", "*") if inner == "*" else Step("select", inner))
    if end + 1 < len(text) and text[end + 1] not in ".[":
        raise PathSyntaxError(f"expected '.' or '[' after the ']' at character {end + 1}")
    return end + 1


def resolve_path(tree: dict[str, Any], text: str) -> tuple[list[Target], list[str]]:
    """Every value of `tree` (a scenario's `resolved_dict()`) that the path `text` reaches,
    and the reasons (plain words) why it reaches nothing at some item; at most one of the
    two lists is non-empty unless `[*]` matched items where the rest of the path fails."""
    try:
        steps = parse_path(text)
    except PathSyntaxError as err:
        return [], [f"cannot read the path {text!r}: {err}"]
    if steps[0].kind != "key":  # pragma: no cover - parse_path refuses this
        return [], ["a path starts with a key"]
    targets: list[Target] = []
    reasons: list[str] = []
    _walk(tree, steps, (), "", targets, reasons)
    return targets, list(dict.fromkeys(reasons))


def _walk(node: Any, steps: Sequence[Step], loc: tuple[str | int, ...], label: str,
          targets: list[Target], reasons: list[str]) -> None:
    if not steps:
        targets.append(Target(loc, label))
        return
    step, rest = steps[0], steps[1:]
    if isinstance(node, dict):
        if step.kind != "key":
            reasons.append(f"{label} is a mapping, not a list: [{step.text}] selects list "
                           f"items (write {label}.{step.text} for a key)")
            return
        found, reason = _key_step(node, step.text, loc, label, last=not rest)
        if found is None:
            reasons.append(reason)
            return
        _walk(node.get(found), rest, loc + (found,), _join(label, found), targets, reasons)
    elif isinstance(node, list):
        if step.kind == "key":
            reasons.append(f"{label} is a list: select its items with [id], [N] or [*] "
                           f"before .{step.text}")
            return
        chosen = _select(node, step, label)
        if isinstance(chosen, str):
            reasons.append(chosen)
            return
        for index, shown in chosen:
            _walk(node[index], rest, loc + (index,), f"{label}[{shown}]", targets, reasons)
    else:
        reasons.append(_not_a_container(node, step, label))


def _key_step(node: dict[str, Any], key: str, loc: tuple[str | int, ...], label: str,
              last: bool) -> tuple[str | None, str]:
    """(the key of `node` to follow, "") or (None, why there is none)."""
    match = next((k for k in node if str(k) == key), None)
    if match is not None:
        return str(match), ""
    where = label or "the scenario"
    if "dist" in node:
        params = [k for k in node if k != "dist" and k not in _META_KEYS]
        return None, (f"the {node['dist']} distribution at {where} has no parameter {key!r} "
                      f"(it has: {', '.join(map(str, params)) or 'none'})")
    allowed = fields_at(loc)
    if key in allowed:
        if last:  # a field the schema knows but the scenario leaves unset: may be set
            return key, ""
        return None, (f"{_join(label, key)} is not in the scenario (disabled or left unset), so "
                f"there is nothing under it to change")
    known = list(dict.fromkeys([*allowed, *map(str, node)]))
    hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return None, (f"{where} has no field {key!r}"
                  + (f" (did you mean {hint[0]!r}?)" if hint else "")
                  + f" (fields: {', '.join(known)})")


def _select(items: list[Any], step: Step, label: str) -> list[tuple[int, str]] | str:
    """(position, shown) of the items `step` selects, or why none."""
    ids = [str(item["id"]) if isinstance(item, dict) and "id" in item else None
           for item in items]
    has_ids = bool(items) and all(i is not None for i in ids)
    shown = [i if has_ids and i is not None else str(n) for n, i in enumerate(ids)]
    if step.kind == "all":
        if not items:
            return f"{label} is empty: [*] selects nothing"
        return list(enumerate(shown))
    if has_ids:
        if step.text in ids:
            n = ids.index(step.text)
            return [(n, shown[n])]
        noun = _ITEM_NOUNS.get(label.rsplit(".", 1)[-1].split("[")[0], "item")
        return f"no {noun} with id {step.text!r} in {label} (ids: {', '.join(shown)})"
    if not step.text.isdigit():
        if not items:
            return f"{label} is empty: there is no item {step.text!r}"
        return (f"the items of {label} have no ids: select one by position, [0] to "
                f"[{len(items) - 1}], or all with [*]")
    n = int(step.text)
    if n >= len(items):
        span = f"[0] to [{len(items) - 1}]" if items else "none"
        return f"index {n} is out of range: {label} has {len(items)} item(s) ({span})"
    return [(n, str(n))]


def _not_a_container(node: Any, step: Step, label: str) -> str:
    if node is None:
        return f"{label} is not set in the scenario, so it has no {step.text!r}"
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return (f"{label} is a fixed value ({node:g}), not a distribution mapping, so it has "
                f"no parameter {step.text!r}: sweep {label} itself, or give it a "
                f"distribution in the scenario")
    return f"{label} is {node!r}, not a mapping or list, so it has no {step.text!r}"


def _join(label: str, key: str) -> str:
    return f"{label}.{key}" if label else key
