"""Golden analysis tables: a refactor cannot change a number silently.

The analysis tables and summary of two small studies of the minimal scenario (a plain run
and a stage attribution) were reviewed once and saved under `tests/golden/`; every run
compares them again (numbers to a relative 1e-9). To change them on purpose, run
`python tests/golden/regenerate.py` and review `git diff tests/golden`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.pipeline import run, run_stages
from simulator.results import RunResult
from simulator.scenario import load_scenario

GOLDEN = Path(__file__).parent / "golden"
MINIMAL = Path(__file__).parent / "scenario" / "good" / "minimal.yaml"

STUDIES: dict[str, Callable[[], RunResult]] = {
    "run": lambda: run(load_scenario(MINIMAL), replications=8, workers=1),
    "stages": lambda: run_stages(load_scenario(MINIMAL), replications=8, workers=1),
}


def as_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as it is compared: dates as ISO text, everything else as it is."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out


@pytest.fixture(scope="module", params=sorted(STUDIES))
def study(request) -> tuple[str, RunResult]:
    return request.param, STUDIES[request.param]()


def test_analysis_tables_equal_the_golden_ones(study):
    name, result = study
    folder = GOLDEN / name
    expected = {p.stem for p in folder.glob("*.csv")}
    assert expected, f"no golden tables in {folder}: run tests/golden/regenerate.py"
    assert set(result.analysis) == expected
    for table, frame in result.analysis.items():
        golden = pd.read_csv(folder / f"{table}.csv", keep_default_na=True)
        mine = pd.read_csv(_roundtrip(as_csv_frame(frame)), keep_default_na=True)
        assert list(mine.columns) == list(golden.columns), table
        assert len(mine) == len(golden), table
        for column in golden.columns:
            a, b = mine[column], golden[column]
            if pd.api.types.is_numeric_dtype(b) and pd.api.types.is_numeric_dtype(a):
                np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9,
                                           atol=1e-9, err_msg=f"{table}.{column}")
            else:
                assert a.fillna("").astype(str).tolist() == b.fillna("").astype(str).tolist(), \
                    f"{table}.{column}"


def test_summary_equals_the_golden_one(study):
    name, result = study
    golden = json.loads((GOLDEN / name / "summary.json").read_text(encoding="utf-8"))
    mine = json.loads(json.dumps({k: v for k, v in result.summary.items() if k != "meta"}))
    _assert_close(mine, golden, "summary")


def _roundtrip(frame: pd.DataFrame):
    from io import StringIO

    buffer = StringIO()
    frame.to_csv(buffer, index=False)
    buffer.seek(0)
    return buffer


def _assert_close(a, b, path: str) -> None:
    if isinstance(b, dict):
        assert isinstance(a, dict) and set(a) == set(b), path
        for key in b:
            _assert_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_close(x, y, f"{path}[{i}]")
    elif isinstance(b, float) and isinstance(a, (int, float)):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"
