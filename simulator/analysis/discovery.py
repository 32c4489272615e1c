"""Scenario discovery: in which combinations of assumptions does the plan work?

PRIM (the Patient Rule Induction Method, from the `PRIM` package: the EMA Workbench's
implementation made standalone; an optional dependency, `pip install capsim[discover]`)
over the points of a sensitivity batch: the points where a condition on an outcome holds
("closed_by_end >= 0.8") are the cases of interest, and PRIM peels a box of factor limits
that holds as many of them (coverage) as purely (density) as it can. `discover` returns
the peeling trajectory, the chosen box (the most covering one of at least `min_density`)
and its limits against each factor's full range; `box_words` says it in plain words.
"""

from __future__ import annotations

import operator
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.labels import factor_words

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
_CONDITION = re.compile(r"^\s*([A-Za-z0-9_\[\]]+)\s*(>=|<=|>|<)\s*([-+0-9.eE]+)\s*$")
MIN_DENSITY = 0.8


@dataclass(frozen=True)
class Condition:
    """`outcome op value`: which points are cases of interest."""

    outcome: str
    op: str
    value: float

    def holds(self, values: pd.Series) -> np.ndarray:
        return np.asarray(OPERATORS[self.op](values.to_numpy(float), self.value), dtype=bool)

    def __str__(self) -> str:
        return f"{self.outcome} {self.op} {self.value:g}"


def parse_condition(text: str) -> Condition:
    """'closed_by_end >= 0.8' → Condition; ValueError saying what to write otherwise."""
    found = _CONDITION.match(text)
    if not found:
        raise ValueError(f"cannot read {text!r}: write OUTCOME OP NUMBER, e.g. "
                         f"\"closed_by_end >= 0.8\" (OP one of {', '.join(OPERATORS)})")
    try:
        value = float(found.group(3))
    except ValueError:
        raise ValueError(f"cannot read the number {found.group(3)!r} in {text!r}") from None
    return Condition(found.group(1), found.group(2), value)


@dataclass
class Discovery:
    """PRIM's answer: the trajectory, the chosen step, the box's limits."""

    condition: Condition
    trajectory: pd.DataFrame  # step, coverage, density, mass, restricted, chosen
    limits: pd.DataFrame  # factor, low, high, full_low, full_high, restricted_low/high
    coverage: float
    density: float
    cases: int
    points: int
    inside: int


def discover(points: pd.DataFrame, outcomes: pd.DataFrame, condition: Condition, *,
             min_density: float = MIN_DENSITY, mass_min: float = 0.05) -> Discovery:
    """PRIM on the factor columns of `points` (all but `variant`), cases of interest where
    `condition` holds on the matching row of `outcomes` (point means).

    Raises
    ------
    ValueError
        If the outcome is unknown, or no point or every point meets the condition (there
        is nothing to tell apart).
    """
    from ema_workbench.analysis.prim import Prim

    if condition.outcome not in outcomes:
        known = [c for c in outcomes.columns if c != "variant"]
        raise ValueError(f"no outcome {condition.outcome!r} in this batch (outcomes: "
                         f"{', '.join(known)})")
    x = points.drop(columns="variant").astype(float).reset_index(drop=True)
    y = condition.holds(outcomes[condition.outcome]).astype(float)
    cases = int(y.sum())
    if cases == 0 or cases == len(y):
        which = "no point" if cases == 0 else "every point"
        raise ValueError(f"{which} of the {len(y)} meets {condition}: nothing to tell apart")
    with warnings.catch_warnings():  # the Workbench warns about its own defaults
        warnings.simplefilter("ignore")
        box = Prim(x, np.asarray(y), threshold=0.5, mass_min=mass_min).find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True).rename(
        columns={"res_dim": "restricted"})
    trajectory.insert(0, "step", np.arange(len(trajectory)))
    good = trajectory[trajectory["density"] >= min_density]
    step = int(good["coverage"].idxmax() if len(good) else trajectory["density"].idxmax())
    trajectory["chosen"] = trajectory["step"] == step
    box.select(step)
    limits = _limits(x, pd.DataFrame({"min": box.box_lim.iloc[0], "max": box.box_lim.iloc[1]}))
    inside = _inside(x, limits)
    return Discovery(condition, trajectory[["step", "coverage", "density", "mass",
                                            "restricted", "chosen"]],
                     limits, float(trajectory.loc[step, "coverage"]),
                     float(trajectory.loc[step, "density"]), cases, len(y), int(inside.sum()))


def _limits(x: pd.DataFrame, box: pd.DataFrame) -> pd.DataFrame:
    """Every factor's box limits (its full sampled range where PRIM left it alone)."""
    found = {str(f): (float(lo), float(hi)) for f, lo, hi in zip(
        box.index, box["min"].to_numpy(float), box["max"].to_numpy(float), strict=True)}
    rows = []
    for factor in x.columns:
        full_low, full_high = float(x[factor].min()), float(x[factor].max())
        low, high = found.get(str(factor), (full_low, full_high))
        rows.append({"factor": factor, "low": low, "high": high, "full_low": full_low,
                     "full_high": full_high, "restricted_low": low > full_low,
                     "restricted_high": high < full_high})
    frame = pd.DataFrame(rows)
    frame["share_of_range"] = ((frame["high"] - frame["low"])
                               / (frame["full_high"] - frame["full_low"]).replace(0, np.nan))
    return frame.sort_values("share_of_range", kind="stable").reset_index(drop=True)


def _inside(x: pd.DataFrame, limits: pd.DataFrame) -> np.ndarray:
    mask = np.ones(len(x), dtype=bool)
    for row in limits.itertuples():
        values = x[row.factor].to_numpy(float)
        mask &= (values >= row.low) & (values <= row.high)
    return mask


def restricted(discovery: Discovery) -> pd.DataFrame:
    """The limits PRIM set: factors restricted at either end, narrowest first."""
    limits = discovery.limits
    return limits[limits["restricted_low"] | limits["restricted_high"]]


def box_words(discovery: Discovery, condition_words: str, *, unit_factors: set[str]) -> str:
    """The box in a sentence: how often the condition holds inside and under which limits
    ("… holds in 8 of 10 sampled futures where … stays under 310 and … above 0.55")."""
    parts = []
    for row in restricted(discovery).to_dict("records"):
        factor, low, high = str(row["factor"]), float(row["low"]), float(row["high"])
        words = factor_words(factor)
        name = (f"the position of the {words} in their ranges" if factor in unit_factors
                and words != factor else f"the position of ‘{factor}’ in its range"
                if factor in unit_factors else f"‘{factor}’")
        if row["restricted_low"] and row["restricted_high"]:
            parts.append(f"{name} stays between {low:.3g} and {high:.3g}")
        elif row["restricted_high"]:
            parts.append(f"{name} stays under {high:.3g}")
        else:
            parts.append(f"{name} stays above {low:.3g}")
    tenths = int(round(discovery.density * 10))
    how = (f"{tenths} of 10 sampled futures" if 0 < tenths < 10
           else f"{discovery.density:.0%} of the sampled futures")
    where = (" and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1
             else parts[0] if parts else "whatever the assumptions")
    return (f"{condition_words[:1].upper()}{condition_words[1:]} holds in {how} where "
            f"{where} ({discovery.inside} of the {discovery.points} points lie in this box, "
            f"holding {discovery.coverage:.0%} of the {discovery.cases} points where it "
            f"holds).")
