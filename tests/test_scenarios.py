"""Every shipped scenario validates and runs a few replications."""

from pathlib import Path

import pytest

from simulator.pipeline import run
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").glob("*.yaml")) + [ROOT / "benchmarks/baseline_frozen.yaml"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_scenario_validates_and_runs(path):
    scenario = load_scenario(path)
    result = run(scenario, replications=2, workers=1)
    assert len(result.kpis) == 2 * (len(scenario.components) + 1)
    assert result.series["gap"].notna().all()


def test_baseline_has_the_promised_size():
    scenario = load_scenario(ROOT / "benchmarks/baseline_frozen.yaml")
    failing = [line for p in scenario.plants for line in p.lines if line.mtbf_days is not None]
    assert len(failing) >= 30
    assert len(scenario.stages.investment.projects) >= 10
    assert len(scenario.components) >= 8 and len(scenario.plants) >= 12
