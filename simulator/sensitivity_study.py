"""`capsim sensitivity`: a sensitivity experiment from file to results folder.

simulate (every point's replications, common random numbers, resumable chunks) → outcomes
per replication and their point means (`analysis.outcomes`) → indices with SALib's and the
replication noise's intervals (`analysis.sensitivity`) → charts → report → the folder put
in place. The folder holds `points.parquet` (the design), `outcomes.parquet` (point ×
replication), `analysis/sensitivity.parquet`, `analysis/outcome_means.parquet`,
`analysis/tornado.parquet`, `summary.json`, `scenario.yaml`, `charts/`, `report.html`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.outcomes import outcome_label, point_means, replication_outcomes
from simulator.analysis.sensitivity import (
    BOOTSTRAP,
    factor_ranking,
    outcome_range,
    sensitivity_table,
)
from simulator.experiments.backends import Backend, make_backend
from simulator.experiments.batch import Variant, failures_keep_chunks
from simulator.experiments.sensitivity import SensitivityExperiment, load_sensitivity
from simulator.experiments.sensitivity_batch import open_points, run_points
from simulator.lifeline import stop_signals_interrupt
from simulator.results import (
    ANALYSIS_FOLDER,
    CHARTS_FOLDER,
    put_in_place,
    staging_folder,
    write_scenario,
    write_summary,
)


@dataclass
class SensitivityResult:
    """What a sensitivity study found: the design, the outcomes, the indices."""

    experiment: SensitivityExperiment
    points: pd.DataFrame
    per_replication: pd.DataFrame
    means: pd.DataFrame
    indices: pd.DataFrame
    tornado: pd.DataFrame
    seconds: float = 0.0
    out_dir: Path | None = None
    rankings: dict[str, pd.DataFrame] = field(default_factory=dict)

    def ranking(self, outcome: str | None = None) -> pd.DataFrame:
        """The factors ranked on `outcome` (default: the first outcome)."""
        name = outcome or self.experiment.outcomes[0]
        if name not in self.rankings:
            self.rankings[name] = factor_ranking(self.indices, name)
        return self.rankings[name]


def run_sensitivity(path: Path | str | SensitivityExperiment, *,
                    replications: int | None = None, out: Path | str | None = None,
                    resume: bool = False, backend: Backend | None = None,
                    workers: int | None = None, progress: bool = False, charts: bool = True,
                    report: bool = True, bootstrap: int = BOOTSTRAP,
                    on_progress: Callable[[int], object] | None = None) -> SensitivityResult:
    """Run a sensitivity experiment and analyse it (and write `out`, atomically; finished
    chunks kept in `<out>.partial/` for `resume` until it is complete)."""
    started = time.perf_counter()
    experiment = path if isinstance(path, SensitivityExperiment) else load_sensitivity(path)
    variants = [Variant(p.name, p.scenario) for p in experiment.points]
    owned = backend is None
    target = Path(out) if out is not None else None
    n, store, done = open_points(variants, int(replications or experiment.replications),
                                 target, resume)
    with failures_keep_chunks(store), stop_signals_interrupt():
        try:
            backend = backend or make_backend(workers)
            tables = run_points(variants, n, store, done, backend=backend,
                                progress=progress, on_progress=on_progress)
        finally:
            if owned and backend is not None:
                backend.close()
        result = analyse_sensitivity(experiment, tables, n, bootstrap=bootstrap)
        result.seconds = time.perf_counter() - started
        if target is not None:
            write_sensitivity(result, target, charts=charts, report=report)
            if store is not None:
                store.remove()
        return result


def analyse_sensitivity(experiment: SensitivityExperiment, tables: dict[str, pd.DataFrame],
                        n: int, *, bootstrap: int = BOOTSTRAP) -> SensitivityResult:
    """Outcomes per replication, point means, indices and the tornado's spans."""
    base = experiment.sweep.base
    per = replication_outcomes(tables["kpis"], tables["yearly"], experiment.outcomes,
                               base.n_days, base.scenario.start)
    names = [p.name for p in experiment.points]
    per = per.set_index("variant").loc[names].reset_index()
    means = point_means(per)
    values = {o: per[o].to_numpy(float).reshape(len(names), n) for o in experiment.outcomes}
    table = sensitivity_table(experiment.method, experiment.problem, experiment.sample,
                              values, levels=experiment.levels, seed=experiment.seed,
                              bootstrap=bootstrap)
    points = design_table(experiment)
    factor_names = [f.name for f in experiment.factors]
    tornado = pd.concat([outcome_range(points, means, factor_names, o).assign(outcome=o)
                         for o in experiment.outcomes], ignore_index=True)
    return SensitivityResult(experiment, points, per, means, table, tornado)


def design_table(experiment: SensitivityExperiment) -> pd.DataFrame:
    """One row per point: `variant` and each factor's sampled value (a shortcut factor's
    position in [0, 1] within its figures' ranges)."""
    names = [f.name for f in experiment.factors]
    frame = pd.DataFrame(np.asarray(experiment.sample, dtype=float), columns=names)
    frame.insert(0, "variant", [p.name for p in experiment.points])
    return frame


def factor_table(experiment: SensitivityExperiment) -> pd.DataFrame:
    """One row per factor: name, path, range, origin, and the figures it sets."""
    rows = []
    for f in experiment.factors:
        low, high = f.parameter.range or (np.nan, np.nan)
        rows.append({"factor": f.name, "origin": f.origin, "low": low, "high": high,
                     "unit": "position in range" if f.unit else "value",
                     "figures": len(f.parameter.targets),
                     "targets": "; ".join(t.label for t in f.parameter.targets)})
    return pd.DataFrame(rows)


def write_sensitivity(result: SensitivityResult, out: Path, *, charts: bool = True,
                      report: bool = True) -> Path:
    """The results folder, written in a staging folder and renamed into place."""
    with staging_folder(out) as staging:
        result.points.to_parquet(staging / "points.parquet", index=False)
        result.per_replication.to_parquet(staging / "outcomes.parquet", index=False)
        analysis = staging / ANALYSIS_FOLDER
        analysis.mkdir()
        result.indices.to_parquet(analysis / "sensitivity.parquet", index=False)
        result.means.to_parquet(analysis / "outcome_means.parquet", index=False)
        result.tornado.to_parquet(analysis / "tornado.parquet", index=False)
        factor_table(result.experiment).to_parquet(analysis / "factors.parquet", index=False)
        write_scenario(staging, result.experiment.sweep.base.resolved_dict())
        write_summary(staging, summary(result))
        if charts:
            draw_sensitivity_charts(result, staging / CHARTS_FOLDER)
        if report:
            from simulator.report.sensitivity import write_sensitivity_report

            write_sensitivity_report(staging, result)
        put_in_place(staging, out)
    result.out_dir = out
    return out


def summary(result: SensitivityResult) -> dict[str, Any]:
    """`summary.json`: the study and, per outcome, the ranked factors."""
    e = result.experiment
    ranked = {}
    for outcome in e.outcomes:
        table = result.ranking(outcome)
        ranked[outcome] = [{"factor": str(r.factor), "value": _finite(r.value),
                            "clear_of_noise": bool(r.clear_of_noise)}
                           for r in table.itertuples()]
    return {"study": {"kind": "sensitivity", "method": e.method, "name": e.name},
            "points": len(e.points), "replications": int(result.per_replication.groupby(
                "variant").size().iloc[0]), "seed": e.seed,
            "factors": [f.name for f in e.factors], "outcomes": e.outcomes,
            "seconds": round(result.seconds, 1), "ranking": ranked}


def _finite(value: Any) -> float | None:
    v = float(value)
    return v if np.isfinite(v) else None


def draw_sensitivity_charts(result: SensitivityResult, folder: Path) -> list[Path]:
    """Per outcome that varies between points: the Morris μ*–σ chart or the Sobol'
    indices, and the tornado."""
    from simulator.charts import save_figure
    from simulator.charts.sensitivity import morris_chart, sobol_chart, tornado_chart

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for i, outcome in enumerate(result.experiment.outcomes):
        if not result.means[outcome].nunique(dropna=True) > 1:
            continue  # the same at every point: the report says so in words
        label = outcome_label(outcome)
        draw = morris_chart if result.experiment.method == "morris" else sobol_chart
        stem = f"{i:02d}_{result.experiment.method}_{_slug(outcome)}"
        written += save_figure(draw(result.indices, outcome, label), folder, stem)
        spans = result.tornado[result.tornado["outcome"] == outcome]
        written += save_figure(tornado_chart(spans, label), folder,
                               f"{i:02d}_tornado_{_slug(outcome)}")
    return written


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name).strip("_")
