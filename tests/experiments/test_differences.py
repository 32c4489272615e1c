"""Paired differences: hand-computed means, sds and t intervals; censoring; coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator.experiments.differences import (
    DAYS_PER_MONTH,
    paired_differences,
    stage_gains,
    variant_shortfall_paths,
)

T975_DF3 = 3.182446305284263  # t quantile 0.975 with 3 degrees of freedom (tables)
T975_DF1 = 12.706204736174698  # ... with 1 degree of freedom
T95_DF2 = 2.919985580355516  # one-sided 0.95 with 2 degrees of freedom
N_DAYS = 1000


def kpis_table(close_days: dict[str, list[float | None]], values: dict[str, list[float]] | None
               = None, components: tuple[str, ...] = ("ecu", "all")) -> pd.DataFrame:
    """A kpis table: per variant, close days per replication (None = not closed), the same
    for every component; shortfall values per replication (units NaN on ``all``)."""
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


def row(table: pd.DataFrame, variant: str, component: str, metric: str) -> pd.Series:
    found = table[(table["variant"] == variant) & (table["component"] == component)
                  & (table["metric"] == metric)]
    assert len(found) == 1
    return found.iloc[0]


def test_hand_computed_mean_sd_and_t_interval():
    kpis = kpis_table(
        {"ref": [100, 200, 300, 400], "var": [90, 170, 290, 350]},
        {"ref": [5.0, 6.0, 7.0, 8.0], "var": [4.0, 6.0, 5.0, 8.0]},
    )
    table = paired_differences(kpis, "ref", n_days=N_DAYS)
    # differences -10, -30, -10, -50: mean -25, squared deviations 225+25+225+625 = 1100
    close = row(table, "var", "ecu", "close_day")
    sd = math.sqrt(1100 / 3)
    half = T975_DF3 * sd / 2
    assert close["n_pairs"] == 4 and close["n_used"] == 4 and close["n_both_closed"] == 4
    assert close["mean_difference"] == pytest.approx(-25.0)
    assert close["sd"] == pytest.approx(sd)
    assert close["ci_low"] == pytest.approx(-25.0 - half)
    assert close["ci_high"] == pytest.approx(-25.0 + half)
    assert close["share_censored"] == 0.0
    assert close["bound_kind"] == "none" and math.isnan(close["bound"])
    assert close["mean_difference_months"] == pytest.approx(-25.0 / DAYS_PER_MONTH)
    assert close["ci_low_months"] == pytest.approx((-25.0 - half) / 30.44)
    # shortfall differences -1, 0, -2, 0: mean -0.75, sd sqrt(((.25)^2+(.75)^2*2+(1.25)^2)/3)
    units = row(table, "var", "ecu", "cumulative_shortfall")
    sd_units = math.sqrt((0.0625 + 0.5625 + 1.5625 + 0.5625) / 3)
    assert units["mean_difference"] == pytest.approx(-0.75)
    assert units["sd"] == pytest.approx(sd_units)
    assert units["ci_high"] == pytest.approx(-0.75 + T975_DF3 * sd_units / 2)
    assert math.isnan(units["mean_difference_months"]) and pd.isna(units["bound_kind"])
    value = row(table, "var", "all", "cumulative_shortfall_value")
    assert value["mean_difference"] == pytest.approx(-7.5)
    # no units row for the overall component
    assert not ((table["component"] == "all") & (table["metric"] == "cumulative_shortfall")).any()
    assert list(table["metric"].unique()) == [
        "close_day", "cumulative_shortfall", "cumulative_shortfall_value"]
    assert list(table["component"].unique()) == ["ecu", "all"]


def test_one_side_never_closed_is_censored_and_bounded():
    # pairs: both closed (-10, -50); variant closed at 300, reference never; neither closed
    kpis = kpis_table({"ref": [100, 200, None, None], "var": [90, 150, 300, None]})
    close = row(paired_differences(kpis, "ref", n_days=N_DAYS), "var", "all", "close_day")
    assert close["n_pairs"] == 4 and close["n_used"] == 2
    assert (close["n_both_closed"], close["n_only_variant_closed"],
            close["n_only_reference_closed"], close["n_neither_closed"]) == (2, 1, 0, 1)
    assert close["share_censored"] == 0.5
    # mean and interval from the two pairs where both closed only
    assert close["mean_difference"] == pytest.approx(-30.0)
    sd = math.sqrt(800)  # deviations 20, -20
    assert close["sd"] == pytest.approx(sd)
    assert close["ci_low"] == pytest.approx(-30.0 - T975_DF1 * sd / math.sqrt(2))
    # bound: the three pairs with a closed side, the never-closed reference at day 1000:
    # (-10 - 50 + (300 - 1000)) / 3; the variant is on average at least 253.3 days earlier
    assert close["bound_kind"] == "at_most"
    assert close["bound"] == pytest.approx(-760 / 3)
    substituted = np.array([-10.0, -50.0, -700.0])
    one_sided = T95_DF2 * substituted.std(ddof=1) / math.sqrt(3)
    assert close["bound_ci"] == pytest.approx(-760 / 3 + one_sided)
    assert close["bound_months"] == pytest.approx(-760 / 3 / 30.44)


def test_variant_censored_gives_a_lower_bound_and_both_directions_none():
    kpis = kpis_table({"ref": [100, 200, 300], "late": [120, 260, None],
                       "mixed": [None, 180, 250], "ref2": [None, 150, 350]})
    table = paired_differences(kpis, "ref", ["late", "mixed"], n_days=N_DAYS)
    late = row(table, "late", "ecu", "close_day")
    assert late["bound_kind"] == "at_least"
    assert late["bound"] == pytest.approx((20 + 60 + 700) / 3)
    assert late["mean_difference"] == pytest.approx(40.0)
    # "mixed" vs "ref": variant censored in pair 0 only — a lower bound too
    assert row(table, "mixed", "ecu", "close_day")["bound_kind"] == "at_least"
    both_ways = paired_differences(kpis, "ref2", ["late"], n_days=N_DAYS)
    # pair 0: reference never closed; pair 2: variant never closed
    both = row(both_ways, "late", "ecu", "close_day")
    assert both["bound_kind"] == "mixed" and math.isnan(both["bound"])
    assert math.isnan(both["bound_ci"])
    assert both["n_used"] == 1 and both["mean_difference"] == pytest.approx(110.0)
    assert math.isnan(both["sd"]) and math.isnan(both["ci_low"])


def test_censor_day_moves_the_bound():
    kpis = kpis_table({"ref": [100, None], "var": [90, 300]})
    strict = paired_differences(kpis, "ref", n_days=N_DAYS, censor_day=N_DAYS - 90 + 1)
    assert row(strict, "var", "ecu", "close_day")["bound"] == pytest.approx((-10 + 300 - 911)
                                                                              / 2)


def test_both_sides_never_closed_carry_no_information():
    kpis = kpis_table({"ref": [None, None, None], "var": [None, None, None]})
    close = row(paired_differences(kpis, "ref", n_days=N_DAYS), "var", "ecu", "close_day")
    assert close["n_pairs"] == 3 and close["n_used"] == 0 and close["n_neither_closed"] == 3
    assert close["share_censored"] == 1.0
    assert close["bound_kind"] == "no_information"
    assert math.isnan(close["mean_difference"]) and math.isnan(close["bound"])


def test_identical_variant_gives_exact_zeros():
    days = [100, None, 250, 400, None]
    values = [3.5, 1.25, 7.0, 2.0, 9.0]
    kpis = kpis_table({"ref": days, "same": days}, {"ref": values, "same": values})
    table = paired_differences(kpis, "ref", n_days=N_DAYS)
    for column in ("mean_difference", "sd", "ci_low", "ci_high"):
        assert (table[column] == 0.0).all(), column
    close = row(table, "same", "all", "close_day")
    assert close["n_used"] == 3 and close["share_censored"] == 0.4
    assert close["bound_kind"] == "none"  # censored only where both sides are


def test_variants_default_to_all_others_and_unknown_names_are_refused():
    kpis = kpis_table({"b": [1, 2], "a": [1, 3], "c": [2, 2]})
    table = paired_differences(kpis, "a", n_days=N_DAYS)
    assert list(table["variant"].unique()) == ["b", "c"]
    assert (table["reference"] == "a").all()
    with pytest.raises(ValueError, match="reference variant 'z'"):
        paired_differences(kpis, "z", n_days=N_DAYS)
    with pytest.raises(ValueError, match="'y'"):
        paired_differences(kpis, "a", ["y"], n_days=N_DAYS)
    with pytest.raises(ValueError, match="more than one row"):
        paired_differences(pd.concat([kpis, kpis.iloc[:1]]), "a", n_days=N_DAYS)


def test_pairs_are_matched_by_replication_not_position():
    kpis = kpis_table({"ref": [100, 200], "var": [110, 230]})
    shuffled = kpis.iloc[::-1].reset_index(drop=True)
    close = row(paired_differences(shuffled, "ref", n_days=N_DAYS), "var", "ecu", "close_day")
    assert close["mean_difference"] == pytest.approx(20.0)  # (10 + 30) / 2
    assert close["sd"] == pytest.approx(math.sqrt(200))


def test_stage_gains_flip_the_sign_and_the_bound():
    kpis = kpis_table(
        {"sharing": [None, 400, 500], "sharing+procurement": [300, 350, 420],
         "sharing+procurement+investment": [250, 350, 300]},
        {"sharing": [9.0, 8.0, 7.0], "sharing+procurement": [6.0, 5.0, 5.0],
         "sharing+procurement+investment": [5.0, 5.0, 2.0]},
    )
    gains = stage_gains(kpis, n_days=N_DAYS)
    assert list(gains["stage"].unique()) == ["procurement", "investment"]
    first = gains[(gains["stage"] == "procurement") & (gains["component"] == "ecu")
                  & (gains["metric"] == "close_day")].iloc[0]
    assert first["before"] == "sharing" and first["after"] == "sharing+procurement"
    assert first["gain"] == pytest.approx((50 + 80) / 2)
    assert first["gain_months"] == pytest.approx(65 / 30.44)
    assert first["share_censored"] == pytest.approx(1 / 3)
    assert first["bound_kind"] == "at_least"  # procurement gains at least ... days
    assert first["bound"] == pytest.approx((700 + 50 + 80) / 3)
    assert first["ci_low"] < first["gain"] < first["ci_high"]
    removed = gains[(gains["stage"] == "investment") & (gains["component"] == "all")
                    & (gains["metric"] == "cumulative_shortfall_value")].iloc[0]
    assert removed["gain"] == pytest.approx(10 * (1 + 0 + 3) / 3)


def test_stage_gains_with_none_first_credit_the_first_stage():
    kpis = kpis_table({"none": [None, None], "sharing": [400, None]})
    gains = stage_gains(kpis, ("none", "sharing"), n_days=N_DAYS)
    close = gains[(gains["component"] == "ecu") & (gains["metric"] == "close_day")].iloc[0]
    assert close["stage"] == "sharing"
    assert math.isnan(close["gain"])  # no future where both close
    assert close["bound_kind"] == "at_least" and close["bound"] == pytest.approx(600.0)


def test_variant_shortfall_paths():
    series = pd.DataFrame({
        "variant": ["b"] * 6 + ["a"] * 6,
        "replication": [0, 1, 2] * 4,
        "month": (["2024-01"] * 3 + ["2024-02"] * 3) * 2,
        "component": "all",
        "shortfall": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.0, 0.0, 3.0, 1.0, 1.0, 1.0],
    })
    paths = variant_shortfall_paths(series)
    assert list(paths["variant"]) == ["b", "b", "a", "a"]
    assert list(paths["shortfall_median"]) == [2.0, 5.0, 0.0, 1.0]
    assert paths["p10"].iloc[0] == pytest.approx(1.2)
    assert paths["month"].iloc[1] == pd.Timestamp("2024-02-01")


def test_ci_coverage_of_the_paired_t_interval():
    """400 independent batches (components) of 20 pairs with a true mean difference of
    -30 days: the 95% interval covers it in 95% ± 3% of them (fixed seed)."""
    rng = np.random.default_rng(20240601)
    n_samples, n_pairs, true_difference = 400, 20, -30.0
    reference = rng.normal(1000.0, 200.0, size=(n_samples, n_pairs))
    variant = reference + true_difference + rng.standard_t(5, size=(n_samples, n_pairs)) * 40
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
    table = paired_differences(pd.concat(frames), "ref", n_days=5000)
    for metric, truth in (("close_day", true_difference),
                          ("cumulative_shortfall", true_difference / 10)):
        rows = table[table["metric"] == metric]
        assert len(rows) == n_samples
        covered = ((rows["ci_low"] <= truth) & (truth <= rows["ci_high"])).mean()
        assert 0.92 <= covered <= 0.98, (metric, covered)
