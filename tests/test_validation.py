"""The back-cast's observations file and the frozen scenario it tests: the file parses,
every observation names its source and maps to something the scenario has, a bad file is
refused by file, line and field, and as_of_2023 keeps none of the baseline's later facts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.backcast import prepare
from simulator.scenario import load_scenario
from simulator.validation import NEEDS, ObservationsRefused, load_observations

ROOT = Path(__file__).parents[1]
OBSERVATIONS = ROOT / "validation" / "observations.yaml"
AS_OF = ROOT / "scenarios" / "as_of_2023.yaml"


def test_the_observations_file_parses_and_fits_its_scenario():
    observations, scenario = prepare(OBSERVATIONS)
    assert scenario.scenario.name == "as_of_2023"
    assert len(observations.content.observations) >= 5
    for obs in observations.content.observations:
        for name in NEEDS[obs.model.quantity]:
            assert getattr(obs.model, name), (obs.id, name)


def test_every_observation_names_an_original_source():
    content = load_observations(OBSERVATIONS).content
    for item in [*content.observations, *content.not_comparable]:
        assert len(item.source) > 10, item.id
        assert "domain-facts" not in item.source.lower(), item.id
    for item in content.not_comparable:
        assert item.reason.strip(), item.id


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "observations.yaml"
    path.write_text(text)
    (tmp_path / "s.yaml").write_text(AS_OF.read_text().replace(
        "extends: baseline.yaml", f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}"))
    return path


GOOD = """\
scenario: s.yaml
window: {start: 2023-07-18, end: 2025-12-31}
observations:
  - id: one
    measures: something
    model: {quantity: supply, component: engines, year: 2025}
    observed: 100
    when: 2025-06-30
    source: "an agency, a date"
    confidence: M
"""


def test_a_small_good_file_loads(tmp_path):
    observations, _ = prepare(_write(tmp_path, GOOD))
    assert observations.content.observations[0].bounds() == (100, 100)


@pytest.mark.parametrize("change, line, path, words", [
    ("observed: 100", 7, "observations[0].observed", "compared with a number"),
    ("confidence: M", 10, "observations[0].confidence", "must be one of"),
    ("year: 2025}", 6, "observations[0].model.year", "required for quantity 'supply'"),
    ("when: 2025-06-30", 8, "observations[0].when", "outside the window"),
    ("measures: something", 5, "observations[0].measures", "required field is missing"),
    ("source: \"an agency, a date\"", 9, "observations[0].sourse", "unknown field"),
])
def test_a_bad_file_is_refused_by_file_line_and_field(tmp_path, change, line, path, words):
    replacement = {
        "observed: 100": "observed: 2025-01-01",
        "confidence: M": "confidence: X",
        "year: 2025}": "}",
        "when: 2025-06-30": "when: 2026-06-30",
        "measures: something": "",
        "source: \"an agency, a date\"": "sourse: \"an agency\"",
    }[change]
    text = GOOD.replace(change, replacement)
    if change == "year: 2025}":
        text = text.replace("component: engines, }", "component: engines}")
    if change == "measures: something":
        text = text.replace("    \n", "")
        line = 4  # the observation that lacks it
    with pytest.raises(ObservationsRefused) as caught:
        prepare(_write(tmp_path, text))
    message = str(caught.value)
    assert f"observations.yaml:{line}: {path}" in message and words in message, message


def test_names_the_scenario_lacks_are_refused(tmp_path):
    text = GOOD.replace("component: engines", "component: pumps")
    with pytest.raises(ObservationsRefused) as caught:
        prepare(_write(tmp_path, text))
    assert "observations.yaml:6: observations[0].model.component: no component 'pumps'" in (
        str(caught.value))


def test_as_of_2023_keeps_no_point_of_the_baselines_demand_path():
    """A variant merges `{date: value}` points by date: every baseline date must be
    overridden, or a point of the later output would leak into the mid-2023 forecast."""
    written = {c["id"]: c for c in yaml.safe_load(AS_OF.read_text())["components"]}
    resolved = load_scenario(AS_OF).resolved_dict()["components"]
    assert {c["id"] for c in resolved} == set(written)
    for component in resolved:
        for field in ("demand", "domestic_supply"):
            mine = {str(k): v for k, v in written[component["id"]][field].items()}
            assert {str(k): v for k, v in component[field].items()} == mine, (
                component["id"], field)


def test_as_of_2023_drops_the_later_money_and_projects():
    s = load_scenario(AS_OF)
    tranches = {t.id for t in s.stages.investment.tranches}
    assert "t2" not in tranches and "t1c" not in tranches
    projects = {p.id for p in s.stages.investment.projects}
    assert not projects & {"kamaz_axle_plant", "huajing_axles", "bearing_plant"}
    assert "haval_engine_tula" in projects
    assert "ru_airbags" not in {p.id for p in s.plants}
