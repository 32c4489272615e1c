"""Findings are written from the numbers: they change when the numbers change, and never
name a stage or a date the numbers do not support."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from simulator import load_scenario
from simulator.pipeline import run
from simulator.report.assumptions import in_words, provenance
from simulator.report.batch_findings import BatchNumbers, compare_difference, stage_gain
from simulator.report.findings import (
    RunNumbers,
    components_never_closed,
    held_back,
    idle_stages,
    key_findings,
    overall_close,
    run_findings,
    stage_leaders,
    stage_shares_last_year,
)
from simulator.report.words import MONTHS, money, month

SCENARIO = Path(__file__).resolve().parents[1] / "scenario" / "good" / "minimal.yaml"
MONTH_YEAR = re.compile(rf"\b(?:{'|'.join(MONTHS)}) \d{{4}}\b")


@pytest.fixture(scope="module")
def full():
    return run(load_scenario(SCENARIO), replications=6, workers=1)


@pytest.fixture(scope="module")
def no_plants():
    return run(load_scenario(SCENARIO), replications=6, workers=1,
               stages=["sharing", "procurement"])


def texts(findings) -> list[str]:
    return [f.text for f in findings]


def supported_months(summary: dict) -> set[str]:
    """Every month a finding may name: defined close-date quantiles, the horizon, and the
    dates each stage reaches half its peak."""
    start = dt.date.fromisoformat(summary["horizon"]["start"])
    dates = [summary["horizon"]["start"], summary["horizon"]["end"]]
    for entry in summary["components"].values():
        dates += [entry.get(k) for k in ("median_close_date", "close_date_p10", "close_date_p90")]
        for speed in (entry.get("stage_speed") or {}).values():
            if speed.get("t50_days_median") is not None:
                dates.append(start + dt.timedelta(days=speed["t50_days_median"]))
    return {month(d) for d in dates if month(d) != "—"}


def test_findings_change_when_the_numbers_change(full, no_plants):
    with_plants, without = texts(key_findings(full)), texts(key_findings(no_plants))
    assert with_plants != without
    # the overall close sentence differs: closed in most futures with plants, never without
    assert overall_close(RunNumbers(full.summary)) != overall_close(RunNumbers(no_plants.summary))
    assert "is not closed by the end of the run" in overall_close(RunNumbers(no_plants.summary))


def test_every_named_month_is_backed_by_the_summary(full, no_plants):
    for result in (full, no_plants):
        allowed = supported_months(result.summary)
        for text in texts(key_findings(result)):
            assert set(MONTH_YEAR.findall(text)) <= allowed, text


def test_a_stage_that_is_not_run_is_never_credited(no_plants):
    findings = texts(key_findings(no_plants))
    for text in findings:
        if "stage 3" in text.lower():
            assert "runs without stage 3" in text, text
    assert any("runs without stage 3 (new plants)" in t for t in findings)


def _with_idle_investment(summary: dict) -> dict:
    """A summary in which stage 3 is enabled but serves nothing in any year."""
    summary = copy.deepcopy(summary)
    for entry in summary["components"].values():
        for row in entry["gap_share_by_year"]:
            row["shortfall"] = (row.get("shortfall") or 0) + (row.get("investment") or 0)
            row["investment"] = 0.0
        entry.get("stage_speed", {}).pop("investment", None)
    return summary


def test_an_enabled_stage_that_serves_nothing_is_named_only_as_serving_nothing(full):
    x = RunNumbers(_with_idle_investment(full.summary), enabled=("sharing", "procurement",
                                                                 "investment"))
    assert "stage 3" not in stage_leaders(x)
    assert "stage 3" not in stage_shares_last_year(x)
    assert idle_stages(x) == "Stage 3 (new plants) serves none of the gap in any year."
    for text in (stage_leaders(x), stage_shares_last_year(x)):
        assert "new plants" not in text


def test_stage_leaders_follow_the_yearly_shares():
    rows = [
        {"year": 2024, "sharing": 0.04, "procurement": 0.0, "investment": 0.0},
        {"year": 2025, "sharing": 0.10, "procurement": 0.20, "investment": 0.0},
        {"year": 2026, "sharing": 0.10, "procurement": 0.25, "investment": 0.02},
        {"year": 2027, "sharing": 0.10, "procurement": 0.20, "investment": 0.30},
        {"year": 2028, "sharing": 0.10, "procurement": 0.20, "investment": 0.50},
    ]
    x = RunNumbers({"components": {"all": {"gap_share_by_year": rows}}})
    assert stage_leaders(x) == (
        "Stage 1 (sharing spare capacity) serves the largest share of the gap in 2024, "
        "stage 2 (new machines) in 2025–2026 and stage 3 (new plants) from 2027.")
    # a share below 1% of the gap is not enough to be named
    tiny = [{"year": 2024, "sharing": 0.004, "procurement": 0.0, "investment": 0.0}]
    assert stage_leaders(RunNumbers({"components": {"all": {"gap_share_by_year": tiny}}})) is None


def _overall(summary: dict, **changes) -> dict:
    summary = copy.deepcopy(summary)
    summary["components"]["all"].update(changes)
    return summary


def test_no_median_date_when_half_or_fewer_futures_close(full):
    median = full.summary["components"]["all"]["median_close_date"]
    assert median is not None
    # 40% closed: even a stray median in the summary must not be printed
    summary = _overall(full.summary, share_closed_by_end=0.4, close_date_p90="after end")
    text = overall_close(RunNumbers(summary))
    assert month(median) not in text
    assert "no median close date can be given" in text
    assert "in 4 of 6 simulated futures" in text  # 60% of 6 not closed
    for finding in texts(run_findings(RunNumbers(summary))):
        assert month(median) not in finding or "half" not in finding


def test_close_date_said_where_most_futures_close(full):
    entry = full.summary["components"]["all"]
    text = overall_close(RunNumbers(full.summary))
    assert month(entry["median_close_date"]) in text
    if entry["share_closed_by_end"] > 0.9:
        assert text.startswith("In 9 of 10 simulated futures")
        assert month(entry["close_date_p90"]) in text


def test_components_never_closed_are_named():
    summary = {"horizon": {"start": "2024-01-01", "end": "2030-12-31"}, "components": {
        "ecu": {"name": "ECUs", "n_replications": 10, "share_closed_by_end": 0.0},
        "tyres": {"name": "Tyres", "n_replications": 10, "share_closed_by_end": 1.0},
        "all": {"n_replications": 10, "share_closed_by_end": 0.0}}}
    text = components_never_closed(RunNumbers(summary))
    assert text == ("Never closed by the end of the run (December 2030) in any simulated "
                    "future: ECUs.")


def test_constraints_come_largest_first():
    summary = {"horizon": {"start": "2024-01-01", "end": "2024-12-31"},
               "held_back": {"empty_budget_days_investment": 30.0,
                             "slot_wait_mean_days": 200.0, "slot_wait_p90_days": 400.0,
                             "orders_placed": 10.0, "orders_blocked": 0.0},
               "components": {}}
    found = held_back(RunNumbers(summary))
    assert found[0].startswith("Machine orders wait 200 days")
    assert "stage 3 (new plants) is empty on 30 days" in found[1]
    assert not any("blocked" in t for t in found)  # no order was blocked: nothing to say


def test_stage_gain_sentences_say_censoring_plainly():
    gains = pd.DataFrame([
        {"stage": "procurement", "component": "all", "metric": "close_day", "n_used": 8,
         "gain_months": 3.0, "ci_low_months": -1.0, "ci_high_months": 7.0,
         "share_censored": 0.2, "bound_kind": "", "bound_months": float("nan")},
        {"stage": "investment", "component": "all", "metric": "close_day", "n_used": 0,
         "gain_months": float("nan"), "ci_low_months": float("nan"),
         "ci_high_months": float("nan"), "share_censored": 1.0, "bound_kind": "at_least",
         "bound_months": 18.6},
        {"stage": "sharing", "component": "all", "metric": "close_day", "n_used": 10,
         "gain_months": 4.0, "ci_low_months": 2.5, "ci_high_months": 5.5,
         "share_censored": 0.0, "bound_kind": "", "bound_months": float("nan")},
    ])
    b = BatchNumbers({"variants": {}}, "stages", {"stage_gains": gains})
    assert "makes no clear difference" in stage_gain(b, "procurement")
    assert "20% of the pairs" in stage_gain(b, "procurement")
    assert "at least 18.6 months" in stage_gain(b, "investment")
    assert "brings the overall close date forward by 4.0 months (95% CI 2.5 to 5.5)" in \
        stage_gain(b, "sharing")


def test_compare_difference_in_words():
    diffs = pd.DataFrame([
        {"variant": "slow", "reference": "base", "component": "all", "metric": "close_day",
         "n_used": 10, "mean_difference_months": 5.0, "ci_low_months": 2.0,
         "ci_high_months": 8.0, "bound_kind": "", "bound_months": float("nan")},
        {"variant": "slow", "reference": "base", "component": "all",
         "metric": "cumulative_shortfall_value", "n_used": 10, "mean_difference": 2e9,
         "ci_low": 1e9, "ci_high": 3e9},
    ])
    b = BatchNumbers({"variants": {}, "meta": {"currency": "RUB"}}, "compare",
                     {"differences": diffs})
    assert compare_difference(b, "slow") == (
        "Against base, slow closes the overall shortfall 5.0 months later (95% CI 2.0 to "
        "8.0) and leaves RUB 2.00 bn more cumulative shortfall value (95% CI RUB 1.00 bn to "
        "RUB 3.00 bn).")


def test_batch_findings_of_a_stage_attribution(tmp_path):
    from simulator.pipeline import run_stages

    result = run_stages(load_scenario(SCENARIO), replications=4, workers=1)
    found = key_findings(result)
    stages_texts = [f.text for f in found if f.question == "stages"]
    assert any(t.startswith("Adding stage 3 (new plants)") for t in stages_texts)
    assert any("simulated futures (common random numbers)" in f.text for f in found)
    # the cost of the full variant is labelled as such
    assert any(f.question == "cost" and f.text.startswith("With all three stages:")
               for f in found)


def test_words():
    assert money(1.186e12, "RUB") == "RUB 1,186 bn"
    assert money(2.3e9, "RUB") == "RUB 2.30 bn"
    assert money(4.5e8, "USD") == "USD 450 m"
    assert money(7000, "RUB") == "RUB 7,000"
    assert month("2028-03-05") == "March 2028"
    assert month("after end") == "—"
    assert in_words({"dist": "lognormal", "median": 180, "p90": 365}, "days") == \
        "lognormal, median 180, 90% below 365 days"
    assert in_words({"dist": "triangular", "min": 90, "mode": 180, "max": 365}, "days") == \
        "triangular, 90 to 365 days, most likely 180"
    assert in_words({"dist": "exponential", "mean": 120.0}, "days") == \
        "exponential, mean 120 days"
    assert in_words(45.0, "days") == "45 days"
    assert in_words({"2024-01-01": 900000.0, "2030-01-01": 1.2e6}) == \
        "900,000 (January 2024)\n1,200,000 (January 2030)"
    mixture = {"dist": "mixture", "parts": [
        {"weight": 0.5, "dist": "uniform", "min": 1, "max": 2},
        {"weight": 0.5, "dist": "fixed", "value": 3}]}
    assert in_words(mixture, "days") == "mixture of 50% uniform, 1 to 2 days; 50% 3 days"


def test_source_and_confidence_come_from_the_nearest_mapping_that_has_them():
    plant = {"source": "plant survey", "confidence": "M"}
    line = {"confidence": "L"}
    assert provenance([line, plant]) == ("plant survey", "L (low)")
    assert provenance([{}, {}]) == ("not given", "not given")
