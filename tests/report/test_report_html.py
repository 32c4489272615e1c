"""The report files: one self-contained HTML page with every chart, text from the scenario
escaped, and the same tables as CSV files and as sheets of one workbook."""

from __future__ import annotations

import base64
import re
import shlex
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from simulator import load_scenario
from simulator.pipeline import run, run_stages
from simulator.report import write_report
from simulator.report.html import (
    CHART_ORDER,
    COMPARISON_CHART_ORDER,
    RUN_CHART_ORDER,
    chart_captions,
)
from simulator.report.words import amount, days
from simulator.results import read_results

from .studies import blocked_compare

SCENARIO = Path(__file__).resolve().parents[1] / "scenario" / "good" / "minimal.yaml"
RUN_SHEETS = {
    "findings", "kpis_by_component", "gap_served_by_year", "money_by_year", "held_back",
    "suppliers", "stage_speed", "assumptions_settings", "assumptions_components",
    "assumptions_lines", "assumptions_stages", "assumptions_suppliers",
    "assumptions_tranches", "assumptions_projects", "reproduction",
}
EVIL = "<script>alert(1)</script>"


class Page(HTMLParser):
    """The tags, attributes and text of a page, and the items of each findings card."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.cards: dict[str, list[str]] = {}  # card id -> its list items, in order
        self._card: str | None = None
        self._item: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "article" and (attrs.get("id") or "").startswith("q-"):
            self._card = str(attrs["id"])
            self.cards[self._card] = []
        elif tag == "li" and self._card:
            self._item = []

    def handle_endtag(self, tag):
        if tag == "li" and self._card and self._item is not None:
            self.cards[self._card].append(" ".join("".join(self._item).split()))
            self._item = None
        elif tag == "article":
            self._card = None

    def handle_data(self, data):
        self.text.append(data)
        if self._item is not None:
            self._item.append(data)

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


@pytest.fixture(scope="module")
def stages_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "stages"
    run_stages(load_scenario(SCENARIO), replications=4, workers=1, out=folder)
    return folder


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory) -> Path:
    """minimal.yaml against a copy whose supplier blocks orders four times as often."""
    return blocked_compare(tmp_path_factory.mktemp("compare"), replications=6)


def test_report_of_a_stage_attribution(stages_folder):
    folder = stages_folder
    text = (folder / "report.html").read_text(encoding="utf-8")
    parsed = Page(text)
    stems = {p.stem for p in (folder / "charts").glob("*.png")}
    assert stems and {f"chart-{s}" for s in stems} <= {a.get("id") for _, a in parsed.tags}
    assert "Adding stage 3 (new plants)" in text
    from openpyxl import load_workbook

    sheets = set(load_workbook(folder / "report.xlsx", read_only=True).sheetnames)
    assert {"findings", "variant_outcomes", "stage_gains", "what_changes", "differences",
            "kpis_by_component", "money_by_year", "reproduction"} <= sheets
    assert {p.stem for p in (folder / "tables").glob("*.csv")} == sheets


def test_stage_attribution_leads_with_a_number_and_interval_per_added_stage(stages_folder):
    parsed = Page((stages_folder / "report.html").read_text(encoding="utf-8"))
    assert next(iter(parsed.cards)) == "q-gains"  # the first card on the first screen
    first = parsed.cards["q-gains"]
    gains = pd.read_csv(stages_folder / "tables" / "stage_gains.csv", encoding="utf-8-sig")
    added = list(dict.fromkeys(gains["stage"]))
    assert added == ["procurement", "investment"]
    for name in ("stage 2 (new machines)", "stage 3 (new plants)"):
        overall = [t for t in first if t.startswith(f"Adding {name}")]
        assert len(overall) == 1, first
        assert re.search(r"\d[\d.,]* (months|bn|m) .*\(95% CI [^)]*\d", overall[0]), overall


def test_batch_charts_put_the_comparison_first(stages_folder):
    parsed = Page((stages_folder / "report.html").read_text(encoding="utf-8"))
    figures = [a["id"].removeprefix("chart-") for t, a in parsed.tags
               if t == "figure" and (a.get("id") or "").startswith("chart-")]
    comparison = [s for s in figures if s in COMPARISON_CHART_ORDER]
    assert comparison and figures[:len(comparison)] == comparison
    assert figures[0] == "stage_gains"
    captions = [" ".join(c.split()) for c in parsed.attrs("img", "alt")]
    for stem, caption in zip(figures, captions, strict=True):
        if stem in RUN_CHART_ORDER:  # drawn for the whole plan, and saying so
            assert caption.startswith(
                "All three stages (sharing+procurement+investment): "), caption


def test_compare_report_names_blocked_orders_and_slot_waits_first(compare_folder):
    parsed = Page((compare_folder / "report.html").read_text(encoding="utf-8"))
    assert next(iter(parsed.cards)) == "q-changes"
    headline = parsed.cards["q-changes"][0]
    waits = pd.read_csv(compare_folder / "tables" / "what_changes.csv", encoding="utf-8-sig")
    figures = waits.set_index("figure")
    blocked = figures.loc["machine orders blocked"]
    slot = figures.loc["mean wait for a supplier slot"]
    assert blocked["blocked"] > 2 * blocked["minimal"]
    assert headline.startswith("From minimal to blocked: ")
    assert f"machine orders blocked {amount(blocked['minimal'])} → " \
           f"{amount(blocked['blocked'])} per future" in headline
    assert f"mean wait for a supplier slot {days(slot['minimal'])} → " \
           f"{days(slot['blocked'])} days" in headline
    assert "95% CI" in headline or "no earlier or later" in headline or "same" in headline
    assert any("block probability 0.15 → 0.6" in t for t in parsed.cards["q-changes"])


def _rerun_words(folder: Path) -> list[str]:
    table = pd.read_csv(folder / "tables" / "reproduction.csv", encoding="utf-8-sig")
    command = table.set_index("Item").loc["Command to rerun", "Value"]
    words = shlex.split(command)
    assert words[0] == "capsim"
    return words


def _accepted(words: list[str], cwd: Path, out: Path) -> subprocess.CompletedProcess:
    """Run a `capsim` command as written, with 2 replications and no charts, into `out`."""
    words = list(words)
    words[words.index("--replications") + 1] = "2"
    words += ["--out", str(out), "--workers", "1", "--no-charts", "--no-report",
              "--no-progress"]
    return subprocess.run([sys.executable, "-m", "simulator", *words[1:]], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_reproduction_command_reruns_a_run(tmp_path, monkeypatch):
    shutil.copy(SCENARIO, tmp_path / "scenario.yaml")
    monkeypatch.chdir(tmp_path)
    run(load_scenario("scenario.yaml"), replications=3, workers=1, out=tmp_path / "first",
        stages=["sharing", "procurement"], charts=False)
    words = _rerun_words(tmp_path / "first")
    assert words[1:] == ["run", "scenario.yaml", "--replications", "3", "--seed", "42",
                         "--stages", "sharing,procurement"]
    done = _accepted(words, tmp_path, tmp_path / "again")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "again" / "kpis.parquet").is_file()


def test_reproduction_command_reruns_a_stage_attribution(stages_folder, tmp_path):
    words = _rerun_words(stages_folder)
    assert words[1] == "stages" and "--seed" in words
    done = _accepted(words, Path.cwd(), tmp_path / "again")
    assert done.returncode == 0, done.stderr


def test_report_from_a_result_in_memory(tmp_path):
    folder = tmp_path / "mem"
    result = run(load_scenario(SCENARIO), replications=4, workers=1, out=folder, charts=False)
    html = write_report(folder, result=result)
    assert html == folder / "report.html"
    text = html.read_text(encoding="utf-8")
    assert "<figure" not in text  # no charts drawn, none shown
    assert result.meta["scenario_hash"] in text  # reproduction details from the run


def test_reproduction_command_keeps_the_plugin(tmp_path):
    """A run that needed --plugin gives a rerun command with it, and the command works."""
    (tmp_path / "my_policy.py").write_text(
        "from simulator import policies\n\n\n"
        "@policies.register('project_policy', 'cheapest_first_for_the_rerun_test')\n"
        "class CheapestFirst:\n"
        "    def order(self, options):\n"
        "        return sorted(options, key=lambda o: (o.capex, o.index))\n",
        encoding="utf-8")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"extends: {SCENARIO}\nstages:\n  investment:\n"
                        "    policy: cheapest_first_for_the_rerun_test\n", encoding="utf-8")
    first = subprocess.run(
        [sys.executable, "-m", "simulator", "run", "scenario.yaml", "-n", "2", "--workers",
         "1", "--plugin", "my_policy.py", "--no-charts", "--no-progress", "--out", "first"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    words = _rerun_words(tmp_path / "first")
    assert words[words.index("--plugin") + 1] == "my_policy.py"
    done = _accepted(words, tmp_path, tmp_path / "again")
    assert done.returncode == 0, done.stderr


def test_a_later_run_in_the_same_process_does_not_claim_the_plugin(tmp_path):
    from simulator import policies
    from simulator.cli import main

    (tmp_path / "noop_plugin.py").write_text("X = 1\n", encoding="utf-8")
    assert main(["validate", str(SCENARIO), "--plugin", str(tmp_path / "noop_plugin.py")]) == 0
    assert policies.plugins() == []
    result = run(load_scenario(SCENARIO), replications=2, workers=1, charts=False,
                 report=False)
    assert result.meta["plugins"] == []
