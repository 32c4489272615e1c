"""The lean monthly bands equal the pandas ones, in memory and read from disk."""

import pandas as pd

from simulator.pipeline import run
from simulator.results import read_results
from simulator.scenario import load_scenario
from simulator.summary import month_bands, stage_medians_by_month


def test_month_bands_equal_stage_medians_in_memory_and_on_disk(tmp_path):
    result = run(load_scenario("tests/scenario/good/minimal.yaml"), replications=9, workers=1,
                 out=tmp_path / "r", charts=False)
    back = read_results(tmp_path / "r", load_limit=0)  # every table stays on disk
    assert back.series is None
    memory = run(load_scenario("tests/scenario/good/minimal.yaml"), replications=9, workers=1)
    for component in ("ecu", "all"):
        expected = stage_medians_by_month(memory.series, component)
        pd.testing.assert_frame_equal(month_bands(memory, component), expected)
        pd.testing.assert_frame_equal(month_bands(back, component), expected)
        assert month_bands(back, component).attrs["n_replications"] == 9
    assert result.out_dir == tmp_path / "r"
