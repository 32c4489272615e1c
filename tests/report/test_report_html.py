"""The report files: one self-contained HTML page with every chart, text from the scenario
escaped, and the same tables as CSV files and as sheets of one workbook."""

from __future__ import annotations

import base64
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from simulator import load_scenario
from simulator.pipeline import run, run_stages
from simulator.report import write_report
from simulator.report.html import CHART_ORDER, chart_captions
from simulator.results import read_results

SCENARIO = Path(__file__).resolve().parents[1] / "scenario" / "good" / "minimal.yaml"
RUN_SHEETS = {
    "findings", "kpis_by_component", "gap_served_by_year", "money_by_year", "held_back",
    "suppliers", "stage_speed", "assumptions_settings", "assumptions_components",
    "assumptions_lines", "assumptions_stages", "assumptions_suppliers",
    "assumptions_tranches", "assumptions_projects", "reproduction",
}
EVIL = "<script>alert(1)</script>"


class Page(HTMLParser):
    """The tags, attributes and text of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def attrs(self, tag: str, name: str) -> list[str]:
        return [a[name] or "" for t, a in self.tags if t == tag and name in a]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "r"
    run(load_scenario(SCENARIO), replications=6, workers=1, out=folder)
    write_report(folder)
    return folder


@pytest.fixture(scope="module")
def page(run_folder) -> tuple[str, Page]:
    text = (run_folder / "report.html").read_text(encoding="utf-8")
    return text, Page(text)


def test_writes_html_workbook_and_csvs(run_folder):
    assert (run_folder / "report.html").is_file()
    assert (run_folder / "report.xlsx").is_file()
    csvs = {p.stem for p in (run_folder / "tables").glob("*.csv")}
    assert csvs == RUN_SHEETS
    kpis = pd.read_csv(run_folder / "tables" / "kpis_by_component.csv", encoding="utf-8-sig")
    assert list(kpis["component"]) == ["ecu", "all"]
    assert kpis["P(closed by end)"].between(0, 1).all()
    findings = pd.read_csv(run_folder / "tables" / "findings.csv", encoding="utf-8-sig")
    assert len(findings) >= 5 and findings["finding"].str.len().gt(20).all()


def test_workbook_has_one_sheet_per_table(run_folder):
    from openpyxl import load_workbook

    book = load_workbook(run_folder / "report.xlsx", read_only=True)
    assert set(book.sheetnames) == RUN_SHEETS
    assert all(len(name) <= 31 for name in book.sheetnames)
    rows = list(book["kpis_by_component"].iter_rows(values_only=True))
    assert rows[0][0] == "component" and {r[0] for r in rows[1:]} == {"ecu", "all"}


def test_page_is_self_contained(page):
    text, parsed = page
    links = [v for tag, a in parsed.tags for k, v in a.items() if k in ("src", "href") and v]
    assert not [v for v in links if v.startswith(("http:", "https:", "//", "ftp:"))]
    images = parsed.attrs("img", "src")
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    assert not [t for t, _ in parsed.tags if t in ("script", "link", "iframe", "object")]
    assert "@import" not in text and "url(" not in text
    hrefs = [h for h in parsed.attrs("a", "href")]
    ids = {a.get("id") for _, a in parsed.tags}
    assert all(h.startswith("#") and h[1:] in ids for h in hrefs)  # contents links work


def test_every_chart_in_the_folder_is_embedded_in_order_with_its_caption(run_folder, page):
    text, parsed = page
    stems = sorted(p.stem for p in (run_folder / "charts").glob("*.png"))
    assert stems
    figures = [a["id"].removeprefix("chart-") for t, a in parsed.tags
               if t == "figure" and (a.get("id") or "").startswith("chart-")]
    assert sorted(figures) == stems
    known = [s for s in figures if s in CHART_ORDER]
    assert known == sorted(known, key=CHART_ORDER.index)
    captions = chart_captions()
    for stem, src in zip(figures, parsed.attrs("img", "src"), strict=True):
        png = (run_folder / "charts" / f"{stem}.png").read_bytes()
        assert base64.b64decode(src.split(",", 1)[1]) == png
        assert captions[stem] in " ".join(" ".join(parsed.text).split())


def test_a_chart_added_later_is_picked_up(run_folder, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(run_folder, folder)
    shutil.copy(folder / "charts" / "close_dates.png", folder / "charts" / "zz_extra_view.png")
    text = write_report(folder).read_text(encoding="utf-8")
    assert 'id="chart-zz_extra_view"' in text and "Zz extra view." in text


def test_text_from_the_scenario_is_escaped(run_folder, tmp_path):
    folder = tmp_path / "evil"
    shutil.copytree(run_folder, folder)
    result = read_results(folder)
    result.scenario_dict["scenario"]["name"] = EVIL
    result.scenario_dict["scenario"]["description"] = '<img src="x" onerror="alert(2)">'
    result.scenario_dict["components"][0]["source"] = "<b>bold</b> & co"
    result.meta["scenario"] = EVIL
    result.summary["components"]["ecu"]["name"] = EVIL
    text = write_report(folder, result=result).read_text(encoding="utf-8")
    assert EVIL not in text and "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'onerror="alert(2)"' not in text and "<b>bold</b>" not in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in text
    parsed = Page(text)
    assert EVIL in " ".join(parsed.text)  # shown to the reader as text
    assert all(src.startswith("data:") for src in parsed.attrs("img", "src"))


def test_first_screen_answers_the_questions_and_prints_cleanly(page):
    text, parsed = page
    words = " ".join(" ".join(parsed.text).split())
    for question in ("When is the shortfall closed?", "Which stage does most, and when?",
                     "What does it cost?", "How certain is this?", "What holds it back?"):
        assert question in words
    assert text.index('id="findings"') < text.index('id="charts"') < text.index('id="results"')
    assert "@media print" in text and "size: A4" in text
    assert "break-inside: avoid" in text and "nav.toc" in text
    assert "system-ui" in text
    assert 'lang="en"' in text


def test_report_of_a_stage_attribution(tmp_path):
    folder = tmp_path / "stages"
    run_stages(load_scenario(SCENARIO), replications=4, workers=1, out=folder)
    html = write_report(folder)
    text = html.read_text(encoding="utf-8")
    parsed = Page(text)
    stems = {p.stem for p in (folder / "charts").glob("*.png")}
    assert stems and {f"chart-{s}" for s in stems} <= {a.get("id") for _, a in parsed.tags}
    assert "Adding stage 3 (new plants)" in text
    from openpyxl import load_workbook

    sheets = set(load_workbook(folder / "report.xlsx", read_only=True).sheetnames)
    assert {"findings", "variant_outcomes", "stage_gains", "differences", "kpis_by_component",
            "money_by_year", "reproduction"} <= sheets
    assert {p.stem for p in (folder / "tables").glob("*.csv")} == sheets


def test_report_from_a_result_in_memory(tmp_path):
    folder = tmp_path / "mem"
    result = run(load_scenario(SCENARIO), replications=4, workers=1, out=folder, charts=False)
    html = write_report(folder, result=result)
    assert html == folder / "report.html"
    text = html.read_text(encoding="utf-8")
    assert "<figure" not in text  # no charts drawn, none shown
    assert result.meta["scenario_hash"] in text  # reproduction details from the run
