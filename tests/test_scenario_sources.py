"""Every figure in the shipped scenarios names where it comes from.

Issue 10: a `source` cites the original public source (agency, date, table) or says
"assumed: ...", never a file outside the repository (the team's data sheet, an absolute
path). Every number in a scenario file sits in a mapping that carries a `source`, or in one
whose enclosing mapping does (a project's `build_days` is covered by the project's source).
"""

import re
from pathlib import Path
from typing import Any

import pytest

from simulator.scenario.yaml_loader import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").glob("*.yaml"))
ABSOLUTE_PATH = re.compile(r"(^|[\s(\"'`])(/[\w.-]+){2,}|[A-Za-z]:\\")


def tree(path: Path) -> Any:
    problems: list = []
    data = parse_yaml(path.read_text(encoding="utf-8"), str(path), problems)
    assert not problems, problems
    return data


def sources(node: Any, where: str = "") -> list[tuple[str, str]]:
    """Every (field path, source text) in the file."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}" if where else str(key)
            if key == "source" and isinstance(value, str):
                found.append((path, value))
            else:
                found += sources(value, path)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += sources(item, f"{where}[{i}]")
    return found


def unsourced_numbers(node: Any, where: str = "", covered: bool = False) -> list[str]:
    """Field paths of numbers with no `source` on their mapping or any enclosing one."""
    if isinstance(node, dict):
        covered = covered or bool(str(node.get("source", "")).strip())
        found = []
        for key, value in node.items():
            found += unsourced_numbers(value, f"{where}.{key}" if where else str(key), covered)
        return found
    if isinstance(node, list):
        return [p for i, item in enumerate(node)
                for p in unsourced_numbers(item, f"{where}[{i}]", covered)]
    is_number = isinstance(node, (int, float)) and not isinstance(node, bool)
    return [where] if is_number and not covered else []


def test_the_checks_see_what_they_should():
    assert ABSOLUTE_PATH.search("see /work/shared/data/domain-facts.md")
    assert not ABSOLUTE_PATH.search("Rosstat via Interfax 1071520; 92 RUB/USD; 1/3 of it")
    bare = {"lines": [{"capacity": 5, "repair_days": {"dist": "fixed", "value": 2}}]}
    assert unsourced_numbers(bare) == ["lines[0].capacity", "lines[0].repair_days.value"]
    assert unsourced_numbers({"source": "assumed: x", "lines": bare["lines"]}) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_source_cites_the_data_sheet_or_a_path(path):
    assert "domain-facts" not in path.read_text(encoding="utf-8").lower()
    for field, text in sources(tree(path)):
        assert text.strip(), f"{path.name}: {field} is empty"
        assert "domain-facts" not in text.lower() and "domain facts" not in text.lower(), \
            f"{path.name}: {field} cites the data sheet, not the original source"
        assert not ABSOLUTE_PATH.search(text), f"{path.name}: {field} cites a path: {text}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_number_carries_a_source(path):
    assert unsourced_numbers(tree(path)) == []
