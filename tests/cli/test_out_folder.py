"""`--out` is checked before anything runs, and default folder names are safe and short."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.folders import safe_name

MINIMAL = Path("tests/scenario/good/minimal.yaml").resolve()
QUICK = ["-n", "2", "--workers", "1", "--no-progress", "--no-charts", "--no-report"]


def run(out: str | Path) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "simulator", "run", str(MINIMAL), *QUICK,
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stderr, time.monotonic() - started


@pytest.mark.parametrize("where", ["file", "under_a_file", "under_proc"])
def test_an_out_that_cannot_receive_results_is_refused_before_running(tmp_path, where):
    target = {"file": tmp_path / "a_file", "under_a_file": tmp_path / "a_file" / "run",
              "under_proc": Path("/proc/capsim-no-such/run")}[where]
    (tmp_path / "a_file").write_text("not a folder")
    code, err, _ = run(target)
    assert code == 2, err  # before the fix: exit 1 (NotADirectoryError) or after the run
    assert "--out" in err and "Traceback" not in err
    assert (tmp_path / "a_file").read_text() == "not a folder"


def test_a_symlink_to_an_empty_folder_receives_the_results(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    code, err, _ = run(tmp_path / "link")
    assert code == 0, err  # before the fix: failed after the whole run
    assert (real / "kpis.parquet").is_file() and (tmp_path / "link").is_symlink()


def test_a_mount_point_is_refused_before_running(tmp_path, monkeypatch, capsys):
    mount = tmp_path / "mnt"
    mount.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mount or real(p))
    assert main(["run", str(MINIMAL), *QUICK, "--out", str(mount)]) == 2
    err = capsys.readouterr().err
    assert "mount point" in err and str(mount / "run1") in err
    assert list(mount.iterdir()) == []


def test_a_real_mount_point_is_refused_before_running(tmp_path):
    mount = tmp_path / "mnt"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root, or no permission)")
    try:
        code, err, elapsed = run(mount)
        assert code == 2 and "mount point" in err, err
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _scenario_named(tmp_path: Path, name: str) -> Path:
    text = MINIMAL.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.strip().startswith("name:"))
    path = tmp_path / "named.yaml"
    path.write_text(text.replace(first, first.split("name:")[0] + f"name: '{name}'", 1),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["..", "../../x", "." * 5, "a" * 5000])
def test_default_folders_stay_inside_results_with_short_names(tmp_path, name):
    scenario = _scenario_named(tmp_path, name)
    done = subprocess.run([sys.executable, "-m", "simulator", "run", str(scenario), *QUICK],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["named.yaml", "results"]
    (folder,) = (tmp_path / "results").iterdir()
    assert not folder.name.startswith(".") and len(folder.name) <= 60
    (run_folder,) = folder.iterdir()
    assert (run_folder / "kpis.parquet").is_file()


def test_safe_names_keep_readable_text_and_tell_long_names_apart():
    assert safe_name("Baseline 2023 (BelTA)") == "Baseline_2023_BelTA"
    assert safe_name("..") == "scenario" and safe_name("") == "scenario"
    a, b = safe_name("x" * 100 + "a"), safe_name("x" * 100 + "b")
    assert a != b and len(a) <= 60 and len(b) <= 60
