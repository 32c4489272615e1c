"""The key findings of a run or a batch: the rules of `findings` (a run) and
`batch_findings` (stage attribution, comparisons, sweeps) applied to an analysed result.

Reads the summary and the analysis tables only (`RunResult.summary`, `.analysis`, and the
tables describing a batch's inputs in `.extra`); what the study is comes from its metadata
(`simulator.analysis.study_of`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from simulator.analysis import study_of
from simulator.analysis.common import ALL, STAGES
from simulator.analysis.labels import supplier_names
from simulator.report.batch_findings import batch_findings
from simulator.report.batch_numbers import BatchNumbers
from simulator.report.findings import RunNumbers, run_findings
from simulator.report.words import Finding

if TYPE_CHECKING:
    from simulator.results import RunResult


def study_kind(result: RunResult) -> str:
    """"run", "stages" (stage attribution), "compare", "sweep" or "batch"."""
    if len(result.variants()) <= 1:
        return "run"
    return str(study_of(result)["kind"])


def key_findings(result: RunResult) -> list[Finding]:
    """The findings of a run or a batch, from its summary and analysis tables."""
    kind = study_kind(result)
    summary = result.summary
    if kind == "run":
        return run_findings(RunNumbers(summary, enabled_stages(result.scenario_dict),
                                       supplier_means(result),
                                       supplier_names(result.scenario_dict)))
    names = {str(c.get("id")): str(c.get("name") or c.get("id"))
             for c in result.scenario_dict.get("components") or []}
    batch = BatchNumbers(summary, kind, {**result.extra, **result.analysis},
                         result.variants(), reference=str(study_of(result).get("reference")
                                                          or ""),
                         component_names=names,
                         supplier_names=supplier_names(result.scenario_dict))
    main = None
    if kind == "stages":
        full = [v for v in batch.variants if set(v.split("+")) == set(STAGES)]
        if full:
            main = RunNumbers(batch.variant(full[0]), STAGES, suppliers=None)
    elif kind in ("compare", "batch"):
        main = RunNumbers(batch.variant(batch.base), None, suppliers=None)
    return batch_findings(batch, main)


def enabled_stages(scenario: dict) -> tuple[str, ...] | None:
    """The stages a resolved scenario enables (None when it does not say)."""
    stages = scenario.get("stages")
    if not isinstance(stages, dict):
        return None
    return tuple(s for s in STAGES if stages.get(s) is not None)


def supplier_means(result: RunResult, variant: str | None = None) -> pd.DataFrame | None:
    """Per supplier (of `variant`, default the first): mean orders, blocked orders and slot
    waits over replications, from the analysis' `supplier_waits` (None where there is
    none)."""
    table = result.analysis.get("supplier_waits")
    if table is None or table.empty:
        return None
    if "variant" in table:
        chosen = variant or str(table["variant"].iloc[0])
        table = table[table["variant"].astype(str) == chosen]
    table = table[table["supplier"].astype(str) != ALL]
    if table.empty:
        return None
    columns = ["orders", "blocked", "slot_wait_mean_days", "slot_wait_p90_days"]
    return table.set_index("supplier")[columns]
