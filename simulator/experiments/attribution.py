"""Stage attribution: which stage sets to run, and how they are named.

A stage set is named by its stages joined with "+" in the announced order (``sharing``,
``sharing+procurement``, ...), the empty set ``none``. `STAGE_SEQUENCE` is the announced
sequence of three sets (what each added stage gains is
`simulator.analysis.comparison.stage_gains`); `all_stage_subsets` are the eight sets
Shapley needs (`simulator.analysis.shapley`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from simulator.model.record import STAGES

NO_STAGES = "none"


def stage_set_name(stages: Iterable[str]) -> str:
    """``("procurement", "sharing")`` → ``"sharing+procurement"``; no stages → ``"none"``."""
    chosen = set(stages)
    unknown = chosen - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(sorted(unknown))}; "
                         f"stages are {', '.join(STAGES)}")
    return "+".join(s for s in STAGES if s in chosen) or NO_STAGES


def stage_set(name: str) -> frozenset[str]:
    """The stages of a stage-set name (any order of the parts; ``"none"`` is empty)."""
    if name == NO_STAGES:
        return frozenset()
    parts = frozenset(name.split("+"))
    stage_set_name(parts)  # refuses unknown stages
    return parts


STAGE_SETS_SEQUENTIAL: dict[str, tuple[str, ...]] = {
    stage_set_name(STAGES[:k]): STAGES[:k] for k in range(1, len(STAGES) + 1)
}
STAGE_SEQUENCE = tuple(STAGE_SETS_SEQUENTIAL)  # sharing, +procurement, +investment


def all_stage_subsets(stages: Sequence[str] = STAGES) -> dict[str, tuple[str, ...]]:
    """Every subset of `stages` (8 for three), by size, named as `stage_set_name` does."""
    return {
        stage_set_name(subset): subset
        for size in range(len(stages) + 1)
        for subset in itertools.combinations(stages, size)
    }
