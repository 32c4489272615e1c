"""`capsim backcast`: runs the frozen scenario, prints a band and a verdict for every
comparable observation, exits 0 whatever the hits, and refuses a bad observations file by
file, line and field."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from simulator.cli import main
from simulator.validation import load_observations

ROOT = Path(__file__).parents[2]
OBSERVATIONS = ROOT / "validation" / "observations.yaml"


def test_the_command_prints_a_band_per_comparable_observation():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "simulator", "backcast", "-n", "12",
                           "--workers", "1"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for obs in load_observations(OBSERVATIONS).content.observations:
        row = next((line for line in lines if f" {obs.id} " in line), None)
        assert row is not None, (obs.id, done.stdout)
        assert " – " in row and ("hit" in row or "MISS" in row), row
    assert "observations inside the model's 10-90% band" in done.stdout
    assert "Vehicle output is an input" in done.stdout


def test_out_keeps_the_run_and_the_table(tmp_path, capsys):
    out = tmp_path / "bc"
    assert main(["backcast", "-n", "4", "--workers", "1", "--out", str(out)]) == 0
    table = pd.read_csv(out / "backcast.csv")
    ids = [o.id for o in load_observations(OBSERVATIONS).content.observations]
    assert table["id"].tolist() == ids
    assert (out / "kpis.parquet").is_file()
    assert str(out) in capsys.readouterr().out


def test_a_bad_observations_file_is_refused_with_exit_2(tmp_path, capsys):
    bad = tmp_path / "observations.yaml"
    text = OBSERVATIONS.read_text().replace(
        "scenario: ../scenarios/as_of_2023.yaml",
        f"scenario: {ROOT / 'scenarios' / 'as_of_2023.yaml'}")
    text = text.replace("observed: 2024-03-06", "observed: soon", 1)
    bad.write_text(text)
    assert main(["backcast", "--observations", str(bad), "-n", "2"]) == 2
    err = capsys.readouterr().err
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "observed: soon" in t)
    assert f"observations.yaml:{line}: observations[0].observed" in err, err
    assert "Traceback" not in err
