"""Stage sets and Shapley values: efficiency, symmetry, the additive case, censoring."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.shapley import (
    shapley_by_replication,
    shapley_from_values,
    shapley_values,
)
from simulator.experiments.attribution import (
    STAGE_SETS_SEQUENTIAL,
    all_stage_subsets,
    stage_set,
    stage_set_name,
)

STAGES = ("sharing", "procurement", "investment")


def test_stage_set_names():
    assert list(STAGE_SETS_SEQUENTIAL) == [
        "sharing", "sharing+procurement", "sharing+procurement+investment"]
    assert STAGE_SETS_SEQUENTIAL["sharing+procurement"] == ("sharing", "procurement")
    subsets = all_stage_subsets()
    assert len(subsets) == 8
    assert list(subsets)[0] == "none" and subsets["none"] == ()
    assert "sharing+investment" in subsets and "procurement+investment" in subsets
    assert stage_set_name(["investment", "sharing"]) == "sharing+investment"
    assert stage_set("investment+sharing") == frozenset({"sharing", "investment"})
    assert stage_set("none") == frozenset()
    with pytest.raises(ValueError, match="unknown stage"):
        stage_set_name(["sharing", "magic"])


def game_table(value_of: dict[frozenset, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({stage_set_name(s): v for s, v in value_of.items()})


def test_three_player_game_by_hand():
    # v(S) = 6 if S contains sharing and procurement, 12 with all three, else 0
    def v(subset: frozenset) -> float:
        if len(subset) == 3:
            return 12.0
        return 6.0 if {"sharing", "procurement"} <= subset else 0.0

    values = game_table({frozenset(s): np.array([v(frozenset(s))])
                         for s in all_stage_subsets().values()})
    phi = shapley_from_values(values).iloc[0]
    # investment's marginal contribution: 6 only after {sharing, procurement}, weight 2!0!/3!
    assert phi["investment"] == pytest.approx(2.0)
    # sharing: 6 after {procurement} (weight 1/6), 12 after {procurement, investment} (1/3)
    assert phi["sharing"] == pytest.approx(6 / 6 + 12 / 3)
    assert phi["procurement"] == pytest.approx(phi["sharing"])
    assert phi.sum() == pytest.approx(12.0)


def test_efficiency_and_symmetry_on_a_random_symmetric_game():
    rng = np.random.default_rng(7)
    n = 50
    # sharing and procurement play identical roles: v depends on them only through count
    by_count = {(k, inv): rng.normal(size=n) for k in range(3) for inv in (False, True)}
    values = game_table({
        frozenset(s): by_count[(len({"sharing", "procurement"} & set(s)), "investment" in s)]
        - by_count[(0, False)]
        for s in all_stage_subsets().values()
    })
    phi = shapley_from_values(values)
    np.testing.assert_allclose(phi["sharing"], phi["procurement"], rtol=0, atol=1e-12)
    total = values["sharing+procurement+investment"] - values["none"]
    np.testing.assert_allclose(phi.sum(axis=1), total, rtol=1e-12, atol=1e-12)


def test_additive_game_gives_each_stage_its_own_effect():
    effects = {"sharing": 3.0, "procurement": 5.0, "investment": 11.0}
    values = game_table({frozenset(s): np.array([sum(effects[k] for k in s), 0.0])
                         for s in all_stage_subsets().values()})
    phi = shapley_from_values(values)
    for stage, effect in effects.items():
        assert phi[stage].iloc[0] == pytest.approx(effect)
        assert phi[stage].iloc[1] == 0.0


def test_missing_subset_is_refused():
    values = game_table({frozenset(s): np.array([1.0]) for s in
                         list(all_stage_subsets().values())[:-1]})
    with pytest.raises(ValueError, match="sharing\\+procurement\\+investment"):
        shapley_from_values(values)


def kpis_for(metric_of, n_reps: int = 6, rng=None) -> pd.DataFrame:
    """kpis rows for the eight subsets; `metric_of(subset, r)` -> (shortfall, close_day)."""
    rows = []
    for name, subset in all_stage_subsets().items():
        for r in range(n_reps):
            shortfall, day = metric_of(frozenset(subset), r)
            for component in ("ecu", "all"):
                rows.append({
                    "variant": name, "replication": r, "component": component,
                    "closed": day is not None,
                    "close_day": math.nan if day is None else float(day),
                    "cumulative_shortfall": math.nan if component == "all" else shortfall,
                    "cumulative_shortfall_value": 100.0 * shortfall,
                })
    return pd.DataFrame(rows)


def test_shapley_per_replication_is_efficient_and_averaged_with_a_t_interval():
    rng = np.random.default_rng(3)
    base = rng.uniform(50, 60, size=6)
    effect = {s: rng.uniform(1, 5, size=6) for s in STAGES}
    synergy = rng.uniform(0, 3, size=6)

    def metric(subset, r):
        value = base[r] - sum(effect[s][r] for s in subset)
        if {"procurement", "investment"} <= subset:
            value -= synergy[r]
        return value, None

    kpis = kpis_for(metric)
    per_rep = shapley_by_replication(kpis, n_days=1000)
    assert len(per_rep) == 12  # 6 replications × (ecu, all)
    np.testing.assert_allclose(per_rep[list(STAGES)].sum(axis=1), per_rep["total_reduction"],
                               rtol=1e-12)
    ecu = per_rep[per_rep["component"] == "ecu"].set_index("replication")
    np.testing.assert_allclose(ecu["sharing"], 100 * effect["sharing"], rtol=1e-12)
    np.testing.assert_allclose(ecu["investment"],
                               100 * (effect["investment"] + synergy / 2), rtol=1e-12)
    assert not per_rep["censored"].any()

    table = shapley_values(kpis, n_days=1000)
    assert list(table["component"].unique()) == ["ecu", "all"]
    assert list(table["stage"].unique()) == list(STAGES)
    row = table[(table["component"] == "all") & (table["stage"] == "procurement")].iloc[0]
    values = 100 * (effect["procurement"] + synergy / 2)
    half = 2.570581835636314 * values.std(ddof=1) / math.sqrt(6)  # t(0.975, 5)
    assert row["n_replications"] == 6
    assert row["shapley"] == pytest.approx(values.mean())
    assert row["ci_low"] == pytest.approx(values.mean() - half)
    assert row["ci_high"] == pytest.approx(values.mean() + half)
    shares = table[table["component"] == "all"]["share_of_total"]
    assert shares.sum() == pytest.approx(1.0)
    assert row["censored_share"] == 0.0
    units = shapley_values(kpis, n_days=1000, metric="cumulative_shortfall")
    assert list(units["component"].unique()) == ["ecu"]  # units do not add up across


def test_close_day_shapley_uses_the_end_for_never_closed_and_flags_it():
    # closes only with procurement: day 400 with it alone, 300 with investment as well
    def metric(subset, r):
        if "procurement" not in subset:
            return 1.0, None
        return 1.0, 300 if "investment" in subset else 400

    kpis = kpis_for(metric, n_reps=2)
    table = shapley_values(kpis, n_days=1000, metric="close_day")
    row = table[table["component"] == "ecu"].set_index("stage")
    # reductions against none (1000): procurement alone 600, with investment 700
    assert row.loc["sharing", "shapley"] == pytest.approx(0.0)
    assert row.loc["procurement", "shapley"] == pytest.approx(600 + 100 / 2)
    assert row.loc["investment", "shapley"] == pytest.approx(100 / 2)
    assert (row["censored_share"] == 1.0).all()
    assert (row["sd"] == 0).all() and (row["ci_low"] == row["shapley"]).all()


def test_permutation_definition_agrees():
    """The weighted-subset formula equals the average marginal contribution over the six
    orders in which the stages can be added."""
    rng = np.random.default_rng(11)
    raw = {frozenset(s): rng.normal() for s in all_stage_subsets().values()}
    phi = shapley_from_values(game_table({s: np.array([v]) for s, v in raw.items()})).iloc[0]
    for stage in STAGES:
        contributions = []
        for order in itertools.permutations(STAGES):
            before = frozenset(order[:order.index(stage)])
            contributions.append(raw[before | {stage}] - raw[before])
        assert phi[stage] == pytest.approx(np.mean(contributions), abs=1e-12)
