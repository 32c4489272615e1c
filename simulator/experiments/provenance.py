"""Provenance of a run or batch: what is needed to reproduce it, saved with its results.

Scenario name, file and hash, seed, replications, stages, horizon, currency, the versions
of capsim and its libraries, and the git commit (marked "+dirty" when the working tree had
uncommitted changes, so the results may not match the commit).
"""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from simulator.experiments.batch import Variant
    from simulator.scenario import Scenario


def batch_meta(variants: list[Variant], n: int) -> dict:
    """Provenance of a batch: the first variant's, plus every variant's name and columns."""
    meta = run_meta(variants[0].scenario)
    meta["replications"] = n
    if len(variants) > 1:
        meta["variants"] = [
            {"name": v.name, "scenario": v.scenario.scenario.name,
             "scenario_file": v.scenario.source_file,
             "scenario_hash": v.scenario.source_hash,
             "stages": list(v.scenario.enabled_stages()),
             **{k: val for k, val in v.columns.items()}}
            for v in variants
        ]
    return meta


def run_meta(scenario: Scenario) -> dict:
    """What is needed to reproduce the run."""
    import pydantic
    import scipy
    import simpy

    from simulator.policies import plugins
    from simulator.version import __version__

    enabled = list(scenario.enabled_stages())
    return {
        "scenario": scenario.scenario.name,
        "scenario_file": scenario.source_file,
        "scenario_hash": scenario.source_hash,
        "seed": int(scenario.scenario.seed),
        "replications": int(scenario.scenario.replications),
        "stages": enabled,
        "start": scenario.scenario.start.isoformat(),
        "end": scenario.scenario.end.isoformat(),
        "currency": scenario.scenario.currency,
        "plugins": plugins(),  # --plugin modules and files, as given
        "versions": {
            "capsim": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "pandas": pd.__version__, "simpy": simpy.__version__,
            "scipy": scipy.__version__, "pydantic": pydantic.__version__,
        },
        "git_commit": git_commit(Path(scenario.source_file).parent if scenario.source_file
                                 else Path.cwd()),
    }


def git_commit(folder: Path) -> str | None:
    """The commit of the repository holding `folder`, if there is one; "+dirty" is added
    when the working tree has uncommitted changes (the results may not match the commit)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True,
                              text=True, timeout=5)
        if head.returncode != 0 or not head.stdout.strip():
            return None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=folder, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    dirty = status.returncode == 0 and bool(status.stdout.strip())
    return head.stdout.strip() + ("+dirty" if dirty else "")
