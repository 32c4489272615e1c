"""The limits a scenario file must keep, each with the reason it exists.

A value beyond one of these is not a plant, a market or a budget anyone could meet: it is
a slip (a missing exponent, a unit in hours rather than days) or an attack, and taken as
written it would make a run endless, exhaust memory, or overflow to an answer that
contradicts itself. The loader refuses it before anything runs, naming the field and the
limit. Each limit is far beyond the default scenario (`scenarios/baseline.yaml`); the
command line imports `MAX_REPLICATIONS` for `-n`. The list with reasons is in
docs/how-to/write-a-scenario.md ("Limits").
"""

from __future__ import annotations

import ast
import functools
import itertools
from pathlib import Path

# --------------------------------------------------------------------------- reading

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest file read (bytes), scenario or experiment: the default scenario has 62 KiB."""

MAX_NESTING_DEPTH = 64
"""Deepest nesting of mappings and lists in a file: the default scenario nests 9 deep."""

MAX_EXTENDS_CHAIN = 32
"""Most files in one `extends` chain, the first included: a variant of a variant has 3."""

MAX_MIXTURE_DEPTH = 8
"""Deepest nesting of mixture distributions: a mixture of mixtures is already rare."""

# --------------------------------------------------------------------------- time

MAX_RUN_DAYS = 36_525
"""Longest run, end - start + 1 (days): a century; the daily grid grows with the run."""

MAX_DAYS = 36_525
"""Largest duration (days), distribution parameters and means too: a century of delay."""

MIN_REVIEW_DAYS = 1.0
"""Shortest review_days: a review more often than daily is not plant behaviour."""

MIN_MTBF_DAYS = 1.0 / 24.0
"""Shortest mtbf_days (an hour): a line failing more often than hourly is not producing."""

# --------------------------------------------------------------------------- magnitudes

MAX_UNITS_PER_YEAR = 1e10
"""Largest rate (units/year): world car output is ~1e8 a year, with 40 bearings each 4e9."""

MAX_MONEY = 1e16
"""Largest money figure (currency): 1e16 is about a year of world output in roubles."""

MAX_FACTOR = 100.0
"""Largest demand factor parameter: a hundredfold market is another scenario, not a risk."""

MIN_UNITS_PER_VEHICLE = 1e-6
"""Smallest units_per_vehicle: vehicles = units / units_per_vehicle must stay finite."""

MIN_DISCOUNT_RATE = -0.5
"""Lowest discount_rate (per year): discount factors (1 + r)^-t overflow as r nears -1."""

MAX_DISCOUNT_RATE = 1.0
"""Highest discount_rate (per year): 100 % a year is beyond any appraisal rate."""

# --------------------------------------------------------------------------- work

MAX_REPLICATIONS = 100_000
"""Most replications of a run (-n too): 100 k give a s.e. of 0.16 points; more fill disks."""

MAX_EVENTS_PER_REPLICATION = 1_000_000
"""Most events one replication may schedule, as workload.py estimates: ~10 s and < 1 GB."""


def explain(name: str) -> str:
    """`name` and the reason for it, from its docstring above: for messages."""
    return f"{name}: {_reasons()[name]}"


@functools.cache
def _reasons() -> dict[str, str]:
    """Each limit's docstring (the string after its assignment), read from this file."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for first, second in itertools.pairwise(tree.body):
        if (isinstance(first, ast.Assign) and isinstance(first.targets[0], ast.Name)
                and isinstance(second, ast.Expr) and isinstance(second.value, ast.Constant)):
            text = str(second.value.value).strip().rstrip(".")
            out[first.targets[0].id] = text[:1].lower() + text[1:]
    return out
