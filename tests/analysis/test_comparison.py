"""Comparison measures: hand-computed restricted means, survival steps, paired differences
(positive = the variant is better), stage gains, yearly differences and reduction dates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.close_dates import close_times, survival
from simulator.analysis.common import DAYS_PER_MONTH
from simulator.analysis.comparison import (
    SAME_DAY,
    paired_differences,
    reduction_dates,
    stage_gains,
    yearly_differences,
)

START = "2024-01-01"
N_DAYS = 2557  # 2024-01-01 .. 2030-12-31
T975_DF4 = 2.7764451051977934  # t quantile 0.975, 4 degrees of freedom (tables: 2.776)
T975_DF3 = 3.1824463052837078  # ... 3 degrees of freedom (3.182)
T975_DF1 = 12.706204736174694  # ... 1 degree of freedom (12.706)
T95_DF1 = 6.313751514675037  # one-sided 0.95, 1 degree of freedom (6.314)
SHARING, PLUS_MACHINES, ALL_THREE = (
    "sharing", "sharing+procurement", "sharing+procurement+investment")


def kpis_table(close_days: dict[str, list[float | None]],
               values: dict[str, list[float]] | None = None,
               components: tuple[str, ...] = ("ecu", "all")) -> pd.DataFrame:
    """Per variant, close days per replication (None = never closed), the same for every
    component; cumulative shortfall per replication (units NaN on ``all``, value × 10)."""
    rows = []
    for variant, days in close_days.items():
        shortfall = (values or {}).get(variant, [0.0] * len(days))
        for r, day in enumerate(days):
            for component in components:
                rows.append({
                    "variant": variant, "replication": r, "component": component,
                    "closed": day is not None,
                    "close_day": math.nan if day is None else float(day),
                    "cumulative_shortfall": math.nan if component == "all" else shortfall[r],
                    "cumulative_shortfall_value": 10.0 * shortfall[r],
                })
    return pd.DataFrame(rows)


def one(table: pd.DataFrame, **where: object) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for column, value in where.items():
        mask &= (table[column] == value).to_numpy()
    assert mask.sum() == 1, where
    return table[mask].iloc[0]


# ------------------------------------------------------------------------ close times


def test_restricted_mean_share_and_median_by_hand():
    kpis = kpis_table({"a": [100, None, 300, None], "b": [100, 200, 300, None]})
    table = close_times(kpis, 1000, start_date=START)
    a = one(table, variant="a", component="ecu")
    assert a["n"] == 4 and a["n_closed"] == 2
    assert a["share_closed"] == 0.5 and a["se"] == pytest.approx(0.25)  # sqrt(.25 / 4)
    assert a["restricted_mean_days"] == pytest.approx((100 + 1000 + 300 + 1000) / 4)
    assert math.isnan(a["median_close_day"])  # exactly half closed: no median
    assert pd.isna(a["median_close_date"])
    b = one(table, variant="b", component="all")
    # 100, 200, 300, 1000: mean 400, squared deviations 90000+40000+10000+360000
    half = T975_DF3 * math.sqrt(500000 / 3) / 2
    assert b["restricted_mean_days"] == pytest.approx(400)
    assert b["restricted_mean_days_low"] == pytest.approx(400 - half)
    assert b["restricted_mean_days_high"] == pytest.approx(400 + half)
    assert b["restricted_mean_months"] == pytest.approx(400 / DAYS_PER_MONTH)
    assert b["restricted_mean_months_high"] == pytest.approx((400 + half) / DAYS_PER_MONTH)
    assert b["median_close_day"] == 250  # (200 + 300) / 2; never-closed counts as +inf
    assert b["median_close_date"] == pd.Timestamp("2024-09-07")  # day 250
    assert bool(b["few_replications"])
    assert list(table["component"].iloc[:2]) == ["all", "ecu"]  # overall first


def test_never_closed_counts_as_the_horizon_with_a_zero_width_interval():
    table = close_times(kpis_table({"a": [None, None, None]}), N_DAYS)
    row = one(table, variant="a", component="ecu")
    assert row["restricted_mean_days"] == N_DAYS
    assert row["restricted_mean_days_low"] == row["restricted_mean_days_high"] == N_DAYS
    assert row["share_closed"] == 0 and row["se"] == 0


def test_one_replication_has_no_interval():
    row = one(close_times(kpis_table({"a": [120]}), N_DAYS), component="ecu")
    assert row["restricted_mean_days"] == 120
    assert math.isnan(row["restricted_mean_days_low"])
    assert math.isnan(row["restricted_mean_days_high"])


# -------------------------------------------------------------------------- survival


def test_survival_steps_and_area_equal_the_restricted_mean():
    kpis = kpis_table({"a": [100, None, 300, 300]}, components=("ecu",))
    curve = survival(kpis, 1000, START)
    assert curve["day"].tolist() == [0, 100, 300, 1000]
    assert curve["share_closed"].tolist() == [0, 0.25, 0.75, 0.75]
    assert curve["date"].tolist() == [pd.Timestamp(d) for d in (
        "2024-01-01", "2024-04-10", "2024-10-27", "2026-09-27")]
    assert curve["se"].iloc[1] == pytest.approx(math.sqrt(0.25 * 0.75 / 4))
    # the area above the step curve up to the horizon: 1*100 + .75*200 + .25*700 = 425
    area = ((1 - curve["share_closed"].iloc[:-1]).to_numpy()
            * np.diff(curve["day"].to_numpy())).sum()
    mean = one(close_times(kpis, 1000), component="ecu")["restricted_mean_days"]
    assert area == pytest.approx(425) and mean == pytest.approx(425)


def test_survival_close_on_day_zero_and_never_closed():
    kpis = kpis_table({"a": [0, 50], "b": [None, None]}, components=("ecu",))
    curve = survival(kpis, 200, START)
    a, b = curve[curve["variant"] == "a"], curve[curve["variant"] == "b"]
    assert a["day"].tolist() == [0, 50, 200] and a["share_closed"].tolist() == [0.5, 1, 1]
    assert b["day"].tolist() == [0, 200] and b["share_closed"].tolist() == [0, 0]


# ---------------------------------------------------------------- paired differences


def test_never_closing_reference_against_a_variant_closing_on_day_d():
    """{sharing} never closes, {sharing, procurement} closes on day 400 in every future:
    the restricted-mean difference is exactly N − 400."""
    kpis = kpis_table({SHARING: [None, None, None], PLUS_MACHINES: [400, 400, 400]})
    table = paired_differences(kpis, SHARING, None, N_DAYS, start_date=START)
    row = one(table, variant=PLUS_MACHINES, component="all", metric="restricted_mean_close")
    assert row["earlier_days"] == N_DAYS - 400
    assert row["earlier_days_low"] == row["earlier_days_high"] == N_DAYS - 400
    assert row["earlier_months"] == (N_DAYS - 400) / DAYS_PER_MONTH
    assert row["earlier_months_low"] == row["earlier_months_high"] == row["earlier_months"]
    assert row["note"] == ""
    assert (row["n_both_closed"], row["n_only_variant_closed"], row["n_only_reference_closed"],
            row["n_neither_closed"]) == (0, 3, 0, 0)
    assert math.isnan(row["both_closed_earlier_days"])  # no pair where both close
    assert row["bound_kind"] == "at_least" and row["bound_days"] == N_DAYS - 400
    assert row["reference"] == SHARING


def test_identical_variants_differ_by_exactly_zero_and_say_why():
    kpis = kpis_table({"a": [None, None], "b": [None, None], "c": [300, 500],
                       "d": [300, 500]})
    neither = one(paired_differences(kpis, "a", ["b"], N_DAYS, start_date=START),
                  component="ecu", metric="restricted_mean_close")
    assert neither["earlier_days"] == 0 and neither["earlier_months"] == 0
    assert neither["earlier_days_low"] == neither["earlier_days_high"] == 0
    assert neither["note"] == "neither closes by December 2030"
    assert neither["bound_kind"] == "no_information"
    same = one(paired_differences(kpis, "c", ["d"], N_DAYS), component="ecu",
               metric="restricted_mean_close")
    assert same["earlier_days"] == 0 and same["earlier_days_low"] == 0
    assert same["note"] == SAME_DAY == "closes on the same day in every future"
    assert same["both_closed_earlier_days"] == 0
    without_start = one(paired_differences(kpis, "a", ["b"], N_DAYS), component="ecu",
                        metric="restricted_mean_close")
    assert without_start["note"] == "neither closes by the end of the run"


def test_censoring_on_both_sides_by_hand():
    kpis = kpis_table({"ref": [100, None, 300, None, 500], "var": [80, 200, None, None, 450]})
    table = paired_differences(kpis, "ref", None, 1000)
    row = one(table, variant="var", component="ecu", metric="restricted_mean_close")
    # ref − var with never = 1000: 20, 800, −700, 0, 50 → mean 34
    # deviations −14, 766, −734, −34, 16 → squares sum to 1127120, variance 281780
    half = T975_DF4 * math.sqrt(1127120 / 4) / math.sqrt(5)
    assert row["n_pairs"] == 5
    assert row["earlier_days"] == pytest.approx(34)
    assert row["earlier_days_low"] == pytest.approx(34 - half)
    assert row["earlier_days_high"] == pytest.approx(34 + half)
    assert row["earlier_months"] == pytest.approx(34 / DAYS_PER_MONTH)
    assert (row["n_both_closed"], row["n_only_variant_closed"], row["n_only_reference_closed"],
            row["n_neither_closed"]) == (2, 1, 1, 1)
    assert row["note"] == ""
    # secondary: pairs where both close: 20, 50 → mean 35, sd sqrt(450)
    both_half = T975_DF1 * math.sqrt(450) / math.sqrt(2)
    assert row["both_closed_earlier_days"] == pytest.approx(35)
    assert row["both_closed_earlier_days_high"] == pytest.approx(35 + both_half)
    assert row["both_closed_earlier_months"] == pytest.approx(35 / DAYS_PER_MONTH)
    assert row["bound_kind"] == "mixed" and math.isnan(row["bound_days"])


def test_one_sided_bound_when_only_the_variant_is_censored():
    kpis = kpis_table({"ref": [100, 200], "var": [150, None]})
    row = one(paired_differences(kpis, "ref", None, 1000), component="ecu",
              metric="restricted_mean_close")
    # substituted: 100 − 150 = −50, 200 − 1000 = −800 → −425; the variant closes later,
    # by at most... the true difference is at most −425 (it would close at 1000 or later)
    assert row["bound_kind"] == "at_most" and row["bound_days"] == pytest.approx(-425)
    sd = math.sqrt(2 * 375 ** 2)
    assert row["bound_ci_days"] == pytest.approx(-425 + T95_DF1 * sd / math.sqrt(2))
    assert row["earlier_days"] == pytest.approx(-425)  # later: negative
    censored = one(paired_differences(kpis, "ref", None, 1000, censor_day=910),
                   component="ecu", metric="restricted_mean_close")
    assert censored["bound_days"] == pytest.approx((-50 - 710) / 2)
    assert censored["earlier_days"] == pytest.approx(-425)  # the measure keeps N


def test_shortfall_removed_with_interval_and_units_only_for_components():
    kpis = kpis_table({"ref": [100, 200, 300, 400], "var": [90, 170, 290, 350]},
                      {"ref": [5.0, 6.0, 7.0, 8.0], "var": [4.0, 6.0, 5.0, 8.0]})
    table = paired_differences(kpis, "ref", ["var"], 1000)
    units = one(table, component="ecu", metric="cumulative_shortfall")
    # ref − var: 1, 0, 2, 0 → mean 0.75; squared deviations sum to 2.75
    half = T975_DF3 * math.sqrt(2.75 / 3) / 2
    assert units["removed"] == pytest.approx(0.75)
    assert units["removed_low"] == pytest.approx(0.75 - half)
    assert units["removed_high"] == pytest.approx(0.75 + half)
    assert math.isnan(units["earlier_days"]) and units["note"] == ""
    value = one(table, component="all", metric="cumulative_shortfall_value")
    assert value["removed"] == pytest.approx(7.5)
    assert not ((table["component"] == "all") & (table["metric"] == "cumulative_shortfall")).any()
    close = one(table, component="ecu", metric="restricted_mean_close")
    assert close["earlier_days"] == pytest.approx(25)  # 10, 30, 10, 50: variant earlier
    assert table["component"].tolist()[:3] == ["all", "all", "ecu"]


def test_pairs_by_replication_index_not_row_order():
    kpis = kpis_table({"ref": [100, 500], "var": [90, 450]})
    shuffled = kpis.sample(frac=1, random_state=3)
    row = one(paired_differences(shuffled, "ref", None, 1000), component="ecu",
              metric="restricted_mean_close")
    assert row["earlier_days"] == pytest.approx(30)  # (10 + 50) / 2


def test_one_pair_gives_no_interval_and_unknown_variants_are_refused():
    kpis = kpis_table({"ref": [100], "var": [40]})
    row = one(paired_differences(kpis, "ref", None, 1000), component="ecu",
              metric="restricted_mean_close")
    assert row["earlier_days"] == 60 and math.isnan(row["earlier_days_low"])
    with pytest.raises(ValueError, match="reference variant 'nope'"):
        paired_differences(kpis, "nope", None, 1000)
    with pytest.raises(ValueError, match="'other'"):
        paired_differences(kpis, "ref", ["other"], 1000)


# ------------------------------------------------------------------------ stage gains


def test_stage_gains_per_added_stage_with_words_where_nothing_changes():
    kpis = pd.concat([
        kpis_table({SHARING: [None, None], PLUS_MACHINES: [400, None],
                    ALL_THREE: [300, 1000]}, {SHARING: [9.0, 9.0], PLUS_MACHINES: [5.0, 8.0],
                                               ALL_THREE: [4.0, 6.0]}),
        kpis_table({SHARING: [50, 60], PLUS_MACHINES: [50, 60], ALL_THREE: [50, 60]},
                   components=("tyres",)),
        kpis_table({SHARING: [None, None], PLUS_MACHINES: [None, None],
                    ALL_THREE: [None, None]}, components=("engines",)),
    ], ignore_index=True)
    gains = stage_gains(kpis, N_DAYS, start_date=START)
    assert gains["stage"].unique().tolist() == ["procurement", "investment"]
    assert gains["component"].unique().tolist() == ["all", "ecu", "tyres", "engines"]
    machines = one(gains, stage="procurement", component="ecu")
    assert (machines["before"], machines["after"]) == (SHARING, PLUS_MACHINES)
    # N − 400 and 0 (neither closes in replication 1)
    assert machines["earlier_days"] == pytest.approx((N_DAYS - 400) / 2)
    assert machines["earlier_months"] == pytest.approx((N_DAYS - 400) / 2 / DAYS_PER_MONTH)
    assert machines["earlier_months_low"] < machines["earlier_months"] \
        < machines["earlier_months_high"]
    assert (machines["n_only_after_closed"], machines["n_neither_closed"]) == (1, 1)
    assert machines["units_removed"] == pytest.approx(2.5)  # (4 + 1) / 2
    assert machines["value_removed"] == pytest.approx(25)
    plants = one(gains, stage="investment", component="ecu")
    assert plants["earlier_days"] == pytest.approx((100 + N_DAYS - 1000) / 2)
    tyres = one(gains, stage="investment", component="tyres")
    assert tyres["earlier_months"] == 0 and tyres["earlier_months_low"] == 0
    assert tyres["note"] == "already closed by sharing and procurement"
    assert one(gains, stage="procurement", component="tyres")["note"] == \
        "already closed by sharing"
    assert one(gains, stage="investment", component="engines")["note"] == \
        "neither closes by December 2030"
    overall = one(gains, stage="procurement", component="all")
    assert math.isnan(overall["units_removed"]) and overall["value_removed"] == 25


def test_stage_gains_from_no_stages_and_missing_sets():
    kpis = kpis_table({"none": [None, None], SHARING: [200, 300]})
    gains = stage_gains(kpis, 1000, ("none", SHARING))
    row = one(gains, component="ecu")
    assert row["stage"] == "sharing" and row["earlier_days"] == pytest.approx(750)
    with pytest.raises(ValueError, match="not in the kpis"):
        stage_gains(kpis, 1000)


def test_stage_gains_on_a_real_stages_run():
    try:
        from simulator.pipeline import run_stages
    except ImportError:  # the studies' runner before the pipeline module
        from simulator.experiments.studies import run_stages  # type: ignore[no-redef]
    from simulator.scenario import load_scenario

    scenario = load_scenario("tests/scenario/good/minimal.yaml")
    result = run_stages(scenario, replications=20, workers=1)
    gains = stage_gains(result.kpis, scenario.n_days, start_date=scenario.scenario.start)
    assert len(gains) == 2 * 2  # (ecu, all) × (procurement, investment)
    for column in ("earlier_months", "earlier_months_low", "earlier_months_high",
                   "value_removed", "value_removed_low", "value_removed_high"):
        assert np.isfinite(gains[column].to_numpy(float)).all(), column
    assert (gains["earlier_months_low"] <= gains["earlier_months"]).all()
    assert (gains["earlier_months"] <= gains["earlier_months_high"]).all()
    rows = close_times(result.kpis, scenario.n_days)
    assert np.isfinite(rows["restricted_mean_months"]).all()
    assert (rows["restricted_mean_days"] <= scenario.n_days).all()


# --------------------------------------------------------------------- year by year


def yearly_table() -> pd.DataFrame:
    rows = []
    # (variant, replication, year): (gap, served by sharing, procurement, investment)
    data = {
        ("ref", 0, 2024): (100, 20, 0, 0), ("ref", 1, 2024): (300, 30, 0, 0),
        ("ref", 0, 2025): (100, 20, 0, 0), ("ref", 1, 2025): (300, 30, 0, 0),
        ("var", 0, 2024): (100, 20, 10, 0), ("var", 1, 2024): (300, 30, 30, 0),
        ("var", 0, 2025): (100, 20, 50, 10), ("var", 1, 2025): (300, 30, 150, 30),
    }
    for (variant, r, year), (gap, s1, s2, s3) in data.items():
        for component, scale in (("ecu", 1.0), ("all", 10.0)):
            rows.append({"variant": variant, "replication": r, "year": year,
                         "component": component, "demand": 2 * gap * scale,
                         "gap": gap * scale, "served_sharing": s1 * scale,
                         "served_procurement": s2 * scale, "served_investment": s3 * scale,
                         "shortfall": (gap - s1 - s2 - s3) * scale})
    return pd.DataFrame(rows)


def test_yearly_differences_by_hand():
    table = yearly_differences(yearly_table(), "ref")
    row = one(table, variant="var", year=2025, component="all")
    # served: (80 + 210) × 10 over gap (100 + 300) × 10
    assert row["share_served"] == pytest.approx(290 / 400)
    assert row["share_served_procurement"] == pytest.approx(200 / 400)
    assert row["share_served_investment"] == pytest.approx(40 / 400)
    assert row["share_served_reference"] == pytest.approx(50 / 400)
    # ref − var shortfall: (80 − 20) × 10 = 600, (270 − 90) × 10 = 1800 → mean 1200
    half = T975_DF1 * math.sqrt(2 * 600 ** 2) / math.sqrt(2)
    assert row["removed"] == pytest.approx(1200) and row["unit"] == "currency"
    assert row["removed_low"] == pytest.approx(1200 - half)
    early = one(table, variant="var", year=2024, component="ecu")
    assert early["unit"] == "units" and early["removed"] == pytest.approx(20)  # 10 and 30
    assert early["share_served"] == pytest.approx(90 / 400)
    assert len(table) == 4 and set(table["variant"]) == {"var"}
    assert table["component"].tolist()[:2] == ["all", "ecu"]


# -------------------------------------------------------------------- reduction dates


def series_table(shortfalls: dict[str, list[list[float]]], gap: float = 100.0) -> pd.DataFrame:
    months = [f"2024-{m:02d}" for m in range(1, 7)]
    return pd.DataFrame([
        {"variant": v, "replication": r, "month": month, "component": "all", "gap": gap,
         "shortfall": value}
        for v, per_rep in shortfalls.items() for r, path in enumerate(per_rep)
        for month, value in zip(months, path, strict=True)])


def test_reduction_dates_against_no_action_by_hand():
    series = series_table({"sharing": [
        [100, 60, 50, 40, 10, 5],    # half by 2024-03, 90% by 2024-05
        [100, 40, 30, 20, 20, 20],   # half by 2024-02, never 90%
        [100] * 6,                   # never
        [100, 90, 80, 45, 9, 50],    # half by 2024-04, 90% by 2024-05 (cut .91)
    ]})
    table = reduction_dates(series, "none", START)
    half = one(table, level=0.5)
    assert half["variant"] == "sharing" and half["against"] == "none"
    assert (half["n"], half["n_reached"], half["share_reached"]) == (4, 3, 0.75)
    assert half["se"] == pytest.approx(math.sqrt(0.75 * 0.25 / 4))
    # first months 2, 1, inf, 3: median = 2nd smallest = 2024-03; p10 = 2024-02; no p90
    assert half["median_month"] == "2024-03" and half["p10_month"] == "2024-02"
    assert half["median_date"] == pd.Timestamp("2024-03-31")
    assert half["median_months"] == pytest.approx(91 / DAYS_PER_MONTH)
    assert pd.isna(half["p90_month"]) and pd.isna(half["p90_date"])
    ninety = one(table, level=0.9)
    assert ninety["share_reached"] == 0.5
    assert pd.isna(ninety["median_month"])  # exactly half: no median
    assert ninety["p10_month"] == "2024-05"


def test_reduction_dates_against_a_variant_skip_months_with_nothing_to_cut():
    series = series_table({
        "sharing": [[100, 0, 100, 100, 100, 100], [100, 80, 80, 80, 80, 80]],
        "sharing+procurement": [[100, 0, 100, 40, 100, 100], [100, 80, 40, 40, 40, 8]],
    })
    table = reduction_dates(series, "sharing", START)
    assert set(table["variant"]) == {"sharing+procurement"}
    half = one(table, level=0.5)
    # replication 0: month 2024-02 has no sharing shortfall to cut (skipped); 2024-04 cuts
    # 60%; replication 1: 2024-03 cuts 50%. Of two futures, the median is the month by
    # which one of them has reached it (no averaging between months)
    assert half["n_reached"] == 2 and half["median_month"] == "2024-03"
    assert half["p10_month"] == "2024-03" and half["p90_month"] == "2024-04"
    ninety = one(table, level=0.9)
    assert ninety["n_reached"] == 1 and pd.isna(ninety["median_month"])
    assert ninety["p10_month"] == "2024-06"  # replication 1: 1 − 8/80
    with pytest.raises(ValueError, match="'nope'"):
        reduction_dates(series, "nope", START)


def test_ci_coverage_of_the_paired_t_interval():
    """400 independent batches (components) of 20 pairs whose variant closes 30 days
    earlier on average: the 95% interval of `earlier_days` covers 30 in 95% ± 3% of them,
    and that of the shortfall removed covers 3 (fixed seed)."""
    import numpy as np

    rng = np.random.default_rng(20240601)
    n_samples, n_pairs, earlier = 400, 20, 30.0
    reference = rng.normal(1000.0, 200.0, size=(n_samples, n_pairs))
    variant = reference - earlier + rng.standard_t(5, size=(n_samples, n_pairs)) * 40
    frames = []
    for name, days in (("ref", reference), ("var", variant)):
        frames.append(pd.DataFrame({
            "variant": name,
            "replication": np.tile(np.arange(n_pairs), n_samples),
            "component": np.repeat([f"c{i}" for i in range(n_samples)], n_pairs),
            "closed": True,
            "close_day": days.ravel(),
            "cumulative_shortfall": days.ravel() / 10,
            "cumulative_shortfall_value": days.ravel(),
        }))
    table = paired_differences(pd.concat(frames), "ref", None, 5000)
    for metric, low, high, truth in (("restricted_mean_close", "earlier_days_low",
                                      "earlier_days_high", earlier),
                                     ("cumulative_shortfall", "removed_low", "removed_high",
                                      earlier / 10)):
        rows = table[table["metric"] == metric]
        assert len(rows) == n_samples
        covered = ((rows[low] <= truth) & (truth <= rows[high])).mean()
        assert 0.92 <= covered <= 0.98, (metric, covered)
