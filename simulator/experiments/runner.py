"""`configure`: a scenario with the command line's overrides (replications, seed, stages).

The run itself is `simulator.pipeline.run`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from simulator.model.record import STAGES

if TYPE_CHECKING:
    from simulator.scenario import Scenario

STAGE_NAMES = set(STAGES)


def configure(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
              stages: Iterable[str] | None = None) -> Scenario:
    """The scenario with command-line overrides applied (seed, replications, stages)."""
    from simulator.scenario.limits import MAX_REPLICATIONS

    meta_update: dict[str, int] = {}
    if replications is not None and not 1 <= int(replications) <= MAX_REPLICATIONS:
        raise ValueError(f"replications must be between 1 and {MAX_REPLICATIONS:,}, "
                         f"not {int(replications):,}")
    if seed is not None and int(seed) < 0:
        raise ValueError(f"the seed must be a whole number >= 0, not {seed}")
    if replications is not None:
        meta_update["replications"] = int(replications)
    if seed is not None:
        meta_update["seed"] = int(seed)
    if meta_update:
        scenario = scenario.model_copy(
            update={"scenario": scenario.scenario.model_copy(update=meta_update)})
    if stages is not None:
        stages = set(stages)
        unknown = stages - STAGE_NAMES
        if unknown:
            raise ValueError(f"unknown stage(s) {', '.join(sorted(unknown))}; "
                             f"stages are {', '.join(STAGES)}")
        if not stages:
            raise ValueError("no stage named: give at least one of "
                             f"{', '.join(STAGES)}")
        missing = sorted(stages - set(scenario.enabled_stages()))
        if missing:
            raise ValueError(f"stage(s) {', '.join(missing)} not set up in this scenario "
                             "(omitted or enabled: false), so they cannot be enabled")
        scenario = scenario.with_stages(stages)
    return scenario
