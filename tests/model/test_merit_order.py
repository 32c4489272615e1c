"""Merit-order allocation (SPEC.md §5) on hand-computed numbers."""

import numpy as np

from simulator.evaluate import merit_order


def test_stages_serve_the_gap_cheapest_first():
    gap = np.array([100.0, 100.0, 0.0])
    available = np.array([[30.0, 10.0, 50.0], [50.0, 20.0, 0.0], [40.0, 30.0, 0.0]])
    served, shortfall = merit_order(gap, available)
    assert served.tolist() == [[30, 10, 0], [50, 20, 0], [20, 30, 0]]
    assert shortfall.tolist() == [0, 40, 0]
