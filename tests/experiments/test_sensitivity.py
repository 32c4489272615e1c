"""Sensitivity experiments: the file, the design, the shortcut, the batch and the folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.experiments.backends import make_backend
from simulator.experiments.sensitivity import (
    design_size,
    load_sensitivity,
    ranged_figures,
)
from simulator.scenario import ScenarioError, load_scenario
from simulator.sensitivity_study import run_sensitivity

DATA = Path(__file__).parent / "data"


def test_morris_design_has_r_times_k_plus_one_points_with_values_set():
    exp = load_sensitivity(DATA / "sens_morris.yaml")
    assert len(exp.points) == design_size("morris", 3, 4, None) == 4 * (3 + 1)
    assert exp.sample.shape == (16, 3)
    for point, row in zip(exp.points, exp.sample, strict=True):
        assert point.scenario.components[0].unit_value == pytest.approx(row[0])
        assert point.scenario.stages.sharing.share == pytest.approx(row[2])
        assert point.scenario.scenario.seed == 11  # the experiment's seed at every point
        assert point.scenario.scenario.replications == 6
    again = load_sensitivity(DATA / "sens_morris.yaml")
    assert np.array_equal(exp.sample, again.sample)  # seeded design


def test_sobol_design_has_n_times_k_plus_two_points(tmp_path):
    text = (DATA / "sens_morris.yaml").read_text(encoding="utf-8")
    text = text.replace("scenario: small.yaml", f"scenario: {DATA / 'small.yaml'}")
    text = text.replace("method: morris\ntrajectories: 4", "method: sobol\nsamples: 8")
    path = tmp_path / "sobol.yaml"
    path.write_text(text, encoding="utf-8")
    exp = load_sensitivity(path)
    assert len(exp.points) == 8 * (3 + 2)


def test_shortcut_finds_ranged_low_confidence_figures_and_groups_a_field():
    tree = load_scenario(DATA / "sens_low.yaml").resolved_dict()
    found = [(f.path, f.low, f.high) for f in ranged_figures(tree, "L")]
    assert found == [("stages.sharing.qualification_days", 90.0, 365.0),
                     ("stages.investment.tranches[t1].delay_days", 0.0, 200.0),
                     ("stages.investment.tranches[t2].delay_days", 0.0, 100.0)]
    assert ranged_figures(tree, "H") == []
    exp = load_sensitivity(DATA / "sens_shortcut.yaml")
    assert [f.name for f in exp.factors] == ["stages.sharing.qualification_days",
                                             "stages.investment.tranches[*].delay_days"]
    # a position u in [0, 1] puts every figure of the factor at min + u (max - min)
    for point, (u_qual, u_delay) in zip(exp.points, exp.sample, strict=True):
        stages = point.scenario.stages
        assert stages.sharing.qualification_days.value == pytest.approx(90 + u_qual * 275)
        t1, t2 = stages.investment.tranches
        assert t1.delay_days.value == pytest.approx(200 * u_delay)
        assert t2.delay_days.value == pytest.approx(100 * u_delay)


def test_broken_file_gives_every_problem_with_line_and_field_path():
    with pytest.raises(ScenarioError) as caught:
        load_sensitivity(DATA / "sens_broken.yaml")
    text = str(caught.value)
    name = str(DATA / "sens_broken.yaml")
    for line, where in ((4, "levels: must be even"), (5, "samples: samples is not for"),
                        (6, "outcomes[1]: 'closed_by_2040'"),
                        (6, "outcomes[2]: 'restricted_mean_months[nope]': no component"),
                        (6, "outcomes[3]: unknown outcome 'npvv'"),
                        (8, "factors[0]: needs `range: [min, max]`"),
                        (9, "factors[1].path: stages has no field 'nowhere'"),
                        (12, "factors[2].range: min and max are equal"),
                        (13, "factors[3].confidence: one of H, M, L")):
        assert f"{name}:{line}: {where}" in text, where


@pytest.mark.parametrize(("body", "expected"), [
    ("factors: [{path: stages.sharing.share, range: [0.1, 0.9]}]",
     "method: required field is missing: one of morris, sobol"),
    ("method: sobol\nsamples: 12\nfactors: [{path: stages.sharing.share, range: [0.1, 0.9]}]",
     "samples: must be a power of 2"),
    ("method: morris", "factors: required field is missing"),
    ("method: morris\nfactors: {confidence: H}",
     "factors.confidence: the scenario has no figure of confidence H with a range"),
    ("method: morris\nfactors:\n  - {path: stages.sharing.share, range: [0.1, 0.9]}\n"
     "  - {path: stages.sharing.share, range: [0.2, 0.3], name: again}",
     "factors[1].path: sets a value that factors[0]"),
])
def test_bad_experiment_files_are_refused_clearly(tmp_path, body, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(f"scenario: {DATA / 'small.yaml'}\n{body}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_sensitivity(path)
    assert expected in str(caught.value)


def test_inert_factor_gets_exactly_zero_and_the_dominant_one_ranks_first(tmp_path):
    """The close threshold cannot change the shortfall: under common random numbers its
    elementary effects on the cumulative shortfall value are exactly 0; the component's
    unit value scales it and ranks first."""
    path = tmp_path / "inert.yaml"
    path.write_text(f"""scenario: {DATA / 'small.yaml'}
method: morris
trajectories: 3
replications: 3
outcomes: [cumulative_shortfall_value]
factors:
  - path: scenario.close_threshold
    range: [0.02, 0.2]
    name: threshold
  - path: components[ecu].unit_value
    range: [20e3, 40e3]
    name: unit value
  - path: stages.sharing.share
    range: [0.2, 0.8]
    name: share
""", encoding="utf-8")
    backend = make_backend(1)
    try:
        result = run_sensitivity(path, backend=backend, bootstrap=10)
    finally:
        backend.close()
    mu = result.indices[result.indices["index"] == "mu_star"].set_index("factor")
    assert mu.loc["threshold", "value"] == 0.0
    assert mu.loc["threshold", "noise_low"] == mu.loc["threshold", "noise_high"] == 0.0
    ranking = result.ranking("cumulative_shortfall_value")
    assert list(ranking["factor"])[0] == "unit value"
    assert not ranking.set_index("factor").loc["threshold", "clear_of_noise"]


def test_cli_writes_the_folder_and_the_report_section(tmp_path):
    from simulator.cli import main

    out = tmp_path / "sens"
    code = main(["sensitivity", str(DATA / "sens_morris.yaml"), "--out", str(out),
                 "--workers", "1", "--bootstrap", "5", "-n", "2", "--no-progress"])
    assert code == 0
    table = pd.read_parquet(out / "analysis" / "sensitivity.parquet")
    assert {"factor", "outcome", "index", "value", "low", "high", "noise_low", "noise_high",
            "noise_level", "noise_share"} <= set(table.columns)
    assert set(table["index"]) == {"mu_star", "mu", "sigma"}
    assert len(pd.read_parquet(out / "outcomes.parquet")) == 16 * 2
    assert (out / "charts" / "02_morris_cumulative_shortfall_value.png").is_file()
    assert (out / "charts" / "02_tornado_cumulative_shortfall_value.png").is_file()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Which assumptions decide the answer" in report
    assert "built-in method" not in report and "<td>yes</td>" in report
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["study"]["kind"] == "sensitivity"
    assert not Path(f"{out}.partial").exists()


def test_cli_refuses_a_broken_file_with_its_problems(capsys):
    from simulator.cli import main

    assert main(["sensitivity", str(DATA / "sens_broken.yaml")]) != 0
    assert "levels: must be even" in capsys.readouterr().err


def test_the_documented_example_loads_with_twenty_factors():
    """experiments/low_confidence_morris.yaml (README, benchmark): 17 grouped
    low-confidence fields of the default case (141 figures) plus 3 supplier figures."""
    exp = load_sensitivity("experiments/low_confidence_morris.yaml")
    assert len(exp.factors) == 20 and len(exp.points) == 210
    assert sum(len(f.spans) for f in exp.factors if f.unit) == 141
    assert exp.factors[5].name == "plants[*].lines[*].committed"


def test_an_interrupted_sensitivity_resumes_to_the_same_answer(tmp_path):
    """Stopped after its first chunk, the batch keeps it in `<out>.partial/`; `resume`
    finishes with exactly the indices of an uninterrupted run."""
    from simulator.experiments.batch import BatchInterrupted

    def stop(_k: int) -> None:
        raise KeyboardInterrupt

    out = tmp_path / "sens"
    backend = make_backend(1)
    try:
        with pytest.raises(BatchInterrupted, match="rerun with --resume"):
            run_sensitivity(DATA / "sens_morris.yaml", out=out, backend=backend,
                            replications=2, bootstrap=5, charts=False, report=False,
                            on_progress=stop)
        assert not out.exists() and Path(f"{out}.partial").is_dir()
        resumed = run_sensitivity(DATA / "sens_morris.yaml", out=out, backend=backend,
                                  replications=2, bootstrap=5, charts=False, report=False,
                                  resume=True)
        fresh = run_sensitivity(DATA / "sens_morris.yaml", backend=backend, replications=2,
                                bootstrap=5)
    finally:
        backend.close()
    assert not Path(f"{out}.partial").exists()
    pd.testing.assert_frame_equal(resumed.indices, fresh.indices)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "analysis" / "sensitivity.parquet"), fresh.indices)


def test_sobol_runs_end_to_end_with_first_order_and_total_indices(tmp_path):
    path = tmp_path / "sobol.yaml"
    path.write_text(f"""scenario: {DATA / 'small.yaml'}
method: sobol
samples: 4
replications: 2
outcomes: [cumulative_shortfall_value]
factors:
  - path: components[ecu].unit_value
    range: [20e3, 40e3]
  - path: stages.sharing.share
    range: [0.2, 0.8]
""", encoding="utf-8")
    out = tmp_path / "out"
    backend = make_backend(1)
    try:
        result = run_sensitivity(path, out=out, backend=backend, bootstrap=5)
    finally:
        backend.close()
    assert len(result.experiment.points) == 4 * (2 + 2)
    assert set(result.indices["index"]) == {"S1", "ST"}
    assert (out / "charts" / "00_sobol_cumulative_shortfall_value.png").is_file()
    assert "Which assumptions decide the answer" in (out / "report.html").read_text("utf-8")


def test_discover_on_a_sensitivity_folder_writes_the_box_in_words_and_charts(tmp_path):
    pytest.importorskip("ema_workbench")
    from simulator.cli import main

    out = tmp_path / "sens"
    assert main(["sensitivity", str(DATA / "sens_morris.yaml"), "--out", str(out),
                 "--workers", "1", "--bootstrap", "0", "-n", "2", "--no-progress",
                 "--no-charts", "--no-report"]) == 0
    means = pd.read_parquet(out / "analysis" / "outcome_means.parquet")
    middle = float(means["cumulative_shortfall_value"].median())
    assert main(["discover", str(out), "--where",
                 f"cumulative_shortfall_value <= {middle:.6g}", "--out",
                 str(tmp_path / "box")]) == 0
    summary = json.loads((tmp_path / "box" / "summary.json").read_text(encoding="utf-8"))
    assert "holds in" in summary["words"]
    for stem in ("peeling_trajectory", "box_limits", "box_scatter"):
        assert (tmp_path / "box" / "charts" / f"{stem}.png").is_file()
    assert "Scenario discovery" in (tmp_path / "box" / "discovery.html").read_text("utf-8")
    assert main(["discover", str(tmp_path), "--where", "npv > 0"]) == 2  # not a folder


def test_scenario_at_a_design_row_is_the_design_points_scenario():
    """The EMA adapter's point builder gives, at a design row, the scenario the loader
    built there (written factors, rounding, shortcut positions alike)."""
    from simulator.experiments.sensitivity import scenario_at

    for name in ("sens_morris.yaml", "sens_shortcut.yaml"):
        exp = load_sensitivity(DATA / name)
        for i in (0, 3):
            values = dict(zip([f.name for f in exp.factors], exp.sample[i], strict=True))
            got = scenario_at(exp, values).resolved_dict()
            want = exp.points[i].scenario.resolved_dict()
            got["scenario"].pop("name"), want["scenario"].pop("name")
            assert got == want
    with pytest.raises(ScenarioError, match="no value given for"):
        scenario_at(exp, {})
