"""KPI functions on the daily grid (SPEC.md §6), pure and vectorised.

`close_day` applies the close rule with its hold period; `stage_speed` gives t50/t90;
`daily_money` spreads recorded money flows over days. They take numpy arrays and know
nothing of SimPy or pandas, so each can be checked against a hand-computed case.
"""

from __future__ import annotations

import numpy as np

FAIL_REL = 1e-9
FAIL_ABS = 1e-12


def smoothed_ratio(shortfall: np.ndarray, demand: np.ndarray, window: int) -> np.ndarray:
    """Trailing-window ratio `sum(shortfall) / sum(demand)`, partial window at the start,
    0 where the window's demand is 0. Window 1 is the daily ratio."""
    window = max(1, int(window))
    if window == 1:
        s, dm = shortfall, demand
    else:
        cs = np.concatenate(([0.0], np.cumsum(shortfall)))
        cd = np.concatenate(([0.0], np.cumsum(demand)))
        idx = np.arange(1, len(shortfall) + 1)
        lo = np.maximum(idx - window, 0)
        s, dm = cs[idx] - cs[lo], cd[idx] - cd[lo]
    out = np.zeros(len(shortfall))
    positive = dm > 0
    out[positive] = s[positive] / dm[positive]
    return out


def smoothed_initial_gap_ratio(shortfall: np.ndarray, initial_gap: float,
                               window: int) -> np.ndarray:
    """Trailing-window ratio `sum(shortfall) / (initial_gap * days in the window)`, partial
    window at the start: the shortfall as a share of the gap on day 0. Where that gap is 0,
    any shortfall is infinitely large against it (the ratio is +inf) and none is 0."""
    ones = np.ones(len(shortfall))
    if initial_gap > 0:
        return smoothed_ratio(shortfall, initial_gap * ones, window)
    short = smoothed_ratio(shortfall, ones, window)  # the window's mean shortfall
    return np.where(short > 0, np.inf, 0.0)


THRESHOLD_LADDER = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
"""The 1-2-5 series the default neighbours of the close threshold are taken from."""


def neighbour_thresholds(threshold: float, neighbours: list[float] | None = None
                         ) -> tuple[float | None, float | None]:
    """The lower and higher close thresholds the headline is also shown under: the
    scenario's `close_threshold_neighbours`, else the nearest values of `THRESHOLD_LADDER`
    strictly below and above the threshold (None where there is none)."""
    if neighbours:
        low, high = neighbours
        return float(low), float(high)
    below = [t for t in THRESHOLD_LADDER if t < threshold * (1 - 1e-9)]
    above = [t for t in THRESHOLD_LADDER if t > threshold * (1 + 1e-9)]
    return (below[-1] if below else None), (above[0] if above else None)


def close_day(ratio: np.ndarray, threshold: float, hold_days: int) -> tuple[bool, int, bool]:
    """The close rule: first day d with the ratio at or below the threshold on every day
    d .. d + hold - 1, all within the run. Returns (closed, d, reopened); d is -1 and
    reopened False when not closed. A day fails when ratio > threshold·(1 + 1e-9) + 1e-12.
    (`CloseRule` applies it under several thresholds at the cost of one.)"""
    return CloseRule(ratio, hold_days).close(threshold)


class CloseRule:
    """The close rule (`close_day`) of one ratio under several thresholds, at the cost of
    one: the largest ratio of each hold window ahead and of each tail are found once
    (SciPy's running maximum), after which each threshold is a comparison."""

    def __init__(self, ratio: np.ndarray, hold_days: int) -> None:
        from scipy.ndimage import maximum_filter1d

        n = len(ratio)
        self.n, self.hold = n, max(1, int(hold_days))
        if n >= self.hold:  # the window of size hold starting at d, for d + hold <= n
            self.ahead = maximum_filter1d(ratio, size=self.hold, origin=-(self.hold // 2),
                                          mode="constant", cval=np.inf)[: n - self.hold + 1]
        else:
            self.ahead = np.empty(0)
        self.tail = np.maximum.accumulate(ratio[::-1])[::-1]  # largest ratio from d on

    def close(self, threshold: float) -> tuple[bool, int, bool]:
        """(closed, d, reopened) under `threshold`: see `close_day`."""
        limit = threshold * (1.0 + FAIL_REL) + FAIL_ABS
        ok = self.ahead <= limit
        if not ok.any():
            return False, -1, False
        d = int(np.argmax(ok))
        after = d + self.hold
        return True, d, bool(after < self.n and self.tail[after] > limit)


def stage_speed(served: np.ndarray) -> tuple[float, float]:
    """(t50, t90): first day the served rate reaches 50% / 90% of its own peak; NaN if the
    stage never serves."""
    peak = float(served.max()) if served.size else 0.0
    if peak <= 0:
        return float("nan"), float("nan")
    tol = 1e-12 * peak
    t50 = float(np.argmax(served >= 0.5 * peak - tol))
    t90 = float(np.argmax(served >= 0.9 * peak - tol))
    return t50, t90


def daily_money(flows: list[tuple[float, float, float]], n_days: int) -> np.ndarray:
    """Amounts per day from flows `(t0, t1, amount)`: lumps on day floor(t0), spreads over
    [t0, t1) in proportion to overlap. Flows at or after the end are dropped.

    Spreads are summed as a piecewise-linear cumulative amount evaluated at the day edges:
    O(flows + days), whatever the number of flows.
    """
    out = np.zeros(n_days)
    if not flows:
        return out
    arr = np.asarray(flows, dtype=float)
    lump = arr[:, 1] <= arr[:, 0]
    lumps = arr[lump]
    lumps = lumps[lumps[:, 0] < n_days]
    if len(lumps):
        days = np.clip(np.floor(lumps[:, 0]).astype(int), 0, n_days - 1)
        out += np.bincount(days, weights=lumps[:, 2], minlength=n_days)
    spreads = arr[~lump]
    if len(spreads):
        rate = spreads[:, 2] / (spreads[:, 1] - spreads[:, 0])
        points = np.concatenate((spreads[:, 0], spreads[:, 1]))
        order = np.argsort(points, kind="stable")
        points = points[order]
        rates = np.concatenate((rate, -rate))[order]
        # cumulative amount at each breakpoint: integral of the running rate before it
        running = np.concatenate(([0.0], np.cumsum(rates)[:-1]))
        cumulative = np.concatenate(([0.0], np.cumsum(running[1:] * np.diff(points))))
        edges = np.arange(n_days + 1, dtype=float)
        out += np.diff(np.interp(edges, points, cumulative))
    return out


def days_in_spells(spells: list[tuple[float, float]], n_days: int) -> int:
    """Number of days whose midpoint lies in one of the (non-overlapping) spells [t0, t1)."""
    total = 0
    for t0, t1 in spells:
        first = min(max(int(np.ceil(t0 - 0.5)), 0), n_days)
        stop = min(max(int(np.ceil(t1 - 0.5)), 0), n_days)
        total += max(0, stop - first)
    return total
