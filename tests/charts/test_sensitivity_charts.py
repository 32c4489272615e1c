"""The sensitivity charts name the assumptions in words, keep every interval inside the
axes and write no factor name over another."""

import pandas as pd

from simulator.charts.sensitivity import LABELLED, morris_chart

FACTORS = ["stages.investment.projects[*].build_days", "components[*].import_share_shift",
           "Chinese CNC slots"] + [f"stages.investment.tranches[*].x{i}" for i in range(9)]


def morris_table() -> pd.DataFrame:
    rows = []
    for k, factor in enumerate(FACTORS):
        mu = 0.02 * (k + 1)
        for index, value in (("mu_star", mu), ("sigma", 0.1)):  # crowded: same sigma
            rows.append({"factor": factor, "outcome": "o", "index": index, "value": value,
                         "noise_low": mu - 0.05, "noise_high": mu + 0.2})
    return pd.DataFrame(rows)


def test_morris_chart_numbers_the_leaders_and_names_them_in_a_key():
    fig = morris_chart(morris_table(), "o", "P(closed)")
    ax = fig.axes[0]
    numbers = [t.get_text() for t in ax.texts if t.get_text().isdigit()]
    assert numbers == [str(k) for k in range(1, LABELLED + 1)]  # short labels at the dots
    key = next(t.get_text() for t in ax.texts if "\n" in t.get_text())
    lines = key.splitlines()
    assert len(lines) == LABELLED
    assert lines[0].startswith("1  ") and "…" not in key
    assert "new plants' build times" not in lines[0]  # the largest μ* comes first
    # every noise interval ends inside the axes: 0.24 + 0.2 for the largest
    assert ax.get_xlim()[1] >= 0.44
