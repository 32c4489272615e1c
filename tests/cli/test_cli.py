"""Smoke tests of the command line: exit codes, messages, the results folder."""

import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main

MINIMAL = "tests/scenario/good/minimal.yaml"


def test_validate_accepts_a_good_file_and_summarises_it(capsys):
    assert main(["validate", MINIMAL]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "1 component" in out.replace("components", "component")


def test_validate_refuses_a_broken_file_with_file_line_and_path(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    text = Path(MINIMAL).read_text().replace("capacity: 400000", "capacity: -5")
    bad.write_text(text)
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:" in err and "capacity" in err and "Traceback" not in err
    line = next(i for i, text_line in enumerate(text.splitlines(), 1)
                if "capacity: -5" in text_line)
    assert f":{line}" in err


def test_run_writes_the_results_folder_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", MINIMAL, "--replications", "4", "--seed", "3", "--out", str(out),
                 "--workers", "1", "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "ecu" in printed
    for name in ("kpis.parquet", "series.parquet", "events.parquet", "summary.json",
                 "scenario.yaml", "assembly.parquet"):
        assert (out / name).stat().st_size > 0, name
    assert list((out / "charts").glob("*.png")) and list((out / "charts").glob("*.svg"))


def test_run_with_only_some_stages(tmp_path):
    out = tmp_path / "run"
    assert main(["run", MINIMAL, "-n", "2", "--stages", "sharing,procurement", "--out",
                 str(out), "--workers", "1", "--no-progress", "--no-charts"]) == 0
    import pandas as pd

    kpis = pd.read_parquet(out / "kpis.parquet")
    assert kpis["capacity_added_investment"].fillna(0).eq(0).all()


@pytest.mark.parametrize("args", [["--stages", "sharing,magic"], ["--replications", "0"],
                                  ["-n", "100000000000"], ["--workers", "0"]])
def test_bad_arguments_are_refused_with_status_2(tmp_path, args, capsys):
    out = tmp_path / "run"
    assert main(["run", MINIMAL, "--out", str(out), "--no-progress", *args]) == 2
    assert list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err
    assert "Traceback" not in err and "MemoryError" not in err


@pytest.mark.parametrize("command", ["run", "stages"])
def test_replications_beyond_the_limit_are_refused_with_the_limit(tmp_path, capsys, command):
    code = main([command, MINIMAL, "-n", "100000000000", "--out", str(tmp_path / "run")])
    assert code == 2
    assert "between 1 and 100,000" in capsys.readouterr().err


def test_a_failed_run_writes_no_results_and_keeps_its_finished_chunks(tmp_path, monkeypatch,
                                                                      capsys):
    import simulator.charts as charts

    draw = charts.draw_run_charts

    def broken(*args, **kwargs):
        raise RuntimeError("chart failed")

    monkeypatch.setattr(charts, "draw_run_charts", broken)
    out = tmp_path / "run"
    args = ["run", MINIMAL, "-n", "2", "--out", str(out), "--workers", "1", "--no-progress"]
    code = main(args)
    assert code == 1
    err = capsys.readouterr().err
    assert "chart failed" in err and "1 finished chunks kept" in err and "--resume" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.partial"]  # no temp folder
    monkeypatch.setattr(charts, "draw_run_charts", draw)
    assert main([*args, "--resume"]) == 0
    assert (out / "kpis.parquet").is_file() and not (tmp_path / "run.partial").exists()


def test_a_run_failing_before_any_chunk_is_done_leaves_nothing(tmp_path, monkeypatch, capsys):
    import simulator.experiments.assemble as assemble

    def broken(*args, **kwargs):
        raise RuntimeError("model failed")

    monkeypatch.setattr(assemble, "run_chunk", broken)
    code = main(["run", MINIMAL, "-n", "2", "--out", str(tmp_path / "run"), "--workers", "1",
                 "--no-progress"])
    assert code == 1 and "model failed" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_module_entry_point_runs_as_a_process():
    done = subprocess.run([sys.executable, "-m", "simulator", "validate", "no/such.yaml"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "no/such.yaml" in done.stderr and "Traceback" not in done.stderr


def test_plugin_registers_a_policy_before_the_scenario_is_checked(tmp_path, capsys):
    plugin = tmp_path / "my_policy.py"
    plugin.write_text(
        "from simulator import policies\n\n"
        "@policies.register('project_policy', 'cheapest_first_cli_test')\n"
        "class CheapestFirst:\n"
        "    def order(self, options):\n"
        "        return sorted(options, key=lambda o: (o.capex, o.index))\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(Path(MINIMAL).read_text().replace(
        "policy: largest_gap_first", "policy: cheapest_first_cli_test"))
    assert main(["validate", str(scenario)]) == 2
    assert "cheapest_first_cli_test" in capsys.readouterr().err
    assert main(["validate", str(scenario), "--plugin", str(plugin)]) == 0


@pytest.mark.parametrize("args, message", [
    (["--seed", "-1"], "seed must be a whole number >= 0"),
    (["--stages", ""], "no stage named"),
])
def test_more_bad_arguments(tmp_path, args, message, capsys):
    assert main(["run", MINIMAL, "--out", str(tmp_path / "o"), *args]) == 2
    assert message in capsys.readouterr().err


def test_enabling_a_stage_the_scenario_lacks_is_refused(tmp_path, capsys):
    assert main(["run", "scenarios/no_investment.yaml", "--stages", "investment",
                 "--out", str(tmp_path / "o")]) == 2
    assert "not set up in this scenario" in capsys.readouterr().err


def test_run_writes_the_report_and_capsim_report_rewrites_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", MINIMAL, "-n", "3", "--workers", "1", "--out", str(out),
                 "--no-progress", "--no-charts"]) == 0
    report = out / "report.html"
    assert report.stat().st_size > 0 and (out / "report.xlsx").is_file()
    report.unlink()
    assert main(["report", str(out)]) == 0
    assert report.is_file() and str(report) in capsys.readouterr().out
    assert main(["report", str(tmp_path)]) == 2  # not a results folder


def test_no_report_skips_it(tmp_path):
    out = tmp_path / "run"
    assert main(["run", MINIMAL, "-n", "2", "--workers", "1", "--out", str(out),
                 "--no-progress", "--no-charts", "--no-report"]) == 0
    assert not (out / "report.html").exists()


def test_a_run_with_the_progress_display_writes_its_folder(tmp_path):
    # the progress bar, then the spinner while the folder is written: neither gets in the way
    from simulator.pipeline import run
    from simulator.scenario import load_scenario

    result = run(load_scenario("tests/scenario/good/minimal.yaml"), replications=4,
                 workers=1, out=tmp_path / "r", charts=False, progress=True)
    assert (tmp_path / "r" / "kpis.parquet").is_file()
    assert len(result.kpis) > 0


def test_a_ctrl_c_while_the_summary_prints_says_the_results_are_complete(tmp_path, monkeypatch,
                                                                         capsys):
    import simulator.cli as cli

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "print_summary", interrupted)
    out = tmp_path / "r"
    code = main(["run", MINIMAL, "-n", "5", "--workers", "1", "--out", str(out), "--no-charts",
                 "--no-report", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"the results are complete in {out}" in err and "nothing was written" not in err
    assert (out / "kpis.parquet").exists()
