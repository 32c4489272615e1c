"""The batch studies of the command line: stage attribution, comparisons and sweeps.

Each builds its variants, runs them as one batch with common random numbers (the same
seed and replication indices everywhere) and adds its analysis tables: `differences`
(paired differences against the reference variant), `stage_gains` and `shapley` for stage
attribution, `scenario_differences` for comparisons, `points` for sweeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator.experiments.attribution import all_stage_subsets, shapley_values
from simulator.experiments.batch import Variant, run_batch
from simulator.experiments.differences import STAGE_SEQUENCE, paired_differences, stage_gains
from simulator.experiments.runner import configure
from simulator.experiments.scenario_diff import scenario_differences
from simulator.model.record import STAGES

if TYPE_CHECKING:
    from simulator.results import RunResult
    from simulator.scenario import Scenario


def censor_day(scenario: Scenario) -> float:
    """The earliest day a run that did not close could close with no end date: a close on
    day d needs d + hold <= n_days, so "not closed" means d >= n_days - hold + 1. Using it
    for the not-closed side makes the censored bounds strictly valid."""
    return float(scenario.n_days - int(scenario.scenario.close_hold_days) + 1)


def stage_variants(scenario: Scenario, *, shapley: bool = False) -> list[Variant]:
    """{sharing}, {sharing, procurement}, {all three} — or all eight subsets for Shapley."""
    missing = [s for s in STAGES if getattr(scenario.stages, s) is None]
    if missing:
        raise ValueError(f"stage attribution needs all three stages; this scenario has no "
                         f"{', '.join(missing)} (omitted or enabled: false)")
    if shapley:
        sets = {name: set(stages) for name, stages in all_stage_subsets().items()}
    else:
        sets = {name: set(name.split("+")) for name in STAGE_SEQUENCE}
    return [Variant(name, scenario.with_stages(stages), {}) for name, stages in sets.items()]


def run_stages(scenario: Scenario, *, shapley: bool = False, **batch: Any) -> RunResult:
    """Stage attribution: the same replications with stages added in the announced order
    (or every subset, for Shapley values), with paired differences and gains."""
    variants = stage_variants(scenario, shapley=shapley)
    n_days = scenario.n_days
    censor = censor_day(scenario)
    reference = "none" if shapley else STAGE_SEQUENCE[0]

    def analyse(result: RunResult) -> dict[str, pd.DataFrame]:
        kpis = result.kpis
        order = (("none",) if shapley else ()) + STAGE_SEQUENCE
        tables = {
            "differences": paired_differences(kpis, reference, n_days=n_days,
                                              censor_day=censor),
            "stage_gains": stage_gains(kpis, order, n_days=n_days, censor_day=censor),
        }
        if shapley:
            tables["shapley"] = shapley_values(kpis, n_days=n_days, censor_day=censor)
        return tables

    return run_batch(variants, analyse=analyse, base=scenario, **batch)


def compare_variants(scenarios: Sequence[Scenario], *, seed: int | None = None,
                     replications: int | None = None) -> list[Variant]:
    """One variant per scenario, all with the first scenario's seed (common random numbers)
    and the same replications; names are the scenario names (made unique)."""
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    first = scenarios[0].scenario
    horizons = {(s.scenario.start, s.scenario.end) for s in scenarios}
    if len(horizons) > 1:
        raise ValueError("the scenarios must share one run period (start and end) so that "
                         "close dates pair up; found " +
                         ", ".join(f"{a}..{b}" for a, b in sorted(horizons)))
    seed = first.seed if seed is None else seed
    n = first.replications if replications is None else replications
    variants, used = [], set()
    for i, scenario in enumerate(scenarios):
        name = scenario.scenario.name
        if name in used:
            name = f"{name} ({i + 1})"
        used.add(name)
        variants.append(Variant(name, configure(scenario, seed=seed, replications=n)))
    return variants


def run_compare(scenarios: Sequence[Scenario], *, seed: int | None = None,
                replications: int | None = None, **batch: Any) -> RunResult:
    """Several scenarios side by side, with paired differences against the first one and
    the table of what differs between the files."""
    variants = compare_variants(scenarios, seed=seed, replications=replications)
    n_days = variants[0].scenario.n_days
    resolved = {v.name: v.scenario.resolved_dict() for v in variants}

    def analyse(result: RunResult) -> dict[str, pd.DataFrame]:
        diff = scenario_differences(resolved)
        return {
            "differences": paired_differences(result.kpis, variants[0].name, n_days=n_days,
                                              censor_day=censor_day(variants[0].scenario)),
            "scenario_differences": diff.astype(str),
        }

    return run_batch(variants, analyse=analyse, **batch)


def run_sweep(path: Path | str, **batch: Any) -> RunResult:
    """A parameter sweep from an experiment file: one variant per point, the swept values
    as columns of every table, and the `points` table."""
    from simulator.experiments.sweep import load_experiment, point_columns

    experiment = load_experiment(path)
    variants = [Variant(p.name, p.scenario, dict(p.values)) for p in experiment.points]
    points = point_columns(experiment)

    def analyse(result: RunResult) -> dict[str, pd.DataFrame]:
        return {"points": points}

    batch.setdefault("replications", experiment.replications)
    return run_batch(variants, analyse=analyse, base=experiment.base, **batch)
