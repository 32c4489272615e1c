"""Stage attribution, comparisons and sweeps end to end: common random numbers are really
common, backends agree, and the command line writes the promised tables."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.cli import main
from simulator.experiments.backends import InProcess, LocalProcesses
from simulator.experiments.batch import Variant
from simulator.experiments.runner import configure
from simulator.pipeline import run_stages, run_variants
from simulator.results import read_results
from simulator.scenario import load_scenario, load_scenario_text

MINIMAL = Path("tests/scenario/good/minimal.yaml")


def closing_scenario_without_procurement_money():
    """Sharing alone closes the gap (offer 80,000 > gap 50,000); procurement has no money,
    so adding it provably changes nothing."""
    text = MINIMAL.read_text()
    text = text.replace("demand: {2024-01-01: 900000, 2030-01-01: 1200000}",
                        "demand: {2024-01-01: 200000}")
    text = text.replace("budget: 60e6", "budget: 0")
    return load_scenario_text(text, name="closing.yaml")


def test_a_stage_that_cannot_change_anything_gives_exactly_zero_differences():
    scenario = closing_scenario_without_procurement_money()
    result = run_stages(scenario, replications=12, workers=1)
    kpis = result.kpis.set_index(["variant", "replication", "component"])
    a = kpis.loc["sharing"]
    b = kpis.loc["sharing+procurement"]
    assert a["closed"].all()
    pd.testing.assert_series_equal(a["close_day"], b["close_day"])
    pd.testing.assert_series_equal(a["cumulative_shortfall_value"], b["cumulative_shortfall_value"])
    diffs = result.analysis["differences"]
    mine = diffs[diffs["variant"] == "sharing+procurement"]
    close = mine[mine["metric"] == "restricted_mean_close"]
    assert (close["earlier_days"] == 0).all() and (close["sd"] == 0).all()
    assert (close["earlier_days_low"] == 0).all() and (close["earlier_days_high"] == 0).all()
    assert (close["n_both_closed"] == 12).all()
    assert set(close["note"]) == {"closes on the same day in every future"}
    value = mine[mine["metric"] == "cumulative_shortfall_value"]
    assert (value["removed"] == 0).all() and (value["removed_low"] == 0).all()


def test_workers_and_dask_give_identical_kpi_tables():
    from simulator.experiments.dask_backend import DaskBackend

    scenario = load_scenario(MINIMAL)
    variants = [Variant("all", scenario),
                Variant("sharing", configure(scenario, stages=["sharing"]))]
    one = run_variants(variants, replications=11, backend=InProcess())
    pool = LocalProcesses(2)
    try:
        two = run_variants(variants, replications=11, backend=pool)
    finally:
        pool.close()
    with DaskBackend(local=True, workers=2) as dask:
        cluster = run_variants(variants, replications=11, backend=dask)
    for other in (two, cluster):
        for name in ("kpis", "series", "events"):
            pd.testing.assert_frame_equal(getattr(one, name), getattr(other, name), obj=name)


def test_capsim_stages_writes_differences_gains_and_charts(tmp_path, capsys):
    out = tmp_path / "stages"
    assert main(["stages", str(MINIMAL), "-n", "6", "--workers", "1", "--out", str(out),
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "What each added stage gains" in printed and "months earlier" in printed
    result = read_results(out)
    assert result.variants() == ["sharing", "sharing+procurement",
                                 "sharing+procurement+investment"]
    assert {"differences", "stage_gains"} <= set(result.analysis)
    for chart in ("close_dates_compared", "shortfall_compared", "survival_by_component",
                  "stage_gains", "shortfall_overall"):
        assert (out / "charts" / f"{chart}.png").stat().st_size > 0
    assert set(result.summary["variants"]) == set(result.variants())


def test_capsim_stages_shapley_runs_all_eight_subsets(tmp_path):
    out = tmp_path / "shapley"
    assert main(["stages", str(MINIMAL), "-n", "4", "--shapley", "--workers", "1",
                 "--out", str(out), "--no-progress", "--no-charts"]) == 0
    result = read_results(out)
    assert len(result.variants()) == 8 and "none" in result.variants()
    shapley = result.analysis["shapley"]
    totals = shapley.groupby("component")["shapley"].sum()
    reductions = shapley.groupby("component")["total_reduction"].first()
    assert np.allclose(totals, reductions)


def test_capsim_compare_pairs_scenarios_and_lists_what_differs(tmp_path, capsys):
    variant = tmp_path / "slow.yaml"
    variant.write_text(f"extends: {MINIMAL.resolve()}\nscenario: {{name: slow supply}}\n"
                       "stages:\n  procurement:\n    suppliers:\n"
                       "      - {id: cn_cnc, block_probability: 0.5}\n")
    out = tmp_path / "cmp"
    assert main(["compare", str(MINIMAL), str(variant), "-n", "5", "--workers", "1",
                 "--out", str(out), "--no-progress", "--no-charts"]) == 0
    printed = " ".join(capsys.readouterr().out.split())  # a narrow table may wrap a name
    assert "slow" in printed and "supply" in printed
    result = read_results(out)
    assert result.variants() == ["minimal", "slow supply"]
    diff = result.extra["scenario_differences"]
    row = diff[diff["path"] == "stages.procurement.suppliers[cn_cnc].block_probability"]
    assert row.iloc[0].tolist()[1:] == ["0.15", "0.5"]
    assert set(result.analysis["differences"]["variant"]) == {"slow supply"}
    # the first scenario's seed is used for both: common random numbers
    assert result.meta["seed"] == 42


def test_capsim_sweep_gives_one_kpi_table_with_the_parameters_as_columns(tmp_path):
    out = tmp_path / "sweep"
    experiment = Path("tests/experiments/data/grid.yaml")
    assert main(["sweep", str(experiment), "-n", "3", "--workers", "1", "--out", str(out),
                 "--no-progress", "--no-charts"]) == 0
    result = read_results(out)
    points = result.extra["points"]
    assert len(result.variants()) == len(points)
    swept = [c for c in points.columns if c != "variant"]
    assert swept and all(c in result.kpis.columns for c in swept)


def test_a_wrong_sweep_path_is_refused_before_anything_runs(tmp_path, capsys):
    out = tmp_path / "never"
    bad = Path("tests/experiments/data/broken_unknown_id.yaml")
    assert main(["sweep", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "broken_unknown_id.yaml:" in err and "Traceback" not in err
    assert not out.exists() and not Path(f"{out}.partial").exists()


@pytest.mark.parametrize("args, message", [
    (["--scheduler", "tcp://127.0.0.1:1", "--dask", "local"], "not both"),
])
def test_backend_options_are_checked(tmp_path, args, message, capsys):
    assert main(["run", str(MINIMAL), "--out", str(tmp_path / "o"), *args]) == 2
    assert message in capsys.readouterr().err


def test_stages_needs_all_three_stages(tmp_path, capsys):
    assert main(["stages", "scenarios/no_investment.yaml", "--out", str(tmp_path / "o")]) == 2
    assert "needs all three stages" in capsys.readouterr().err
