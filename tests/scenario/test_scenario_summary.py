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


def test_a_moving_market_is_mentioned():
    from simulator.scenario import load_scenario_text
    from simulator.scenario.summary import describe

    scenario = load_scenario_text(
        "scenario: {name: m, start: 2024-01-01, end: 2026-12-31, demand_process: "
        "{kind: log_random_walk, start_year: 2025, volatility: 0.2}}\n"
        "components:\n"
        "  - {id: a, name: A, unit_value: 1, demand: {2024-01-01: 10}, "
        "import_share: {2024-01-01: 0.5}}\n", name="<test>")
    assert "Demand moves from 2025 (a log random walk). 1 component with an import " \
           "share." in describe(scenario)
