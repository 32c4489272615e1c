"""Writing and reading the results folder: round trip, dates as dates, atomicity, refusal."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import simulator.charts
from simulator.pipeline import write_results
from simulator.results import RunResult, read_results
from tests.synthetic_tables import make_result

TABLE_FILES = [f"{name}.parquet" for name in
               ("kpis", "series", "yearly", "events", "suppliers", "assembly")]


@pytest.fixture(scope="module")
def result() -> RunResult:
    return make_result(n_reps=6, n_months=12)


def assert_same_tables(a: RunResult, b: RunResult) -> None:
    assert set(a.tables()) == set(b.tables())
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(b.tables()[name], frame, obj=name)


def test_round_trip(result, tmp_path):
    out = write_results(result, tmp_path / "run", charts=False, report=False)
    assert out == tmp_path / "run" and result.out_dir == out
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*TABLE_FILES, "summary.json", "scenario.yaml", "analysis"]
    )
    back = read_results(out)
    assert_same_tables(result, back)
    assert back.summary == json.loads(json.dumps(result.summary))
    assert back.meta == result.summary["meta"]
    assert back.scenario_dict == result.scenario_dict
    assert back.out_dir == out
    assert yaml.safe_load((out / "scenario.yaml").read_text()) == result.scenario_dict
    json.loads((out / "summary.json").read_text())


def test_dates_are_parquet_dates(result, tmp_path):
    out = write_results(result, tmp_path / "run", charts=False)
    assert pq.read_schema(out / "kpis.parquet").field("close_date").type == pa.date32()
    assert pq.read_schema(out / "events.parquet").field("date").type == pa.date32()
    back = read_results(out)
    assert back.kpis["close_date"].dtype == result.kpis["close_date"].dtype
    assert back.kpis["close_date"].isna().equals(~back.kpis["closed"])


def test_round_trip_of_date_objects_and_no_assembly(tmp_path):
    result = make_result(n_reps=3, n_months=6, with_assembly=False)
    as_objects = [d.date() if pd.notna(d) else pd.NaT for d in result.kpis["close_date"]]
    result.kpis["close_date"] = pd.Series(as_objects, dtype=object)
    out = write_results(result, tmp_path / "run", charts=False)
    assert not (out / "assembly.parquet").exists()
    assert pq.read_schema(out / "kpis.parquet").field("close_date").type == pa.date32()
    back = read_results(out)
    assert back.assembly is None
    assert isinstance(back.kpis["close_date"].dropna().iloc[0], dt.date)
    assert_same_tables(result, back)


def test_writes_charts_into_the_folder(result, tmp_path, monkeypatch):
    # drawing itself is tested in tests/charts; here: called with <out>/charts, kept there
    calls = []

    def draw(run, folder):
        calls.append((run, folder))
        folder.mkdir()
        (folder / "chart.png").write_bytes(b"png")

    monkeypatch.setattr(simulator.charts, "draw_run_charts", draw)
    out = write_results(result, tmp_path / "run")
    assert calls[0][0] is result and calls[0][1].name == "charts"
    assert (out / "charts" / "chart.png").read_bytes() == b"png"


def test_refuses_a_non_empty_folder_and_leaves_it_alone(result, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="exists and is not empty"):
        write_results(result, out, charts=False)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert _leftovers(tmp_path) == []


def test_accepts_an_existing_empty_folder(result, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    write_results(result, out, charts=False)
    assert (out / "kpis.parquet").is_file()


def test_a_failing_chart_leaves_nothing(result, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("chart failed")

    # the first chart is drawn and saved before the second one fails
    monkeypatch.setattr(simulator.charts, "shortfall_small_multiples", broken)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="chart failed"):
        write_results(make_result(n_reps=3, n_months=6), out)
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_writing_from_python_analyses_the_result_and_writes_its_report(tmp_path):
    fresh = make_result(n_reps=3, n_months=6)
    assert fresh.summary == {}  # a record: nothing is computed on reading it
    out = write_results(fresh, tmp_path / "run", charts=False)
    assert fresh.summary["components"] and (out / "report.html").is_file()
    assert (out / "report.xlsx").is_file() and (out / "tables").is_dir()


def test_reading_does_not_import_matplotlib(result, tmp_path):
    out = write_results(result, tmp_path / "run", charts=False)
    code = (
        "import sys; from simulator.results import read_results; "
        f"r = read_results({str(out)!r}); r.summary; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".tmp-" in p.name]
