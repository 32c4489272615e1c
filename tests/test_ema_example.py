"""The worked example of docs/how-to/use-the-ema-workbench.md, run as written.

The code block is read from the how-to and executed, so the page and the test cannot
drift apart. Needs the optional `ema-workbench` (the `ema` and `test` extras)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("ema_workbench")

HOWTO = Path(__file__).parents[1] / "docs" / "how-to" / "use-the-ema-workbench.md"


def test_the_ema_workbench_example_runs(capsys, monkeypatch):
    monkeypatch.chdir(Path(__file__).parents[1])
    blocks = re.findall(r"```python\n(.*?)```", HOWTO.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    namespace: dict = {}
    exec(compile(blocks[0], str(HOWTO), "exec"), namespace)  # noqa: S102 - our own doc
    experiments, outcomes = namespace["experiments"], namespace["outcomes"]
    assert len(experiments) == 16
    assert set(outcomes) == {"closed_by_end", "restricted_mean_months",
                             "cumulative_shortfall_value"}
    assert "unit value" in capsys.readouterr().out
    box = namespace["box"]
    assert box.peeling_trajectory["coverage"].iloc[0] == pytest.approx(1.0)
