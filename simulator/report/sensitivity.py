"""The report of a sensitivity study: "Which assumptions decide the answer".

For each outcome, the factors ranked by their main index (Morris μ*, Sobol' total) in plain
words — which the answer hangs on first, which next, which are lost in the replication
noise — and, for Sobol', the factors whose total index is well above their first-order
index (they act through interactions). One self-contained HTML page with the charts
inlined, written from the analysis tables (`analysis.sensitivity`), nothing recomputed.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator.analysis.labels import factor_words
from simulator.analysis.outcomes import outcome_label
from simulator.analysis.sensitivity import factor_ranking
from simulator.report.words import join_and

if TYPE_CHECKING:
    from simulator.sensitivity_study import SensitivityResult

SECTION_TITLE = "Which assumptions decide the answer"
INTERACTION_GAP = 0.1  # total − first order, as a share of the variance
INTERACTION_RATIO = 2.0  # ... and total at least twice the first order: "total ≫ first"
LEADERS = 3  # factors named as deciding the answer


def ranking_words(table: pd.DataFrame, outcome: str) -> list[str]:
    """Sentences ranking the factors on `outcome` (see the module)."""
    ranked = factor_ranking(table, outcome)
    label = outcome_label(outcome)
    if ranked.empty:
        return [f"No index was computed for {label}."]
    clear = ranked[ranked["clear_of_noise"] & (ranked["value"] > 0)]
    if not (ranked["value"].abs() > 0).any():
        return [f"No assumption changes {label} on these ranges: it is the same at every "
                f"point."]
    if clear.empty:
        return [f"No assumption moves {label} by more than the replication noise: on these "
                f"ranges the answer does not hang on any of them (or more replications "
                f"are needed to tell)."]
    names = [_name(f) for f in clear["factor"]]
    first, rest = names[0], names[1:LEADERS]
    text = f"{_cap(label)} hangs first on {first}"
    if rest:
        text += f", then on {join_and(rest)}"
    sentences = [text + "."]
    if len(names) > LEADERS:
        sentences.append(f"{_cap(_few(clear['factor'][LEADERS:]))} matter"
                         f"{'s' if len(names) == LEADERS + 1 else ''} too, less.")
    quiet = ranked[~ranked["factor"].isin(clear["factor"])]
    noisy, still = quiet[quiet["value"] > 0], quiet[quiet["value"] <= 0]
    if len(noisy):
        sentences.append(f"{_cap(_few(noisy['factor']))} move{'s' if len(noisy) == 1 else ''} "
                         f"it by no more than the replication noise.")
    if len(still):
        sentences.append(f"{_cap(_few(still['factor']))} "
                         f"{'does' if len(still) == 1 else 'do'} not move it at all.")
    method = str(table.loc[table["outcome"] == outcome, "method"].iloc[0])
    if method == "sobol":
        sentences += interaction_words(ranked)
    return sentences


def interaction_words(ranked: pd.DataFrame) -> list[str]:
    """Factors whose total index is well above their first-order index."""
    strong = ranked[(ranked["interaction"] > INTERACTION_GAP)
                    & (ranked["value"] >= INTERACTION_RATIO * ranked["first_order"].clip(0))]
    if strong.empty:
        return []
    names = join_and([f"{_name(str(factor))} (total {total:.2f}, alone {first:.2f})"
                      for factor, total, first in zip(strong["factor"], strong["value"],
                                                      strong["first_order"], strict=True)])
    return [f"Interactions matter: {names} act mostly together with other assumptions, "
            f"so changing one of them alone says little."]


def write_sensitivity_report(folder: Path, result: SensitivityResult) -> Path:
    """`report.html` in `folder`: the section per outcome, with its charts inlined."""
    from jinja2 import Environment

    e = result.experiment
    sections = []
    for i, outcome in enumerate(e.outcomes):
        charts = [_png(path) for path in sorted((folder / "charts").glob(f"{i:02d}_*.png"))]
        ranked = result.ranking(outcome)
        sections.append({"label": _cap(outcome_label(outcome)),
                         "sentences": ranking_words(result.indices, outcome),
                         "charts": charts, "rows": _rows(ranked)})
    page = Environment(autoescape=True).from_string(PAGE).render(
        style=PLAIN_STYLE, title=f"Sensitivity: {e.name}", section=SECTION_TITLE, sections=sections,
        method="Morris elementary effects" if e.method == "morris" else "Sobol' indices",
        points=len(e.points), factors=len(e.factors),
        replications=int(result.per_replication.groupby("variant").size().iloc[0]),
        seed=e.seed, description=e.description or "")
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _rows(ranked: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"rank": int(r["rank"]), "factor": str(r["factor"]), "value": f"{r['value']:.3g}",
             "interval": _interval(r["low"], r["high"]),
             "noise": _interval(r["noise_low"], r["noise_high"]),
             "noise_level": "—" if pd.isna(r["noise_level"]) else f"{r['noise_level']:.3g}",
             "clear_of_noise": "yes" if r["clear_of_noise"] else "no"}
            for r in ranked.to_dict("records")]


def _interval(low: Any, high: Any) -> str:
    return "—" if pd.isna(low) or pd.isna(high) else f"{float(low):.3g} to {float(high):.3g}"


def _png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _name(factor: str) -> str:
    return f"‘{factor_words(factor)}’"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _few(factors: pd.Series, shown: int = 6) -> str:
    """Up to `shown` factor names, and how many more."""
    names = [_name(str(f)) for f in factors]
    if len(names) <= shown:
        return join_and(names)
    return join_and([*names[:shown], f"{len(names) - shown} more"])


PLAIN_STYLE = """body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: left; }
"""
"""The style of the small pages written beside a results folder (sensitivity, discovery)."""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
{{ style|safe }}td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
.meta { color: #555; }
</style></head><body>
<h1>{{ title }}</h1>
{% if description %}<p>{{ description }}</p>{% endif %}
<p class="meta">{{ method }} over {{ factors }} assumptions: {{ points }} points ×
{{ replications }} replications (seed {{ seed }}, the same random draws at every point).
Intervals: the design's (SALib) and the replication noise's (bootstrap over replications).
The noise level is the size the index reaches from replication noise alone; an assumption
is clear of the noise when its index is more than twice that.</p>
<h2>{{ section }}</h2>
{% for s in sections %}
<h3>{{ s.label }}</h3>
{% for sentence in s.sentences %}<p>{{ sentence }}</p>{% endfor %}
{% for chart in s.charts %}<img src="{{ chart }}" alt="{{ s.label }}">{% endfor %}
<table><tr><th>rank</th><th>assumption</th><th>index</th><th>interval (design)</th>
<th>interval (replication noise)</th><th>noise level</th><th>clear of the noise</th></tr>
{% for r in s.rows %}<tr><td class="num">{{ r.rank }}</td><td>{{ r.factor }}</td>
<td class="num">{{ r.value }}</td><td>{{ r.interval }}</td><td>{{ r.noise }}</td>
<td class="num">{{ r.noise_level }}</td><td>{{ r.clear_of_noise }}</td></tr>{% endfor %}
</table>
{% endfor %}
</body></html>
"""
