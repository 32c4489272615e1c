"""`capsim discover`: scenario discovery (PRIM) over a sensitivity batch's points.

Reads a sensitivity results folder (`points.parquet`, `analysis/outcome_means.parquet`,
`analysis/factors.parquet`), finds the box (`analysis.discovery`), and writes a folder
(default `<results>/discovery-<condition>/`, never over existing results):
`trajectory.parquet`, `box.parquet`, `summary.json` with the box in words, the three
charts and `discovery.html`.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.analysis.discovery import (
    MIN_DENSITY,
    Discovery,
    box_words,
    discover,
    parse_condition,
)
from simulator.analysis.outcomes import outcome_label
from simulator.report.sensitivity import PLAIN_STYLE
from simulator.results import (
    ANALYSIS_FOLDER,
    CHARTS_FOLDER,
    put_in_place,
    staging_folder,
    write_summary,
)


@dataclass
class DiscoveryResult:
    """The box found, in tables and in words, and where it was written."""

    discovery: Discovery
    words: str
    out_dir: Path | None = None


def read_batch(results: Path) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """A sensitivity folder's points, outcome means and shortcut (position) factors."""
    needed = [results / "points.parquet", results / ANALYSIS_FOLDER / "outcome_means.parquet"]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        raise ValueError(f"{results} is not a sensitivity results folder (missing "
                         f"{', '.join(missing)}); run `capsim sensitivity` first")
    points = pd.read_parquet(needed[0])
    means = pd.read_parquet(needed[1])
    factors_file = results / ANALYSIS_FOLDER / "factors.parquet"
    units: set[str] = set()
    if factors_file.is_file():
        factors = pd.read_parquet(factors_file)
        units = set(factors.loc[factors["unit"] == "position in range", "factor"])
    means = means.set_index("variant").loc[points["variant"]].reset_index()
    return points, means, units


def run_discovery(results: Path | str, where: str, *, out: Path | str | None = None,
                  min_density: float = MIN_DENSITY, charts: bool = True,
                  report: bool = True) -> DiscoveryResult:
    """Find the box where `where` ("closed_by_end >= 0.8") holds; write it to `out`."""
    results = Path(results)
    condition = parse_condition(where)
    points, means, units = read_batch(results)
    found = discover(points, means, condition, min_density=min_density)
    condition_words = (f"{outcome_label(condition.outcome)} {condition.op} "
                       f"{condition.value:g}")
    result = DiscoveryResult(found, box_words(found, condition_words, unit_factors=units))
    target = Path(out) if out is not None else results / f"discovery-{_slug(str(condition))}"
    with staging_folder(target) as staging:
        found.trajectory.to_parquet(staging / "trajectory.parquet", index=False)
        found.limits.to_parquet(staging / "box.parquet", index=False)
        summary = {"condition": str(condition), "words": result.words,
                   "coverage": found.coverage, "density": found.density,
                   "cases": found.cases, "points": found.points, "inside": found.inside,
                   "min_density": min_density, "results": str(results)}
        write_summary(staging, summary)
        if charts:
            _draw(found, points, means[condition.outcome],
                  outcome_label(condition.outcome), staging / CHARTS_FOLDER)
        if report:
            _report(staging, result, condition_words)
        put_in_place(staging, target)
    result.out_dir = target
    return result


def _draw(found: Discovery, points: pd.DataFrame, values: pd.Series, label: str,
          folder: Path) -> None:
    from simulator.charts import save_figure
    from simulator.charts.discovery import box_limits_chart, box_scatter_chart, peeling_chart

    save_figure(peeling_chart(found.trajectory), folder, "peeling_trajectory")
    save_figure(box_limits_chart(found.limits), folder, "box_limits")
    save_figure(box_scatter_chart(points, values, found.limits, label), folder, "box_scatter")


def _report(folder: Path, result: DiscoveryResult, condition_words: str) -> None:
    from jinja2 import Environment

    charts = ["data:image/png;base64," + base64.b64encode(p.read_bytes()).decode("ascii")
              for p in (folder / CHARTS_FOLDER / f"{n}.png"
                        for n in ("peeling_trajectory", "box_limits", "box_scatter"))
              if p.is_file()]
    limits = result.discovery.limits
    rows = [{"factor": str(r["factor"]), "box": f"{r['low']:.3g} – {r['high']:.3g}",
             "full": f"{r['full_low']:.3g} – {r['full_high']:.3g}",
             "restricted": "yes" if r["restricted_low"] or r["restricted_high"] else "no"}
            for r in limits.to_dict("records")]
    page = Environment(autoescape=True).from_string(PAGE).render(
        style=PLAIN_STYLE, title=f"Where {condition_words} holds", words=result.words,
        charts=charts, rows=rows)
    (folder / "discovery.html").write_text(page, encoding="utf-8")


def _slug(text: str) -> str:
    words = {">=": "ge", "<=": "le", ">": "gt", "<": "lt"}
    for op, word in words.items():
        text = text.replace(f" {op} ", f"-{word}-")
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
{{ style|safe }}img { max-width: 100%; }
</style></head><body>
<h1>Scenario discovery</h1>
<h2>{{ title }}</h2>
<p>{{ words }}</p>
{% for chart in charts %}<img src="{{ chart }}" alt="scenario discovery chart">{% endfor %}
<table><tr><th>assumption</th><th>in the box</th><th>sampled range</th><th>restricted</th></tr>
{% for r in rows %}<tr><td>{{ r.factor }}</td><td>{{ r.box }}</td><td>{{ r.full }}</td>
<td>{{ r.restricted }}</td></tr>{% endfor %}
</table>
<p>Found with PRIM (the Patient Rule Induction Method) over the points of the sensitivity
batch: coverage is the share of the points meeting the condition that lie in the box,
density the share of the box's points that meet it.</p>
</body></html>
"""
