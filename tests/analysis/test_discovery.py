"""Scenario discovery: PRIM recovers a known box; conditions are read or refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from simulator.analysis.discovery import box_words, discover, parse_condition  # noqa: E402


def _constructed(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three factors uniform on [0, 1]; the outcome is 1 exactly inside the box
    0.2 <= a <= 0.6 and b <= 0.5 (c free), 0 outside."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 3)), columns=["a", "b", "c"])
    y = ((x["a"] >= 0.2) & (x["a"] <= 0.6) & (x["b"] <= 0.5)).astype(float)
    points = x.assign(variant=[f"point-{i:03d}" for i in range(n)])[["variant", "a", "b", "c"]]
    return points, pd.DataFrame({"variant": points["variant"], "y": y})


def test_prim_recovers_a_known_box_within_a_tolerance():
    points, means = _constructed()
    found = discover(points, means, parse_condition("y >= 0.5"), min_density=0.9)
    limits = found.limits.set_index("factor")
    assert limits.loc["a", "low"] == pytest.approx(0.2, abs=0.05)
    assert limits.loc["a", "high"] == pytest.approx(0.6, abs=0.05)
    assert limits.loc["b", "high"] == pytest.approx(0.5, abs=0.05)
    assert not limits.loc["b", "restricted_low"]
    assert not (limits.loc["c", "restricted_low"] or limits.loc["c", "restricted_high"])
    assert found.density >= 0.9 and found.coverage >= 0.9
    assert found.trajectory["chosen"].sum() == 1
    words = box_words(found, "y >= 0.5", unit_factors=set())
    assert words.startswith("Y >= 0.5 holds in 9 of 10 sampled futures where ‘a’ stays "
                            "between 0.")
    assert "and ‘b’ stays under 0.5" in words


@pytest.mark.parametrize(("text", "message"), [
    ("y = 1", "write OUTCOME OP NUMBER"), ("y >= many", "write OUTCOME OP NUMBER")])
def test_unreadable_conditions_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_condition(text)


def test_a_condition_no_point_or_every_point_meets_is_refused():
    points, means = _constructed(n=50)
    with pytest.raises(ValueError, match="no point of the 50 meets y > 2"):
        discover(points, means, parse_condition("y > 2"))
    with pytest.raises(ValueError, match="every point of the 50 meets y >= 0"):
        discover(points, means, parse_condition("y >= 0"))
    with pytest.raises(ValueError, match="no outcome 'z'"):
        discover(points, means, parse_condition("z >= 0"))
