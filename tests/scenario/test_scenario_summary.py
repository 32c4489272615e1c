"""`describe`: the paragraph `capsim validate` prints."""

from __future__ import annotations

from pathlib import Path

from simulator.scenario import load_scenario
from simulator.scenario.summary import describe

GOOD = Path(__file__).parent / "good"


def test_describe_minimal():
    text = describe(load_scenario(GOOD / "minimal.yaml"))
    assert "\n" not in text
    for part in ("'minimal'", "1 component,", "1 plant with 1 line",
                 "stages enabled: sharing, procurement, investment",
                 "Procurement: budget 60 m USD, 1 supplier",
                 "2 tranches totalling 500 m USD, 1 project",
                 "Money in USD at 2024 prices", "Run 2024-01-01 to 2030-12-31 (2557 days)",
                 "100 replications", "seed 42"):
        assert part in text, (part, text)


def test_describe_without_stages():
    text = describe(load_scenario(GOOD / "variant_of_variant.yaml").with_stages(set()))
    assert "stages enabled: none" in text and "Procurement" not in text
    assert "2 components, 2 plants with 2 lines" in text
