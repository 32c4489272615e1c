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

# --------------------------------------------------------------------------- reading

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NESTING_DEPTH = 64
MAX_EXTENDS_CHAIN = 32
MAX_MIXTURE_DEPTH = 8

# --------------------------------------------------------------------------- time

MAX_RUN_DAYS = 36_525
MAX_DAYS = 36_525
MIN_REVIEW_DAYS = 1.0
MIN_MTBF_DAYS = 1.0 / 24.0

# --------------------------------------------------------------------------- magnitudes

MAX_UNITS_PER_YEAR = 1e10
MAX_MONEY = 1e16
MAX_FACTOR = 100.0
MIN_UNITS_PER_VEHICLE = 1e-6
MAX_UNITS_PER_VEHICLE = 1e6
MIN_DISCOUNT_RATE = -0.5
MAX_DISCOUNT_RATE = 1.0

# --------------------------------------------------------------------------- work

MAX_REPLICATIONS = 100_000
MAX_EVENTS_PER_REPLICATION = 1_000_000
MAX_TOOLING_ORDERS = 100_000

# Why each limit exists: said in messages (`explain`) and in the how-to's list.
REASONS: dict[str, str] = {
    "MAX_FILE_BYTES":
        "largest file read (bytes), scenario or experiment: the default scenario has 62 KiB",
    "MAX_NESTING_DEPTH":
        "deepest nesting of mappings and lists in a file: the default scenario nests 9 deep",
    "MAX_EXTENDS_CHAIN":
        "most files in one `extends` chain, the first included: a variant of a variant has 3",
    "MAX_MIXTURE_DEPTH":
        "deepest nesting of mixture distributions: a mixture of mixtures is already rare",
    "MAX_RUN_DAYS":
        "longest run, end - start + 1 (days): a century; the daily grid grows with the run",
    "MAX_DAYS":
        "largest duration (days), distribution parameters and means too: a century of delay",
    "MIN_REVIEW_DAYS":
        "shortest review_days: a review more often than daily is not plant behaviour",
    "MIN_MTBF_DAYS":
        "shortest mtbf_days (an hour): a line failing more often than hourly is not producing",
    "MAX_UNITS_PER_YEAR":
        "largest rate (units/year): world car output is ~1e8 a year, with 40 bearings each "
        "4e9",
    "MAX_MONEY":
        "largest money figure (currency): 1e16 is about a year of world output in roubles",
    "MAX_FACTOR":
        "largest demand factor parameter: a hundredfold market is another scenario, not a "
        "risk",
    "MIN_UNITS_PER_VEHICLE":
        "smallest units_per_vehicle: vehicles = units / units_per_vehicle must stay finite",
    "MAX_UNITS_PER_VEHICLE":
        "largest units_per_vehicle of a vehicle family: a car has ~30 k parts in all",
    "MIN_DISCOUNT_RATE":
        "lowest discount_rate (per year): discount factors (1 + r)^-t overflow as r nears -1",
    "MAX_DISCOUNT_RATE":
        "highest discount_rate (per year): 100 % a year is beyond any appraisal rate",
    "MAX_REPLICATIONS":
        "most replications of a run (-n too): 100 k give a s.e. of 0.16 points; more fill "
        "disks",
    "MAX_EVENTS_PER_REPLICATION":
        "most events one replication may schedule, as workload.py estimates: ~10 s and < 1 GB",
    "MAX_TOOLING_ORDERS":
        "most supplier orders in one project's tooling item: the largest plant named in the "
        "default case (KAMAZ axles) has ~6,000 machines",
}

def explain(name: str) -> str:
    """`name` and the reason for it, for messages."""
    return f"{name}: {REASONS[name]}"
