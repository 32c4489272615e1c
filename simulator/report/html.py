"""The report as one self-contained HTML file: charts inlined, no network needed.

`embed_charts` reads the PNGs of a results folder's ``charts/`` (every one present, the
known ones in reading order, each with its one-sentence caption) as base64 ``data:``
URIs; `render_html` fills the Jinja2 template (autoescaping on, so any text from the
scenario shows as text) with the findings, charts and tables. The page carries its own
styles (system fonts, print styles for A4) and no script, so it opens from an e-mail
attachment as it is.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from simulator.report.tables import ReportTable
from simulator.report.words import QUESTIONS, Finding, lower_first

TEMPLATE = "template.html.j2"
RUN_CHART_ORDER = (
    "shortfall_overall", "close_dates", "stage_speed", "shortfall_by_component",
    "shortfall_heatmap", "money", "cost_per_unit", "economic_value", "procurement_timeline",
    "held_back", "vehicles",
)
COMPARISON_CHART_ORDER = (
    "stage_gains", "close_dates_compared", "survival_by_component", "shortfall_compared",
)
CHART_ORDER = RUN_CHART_ORDER + COMPARISON_CHART_ORDER  # a run's reading order
BATCH_CHART_ORDER = COMPARISON_CHART_ORDER + RUN_CHART_ORDER  # the comparison first
# Used until (and where) simulator.charts.CHART_CAPTIONS gives a caption of its own.
FALLBACK_CAPTIONS = {
    "shortfall_overall": "The overall gap (all components, by value) month by month: the "
                         "share of it each stage serves and the share still missing "
                         "(Σ shortfall / Σ gap over the simulated futures), with the "
                         "10–90% range of the share still missing.",
    "close_dates": "When each component's shortfall closes across the simulated futures, "
                   "with the share never closed by the end marked.",
    "stage_speed": "The share of each year's gap each stage serves, with the time each "
                   "stage takes to reach half and 90% of its peak.",
    "shortfall_by_component": "For each component group, the share of its gap each stage "
                              "serves over time and the share still missing.",
    "shortfall_heatmap": "The share of each component's gap still missing in each year "
                         "(Σ shortfall / Σ gap over the simulated futures).",
    "money": "Money released to each stage against capex committed and spent, by year.",
    "cost_per_unit": "Capex per unit of annual capacity added, by component and stage.",
    "procurement_timeline": "The machine orders of one representative simulated future, "
                            "from the supplier's queue to ramp-up, with blocked orders "
                            "marked.",
    "held_back": "What holds the stages back: days with an empty budget, paused builds, "
                 "waits for supplier slots and blocked orders.",
    "vehicles": "Vehicles the components on hand could support over time, and which "
                "component limits output.",
    "stage_gains": "Months by which each added stage closes the shortfall earlier on "
                   "average within the run (a future that never closes counts as closing "
                   "at the end), with 95% confidence intervals; where nothing changes, the "
                   "reason in words.",
    "close_dates_compared": "For each variant, the share of simulated futures in which the "
                            "overall shortfall is closed by each date.",
    "survival_by_component": "For each component and variant, the share of simulated "
                             "futures in which the shortfall is closed by each date.",
    "shortfall_compared": "The overall shortfall of each variant month by month, with its "
                          "10–90% range.",
}
FIRST_SCREEN_PER_QUESTION = 3
FIRST_SCREEN_LEAD = 6  # sentences of the comparison card, which spans the page
LEAD_QUESTIONS = ("gains", "changes")


@dataclass(frozen=True)
class Chart:
    stem: str
    caption: str
    data_uri: str


def chart_captions() -> dict[str, str]:
    """Captions by chart stem: the chart layer's own where it has them, else ours."""
    try:
        from simulator import charts
    except ImportError:  # pragma: no cover - matplotlib missing: the fallbacks do
        return dict(FALLBACK_CAPTIONS)
    return {**FALLBACK_CAPTIONS, **(getattr(charts, "CHART_CAPTIONS", None) or {})}


def embed_charts(folder: Path, *, reference: str | None = None) -> list[Chart]:
    """Every PNG of `folder` as a data URI, each with its caption: the known stems in
    reading order, others after (alphabetically). For a batch give the variant its run
    charts were drawn for, in words (`reference`, e.g. "Reference variant (baseline)"):
    the comparison charts come first, and the run charts say so in their captions."""
    if not folder.is_dir():
        return []
    known = CHART_ORDER if reference is None else BATCH_CHART_ORDER
    pngs = {p.stem: p for p in folder.glob("*.png")}
    order = [s for s in known if s in pngs] + sorted(set(pngs) - set(known))
    captions = chart_captions()
    charts = []
    for stem in order:
        encoded = base64.b64encode(pngs[stem].read_bytes()).decode("ascii")
        caption = captions.get(stem) or f"{stem.replace('_', ' ').capitalize()}."
        if reference is not None and stem in RUN_CHART_ORDER:
            caption = f"{reference}: {lower_first(caption)}"
        charts.append(Chart(stem, caption, f"data:image/png;base64,{encoded}"))
    return charts


@dataclass
class Section:
    """A titled part of the report: an introduction and tables shown in the page."""

    key: str
    title: str
    tables: list[ReportTable]
    intro: str = ""
    new_page: bool = False  # printed from the top of a page


def render_html(*, title: str, subtitle: str, description: str | None,
                findings: list[Finding], warnings: list[str], charts: list[Chart],
                sections: list[Section], files: list[str]) -> str:
    """The report page."""
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    text = resources.files("simulator.report").joinpath(TEMPLATE).read_text(encoding="utf-8")
    template = env.from_string(text)
    return template.render(
        title=title, subtitle=subtitle, description=description,
        questions=_question_cards(findings), warnings=warnings, charts=charts,
        sections=[_section_view(s) for s in sections], files=files,
    )


def _question_cards(findings: list[Finding]) -> list[dict[str, Any]]:
    """Per question (in order): the first sentences for the first screen, the rest after."""
    cards = []
    for key, question in QUESTIONS.items():
        texts = [f.text for f in findings if f.question == key]
        if texts:
            lead = key in LEAD_QUESTIONS
            shown = FIRST_SCREEN_LEAD if lead else FIRST_SCREEN_PER_QUESTION
            cards.append({"key": key, "question": question, "lead": lead,
                          "first": texts[:shown], "more": texts[shown:]})
    return cards


def _section_view(section: Section) -> dict[str, Any]:
    tables = []
    for table in section.tables:
        shown = table.shown()
        detail = shown.pop(table.detail) if table.detail and table.detail in shown else None
        columns = list(shown.columns)
        rows = [{"cells": cells, "detail": None if detail is None else detail.iloc[i]}
                for i, cells in enumerate(shown.to_numpy().tolist())]
        tables.append({
            "key": table.key, "title": table.title, "note": table.note,
            "columns": [{"name": c, "numeric": c in table.numeric, "kind": _kind(table, c)}
                        for c in columns],
            "rows": rows, "detail": table.detail,
        })
    return {"key": section.key, "title": section.title, "intro": section.intro,
            "tables": tables, "new_page": section.new_page}


def _kind(table: ReportTable, column: str) -> str:
    """The cell class of a column: "num" (right-aligned, kept on one line), "lines" (short
    lines, none wrapped), "source" (small print) or "" (plain text; line breaks in any
    cell are kept)."""
    if column in table.numeric:
        return "num"
    if column in table.lines:
        return "lines"
    return "source" if column == "Source" else ""
