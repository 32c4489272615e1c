"""Summaries against hand-computed values on tiny tables, and their invariants."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.analysis import analyse
from simulator.analysis.estimates import censored_quantile
from simulator.analysis.summary import (
    AFTER_END,
    MEDIAN_NOTE,
    MEDIAN_NOTE_HALF,
    summary_table,
)
from simulator.results import RunResult
from tests.synthetic_tables import kpis_from, make_result

D = dt.date
START, END = D(2024, 1, 1), D(2025, 12, 31)


def analysed(**kwargs) -> RunResult:
    """A synthetic result, analysed (summary filled) as the pipeline does."""
    return analyse(make_result(**kwargs))


def tiny(close_dates, *, end=END, yearly=None, **columns) -> RunResult:
    kpis = kpis_from(close_dates, **columns)
    return analyse(RunResult(
        kpis=kpis,
        series=None,
        yearly=yearly,
        events=None,
        suppliers=None,
        meta={"seed": 7, "replications": 4, "stages": ["sharing"], "git_commit": "abc"},
        scenario_dict={"scenario": {"start": START.isoformat(), "end": end.isoformat()}},
    ))


THREE_OF_FOUR = {"ecu": [D(2024, 3, 1), D(2024, 6, 1), D(2025, 2, 1), None]}


def test_three_of_four_closed_hand_computed():
    result = tiny(THREE_OF_FOUR, cumulative_shortfall=[10.0, 20.0, 30.0, 40.0])
    ecu = result.summary["components"]["ecu"]
    assert ecu["n_replications"] == 4
    assert ecu["share_closed_by_end"] == 0.75
    assert ecu["share_closed_by_end_se"] == pytest.approx(math.sqrt(0.75 * 0.25 / 4))
    by_year = {row["year"]: row for row in ecu["closed_by_year_end"]}
    assert by_year[2024]["date"] == "2024-12-31"
    assert by_year[2024]["probability"] == 0.5
    assert by_year[2024]["se"] == pytest.approx(0.25)
    assert by_year[2025]["probability"] == 0.75
    # median of 4 = midway between the 2nd and 3rd (245 days apart: +122.5, rounded up)
    assert ecu["median_close_date"] == (D(2024, 6, 1) + dt.timedelta(days=123)).isoformat()
    assert "median_close_date_note" not in ecu
    assert ecu["close_date_p10"] == "2024-03-01"
    assert ecu["close_date_p90"] == AFTER_END  # 75% closed: the 90% quantile is after the end
    sd = np.std([10, 20, 30, 40], ddof=1)
    shortfall = ecu["cumulative_shortfall"]
    assert shortfall["mean"] == 25.0
    assert shortfall["ci95_low"] == pytest.approx(25 - 1.96 * sd / 2)
    assert shortfall["ci95_high"] == pytest.approx(25 + 1.96 * sd / 2)


def test_median_not_defined_unless_more_than_half_closed():
    half = tiny({"ecu": [D(2024, 3, 1), None, D(2024, 5, 1), None]}).summary
    ecu = half["components"]["ecu"]
    assert ecu["median_close_date"] is None
    assert ecu["median_close_date_note"] == MEDIAN_NOTE_HALF
    assert ecu["close_date_p10"] == "2024-03-01"
    few = tiny({"ecu": [D(2024, 3, 1), None, None, None]}).summary["components"]["ecu"]
    assert few["median_close_date"] is None
    assert few["median_close_date_note"] == MEDIAN_NOTE
    none = tiny({"ecu": [None] * 4}).summary["components"]["ecu"]
    assert none["share_closed_by_end"] == 0.0
    assert none["close_date_p10"] == none["close_date_p90"] == AFTER_END


def test_quantiles_defined_only_where_share_closed_exceeds_q():
    dates = [D(2024, 1, 10) + dt.timedelta(days=30 * i) for i in range(8)] + [None, None]
    ecu = tiny({"ecu": dates}).summary["components"]["ecu"]  # 80% closed
    assert ecu["close_date_p10"] == "2024-01-25"  # n·q = 1: mean of the 1st and 2nd
    assert ecu["median_close_date"] == "2024-05-24"  # mean of the 5th and 6th
    assert ecu["close_date_p90"] == AFTER_END


@given(
    st.lists(st.one_of(st.integers(0, 3000), st.none()), min_size=1, max_size=40),
    st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]),
)
def test_censored_quantile_is_finite_exactly_when_share_closed_exceeds_q(values, q):
    days = np.array([np.inf if v is None else float(v) for v in values])
    closed = np.isfinite(days)
    value = censored_quantile(days, q)
    if closed.mean() > q:
        assert not math.isnan(value)
        assert days[closed].min() <= value <= days[closed].max()
    else:
        assert math.isnan(value)


def test_year_ends_stop_at_a_mid_year_end():
    result = tiny(THREE_OF_FOUR, end=D(2025, 6, 30))
    rows = result.summary["components"]["ecu"]["closed_by_year_end"]
    assert [(r["year"], r["date"]) for r in rows] == [(2024, "2024-12-31"), (2025, "2025-06-30")]


def test_warnings_for_few_replications_and_large_standard_errors():
    warnings = tiny(THREE_OF_FOUR).summary["warnings"]
    assert warnings[0] == (
        "only 4 replications: probabilities carry a Monte Carlo standard error up to "
        "±25.0 percentage points"
    )
    assert len(warnings) == 2  # one line for all components with rough probabilities
    assert warnings[1].startswith("some probabilities carry a Monte Carlo standard error above")
    assert warnings[1].endswith("for: ecu; read them as rough or run more replications")


def test_no_warnings_with_many_replications_and_certain_outcomes():
    summary = tiny({"ecu": [D(2024, 3, 1)] * 120}).summary
    assert summary["warnings"] == []
    assert summary["components"]["ecu"]["share_closed_by_end_se"] == 0.0


def test_stage_speed_medians_ignore_never_served():
    result = tiny(
        THREE_OF_FOUR,
        t50_days_sharing=[10.0, 30.0, np.nan, 50.0],
        t90_days_sharing=[np.nan] * 4,
    )
    sharing = result.summary["components"]["ecu"]["stage_speed"]["sharing"]
    assert sharing == {"t50_days_median": 30.0, "t50_n": 3, "t90_days_median": None, "t90_n": 0}


def test_money_from_all_rows_and_gap_shares_from_yearly():
    yearly = pd.DataFrame(
        {
            "replication": [0, 1, 0, 1],
            "year": [2024, 2024, 2025, 2025],
            "component": "ecu",
            "gap": [100.0, 300.0, 0.0, 0.0],
            "served_sharing": [50.0, 50.0, 0.0, 0.0],
            "served_procurement": [0.0, 100.0, 0.0, 0.0],
            "served_investment": [0.0, 0.0, 0.0, 0.0],
            "shortfall": [50.0, 150.0, 0.0, 0.0],
        }
    )
    nan = np.nan
    result = tiny(
        {"ecu": [None, None], "all": [None, None]},
        yearly=yearly,
        npv=[nan, nan, 1.0, 3.0],
        served_value=[nan, nan, 10.0, 10.0],
        capex_committed_investment=[nan, nan, 4.0, 6.0],
        capex_spent_investment=[nan, nan, 2.0, 2.0],
    )
    summary = result.summary
    money = summary["money"]
    assert money["capex_committed"] == {"investment": 5.0}
    assert money["capex_spent"] == {"investment": 2.0}
    assert money["npv"]["mean"] == 2.0
    assert money["npv"]["ci95_high"] == pytest.approx(2 + 1.96 * math.sqrt(2) / math.sqrt(2))
    assert money["served_value"]["ci95_low"] == 10.0
    shares = {row["year"]: row for row in summary["components"]["ecu"]["gap_share_by_year"]}
    assert shares[2024]["sharing"] == pytest.approx(100 / 400)
    assert shares[2024]["procurement"] == pytest.approx(100 / 400)
    assert shares[2024]["shortfall"] == pytest.approx(200 / 400)
    assert shares[2024]["gap_mean"] == 200.0
    assert shares[2025]["sharing"] is None  # no gap that year: the share is not defined
    assert summary["components"]["all"]["gap_share_by_year"] == []  # no yearly all rows


def test_meta_copied_and_summary_is_strict_json():
    summary = analysed(n_reps=8).summary
    assert summary["meta"]["seed"] == 0 and summary["meta"]["git_commit"] == "deadbeef"
    assert summary["meta"]["stages"] == ["sharing", "procurement", "investment"]
    assert list(summary["components"]) == ["ecu", "seat", "glass", "all"]
    json.dumps(summary, allow_nan=False)


def test_summary_table_rows():
    summary = analysed(n_reps=20).summary
    table = summary_table(summary)
    assert list(table.columns) == [
        "component",
        "median close date",
        "10–90% range",
        "P(closed by end), ± pp",
        "mean cumulative shortfall value, RUB",
    ]
    rows = table.set_index("component")
    assert list(rows.index) == ["ecu", "seat", "glass", "all"]
    assert rows.loc["glass", "median close date"] == "not closed by end"
    assert rows.loc["glass", "10–90% range"] == AFTER_END
    assert rows.loc["glass", "P(closed by end), ± pp"] == "0% ± 0.0"
    ecu = summary["components"]["ecu"]
    assert rows.loc["ecu", "median close date"] == ecu["median_close_date"]
    assert rows.loc["ecu", "10–90% range"].startswith(ecu["close_date_p10"] + " – ")
    value = ecu["cumulative_shortfall_value"]["mean"]
    assert rows.loc["ecu", "mean cumulative shortfall value, RUB"] == (
        f"{value / 1e6:.3g} m" if value >= 1e6 else f"{value:,.0f}")
