"""The committed schema reference equals the one generated from the models."""

from __future__ import annotations

from simulator.scenario import reference
from simulator.scenario.schema import Line, Scenario


def test_committed_reference_is_up_to_date():
    committed = reference.DOC_PATH.read_text(encoding="utf-8")
    assert committed == reference.generate(), (
        "docs/reference/scenario-schema.md is stale: "
        "run `python -m simulator.scenario.reference --write`")


def test_every_field_is_in_the_reference_with_a_description():
    text = reference.generate()
    for path, model in reference.sections(Scenario):
        for name, info in model.model_fields.items():
            if name in ("source", "confidence"):
                continue
            assert f"`{path}.{name}`" in text
            assert info.description, f"{model.__name__}.{name} has no description"


def test_rows_show_type_unit_default_and_required():
    text = reference.generate()
    assert ("| `plants[].lines[].capacity` | number, ≥ 0, ≤ 1e10 | Output at full availability "
            "(units/year) |  | yes |") in text
    assert "| `plants[].lines[].repair_days` | distribution, parameters ≤ 36525 |" in text
    assert "| `components[].demand` | {date: number, ≥ 0, ≤ 1e10} |" in text
    assert "`<plant id>#<index>`" in text
    row = next(r for r in text.splitlines() if r.startswith("| `scenario.end`"))
    assert row.endswith("| `2030-12-31` | no |")
    assert reference.type_label(Line.model_fields["max_machines"]) == "integer, ≥ 0"
