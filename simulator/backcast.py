"""The back-cast (`capsim backcast`): run the frozen `as_of_2023` scenario and set the
model's 10–90% band beside each public observation of 2023–2025 it did not use.

`run_backcast` reads the observations file (`simulator.validation`), loads the scenario it
names, checks that every project, component and year the observations name exists in
that scenario, runs the replications (in memory, or into a results folder with `out`) and
returns the result with the back-cast table (`simulator.analysis.backcast`), also written
as `backcast.csv` in the results folder when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.analysis.backcast import backcast_table
from simulator.experiments.runner import configure
from simulator.pipeline import run
from simulator.results import RunResult
from simulator.scenario import Scenario, load_scenario
from simulator.validation import Observations, load_observations

DEFAULT_OBSERVATIONS = Path("validation") / "observations.yaml"
DEFAULT_REPLICATIONS = 200
BACKCAST_FILE = "backcast.csv"


@dataclass
class Backcast:
    """A back-cast: the observations, the run and one row per comparable observation."""

    observations: Observations
    result: RunResult
    table: pd.DataFrame


def prepare(observations_path: Path | str = DEFAULT_OBSERVATIONS
            ) -> tuple[Observations, Scenario]:
    """The checked observations and the scenario they test, or an error naming the file,
    line and field (`ObservationsRefused`, `ScenarioError`)."""
    observations = load_observations(observations_path)
    scenario = load_scenario(observations.scenario_path)
    invest = scenario.stages.investment
    projects = {p.id for p in invest.projects} if invest is not None else set()
    observations.check_against(projects, {c.id for c in scenario.components},
                               scenario.scenario.start, scenario.scenario.end)
    return observations, scenario


def run_backcast(observations: Observations, scenario: Scenario, *,
                 replications: int = DEFAULT_REPLICATIONS, workers: int | None = None,
                 out: Path | None = None) -> Backcast:
    """Run the scenario's replications and compare them with the observations."""
    scenario = configure(scenario, replications=replications)
    result = run(scenario, workers=workers, out=out, charts=False, report=False)
    table = backcast_table(result, observations.content.observations)
    if out is not None:
        table.to_csv(Path(out) / BACKCAST_FILE, index=False)
    return Backcast(observations, result, table)
