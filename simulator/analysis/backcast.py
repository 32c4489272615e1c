"""The back-cast: the model's 10–90% band for each public observation, and hit or miss.

For each observation (see `simulator.validation`) one value per replication is taken from
the run's tables (`replication_values`), the band is the 10th and 90th censored quantile
of those values (`band`; a project not finished by the end counts as +infinity, so a band
edge may be "after end"), and the observation is a hit when its value — or any part of its
range — lies inside the band (`inside`). `share_at_or_below` and `share_within` say how
far off a miss is. `backcast_table` puts them together, one row per observation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.analysis.common import ALL
from simulator.analysis.estimates import censored_quantile
from simulator.analysis.labels import start_date

if TYPE_CHECKING:
    from simulator.results import RunResult

LOW, HIGH = 0.1, 0.9
BACKCAST_COLUMNS = ["id", "quantity", "low", "high", "observed_min", "observed_max", "hit",
                    "share_at_or_below", "share_within", "n", "confidence"]


def band(values: np.ndarray, low: float = LOW, high: float = HIGH) -> tuple[float, float]:
    """The `low` and `high` quantiles of the values (Hyndman & Fan type 2); +inf stands for
    "after the end" (never happened in the run), and a quantile that falls there is +inf."""
    values = np.asarray(values, dtype=float)
    edges = (censored_quantile(values, low), censored_quantile(values, high))
    return tuple(math.inf if math.isnan(e) else e for e in edges)  # type: ignore[return-value]


def inside(edges: tuple[float, float], observed_min: float, observed_max: float) -> bool:
    """Whether the observation (a value: min = max; or a range, open sides ±inf) meets the
    band: some observed value lies between the band's edges, both included."""
    return edges[0] <= observed_max and edges[1] >= observed_min


def share_at_or_below(values: np.ndarray, observed: float) -> float:
    """The share of replications whose value is at or below `observed` (where the
    observation sits in the model's distribution: 0.5 = its median)."""
    values = np.asarray(values, dtype=float)
    return float(np.mean(values <= observed)) if values.size else math.nan


def share_within(values: np.ndarray, observed_min: float, observed_max: float) -> float:
    """The share of replications whose value lies in the observed range (both ends in)."""
    values = np.asarray(values, dtype=float)
    if not values.size:
        return math.nan
    return float(np.mean((values >= observed_min) & (values <= observed_max)))


def replication_values(result: RunResult, quantity: str, *, projects: Sequence[str] = (),
                       component: str | Sequence[str] | None = None,
                       year: int | None = None,
                       base_year: int | None = None, stages: Sequence[str] = ()
                       ) -> np.ndarray:
    """One value per replication (or per offer, for `qualification_days`) of a model
    quantity:

    - ``project_finish``: days from the start until the first of `projects` finishes
      (+inf when none does by the end);
    - ``qualification_days``: for each sharing offer of `component`, days from the offer
      to its qualification (+inf when it never qualifies), every offer of every
      replication pooled;
    - ``supply``: what reaches the assembly lines from domestic supply and the three
      stages in `year`, demand minus shortfall (units; on `all` in currency; a list of
      components adds their units, for a public count spanning several groups);
    - ``supply_change``: supply in `year` over supply in `base_year`, minus 1;
    - ``local_share``: 1 − shortfall / demand in `year` (`component`, default `all`, by
      value);
    - ``money_spent``: capex spent by `stages` from the start to the end of `year`.
    """
    n = int(result.meta["replications"])
    if quantity == "project_finish":
        events = result.read("events", kind="project_finished")
        events = events[events["entity"].astype(str).isin(list(projects))]
        first = events.groupby("replication")["time_days"].min()
        values = np.full(n, math.inf)
        values[first.index.to_numpy(int)] = first.to_numpy(float)
        return values
    if quantity == "qualification_days":
        return _qualification_days(result, str(component))
    if quantity in ("supply", "supply_change", "local_share"):
        assert year is not None
        comp = component or ALL
        demand, shortfall = _yearly(result, comp, year, ["demand", "shortfall"], n)
        if quantity == "local_share":
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.asarray(1 - shortfall / demand)
        supply = demand - shortfall
        if quantity == "supply":
            return supply
        assert base_year is not None
        base_demand, base_shortfall = _yearly(result, comp, base_year,
                                              ["demand", "shortfall"], n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(supply / (base_demand - base_shortfall) - 1)
    if quantity == "money_spent":
        assert year is not None
        rows = result.read("yearly", component=ALL)
        rows = rows[rows["year"].astype(int) <= year]
        columns = [f"capex_spent_{stage}" for stage in stages]
        spent = rows[columns].sum(axis=1).groupby(rows["replication"].to_numpy()).sum()
        return spent.reindex(range(n), fill_value=0.0).to_numpy(float)
    raise ValueError(f"unknown model quantity {quantity!r}")


def _yearly(result: RunResult, component: str | Sequence[str], year: int, columns: list[str],
            n: int) -> list[np.ndarray]:
    """The yearly table's columns for one component (or the sum over several) and year, by
    replication."""
    if not isinstance(component, str):
        parts = [_yearly(result, c, year, columns, n) for c in component]
        return [np.sum([p[i] for p in parts], axis=0) for i in range(len(columns))]
    rows = result.read("yearly", component=component)
    rows = rows[rows["year"].astype(int) == year].sort_values("replication")
    if len(rows) != n:
        raise ValueError(f"the yearly table has {len(rows)} rows for {component} in {year}, "
                         f"expected one per replication ({n})")
    return [rows[c].to_numpy(float) for c in columns]


def _qualification_days(result: RunResult, component: str) -> np.ndarray:
    events = result.read("events", stage="sharing", component=component)
    made = events[events["kind"] == "offer_made"].set_index(["replication", "entity"])
    done = events[events["kind"] == "offer_qualified"].groupby(
        ["replication", "entity"])["time_days"].min()
    qualified = done.reindex(made.index).to_numpy(float)
    return np.where(np.isnan(qualified), math.inf,
                    qualified - made["time_days"].to_numpy(float))


def backcast_table(result: RunResult, observations: Sequence[Any]) -> pd.DataFrame:
    """One row per observation: the model's band (`low`, `high`), the observation
    (`observed_min`, `observed_max`), `hit`, where the observation sits in the model's
    distribution (`share_at_or_below` for a value, `share_within` for a range) and the
    number of values behind the band. Dates become days from the run's start; the rows
    keep the observation's `quantity` so that words can turn them back.

    `observations` are `simulator.validation.Observation`s (anything with `id`, `model`,
    `bounds()` and `confidence`).
    """
    start = start_date(result)
    rows = []
    for obs in observations:
        model = obs.model
        values = replication_values(
            result, model.quantity, projects=model.projects or (), component=model.component,
            year=model.year, base_year=model.base_year, stages=model.stages or ())
        low, high = (_as_number(b, start, default) for b, default in
                     zip(obs.bounds(), (-math.inf, math.inf), strict=True))
        edges = band(values)
        point = low == high
        rows.append({
            "id": obs.id, "quantity": model.quantity, "low": edges[0], "high": edges[1],
            "observed_min": low, "observed_max": high, "hit": inside(edges, low, high),
            "share_at_or_below": share_at_or_below(values, low) if point else math.nan,
            "share_within": math.nan if point else share_within(values, low, high),
            "n": int(values.size), "confidence": obs.confidence})
    return pd.DataFrame(rows, columns=BACKCAST_COLUMNS)


def _as_number(bound: Any, start: dt.date | None, default: float) -> float:
    """An observed bound as a number: a date as days from the start, None as `default`."""
    if bound is None:
        return default
    if isinstance(bound, dt.date):
        assert start is not None, "a date observation needs the run's start"
        return float((bound - start).days)
    return float(bound)
