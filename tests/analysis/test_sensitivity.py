"""Sensitivity indices against closed forms, through the same analysis code capsim uses."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.outcomes import point_means, replication_outcomes
from simulator.analysis.sensitivity import (
    factor_ranking,
    noise_share,
    outcome_range,
    sensitivity_table,
)
from simulator.experiments.sensitivity import salib_sample


def _problem(bounds: list[list[float]]) -> dict:
    return {"num_vars": len(bounds), "names": [f"x{i + 1}" for i in range(len(bounds))],
            "bounds": bounds}


def test_morris_on_a_linear_model_with_common_noise_is_exact():
    """y = 3 x1 + 0 x2 + e_r, x1 in [0, 2]: every elementary effect of x1 is 3 x 2 = 6
    (in SALib's units, per the whole range), of x2 exactly 0; the noise e_r is common to
    every point (common random numbers), so it cancels and the noise intervals are 0."""
    problem = _problem([[0.0, 2.0], [10.0, 20.0]])
    x = salib_sample("morris", problem, trajectories=8, levels=4, samples=None, seed=1)
    noise = np.random.default_rng(2).normal(0, 5.0, size=10)
    y = 3 * x[:, [0]] + noise[None, :]
    table = sensitivity_table("morris", problem, x, {"y": y}, bootstrap=20, seed=3)
    mu = table[table["index"] == "mu_star"].set_index("factor")
    assert mu.loc["x1", "value"] == pytest.approx(6.0)
    assert mu.loc["x2", "value"] == 0.0
    assert mu.loc["x1", "noise_low"] == pytest.approx(6.0)
    assert mu.loc["x1", "noise_high"] == pytest.approx(6.0)
    assert mu.loc["x1", "noise_level"] == pytest.approx(0.0, abs=1e-9)
    sigma = table[table["index"] == "sigma"].set_index("factor")
    assert sigma.loc["x1", "value"] == pytest.approx(0.0, abs=1e-9)  # linear: no spread
    ranking = factor_ranking(table, "y")
    assert list(ranking["factor"]) == ["x1", "x2"]
    assert list(ranking["clear_of_noise"]) == [True, False]


def test_morris_with_independent_noise_puts_a_pure_noise_factor_below_the_noise_level():
    """Without common random numbers (independent noise at every point) a factor with no
    effect still gets a positive μ*, but no more than the noise level says noise gives."""
    problem = _problem([[0.0, 1.0], [0.0, 1.0]])
    x = salib_sample("morris", problem, trajectories=10, levels=4, samples=None, seed=4)
    rng = np.random.default_rng(5)
    y = 2 * x[:, [0]] + rng.normal(0, 0.5, size=(len(x), 20))
    table = sensitivity_table("morris", problem, x, {"y": y}, bootstrap=50, seed=6)
    ranking = factor_ranking(table, "y").set_index("factor")
    assert ranking.loc["x2", "value"] > 0
    assert not ranking.loc["x2", "clear_of_noise"]
    assert ranking.loc["x1", "clear_of_noise"]


def _ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return (np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2
            + b * x[:, 2] ** 4 * np.sin(x[:, 0]))


ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_sobol_on_ishigami_agrees_with_the_known_indices_within_their_intervals():
    """Ishigami (a = 7, b = 0.1) through the same sampling and analysis code: the
    first-order and total indices are known in closed form (Ishigami & Homma 1990)."""
    problem = _problem([[-np.pi, np.pi]] * 3)
    x = salib_sample("sobol", problem, trajectories=None, levels=4, samples=1024, seed=7)
    y = _ishigami(x)[:, None]
    table = sensitivity_table("sobol", problem, x, {"y": y}, seed=8)
    for index, truth in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
        part = table[table["index"] == index].set_index("factor")
        for factor, known in truth.items():
            low, high = part.loc[factor, "low"], part.loc[factor, "high"]
            assert low <= known <= high, (index, factor, low, known, high)
    ranking = factor_ranking(table, "y")
    assert list(ranking["factor"]) == ["x1", "x2", "x3"]
    x3 = ranking.set_index("factor").loc["x3"]
    assert x3["interaction"] > 0.2  # acts only with x1: total >> first order


def test_noise_share_of_point_means():
    # two points, replications 0/2 and 10/12: within variance 2, / n = 1; between 50
    matrix = np.array([[0.0, 2.0], [10.0, 12.0]])
    assert noise_share(matrix) == pytest.approx(1 / 50)
    assert noise_share(np.array([[1.0, 3.0], [1.0, 3.0]])) == 1.0  # all noise
    assert noise_share(np.ones((3, 1))) == 0.0  # one replication


def test_outcome_range_takes_the_mean_at_each_end():
    points = pd.DataFrame({"variant": list("abcd"), "f": [0.0, 0.0, 1.0, 1.0]})
    means = pd.DataFrame({"variant": list("abcd"), "y": [1.0, 3.0, 10.0, 12.0]})
    spans = outcome_range(points, means, ["f"], "y")
    row = spans.iloc[0]
    assert (row["at_low"], row["at_high"], row["span"], row["mean"]) == (2.0, 11.0, 9.0, 6.5)


def test_replication_outcomes_by_hand():
    """Two replications of a 731-day run from 2024-01-01: one closes on day 400 (closed by
    end 2025, day 730, not by end 2024, day 365), one never (the horizon, 731 days)."""
    kpis = pd.DataFrame({
        "variant": ["p", "p", "p", "p"], "replication": [0, 0, 1, 1],
        "component": ["all", "ecu", "all", "ecu"], "closed": [True, True, False, False],
        "close_day": [400.0, 300.0, np.nan, np.nan],
        "cumulative_shortfall_value": [5.0, 5.0, 7.0, 7.0], "npv": [1.0, 1.0, 2.0, 2.0]})
    yearly = pd.DataFrame({
        "variant": ["p"] * 4, "replication": [0, 0, 1, 1], "year": [2024, 2025] * 2,
        "component": ["all"] * 4, "gap": [10.0, 10.0, 10.0, 10.0],
        "served_sharing": [1.0, 3.0, 0.0, 0.0], "served_procurement": [0.0, 2.0, 1.0, 1.0],
        "served_investment": [0.0, 0.0, 0.0, 0.0]})
    outcomes = ["closed_by_2024", "closed_by_end", "restricted_mean_months",
                "restricted_mean_months[ecu]", "share_served_sharing",
                "share_served_procurement", "cumulative_shortfall_value", "npv"]
    per = replication_outcomes(kpis, yearly, outcomes, 731, dt.date(2024, 1, 1))
    month = 365.25 / 12
    assert per["closed_by_2024"].tolist() == [0.0, 0.0]
    assert per["closed_by_end"].tolist() == [1.0, 0.0]
    assert per["restricted_mean_months"].tolist() == pytest.approx([400 / month, 731 / month])
    assert per["restricted_mean_months[ecu]"].tolist() == pytest.approx(
        [300 / month, 731 / month])
    assert per["share_served_sharing"].tolist() == pytest.approx([0.2, 0.0])
    assert per["share_served_procurement"].tolist() == pytest.approx([0.1, 0.1])
    means = point_means(per)
    assert means.loc[0, "closed_by_end"] == 0.5
    assert means.loc[0, "cumulative_shortfall_value"] == 6.0
    assert means.loc[0, "npv"] == 1.5


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_an_outcome_that_never_changes_gets_zero_indices_without_warnings(method):
    import warnings

    problem = _problem([[0.0, 1.0], [0.0, 1.0]])
    x = salib_sample(method, problem, trajectories=4, levels=4, samples=8, seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = sensitivity_table(method, problem, x, {"y": np.ones((len(x), 3))},
                                  bootstrap=5)
    assert (table["value"] == 0).all() and (table["noise_share"] == 0).all()


def test_sobol_noise_level_separates_a_pure_noise_factor_from_a_real_one():
    """y = x1 + independent noise: x1's total index stands clear of its noise level, a
    factor with no effect does not (its total index comes from the noise alone)."""
    problem = _problem([[0.0, 1.0], [0.0, 1.0]])
    x = salib_sample("sobol", problem, trajectories=None, levels=4, samples=128, seed=10)
    rng = np.random.default_rng(11)
    y = x[:, [0]] + rng.normal(0, 0.3, size=(len(x), 10))
    table = sensitivity_table("sobol", problem, x, {"y": y}, bootstrap=40, seed=12)
    ranking = factor_ranking(table, "y").set_index("factor")
    assert ranking.loc["x1", "clear_of_noise"]
    assert not ranking.loc["x2", "clear_of_noise"]
    assert ranking.loc["x2", "noise_level"] > 0


def test_grouped_factors_read_in_words_and_named_ones_as_written():
    from simulator.analysis.labels import factor_words

    assert factor_words("stages.investment.projects[*].build_days") == "new plants' build times"
    assert factor_words("components[*].import_share_shift") == "component groups' import shares"
    assert factor_words("Chinese CNC slots") == "Chinese CNC slots"
    assert factor_words("stages.procurement.suppliers[cn_cnc].slots") == \
        "stages.procurement.suppliers[cn_cnc].slots"
