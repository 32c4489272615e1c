"""The console's tables: data is shown as written (never read as rich markup), and narrow
terminals get tables that wrap only between words, never inside an id."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from simulator.cli import _rich_table, main
from simulator.scenario import load_scenario, load_scenario_text

BASELINE = "scenarios/baseline.yaml"
MINIMAL = Path("tests/scenario/good/minimal.yaml")
SMALL = Path("tests/experiments/data/small.yaml")
QUIET = ["--workers", "1", "--no-progress", "--no-charts", "--no-report"]


def table_lines(text):
    return [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]


def assert_whole_on_a_line(text, words, width):
    lines = table_lines(text)
    assert lines and max(map(len, lines)) <= width, text
    cells = [cell.strip() for line in lines for cell in re.split(r"[│┃]", line)]
    for word in words:
        assert any(re.search(rf"(^|\s){re.escape(word)}(\s|$)", cell) for cell in cells), \
            f"{word!r} is not whole on one line of\n{text}"


@pytest.fixture(scope="module")
def components():
    ids = [c.id for c in load_scenario(BASELINE).components]
    assert "automatic_transmission" in ids  # the id that was cut first
    return ids


def printed(args, width, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(width))
    assert main([*args, "-n", "4", "--seed", "5", *QUIET, "--out", str(tmp_path / "out")]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("width", [80, 100])
def test_the_run_summary_keeps_every_component_id_whole(components, width, tmp_path, capsys,
                                                        monkeypatch):
    text = printed(["run", BASELINE], width, tmp_path, capsys, monkeypatch)
    assert_whole_on_a_line(text, [*components, "not", "closed", "cumulative"], width)


@pytest.mark.parametrize("width", [80, 100])
def test_the_stages_tables_keep_ids_and_variant_names_whole(components, width, tmp_path,
                                                            capsys, monkeypatch):
    text = printed(["stages", BASELINE], width, tmp_path, capsys, monkeypatch)
    assert_whole_on_a_line(text, [*components, "procurement", "investment", "sharing",
                                  "sharing+procurement+investment"], width)


def test_the_compare_table_keeps_scenario_names_whole(tmp_path, capsys, monkeypatch):
    text = printed(["compare", BASELINE, "scenarios/sanctions_tighten.yaml"], 80, tmp_path,
                   capsys, monkeypatch)
    assert_whole_on_a_line(text, ["baseline", "sanctions_tighten", "reference"], 80)


def test_a_table_rendered_at_80_columns_breaks_no_word():
    frame = pd.DataFrame({
        "component": ["automatic_transmission", "starters_generators", "all"],
        "median close date": ["2030-06-11", "not closed by end", "2029-01-01"],
        "10–90% range": ["2029-09-03 – after end", "after end", "2028-01-02 – 2030-01-01"],
        "P(closed by end)": ["55% ± 11.1 pp", "0% ± 0.0 pp", "100% ± 0.0 pp"],
        "mean cumulative shortfall value": ["297 bn RUB", "13.5 bn RUB", "1.17 tn RUB"],
    })
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(_rich_table(frame, "[bold]title[/bold]"))
    text = console.export_text()
    words = {word for value in frame.to_numpy().ravel() for word in str(value).split()}
    assert_whole_on_a_line(text, sorted(words), 80)
    assert text.startswith("[bold]title[/bold]")


def test_the_sweep_table_shows_the_selectors_and_the_full_paths(tmp_path, capsys,
                                                                 monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["sweep", "tests/experiments/data/list.yaml", "-n", "2", *QUIET,
                 "--out", str(tmp_path / "out")]) == 0
    text = capsys.readouterr().out
    assert_whole_on_a_line(text, ["[cn_cnc]", "point-000", "point-002"], 80)
    flat = " ".join(text.split())
    assert "stages.procurement.suppliers[cn_cnc].slots" in flat
    assert "stages.procurement.budget" in flat


def test_column_widths_add_the_fewest_lines_and_never_cut_a_word():
    from simulator.display import column_widths

    columns = [["component", "automatic_transmission", "ecu"],
               ["median close date", "not closed by end", "2030-01-02"],
               ["mean cumulative shortfall value", "1.2 tn RUB", "—"]]
    assert column_widths(columns, 200) == [22, 17, 31]  # all on one line
    assert column_widths(columns, 55) == [22, 17, 16]  # one header wraps: 1 line more
    assert column_widths(columns, 50) == [22, 13, 15]  # the fewest lines that fit
    assert column_widths(columns, 10) == [22, 10, 10]  # never below the longest word


def markup_name_scenario(tmp_path):
    path = tmp_path / "markup.yaml"
    path.write_text(MINIMAL.read_text().replace("name: minimal", "name: '[bold]x[/bold]'"))
    assert load_scenario_text(path.read_text(), name=str(path)).scenario.name == "[bold]x[/bold]"
    return path


def test_a_scenario_name_with_markup_prints_literally(tmp_path, capsys):
    path = markup_name_scenario(tmp_path)
    assert main(["run", str(path), "-n", "2", *QUIET, "--out", str(tmp_path / "run")]) == 0
    assert "'[bold]x[/bold]'" in capsys.readouterr().out
    assert main(["compare", str(MINIMAL), str(path), "-n", "2", *QUIET,
                 "--out", str(tmp_path / "cmp")]) == 0
    assert "[bold]x[/bold]" in capsys.readouterr().out


def test_capsim_sweep_prints_both_suppliers_selectors(tmp_path):
    experiment = tmp_path / "slots.yaml"
    experiment.write_text(
        f"scenario: {SMALL.resolve()}\nname: '[b]slots[/b]'\ndesign: grid\nparameters:\n"
        "  - path: stages.procurement.suppliers[cn_cnc].slots\n    values: [2, 4]\n"
        "  - path: stages.procurement.suppliers[by_stankostroy].slots\n    values: [1, 2]\n")
    done = subprocess.run(
        [sys.executable, "-m", "simulator.cli", "sweep", str(experiment), "-n", "2",
         "--workers", "1", "--no-progress", "--no-charts", "--no-report",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "[cn_cnc]" in done.stdout and "[by_stankostroy]" in done.stdout, done.stdout
    assert "[b]slots[/b]" in done.stdout


def test_parameter_labels_are_the_shortest_suffixes_that_tell_paths_apart():
    from simulator.display import parameter_labels

    paths = ["stages.procurement.suppliers[cn_cnc].slots", "stages.procurement.budget",
             "stages.investment.tranches[*].delay_days.mean",
             "stages.procurement.tranches[p1].delay_days.mean"]
    assert parameter_labels(paths) == {
        paths[0]: "suppliers [cn_cnc] slots", paths[1]: "procurement budget",
        paths[2]: "tranches [*] delay_days mean", paths[3]: "tranches [p1] delay_days mean"}
