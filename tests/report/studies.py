"""Small studies the report tests share, run on tests/scenario/good/minimal.yaml."""

from __future__ import annotations

from pathlib import Path

from simulator import load_scenario
from simulator.pipeline import run_compare

MINIMAL = Path(__file__).resolve().parents[1] / "scenario" / "good" / "minimal.yaml"


def blocked_compare(base: Path, replications: int) -> Path:
    """minimal.yaml against a copy whose supplier blocks orders four times as often.

    Returns the results folder (`base/compare`).
    """
    variant = base / "blocked.yaml"
    variant.write_text(
        f"extends: {MINIMAL}\n"
        "scenario: {name: blocked}\n"
        "stages:\n  procurement:\n    suppliers:\n"
        "      - {id: cn_cnc, block_probability: 0.6}\n", encoding="utf-8")
    folder = base / "compare"
    run_compare([load_scenario(MINIMAL), load_scenario(variant)],
                replications=replications, workers=1, out=folder)
    return folder
