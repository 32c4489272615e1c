"""The KPI functions against hand-computed cases: close rule, smoothing, t50/t90, money."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.kpis import (
    CloseRule,
    close_day,
    daily_money,
    days_in_spells,
    smoothed_ratio,
    stage_speed,
)


def test_close_rule_first_day_of_a_held_spell():
    # ratio: fails on days 0-4, passes from day 5 on; hold 3 -> closes on day 5
    ratio = np.array([0.5] * 5 + [0.01] * 10)
    assert close_day(ratio, 0.05, 3) == (True, 5, False)


def test_close_rule_relapse_inside_hold_restarts_the_clock():
    # passes on days 2-3, fails on day 4 (inside a 3-day hold), passes from day 5
    ratio = np.array([0.5, 0.5, 0.0, 0.0, 0.2, 0.0, 0.0, 0.0, 0.0])
    assert close_day(ratio, 0.05, 3) == (True, 5, False)


def test_close_rule_censored_when_hold_does_not_fit_before_the_end():
    # passes only on the last 2 days; hold 3 -> not closed (censored)
    ratio = np.array([0.5] * 8 + [0.0, 0.0])
    assert close_day(ratio, 0.05, 3) == (False, -1, False)
    # exactly 3 days left -> closed on day 7
    assert close_day(np.array([0.5] * 7 + [0.0] * 3), 0.05, 3) == (True, 7, False)


def test_close_rule_reopened_after_the_hold():
    ratio = np.array([0.5, 0.0, 0.0, 0.0, 0.3, 0.0])
    assert close_day(ratio, 0.05, 2) == (True, 1, True)


def test_close_rule_threshold_has_relative_tolerance():
    exactly = np.full(4, 0.05 * (1 + 5e-10))
    assert close_day(exactly, 0.05, 4)[0] is True
    assert close_day(np.full(4, 0.05 * (1 + 1e-8)), 0.05, 4)[0] is False


def test_smoothing_is_a_ratio_of_sums_with_partial_window_at_start():
    short = np.array([10.0, 0.0, 0.0, 30.0])
    demand = np.array([100.0, 100.0, 0.0, 100.0])
    got = smoothed_ratio(short, demand, 2)
    assert got == pytest.approx([0.1, 0.05, 0.0, 0.3])
    assert smoothed_ratio(short, demand, 1) == pytest.approx([0.1, 0.0, 0.0, 0.3])


def test_three_day_breakdown_need_not_reset_a_smoothed_clock():
    short = np.zeros(200)
    short[80:83] = 100.0  # a three-day breakdown: ratio 1 on three days
    demand = np.full(200, 100.0)
    daily = close_day(smoothed_ratio(short, demand, 1), 0.05, 90)
    smooth = close_day(smoothed_ratio(short, demand, 90), 0.05, 90)
    assert daily == (True, 83, False)
    assert smooth == (True, 0, False)  # at worst 300 / 8300 = 0.036 in the window


def test_stage_speed_t50_t90():
    served = np.array([0, 0, 10, 40, 50, 95, 100, 80], dtype=float)
    assert stage_speed(served) == (4.0, 5.0)
    t50, t90 = stage_speed(np.zeros(5))
    assert np.isnan(t50) and np.isnan(t90)


def test_daily_money_lumps_and_spreads():
    flows = [(0.2, 0.2, 5.0), (1.5, 3.5, 4.0), (9.0, 9.0, 7.0)]
    got = daily_money(flows, 5)
    assert got == pytest.approx([5.0, 1.0, 2.0, 1.0, 0.0])


def test_days_in_spells_counts_midpoints():
    assert days_in_spells([(0.0, 2.0), (3.4, 3.6)], 10) == 3
    assert days_in_spells([(8.0, 20.0)], 10) == 2


def _daily_money_by_overlap(flows, n):
    """Reference: each flow's overlap with each day, one flow at a time."""
    out = np.zeros(n)
    edges = np.arange(n + 1.0)
    for t0, t1, amount in flows:
        if t1 <= t0:
            if t0 < n:
                out[min(max(int(np.floor(t0)), 0), n - 1)] += amount
            continue
        out += np.diff(amount * np.clip((edges - t0) / (t1 - t0), 0, 1))
    return out


# widths of at least 1e-3 days: the rate form loses ~1e-16 of the largest rate per step
flow = st.tuples(st.floats(-5, 60), st.floats(1e-3, 30), st.floats(-5, 10), st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.lists(flow, max_size=15))
def test_daily_money_equals_the_overlap_reference(raw):
    flows = [(t0, t0 if lump else t0 + width, amount) for t0, width, amount, lump in raw]
    assert np.allclose(daily_money(flows, 50), _daily_money_by_overlap(flows, 50), atol=1e-7)


def reference_close_day(ratio: np.ndarray, threshold: float, hold_days: int
                        ) -> tuple[bool, int, bool]:
    """The close rule written the direct way (the next failing day at or after each day),
    an independent check of `CloseRule`'s running maxima."""
    n = len(ratio)
    hold = max(1, int(hold_days))
    fail = ratio > threshold * (1.0 + 1e-9) + 1e-12
    positions = np.where(fail, np.arange(n), n)
    next_fail = np.minimum.accumulate(positions[::-1])[::-1]
    days = np.arange(n)
    ok = (next_fail >= days + hold) & (days + hold <= n)
    if not ok.any():
        return False, -1, False
    d = int(np.argmax(ok))
    return True, d, bool(fail[d + hold :].any())


@settings(max_examples=300, deadline=None)
@given(ratio=st.lists(st.one_of(st.floats(0, 0.3), st.just(float("inf"))), min_size=1,
                      max_size=120),
       hold=st.integers(1, 60), threshold=st.sampled_from([0.0, 0.02, 0.05, 0.1]))
def test_close_rule_with_several_thresholds_gives_close_day(ratio, hold, threshold):
    values = np.array(ratio)
    assert CloseRule(values, hold).close(threshold) == reference_close_day(values, threshold,
                                                                           hold)
