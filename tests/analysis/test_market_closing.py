"""Whether closures come with a shrinking market: the analysis table on hand-made KPI rows
and the report sentence written from it."""

import math

import pandas as pd
import pytest

from simulator.analysis.market import market_closing
from simulator.report.findings import RunNumbers, market_closures


def kpis(levels, closed):
    rows = []
    for r, (level, ok) in enumerate(zip(levels, closed, strict=True)):
        rows.append({"replication": r, "component": "a", "closed": ok,
                     "market_level_end": math.nan})
        rows.append({"replication": r, "component": "all", "closed": ok,
                     "market_level_end": level})
    return pd.DataFrame(rows)


def test_levels_of_closing_and_other_futures_by_hand():
    # closing futures at 0.1, 0.2, 0.3 (median 0.2; p10 = 0.1 + 0.2 x 0.1 = 0.12);
    # the others at 0.5 and 0.9 (median 0.7)
    table = market_closing(kpis([0.1, 0.5, 0.2, 0.9, 0.3], [True, False, True, False, True]))
    closed = table[table["closed"]].iloc[0]
    other = table[~table["closed"].astype(bool)].iloc[0]
    assert closed["n"] == 3 and closed["median"] == pytest.approx(0.2)
    assert closed["p10"] == pytest.approx(0.12)
    assert other["n"] == 2 and other["median"] == pytest.approx(0.7)


def test_without_a_demand_process_there_is_nothing_to_say():
    assert market_closing(kpis([math.nan] * 3, [True, False, True])).empty
    summary = {"market": {}}
    assert market_closures(RunNumbers(summary)) is None


def test_the_sentence_only_when_closures_come_with_a_shrinking_market():
    summary = {"market": {"closed": {"n": 36, "median": 0.15},
                          "open": {"n": 164, "median": 0.46}}}
    text = market_closures(RunNumbers(summary))
    assert text is not None
    assert "a median 15% of the scenario's demand path in the 36 futures that close, " \
        "against 46% in the 164 others" in text
    summary["market"]["closed"]["median"] = 0.40  # not a fifth below 0.46: no claim
    assert market_closures(RunNumbers(summary)) is None
