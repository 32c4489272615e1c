"""Damaged input refused at once, by name, with exit status 2 and no traceback: a results
folder with a truncated or missing file given to `capsim report`, and a malformed
`--scheduler` address. Run as processes, as a user would, each with a timeout."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.results import DamagedResults, read_results

MINIMAL = Path(__file__).parents[1] / "scenario" / "good" / "minimal.yaml"
REFUSED = 2


def capsim(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m simulator ARGS` as a process, its output captured."""
    return subprocess.run([sys.executable, "-m", "simulator", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run's results folder (no charts, no report), made once: tests damage copies."""
    out = tmp_path_factory.mktemp("base") / "run"
    done = capsim("run", MINIMAL, "-n", "3", "--workers", "1", "--no-charts", "--no-report",
                  "--no-progress", "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def copy(results: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    shutil.copytree(results, folder)
    return folder


def halve(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def junk(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


# (file damaged, how, words the message must hold)
DAMAGE = [
    pytest.param("kpis.parquet", halve, "not a readable Parquet file", id="kpis-half"),
    pytest.param("kpis.parquet", empty, "not a readable Parquet file", id="kpis-empty"),
    pytest.param("series.parquet", halve, "not a readable Parquet file", id="series-half"),
    pytest.param("series.parquet", empty, "not a readable Parquet file", id="series-empty"),
    pytest.param("events.parquet", halve, "not a readable Parquet file", id="events-half"),
    pytest.param("summary.json", Path.unlink, "missing", id="summary-missing"),
    pytest.param("summary.json", junk("{not json"), "not valid JSON (line 1, column 2)",
                 id="summary-not-json"),
    pytest.param("summary.json", junk("[1, 2]"), "not a JSON object", id="summary-list"),
    pytest.param("summary.json", junk('{"meta": 3}'), '"meta"', id="summary-meta"),
    pytest.param("scenario.yaml", Path.unlink, "missing", id="scenario-missing"),
    pytest.param("scenario.yaml", junk("a: [\n"), "not valid YAML", id="scenario-junk"),
    pytest.param("scenario.yaml", junk("- 1\n"), "not a YAML mapping", id="scenario-list"),
]


def report_files(folder: Path) -> list[str]:
    """What a report run leaves in the folder: its files and any temporary ones."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith((".", "report", "tables")))


@pytest.mark.parametrize("name, damage, words", DAMAGE)
def test_report_refuses_a_damaged_folder_by_file_name(copy: Path, name: str,
                                                      damage: Callable[[Path], None],
                                                      words: str) -> None:
    damage(copy / name)
    done = capsim("report", copy)
    assert done.returncode == REFUSED, done.stderr
    assert f"{copy / name}: " in done.stderr and words in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert report_files(copy) == []  # nothing half-written


def test_report_on_a_damaged_folder_keeps_the_earlier_report(copy: Path) -> None:
    assert capsim("report", copy).returncode == 0
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    halve(copy / "yearly.parquet")
    before[Path("yearly.parquet")] = (copy / "yearly.parquet").read_bytes()
    done = capsim("report", copy)
    assert done.returncode == REFUSED and "yearly.parquet" in done.stderr
    after = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert after == before


def test_a_report_failing_while_written_leaves_the_earlier_one(copy: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    import simulator.report as report

    report.write_report(copy)
    findings = copy / "tables" / "findings.csv"
    findings.write_text("earlier\n", encoding="utf-8")
    page = (copy / "report.html").read_bytes()

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "write_workbook", full_disk)
    with pytest.raises(OSError, match="No space"):
        report.write_report(copy)
    assert findings.read_text(encoding="utf-8") == "earlier\n"
    assert (copy / "report.html").read_bytes() == page
    assert report_files(copy) == ["report.html", "report.xlsx", "tables"]  # no temporaries


@pytest.mark.parametrize("name, damage, words", [
    p for p in DAMAGE if p.id in {"kpis-half", "series-empty", "summary-not-json",
                                  "summary-list", "scenario-junk"}])
def test_read_results_names_the_damaged_file(copy: Path, name: str,
                                             damage: Callable[[Path], None],
                                             words: str) -> None:
    damage(copy / name)
    with pytest.raises(DamagedResults, match=re.escape(words)) as caught:
        read_results(copy, load_limit=0)  # the large-table path: found all the same
    assert caught.value.path == copy / name
    assert str(caught.value).startswith(f"{copy / name}: ")


def test_read_results_still_reads_a_sound_folder(copy: Path) -> None:
    result = read_results(copy)
    assert result.summary == json.loads((copy / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("address", ["nonsense", "tcp://", "tcp://host:notaport",
                                     "http://x:1", "tcp://127.0.0.1:0"])
def test_a_malformed_scheduler_is_refused_at_once(tmp_path: Path, address: str) -> None:
    out = tmp_path / "out"
    start = time.monotonic()
    done = capsim("run", MINIMAL, "-n", "3", "--no-progress", "--no-charts", "--no-report",
                  "--out", out, "--scheduler", address, timeout=30)
    assert time.monotonic() - start < 10
    assert done.returncode == REFUSED, done.stderr
    assert "--scheduler" in done.stderr and "tcp://HOST:PORT" in done.stderr
    assert repr(address) in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
