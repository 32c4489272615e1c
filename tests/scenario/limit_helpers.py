"""Shared by the tests of inputs that would hang, exhaust memory or be misread.

`TINY` is a small valid scenario that each test bends one way; `refused` loads text and
returns the problems; `capsim` runs the command line in a child process with a time limit
and an address-space limit, so that a regression (a read of /dev/zero, a hang on a FIFO)
fails the test instead of taking the machine down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.scenario import Problem, ScenarioError, load_scenario_text

ROOT = Path(__file__).resolve().parents[2]

TINY = """\
scenario:
  name: tiny
  start: 2024-01-01
  end: 2024-12-31
  replications: 2
components:
  - {id: a, name: A, unit_value: 100, demand: {2024-01-01: 1000},
     domestic_supply: {2024-01-01: 100}}
plants:
  - id: p
    name: P
    lines:
      - {id: l, component: a, capacity: 2000, committed: 500, mtbf_days: 30, repair_days: 2,
         machine_capacity: 100, machine_cost: 10, max_machines: 3}
stages:
  sharing: {share: 0.5}
  procurement:
    budget: 1000
    review_days: 30
    suppliers: [{id: s, slots: 1, lead_time_days: 30, reorder_delay_days: 10}]
  investment:
    review_days: 30
    tranches: [{date: 2024-03-01, amount: 500}]
    projects: [{id: pr, component: a, capacity: 500, capex: 400, build_days: 100}]
"""


def bent(old: str, new: str, text: str = TINY) -> str:
    """`text` with `old` (which must occur) replaced by `new`."""
    assert old in text, old
    return text.replace(old, new)


def refused(text: str, name: str = "t.yaml") -> list[Problem]:
    """The problems found in scenario `text` (the test fails if it is accepted)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, name=name)
    return info.value.problems


def only(problems: list[Problem]) -> Problem:
    """The one problem of a refusal."""
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    two_gib = 2 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (two_gib, two_gib))


def capsim(*args: str, cwd: Path | None = None, timeout: float = 60
           ) -> subprocess.CompletedProcess[str]:
    """`python -m simulator ARGS` in a child limited to `timeout` seconds and 2 GiB."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-m", "simulator", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env,
                          preexec_fn=_limit_memory if os.name == "posix" else None,
                          check=False)


def assert_refused(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit status 2, no traceback, and every fragment in the message."""
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr, done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, (fragment, done.stderr[-2000:])
