"""capsim as an EMA Workbench model (optional: `pip install 'capsim[ema]'`).

`ema_model(experiment)` turns a sensitivity experiment file (its base scenario, factors
and outcomes; `experiments/README.md`) into an `ema_workbench.Model`: one uncertainty per
factor over its range (`IntegerParameter` for `integer: true`, else `RealParameter`; a
`confidence: L` shortcut factor is its position in [0, 1]), one `ScalarOutcome` per
outcome, and a function that runs the scenario at the values given for the experiment's
replications (same seed at every experiment: common random numbers) and returns each
outcome's mean over them. `perform_experiments` then runs capsim, and the Workbench's
analysis (PRIM, feature scoring, dimensional stacking) works on its outcomes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator.analysis.outcomes import replication_outcomes
from simulator.experiments.batch import Variant
from simulator.experiments.sensitivity import (
    SensitivityExperiment,
    load_sensitivity,
    scenario_at,
)
from simulator.experiments.sensitivity_batch import narrow_chunk
from simulator.results import frame_from_arrow

if TYPE_CHECKING:
    from ema_workbench import Model


class CapsimFunction:
    """The model function: factor values in (keyword arguments), outcome means out.
    Holds the loaded experiment, so it pickles to the Workbench's worker processes."""

    def __init__(self, experiment: SensitivityExperiment, replications: int) -> None:
        self.experiment = experiment
        self.replications = replications
        self.calls = 0

    def __call__(self, **values: Any) -> dict[str, float]:
        e = self.experiment
        self.calls += 1
        scenario = scenario_at(e, {f.name: float(values[f.name]) for f in e.factors},
                               f"ema-{self.calls}")
        tables = narrow_chunk(Variant("ema", scenario), list(range(self.replications)),
                              False)
        kpis, yearly = (frame_from_arrow(tables[name]) for name in ("kpis", "yearly"))
        base = e.sweep.base
        per = replication_outcomes(kpis, yearly, e.outcomes, base.n_days, base.scenario.start)
        return {o: float(pd.to_numeric(per[o]).mean()) for o in e.outcomes}


def ema_model(experiment: str | Path | SensitivityExperiment, *,
              replications: int | None = None, name: str = "capsim") -> Model:
    """An `ema_workbench.Model` of the experiment's scenario, factors and outcomes."""
    from ema_workbench import IntegerParameter, Model, RealParameter, ScalarOutcome

    e = experiment if isinstance(experiment, SensitivityExperiment) \
        else load_sensitivity(experiment)
    model = Model(name, function=CapsimFunction(e, int(replications or e.replications)))
    uncertainties: list[Any] = []
    for factor in e.factors:
        low, high = factor.parameter.range or (0.0, 1.0)
        if factor.parameter.integer:
            uncertainties.append(IntegerParameter(factor.name, int(round(low)),
                                                  int(round(high))))
        else:
            uncertainties.append(RealParameter(factor.name, low, high))
    model.uncertainties = uncertainties
    model.outcomes = [ScalarOutcome(o) for o in e.outcomes]
    return model
