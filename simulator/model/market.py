"""A market that moves: the yearly market level that multiplies demand (issue 10, item 3).

The level M is 1 at mid-year (1 July) of the year before `start_year` and takes a drawn
value at 1 July of each year from `start_year` to the run's last year; between those
points it is linear, outside them flat, like a `{date: value}` path. It multiplies every
component's demand on top of the demand factors. The draws come from the stream
`market:scenario`, year by year: one uniform for a log random walk (the yearly change of
log M), two for regimes (the next regime, then its growth). Planners see the expected
level E[M], never the draw. The arithmetic is in docs/background/model.md.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator.distributions import Distribution, parse_distribution

if TYPE_CHECKING:
    from simulator.model.streams import Stream
    from simulator.scenario import Scenario
    from simulator.scenario.schema import DemandProcess

MID_YEAR = (7, 1)  # month and day a year's level is placed at


@dataclass(frozen=True)
class MarketPlan:
    """The process with its years and mid-year day numbers, and E[M] there."""

    process: DemandProcess
    years: tuple[int, ...]  # the drawn years, start_year .. the run's last year
    days: np.ndarray  # (K + 1,) day numbers of the anchor's and each drawn year's mid-year
    expected: np.ndarray  # (K + 1,) E[M] at those days, 1 at the anchor

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> MarketPlan | None:
        """The scenario's market plan, or None when it has no demand process."""
        process = scenario.scenario.demand_process
        if process is None:
            return None
        years = tuple(range(process.start_year, scenario.scenario.end.year + 1))
        days = np.array([scenario.day(dt.date(y, *MID_YEAR))
                         for y in (process.start_year - 1, *years)])
        expected = np.array([1.0, *expected_levels(process, len(years))])
        return cls(process, years, days, expected)

    def draw(self, stream: Stream) -> list[float]:
        """One replication's levels at `days` (the anchor's 1 first)."""
        return [1.0, *draw_levels(self.process, len(self.years), stream)]


def log_step(process: DemandProcess) -> Distribution:
    """The yearly change of log M of a log random walk: normal(drift, volatility)."""
    return parse_distribution({"dist": "normal", "mean": float(process.drift or 0.0),
                               "sd": float(process.volatility or 0.0)})


def draw_levels(process: DemandProcess, n_years: int, stream: Stream) -> list[float]:
    """The drawn levels M(start_year), M(start_year + 1), ... for `n_years` years."""
    levels: list[float] = []
    level = 1.0
    if process.kind == "log_random_walk":
        step = log_step(process)
        for _ in range(n_years):
            level *= math.exp(step.sample(stream.next()))
            levels.append(level)
        return levels
    regimes = process.regimes or []
    current = _initial(process)
    for _ in range(n_years):
        current = next_regime(process, current, stream.next())
        growth = regimes[current].growth.sample(stream.next())
        level *= max(0.0, 1.0 + growth)
        levels.append(level)
    return levels


def next_regime(process: DemandProcess, current: int, u: float) -> int:
    """The regime after `current` for the uniform `u`: the first, in listed order, whose
    cumulative transition probability exceeds `u` (the last one possible if rounding
    leaves `u` above them all)."""
    regimes = process.regimes or []
    row = (process.transitions or {}).get(regimes[current].id, {})
    total, chosen = 0.0, current
    for i, regime in enumerate(regimes):
        p = float(row.get(regime.id, 0.0))
        if p <= 0.0:
            continue
        total += p
        chosen = i
        if u < total:
            return i
    return chosen


def expected_levels(process: DemandProcess, n_years: int) -> list[float]:
    """E[M] for each drawn year, in closed form.

    Log random walk: exp(k (drift + volatility² / 2)) in the k-th year. Regimes: the
    forward recursion v_k(r) = sum_q v_{k-1}(q) P(q -> r) (1 + E[growth_r]), starting
    from 1 on the initial regime, and E[M] = sum_r v_k(r); E[growth] is the
    distribution's mean (before clipping at -1).
    """
    if process.kind == "log_random_walk":
        mu = float(process.drift or 0.0) + 0.5 * float(process.volatility or 0.0) ** 2
        return [math.exp(k * mu) for k in range(1, n_years + 1)]
    regimes = process.regimes or []
    ids = [r.id for r in regimes]
    transitions = process.transitions or {}
    p = np.array([[float(transitions.get(a, {}).get(b, 0.0)) for b in ids] for a in ids])
    growth = np.array([1.0 + r.growth.mean() for r in regimes])
    v = np.zeros(len(ids))
    v[_initial(process)] = 1.0
    out = []
    for _ in range(n_years):
        v = (v @ p) * growth
        out.append(float(v.sum()))
    return out


def _initial(process: DemandProcess) -> int:
    ids = [r.id for r in process.regimes or []]
    return ids.index(process.initial) if process.initial is not None else 0
