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
from simulator.report.batch_numbers import BatchNumbers
from simulator.report.compare_findings import (
    compare_headline,
    component_outcomes,
    input_changes,
    plant_delays,
    slot_crowding,
    sweep_close_extremes,
)
from simulator.report.findings import (
    RunNumbers,
    components_never_closed,
    held_back,
    idle_stages,
    overall_close,
    run_findings,
    stage_leaders,
    stage_shares_last_year,
)
from simulator.report.key_findings import key_findings
from simulator.report.stage_findings import stage_components, stage_gain
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


NAN = float("nan")
END = {"variants": {"v": {"horizon": {"end": "2030-12-31"}, "money": {"currency": "RUB"}}}}


def _gain(stage: str, component: str, earlier: float, low: float, high: float,
          note: str = "", value: tuple[float, float, float] = (NAN, NAN, NAN),
          closed: tuple[int, int, int, int] = (0, 0, 0, 10)) -> dict:
    before = {"procurement": "sharing", "investment": "sharing+procurement"}[stage]
    return {"stage": stage, "before": before, "after": f"{before}+{stage}",
            "component": component, "n_pairs": sum(closed), "earlier_months": earlier,
            "earlier_months_low": low, "earlier_months_high": high, "note": note,
            "n_both_closed": closed[0], "n_only_after_closed": closed[1],
            "n_only_before_closed": closed[2], "n_neither_closed": closed[3],
            "value_removed": value[0], "value_removed_low": value[1],
            "value_removed_high": value[2]}


def test_stage_gain_gives_months_with_an_interval_or_the_reason_in_words():
    gains = pd.DataFrame([
        _gain("procurement", "all", 0.0, 0.0, 0.0, "neither closes by December 2030",
              (2.763e11, 2.74e11, 2.79e11)),
        _gain("procurement", "bearings", 8.2, 5.2, 11.3, closed=(0, 24, 0, 76)),
        _gain("procurement", "lighting", -1.5, -2.5, -0.5, closed=(10, 0, 0, 0)),
        _gain("procurement", "engines", 0.4, -0.3, 1.1),
        _gain("procurement", "tyres", 0.0, 0.0, 0.0, "already closed by sharing"),
        _gain("investment", "all", 2.3, 1.5, 3.1, value=(2.3e11, 2.11e11, 2.49e11),
              closed=(0, 29, 0, 71)),
    ])
    b = BatchNumbers(END, "stages", {"stage_gains": gains}, ["sharing"],
                     component_names={"bearings": "Bearings (wheel, gearbox, engine)"})
    assert stage_gain(b, "procurement") == (
        "Adding stage 2 (new machines) to stage 1: RUB 276 bn less shortfall value is left "
        "over the run (95% CI RUB 274 bn to RUB 279 bn); but the overall shortfall (all "
        "components, weighted by value) is not closed by December 2030 with or without it, "
        "so it closes no earlier.")
    assert stage_gain(b, "investment") == (
        "Adding stage 3 (new plants) to stages 1 and 2: the overall shortfall (all "
        "components, weighted by value) closes 2.3 months earlier on average (95% CI 1.5 "
        "to 3.1; closed by the end in 29% of futures instead of 0%), and RUB 230 bn less "
        "shortfall value is left over the run (95% CI RUB 211 bn to RUB 249 bn).")
    # per component: clear changes only, bracketed detail dropped from the names
    assert stage_components(b, "procurement") == (
        "Stage 2 (new machines) closes bearings 8.2 months earlier on average (95% CI 5.2 "
        "to 11.3); it delays lighting by 1.5 months on average (95% CI 0.5 to 2.5).")
    assert stage_components(b, "investment") is None


def test_a_stage_that_delays_a_component_names_the_crowded_slots():
    """New plants' tooling orders take the machine-tool suppliers' slots first come, first
    served: stage 2's machines for starters then wait far longer, and starters close later
    (the default case: 2 → 180 days, 1.7 months later)."""
    gains = pd.DataFrame([
        _gain("investment", "bearings", 5.3, 4.5, 6.2),
        _gain("investment", "starters", -1.7, -2.3, -1.2),
        _gain("investment", "lighting", -0.9, -1.4, -0.4)])
    machines = pd.DataFrame([
        {"variant": v, "component": c, "machines_ordered": 11.0, "slot_wait_mean_days": w}
        for v, c, w in [("sharing+procurement", "starters", 2.0),
                        ("sharing+procurement+investment", "starters", 180.0),
                        ("sharing+procurement", "lighting", 40.0),
                        ("sharing+procurement+investment", "lighting", 41.0),
                        ("sharing+procurement", "bearings", 2.0),
                        ("sharing+procurement+investment", "bearings", 132.0)]])
    variants = ["sharing", "sharing+procurement", "sharing+procurement+investment"]
    b = BatchNumbers(END, "stages", {"stage_gains": gains, "component_waits": machines},
                     variants, component_names={"starters": "Starters and generators"})
    assert stage_components(b, "investment") == (
        "Stage 3 (new plants) closes bearings 5.3 months earlier on average (95% CI 4.5 to "
        "6.2); it delays starters and generators by 1.7 months on average (95% CI 1.2 to "
        "2.3; its machines wait 2 → 180 days for a supplier slot) and lighting by 0.9 (0.4 "
        "to 1.4), as the new plants' tooling orders queue at the same machine-tool suppliers "
        "as stage 2's machines (first come, first served).")
    # without a longer wait for the delayed components, no mechanism is claimed
    calm = machines.assign(slot_wait_mean_days=machines["slot_wait_mean_days"].where(
        machines["component"] != "starters", 2.0))
    b = BatchNumbers(END, "stages", {"stage_gains": gains, "component_waits": calm},
                     variants, component_names={"starters": "Starters and generators"})
    assert "queue" not in (stage_components(b, "investment") or "")


def test_months_without_a_clear_direction_say_both_ends():
    diffs = pd.DataFrame([{"variant": "v", "reference": "base", "component": "all",
                           "metric": "restricted_mean_close", "earlier_months": 0.4,
                           "earlier_months_low": -0.3, "earlier_months_high": 1.1,
                           "note": ""}])
    b = BatchNumbers(END, "compare", {"differences": diffs}, ["base", "v"])
    assert "no clear difference in when the overall shortfall (all components, weighted " \
           "by value) closes (95% CI from 0.3 months later to 1.1 earlier)" in \
           compare_headline(b, "v")


def _compare_tables() -> dict[str, pd.DataFrame]:
    """A comparison in which the variant's orders are blocked far more often and wait far
    longer for a slot; bearings close later, their machines waiting longer."""
    waits = pd.DataFrame([
        {"variant": v, "supplier": s, "orders": o, "blocked": bl, "lapsed": la,
         "slot_wait_mean_days": w, "slot_wait_p90_days": 2 * w}
        for v, s, o, bl, la, w in [
            ("base", "cn_cnc", 90.0, 16.7, None, 42.0), ("base", "all", 95.8, 16.7, 4.6, 42.0),
            ("tight", "cn_cnc", 115.0, 46.5, None, 296.0),
            ("tight", "all", 121.0, 46.5, 4.5, 296.0)]])
    machines = pd.DataFrame([
        {"variant": v, "component": c, "machines_ordered": 10.0, "slot_wait_mean_days": w}
        for v, c, w in [("base", "bearings", 48.0), ("tight", "bearings", 153.0),
                        ("base", "lighting", 40.0), ("tight", "lighting", 44.0)]])
    diffs = pd.DataFrame([
        {"variant": "tight", "reference": "base", "component": "all",
         "metric": "restricted_mean_close", "earlier_months": -5.0,
         "earlier_months_low": -8.0, "earlier_months_high": -2.0, "note": ""},
        {"variant": "tight", "reference": "base", "component": "all",
         "metric": "cumulative_shortfall_value", "removed": -2e9, "removed_low": -3e9,
         "removed_high": -1e9, "note": ""},
        {"variant": "tight", "reference": "base", "component": "bearings",
         "metric": "restricted_mean_close", "earlier_months": -13.6,
         "earlier_months_low": -17.2, "earlier_months_high": -9.9, "note": ""},
        {"variant": "tight", "reference": "base", "component": "lighting",
         "metric": "restricted_mean_close", "earlier_months": 0.0,
         "earlier_months_low": 0.0, "earlier_months_high": 0.0,
         "note": "closes on the same day in every future"},
    ])
    inputs = pd.DataFrame([
        {"path": "scenario.name", "base": "base", "tight": "tight"},
        {"path": "stages.procurement.suppliers[cn_cnc].block_probability", "base": "0.15",
         "tight": "0.35"},
        {"path": "stages.procurement.suppliers[cn_cnc].lead_time_days.median",
         "base": "180.0", "tight": "270.0"},
        {"path": "stages.procurement.budget", "base": "18000000000.0",
         "tight": "18000000000.0"},
    ])
    return {"supplier_waits": waits, "component_waits": machines, "differences": diffs,
            "scenario_differences": inputs}


def _compare() -> BatchNumbers:
    return BatchNumbers(END, "compare", _compare_tables(), ["base", "tight"],
                        reference="base", component_names={"bearings": "Bearings (all)"},
                        supplier_names={"cn_cnc": "Chinese CNC makers"})


def test_compare_headline_names_the_mechanism_and_the_outcome():
    assert compare_headline(_compare(), "tight") == (
        "From base to tight: machine orders blocked 16.7 → 46.5 per future, mean wait for a "
        "supplier slot 42 → 296 days; the overall shortfall (all components, weighted by "
        "value) closes 5.0 months later on average (95% CI 2.0 to 8.0), and RUB 2.00 bn "
        "more shortfall value is left over the run (95% CI RUB 1.00 bn to RUB 3.00 bn).")


def test_slot_crowding_names_the_component_and_the_supplier():
    assert slot_crowding(_compare(), "tight") == (
        "From base to tight, the wait for a supplier slot (first come, first served) grows "
        "most for the machines of bearings: 48 → 153 days on average; by supplier, most at "
        "Chinese CNC makers: 42 → 296 days on average.")


def test_component_outcomes_show_the_machines_wait_beside_the_delay():
    assert component_outcomes(_compare(), "tight") == (
        "By component, tight closes bearings 13.6 months later on average (95% CI 9.9 to "
        "17.2; its machines wait 48 → 153 days for a supplier slot).")


def test_input_changes_in_words():
    assert input_changes(_compare(), "tight") == (
        "Inputs that differ, base → tight: Chinese CNC makers: block probability 0.15 → "
        "0.35, median lead time 180 → 270 days.")


def test_sweep_names_the_soonest_and_latest_point_with_intervals():
    diffs = pd.DataFrame([
        {"variant": v, "reference": "point-0", "component": "all",
         "metric": "restricted_mean_close", "earlier_months": e, "earlier_months_low": e - 1,
         "earlier_months_high": e + 1, "note": ""}
        for v, e in (("point-1", 3.0), ("point-2", -2.0))])
    points = pd.DataFrame({"variant": ["point-0", "point-1", "point-2"],
                           "stages.procurement.suppliers[cn_cnc].slots": [16, 24, 8]})
    b = BatchNumbers(END, "sweep", {"differences": diffs, "points": points},
                     ["point-0", "point-1", "point-2"])
    assert sweep_close_extremes(b) == (
        "Against point-0 (suppliers [cn_cnc] slots = 16), the overall shortfall (all "
        "components, weighted by value) closes soonest at point-1 (suppliers [cn_cnc] slots "
        "= 24): it closes 3.0 months earlier on average (95% CI 2.0 to 4.0); latest at "
        "point-2 (suppliers [cn_cnc] slots = 8): it closes 2.0 months later on average "
        "(95% CI 1.0 to 3.0).")


def test_batch_findings_of_a_stage_attribution(tmp_path):
    from simulator.pipeline import run_stages

    result = run_stages(load_scenario(SCENARIO), replications=4, workers=1)
    found = key_findings(result)
    assert found[0].question == "gains"  # the comparison leads
    gains = [f.text for f in found if f.question == "gains"]
    for stage in ("stage 2 (new machines)", "stage 3 (new plants)"):
        overall = [t for t in gains if t.startswith(f"Adding {stage}")]
        assert len(overall) == 1, gains
        assert re.search(r"\d (months|bn|m)\b.*\(95% CI [^)]*\d", overall[0]), overall[0]
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


def test_the_report_says_how_much_offered_capacity_never_qualified(tmp_path):
    """minimal.yaml with a 60% chance that each of two qualification attempts fails: the
    shared line's offer is given up in about 36% of futures; the first screen says how
    much, by value, and for which component."""
    variant = tmp_path / "failing.yaml"
    variant.write_text(
        f"extends: {SCENARIO}\n"
        "components:\n  - {id: ecu, qualification_failure_probability: 0.6,\n"
        "     qualification_retry_days: 60, qualification_attempts: 2}\n", encoding="utf-8")
    result = run(load_scenario(variant), replications=40, workers=1, charts=False,
                 report=False)
    x = RunNumbers(result.summary)
    means = x.overall["means"]
    assert 0 < means["never_qualified_value"] < means["offered_value"]
    text = next(f.text for f in run_findings(x) if "never qualified" in f.text)
    lost = means["never_qualified_value"] / means["offered_value"]
    assert text.startswith(f"{round(100 * lost)}% of the capacity offered")
    assert "shared lines for engine control units" in text
    # the same scenario without failures says nothing of it
    plain = run(load_scenario(SCENARIO), replications=4, workers=1, charts=False,
                report=False)
    assert not any("never qualified" in f.text for f in run_findings(RunNumbers(plain.summary)))


def test_plant_delays_give_the_paired_delay_and_the_tooling_mechanism():
    diffs = pd.DataFrame([{"reference": "base", "variant": "tight", "component": "all",
                           "metric": "plant_start_day_mean", "n_pairs": 100,
                           "later_days": 304.4, "later_days_low": 283.1,
                           "later_days_high": 325.7, "later_months": 10.0,
                           "later_months_low": 9.3, "later_months_high": 10.7}])
    rows = [(v, f, m) for v, values in (("base", (220.0, 35.7, 686.0)),
                                        ("tight", (524.0, 103.2, 1041.0)))
            for f, m in zip(("tooling_wait_days_mean", "tooling_orders_blocked",
                             "tooling_slot_wait_mean_days"), values, strict=True)]
    plants = pd.DataFrame([{"variant": v, "component": "all", "figure": f, "mean": m}
                           for v, f, m in rows])
    b = BatchNumbers(END, "compare", {"plant_differences": diffs, "new_plants": plants},
                     ["base", "tight"], reference="base")
    assert plant_delays(b, "tight") == (
        "From base to tight, new plants start producing 10.0 months later on average over "
        "the plants built (95% interval 9.3 to 10.7): their wait for tooling after the "
        "building is done 220 → 524 days; tooling orders blocked 36 → 103 per future; each "
        "tooling order's wait for a supplier slot (first come, first served, shared with "
        "stage 2's machines) 686 → 1,041 days.")
    earlier = diffs.assign(later_months=-2.0, later_months_low=-3.0, later_months_high=-1.0)
    b = BatchNumbers(END, "compare", {"plant_differences": earlier, "new_plants": plants},
                     ["base", "tight"], reference="base")
    assert "2.0 months earlier on average over the plants built (95% interval 1.0 to " \
        "3.0)" in plant_delays(b, "tight")
