"""The planners' scalar interpolation equals numpy's."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.model.world import interpolate


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e4, 1e4, allow_subnormal=False),
                          st.floats(0, 1e7, allow_subnormal=False)),
                min_size=1, max_size=8, unique_by=lambda p: p[0]),
       st.floats(-2e4, 2e4, allow_subnormal=False))
def test_interpolate_matches_numpy(points, t):
    # subnormal knots are excluded: numpy's slope overflows there (x spacing ~1e-309 gives
    # -inf), while day numbers are whole or half days
    points.sort()
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    assert np.isclose(interpolate(t, xs, ys), np.interp(t, xs, ys), rtol=1e-12, atol=1e-6)
