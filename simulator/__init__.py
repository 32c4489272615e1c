"""capsim: a discrete-event simulator of capacity expansion in three stages.

The public entry points are `load_scenario` (read and check a scenario file) and `run`
(simulate its replications and return a `RunResult` of pandas tables). Heavy modules are
imported lazily, so `capsim validate` stays fast.
"""

from __future__ import annotations

from typing import Any

from simulator.version import __version__

__all__ = ["load_scenario", "run", "RunResult", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "load_scenario":
        from simulator.scenario import load_scenario

        return load_scenario
    if name == "run":
        from simulator.pipeline import run

        return run
    if name == "RunResult":
        from simulator.results import RunResult

        return RunResult
    raise AttributeError(name)
