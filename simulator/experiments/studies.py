"""The studies capsim runs: a plain run, stage attribution, a comparison, a sweep.

A `Study` is what `simulator.pipeline.run_study` needs to run and analyse a batch: its
variants (sharing the replication indices and so their random numbers), its kind (which
analyses and report follow), the reference variant paired differences are taken against,
the scenario written as `scenario.yaml`, and tables that describe its inputs
(`scenario_differences` for a comparison, `points` for a sweep). The builders here check
the request and build the variants; nothing runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator.experiments.attribution import STAGE_SEQUENCE, all_stage_subsets
from simulator.experiments.batch import Variant
from simulator.experiments.runner import configure
from simulator.experiments.scenario_diff import scenario_differences
from simulator.model.record import STAGES

if TYPE_CHECKING:
    from simulator.scenario import Scenario

KINDS = ("run", "stages", "compare", "sweep", "batch")


@dataclass(frozen=True)
class Study:
    """A batch to run and what it is for.

    Attributes
    ----------
    kind
        "run", "stages" (stage attribution), "compare", "sweep" or "batch" (own variants).
    variants
        The arms, in order; the first is the reference unless `reference` names another.
    base
        The scenario written as ``scenario.yaml``.
    replications
        Default replications (the first variant's scenario's, or the experiment file's).
    reference
        The variant paired differences are taken against.
    inputs
        Tables describing the inputs, written into the results folder as they are.
    shapley
        Stage attribution over all eight stage subsets (Shapley shares).
    """

    kind: str
    variants: list[Variant]
    base: Scenario
    replications: int
    reference: str = ""
    inputs: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    shapley: bool = False

    def describe(self) -> dict[str, Any]:
        """The study as saved in the results' metadata (`meta["study"]`)."""
        return {"kind": self.kind, "reference": self.reference or self.variants[0].name,
                "shapley": self.shapley}


def run_study_of(scenario: Scenario) -> Study:
    """One scenario's replications (`capsim run`)."""
    variant = Variant(scenario.scenario.name, scenario)
    return Study("run", [variant], scenario, int(scenario.scenario.replications),
                 variant.name)


def variants_study(variants: list[Variant], base: Scenario | None = None) -> Study:
    """A batch of the caller's own variants, paired against the first."""
    if not variants:
        raise ValueError("a batch needs at least one variant")
    first = variants[0].scenario
    return Study("batch" if len(variants) > 1 else "run", list(variants), base or first,
                 int(first.scenario.replications), variants[0].name)


def censor_day(scenario: Scenario) -> float:
    """The earliest day a run that did not close could close with no end date: a close on
    day d needs d + hold <= n_days, so "not closed" means d >= n_days - hold + 1. Using it
    for the not-closed side makes the censored bounds strictly valid."""
    return float(scenario.n_days - int(scenario.scenario.close_hold_days) + 1)


def stage_variants(scenario: Scenario, *, shapley: bool = False) -> list[Variant]:
    """{sharing}, {sharing, procurement}, {all three} — or all eight subsets for Shapley."""
    missing = [s for s in STAGES if s not in scenario.enabled_stages()]
    if missing:
        raise ValueError(f"stage attribution needs all three stages; this scenario has no "
                         f"{', '.join(missing)} (omitted or enabled: false)")
    if shapley:
        sets = {name: set(stages) for name, stages in all_stage_subsets().items()}
    else:
        sets = {name: set(name.split("+")) for name in STAGE_SEQUENCE}
    return [Variant(name, scenario.with_stages(stages), {}) for name, stages in sets.items()]


def stage_study(scenario: Scenario, *, shapley: bool = False) -> Study:
    """Stage attribution: the same replications with stages added in the announced order
    (or every subset, for Shapley values)."""
    variants = stage_variants(scenario, shapley=shapley)
    reference = "none" if shapley else STAGE_SEQUENCE[0]
    return Study("stages", variants, scenario, int(scenario.scenario.replications),
                 reference, shapley=shapley)


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


def compare_study(scenarios: Sequence[Scenario], *, seed: int | None = None,
                  replications: int | None = None) -> Study:
    """Several scenarios side by side, paired against the first, with the table of what
    differs between the files."""
    variants = compare_variants(scenarios, seed=seed, replications=replications)
    resolved = {v.name: v.scenario.resolved_dict() for v in variants}
    inputs = {"scenario_differences": scenario_differences(resolved).astype(str)}
    return Study("compare", variants, variants[0].scenario,
                 int(variants[0].scenario.scenario.replications), variants[0].name, inputs)


def sweep_study(path: Path | str) -> Study:
    """A parameter sweep from an experiment file: one variant per point, the swept values
    as columns of every table, and the `points` table."""
    from simulator.experiments.sweep import load_experiment, point_columns

    experiment = load_experiment(path)
    variants = [Variant(p.name, p.scenario, dict(p.values)) for p in experiment.points]
    replications = experiment.replications or int(experiment.base.scenario.replications)
    return Study("sweep", variants, experiment.base, int(replications), variants[0].name,
                 {"points": point_columns(experiment)})

