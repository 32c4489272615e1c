"""Key findings of batches: stage attribution, comparisons and sweeps.

Rules as in `simulator.report.findings`, reading the batch summary and its analysis tables
(`simulator.report.batch_numbers.BatchNumbers`); each returns one sentence or None. The
comparison leads: what each added stage gains (`stage_findings`), or what changes between
the variants and by how much — the inputs, what holds the stages back and the outcome
(`compare_findings`). Months earlier or later are paired differences of the restricted
mean time to close (a future that never closes counts as closing at the end of the run),
so they exist whenever the variants differ; where nothing changes the analysis' note says
why, in words (`paired_words`). Positive always means the variant does better.
"""

from __future__ import annotations

from simulator.report.batch_numbers import SEQUENCE, BatchNumbers, variant_label
from simulator.report.compare_findings import (
    compare_headline,
    component_outcomes,
    input_changes,
    plant_delays,
    slot_crowding,
    sweep_close_extremes,
    sweep_value_extremes,
    yearly_gap,
)
from simulator.report.findings import OVERALL, RunNumbers, run_findings
from simulator.report.stage_findings import (
    added_stages,
    reduction_by,
    shapley_shares,
    stage_components,
    stage_gain,
)
from simulator.report.words import (
    ALL,
    FEW_REPLICATIONS,
    Finding,
    cap,
    in_question_order,
    lower_first,
    month,
    sentence,
)

__all__ = ["SEQUENCE", "BatchNumbers", "batch_findings", "variant_label"]


def variant_outcomes(b: BatchNumbers) -> str | None:
    """Per variant: how many futures close the overall shortfall, and the median date."""
    names = b.variants
    if b.kind == "stages" and len(names) > 4:  # Shapley: the announced sequence only
        names = [v for v in names if v in SEQUENCE]
    entries = [(v, b.variant(v).get("components", {}).get(ALL) or {}) for v in names]
    shares = {(e.get("n_replications"), e.get("share_closed_by_end")) for _, e in entries}
    if len(names) > 2 and len(shares) == 1:
        n, s = shares.pop()
        if n and s is not None and not s:
            return (f"{cap(OVERALL)} is not closed by the end of the run ({b.end}) in any "
                    f"of the {n} futures of any variant.")
    parts = []
    for name in names[:6]:
        entry = b.variant(name).get("components", {}).get(ALL) or {}
        n, s = entry.get("n_replications") or 0, entry.get("share_closed_by_end")
        if not n or s is None:
            continue
        text = f"with {variant_label(name, b.kind)} in {round(s * n)} of {n} futures"
        median = entry.get("median_close_date")
        if median and s > 0.5:
            text += f" (median {month(median)})"
        parts.append(text)
    if not parts:
        return None
    return f"{cap(OVERALL)} is closed by the end of the run ({b.end}) {'; '.join(parts)}."


def batch_precision(b: BatchNumbers) -> str | None:
    """Replications per variant, what pairing the futures means, and the measure."""
    ns = [int(n) for v in b.variants
          if (n := (b.variant(v).get("components", {}).get(ALL) or {}).get("n_replications"))]
    if not ns:
        return None
    n = min(ns)
    rough = (f" Only {n} per variant: read the differences and probabilities as rough."
             if n < FEW_REPLICATIONS else "")
    return (f"Each of the {len(b.variants)} variants runs the same {n} simulated futures "
            "(common random numbers), so differences are paired future by future, with 95% "
            "confidence intervals over the pairs. Months earlier or later compare the mean "
            "time to close within the run, a future that never closes counting as closing "
            f"at its end ({b.end}).{rough}")


def batch_findings(b: BatchNumbers, main: RunNumbers | None = None) -> list[Finding]:
    """The batch rules' sentences, the comparison first; then cost, certainty and
    constraint sentences of the `main` variant (for stage attribution: all three stages;
    for a comparison: the reference), labelled as such."""
    out: list[Finding] = []
    if b.kind == "stages":
        for stage in added_stages(b):
            out += [Finding("gains", t) for t in (stage_gain(b, stage),
                                                  stage_components(b, stage)) if t]
        if text := shapley_shares(b):
            out.append(Finding("gains", text))
    elif b.kind == "sweep":
        out += [Finding("changes", t) for rule in (sweep_close_extremes, sweep_value_extremes)
                if (t := rule(b))]
    else:
        others = [v for v in b.variants if v != b.base]
        rules = (compare_headline, plant_delays, slot_crowding, component_outcomes,
                 input_changes)
        for rule in rules:  # every variant's headline first, then the details
            out += [Finding("changes", t) for v in others if (t := rule(b, v))]
        out += [Finding("stages", t) for v in others if (t := yearly_gap(b, v))]
    if text := variant_outcomes(b):
        out.append(Finding("when", text))
    if b.kind == "stages" and (text := reduction_by(b)):
        out.append(Finding("when", text))
    if text := batch_precision(b):
        out.append(Finding("certainty", text))
    if main is not None:
        name = str((main.summary.get("meta") or {}).get("variant"))
        label = cap(f"with {variant_label(name, b.kind)}")
        for finding in run_findings(main):
            if finding.question in ("cost", "held_back") or (
                    b.kind == "stages" and finding.question == "stages"
                    and not finding.text.startswith("Each stage reaches")):
                out.append(Finding(finding.question, f"{label}: {lower_first(finding.text)}"))
    warnings = dict.fromkeys(b.summary.get("warnings") or [])
    out += [Finding("certainty", sentence(w)) for w in warnings if not w.startswith("only ")]
    return _overall_once(in_question_order(out))


def _overall_once(findings: list[Finding]) -> list[Finding]:
    """`OVERALL` spelt out at its first mention only, "the overall shortfall" after."""
    out, seen = [], False
    for f in findings:
        text = f.text
        if seen:
            text = text.replace(OVERALL, "the overall shortfall").replace(
                cap(OVERALL), "The overall shortfall")
        seen = seen or OVERALL in f.text or cap(OVERALL) in f.text
        out.append(Finding(f.question, text))
    return out
