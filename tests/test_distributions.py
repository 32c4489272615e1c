"""Tests of simulator.distributions: inverse CDFs against scipy, closed-form means against
theory and seeded Monte Carlo, hand-computed mixture and empirical cases, invariants
(monotone, finite, round trip) by hypothesis, and the error messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulator.distributions import (
    Z90,
    Distribution,
    DistributionError,
    Empirical,
    Exponential,
    Fixed,
    Lognormal,
    Mixture,
    Normal,
    Pert,
    Triangular,
    Uniform,
    fixed,
    parse_distribution,
    sample_many,
)

U = np.array([0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999])
U_OPEN = U[1:]  # without 0, where unbounded families have an infinite quantile
ONE_BELOW = math.nextafter(1.0, 0.0)


def check_ppf(dist: Distribution, frozen: object, us: np.ndarray = U) -> None:
    """Scalar and vectorised inverse CDF both match scipy's ppf at `us`."""
    expected = frozen.ppf(us)  # type: ignore[attr-defined]
    scalar = np.array([dist.sample(float(u)) for u in us])
    np.testing.assert_allclose(scalar, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(sample_many(dist, us), scalar, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- inverse CDF


def test_z90_is_the_normal_90th_percentile() -> None:
    assert Z90 == pytest.approx(stats.norm.ppf(0.9), rel=1e-15)


def test_uniform_ppf() -> None:
    check_ppf(parse_distribution({"dist": "uniform", "min": 10, "max": 30}),
              stats.uniform(loc=10, scale=20))


@pytest.mark.parametrize("lo,mode,hi", [(540, 990, 1440), (0, 0, 5), (0, 5, 5), (-3, 1, 2)])
def test_triangular_ppf(lo: float, mode: float, hi: float) -> None:
    dist = parse_distribution({"dist": "triangular", "min": lo, "mode": mode, "max": hi})
    check_ppf(dist, stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo))


@pytest.mark.parametrize("lo,mode,hi", [(540, 990, 1440), (0, 0, 5), (0, 5, 5), (10, 11, 40)])
def test_pert_ppf(lo: float, mode: float, hi: float) -> None:
    dist = parse_distribution({"dist": "pert", "min": lo, "mode": mode, "max": hi})
    w = hi - lo
    beta = stats.beta(1 + 4 * (mode - lo) / w, 1 + 4 * (hi - mode) / w, loc=lo, scale=w)
    check_ppf(dist, beta)


def test_lognormal_ppf_hits_median_and_p90() -> None:
    dist = parse_distribution({"dist": "lognormal", "median": 180, "p90": 400})
    sigma = math.log(400 / 180) / stats.norm.ppf(0.9)
    check_ppf(dist, stats.lognorm(s=sigma, scale=180))
    assert dist.sample(0.5) == pytest.approx(180, rel=1e-12)
    assert dist.sample(0.9) == pytest.approx(400, rel=1e-12)


def test_exponential_ppf() -> None:
    check_ppf(parse_distribution({"dist": "exponential", "mean": 30}), stats.expon(scale=30))


def test_normal_untruncated_ppf() -> None:
    check_ppf(parse_distribution({"dist": "normal", "mean": 100, "sd": 15}),
              stats.norm(100, 15), U_OPEN)


@pytest.mark.parametrize(
    "lo,hi",
    [(0, None), (None, 120), (80, 130), (130, 160), (40, 70), (160, 200), (0, 400), (100, 100.5)],
)
def test_truncated_normal_ppf(lo: float | None, hi: float | None) -> None:
    mu, sd = 100.0, 15.0
    raw = {"dist": "normal", "mean": mu, "sd": sd}
    raw |= {} if lo is None else {"min": lo}
    raw |= {} if hi is None else {"max": hi}
    a = -np.inf if lo is None else (lo - mu) / sd
    b = np.inf if hi is None else (hi - mu) / sd
    us = U if lo is not None else U_OPEN
    check_ppf(parse_distribution(raw), stats.truncnorm(a, b, loc=mu, scale=sd), us)


def test_unbounded_families_stay_finite_at_the_ends() -> None:
    for raw in [
        {"dist": "exponential", "mean": 30},
        {"dist": "lognormal", "median": 180, "p90": 400},
        {"dist": "normal", "mean": 0, "sd": 1},
        {"dist": "normal", "mean": 0, "sd": 1, "min": 0},
        {"dist": "pert", "min": 0, "mode": 1, "max": 2},  # betaincinv is NaN at u ~ 1e-200
    ]:
        dist = parse_distribution(raw)
        ends = np.array([0.0, 1e-200, ONE_BELOW, 1.0])
        assert np.isfinite([dist.sample(u) for u in ends]).all(), raw
        assert np.isfinite(sample_many(dist, ends)).all(), raw


def test_degenerate_forms_return_their_point() -> None:
    cases = [
        ({"dist": "uniform", "min": 7, "max": 7}, 7),
        ({"dist": "triangular", "min": 7, "mode": 7, "max": 7}, 7),
        ({"dist": "pert", "min": 7, "mode": 7, "max": 7}, 7),
        ({"dist": "lognormal", "median": 7, "p90": 7}, 7),
        ({"dist": "normal", "mean": 7, "sd": 0}, 7),
        ({"dist": "normal", "mean": 0, "sd": 1, "min": 7, "max": 7}, 7),
        ({"dist": "normal", "mean": 0, "sd": 1, "min": 50, "max": 60}, 50),  # beyond ndtr
        ({"dist": "empirical", "values": [7]}, 7),
    ]
    for raw, point in cases:
        dist = parse_distribution(raw)
        assert [dist.sample(u) for u in (0.0, 0.5, ONE_BELOW)] == [point] * 3, raw
        assert sample_many(dist, U).tolist() == [point] * len(U), raw
        assert dist.mean() == pytest.approx(point), raw


# --------------------------------------------------------------------------- means

CLOSED_FORM_MEANS = [
    (3.5, 3.5),
    ({"dist": "uniform", "min": 10, "max": 30}, 20.0),
    ({"dist": "triangular", "min": 540, "mode": 990, "max": 1440}, 990.0),
    ({"dist": "triangular", "min": 0, "mode": 1, "max": 5}, 2.0),
    ({"dist": "pert", "min": 0, "mode": 1, "max": 5}, 1.5),
    ({"dist": "lognormal", "median": 180, "p90": 400},
     180 * math.exp(0.5 * (math.log(400 / 180) / stats.norm.ppf(0.9)) ** 2)),
    ({"dist": "exponential", "mean": 30}, 30.0),
    ({"dist": "normal", "mean": 100, "sd": 15}, 100.0),
    ({"dist": "normal", "mean": 0, "sd": 1, "min": 0}, math.sqrt(2 / math.pi)),
    ({"dist": "normal", "mean": 100, "sd": 15, "min": 80, "max": 130},
     stats.truncnorm.mean(-20 / 15, 2, loc=100, scale=15)),
    ({"dist": "normal", "mean": 100, "sd": 15, "min": 160, "max": 200},
     stats.truncnorm.mean(4, 100 / 15, loc=100, scale=15)),
    ({"dist": "empirical", "values": [3, 1, 2, 10]}, 4.0),
    ({"dist": "mixture", "parts": [
        {"weight": 1, "dist": "fixed", "value": 10},
        {"weight": 3, "dist": "uniform", "min": 0, "max": 4}]}, 0.25 * 10 + 0.75 * 2),
]


@pytest.mark.parametrize("raw,expected", CLOSED_FORM_MEANS)
def test_mean_matches_closed_form(raw: object, expected: float) -> None:
    assert parse_distribution(raw).mean() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("raw,expected", CLOSED_FORM_MEANS)
def test_mean_matches_seeded_monte_carlo(raw: object, expected: float) -> None:
    dist = parse_distribution(raw)
    x = sample_many(dist, np.random.default_rng(20240601).random(100_000))
    tolerance = 5 * x.std() / math.sqrt(x.size) + 1e-12 * abs(expected)
    assert abs(x.mean() - dist.mean()) <= tolerance


# --------------------------------------------------------------------------- hand cases


def test_mixture_picks_part_by_cumulative_weight() -> None:
    dist = parse_distribution({"dist": "mixture", "parts": [
        {"weight": 0.5, "dist": "fixed", "value": 1},
        {"weight": 0.5, "dist": "fixed", "value": 2}]})
    us = (0.0, 0.25, 0.4999, 0.5, 0.75, ONE_BELOW)
    assert [dist.sample(u) for u in us] == [1, 1, 1, 2, 2, 2]
    assert sample_many(dist, np.array([0.25, 0.5, 0.75])).tolist() == [1, 2, 2]


def test_mixture_rescales_u_into_the_part() -> None:
    # weights 2 and 6 normalise to 0.25 / 0.75: uniform[0, 4] covers u in [0, 0.25)
    dist = parse_distribution({"dist": "mixture", "parts": [
        {"weight": 2, "dist": "uniform", "min": 0, "max": 4},
        {"weight": 6, "dist": "uniform", "min": 10, "max": 20, "source": "expert"}]})
    us = np.array([0.0, 0.125, 0.2, 0.25, 0.625, 0.85])
    expected = [0.0, 2.0, 3.2, 10.0, 15.0, 18.0]
    assert [dist.sample(u) for u in us] == pytest.approx(expected, rel=1e-12)
    assert sample_many(dist, us) == pytest.approx(expected, rel=1e-12)


def test_nested_mixture_and_zero_weight_parts() -> None:
    inner = {"dist": "mixture", "parts": [
        {"weight": 1, "dist": "fixed", "value": 10},
        {"weight": 1, "dist": "uniform", "min": 20, "max": 30}]}
    dist = parse_distribution({"dist": "mixture", "parts": [
        {"weight": 0, "dist": "fixed", "value": -1},
        {"weight": 1, "dist": "fixed", "value": 1},
        {"weight": 1, **inner},
        {"weight": 0, "dist": "fixed", "value": -2}]})
    # outer: [0, .5) -> 1, [.5, 1) -> inner at v = 2u - 1;
    # inner: [0, .5) -> 10, [.5, 1) -> uniform[20, 30] at 2v - 1
    us = np.array([0.0, 0.3, 0.6, 0.8, 0.9, ONE_BELOW])
    expected = [1.0, 1.0, 10.0, 22.0, 26.0, 30.0]
    assert [dist.sample(u) for u in us] == pytest.approx(expected, rel=1e-9)
    assert sample_many(dist, us) == pytest.approx(expected, rel=1e-9)
    assert dist.mean() == pytest.approx(0.5 * 1 + 0.5 * (0.5 * 10 + 0.5 * 25))


def test_empirical_is_the_step_quantile_of_sorted_values() -> None:
    dist = parse_distribution({"dist": "empirical", "values": [30, 10, 20, 40]})
    us = np.array([0.0, 0.2499, 0.25, 0.5, 0.7499, 0.75, ONE_BELOW])
    expected = [10, 10, 20, 30, 30, 40, 40]
    assert [dist.sample(u) for u in us] == expected
    assert sample_many(dist, us).tolist() == expected
    assert dist.mean() == 25


# --------------------------------------------------------------------------- invariants

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-3, 1e4)
unit = st.floats(0.0, 1.0, exclude_max=True)


@st.composite
def ordered(draw: st.DrawFn, n: int) -> list[float]:
    return sorted(draw(st.lists(finite, min_size=n, max_size=n)))


@st.composite
def normals(draw: st.DrawFn) -> dict:
    mu, sd = draw(finite), draw(st.one_of(st.just(0.0), st.floats(1e-3, 1e3)))
    k = sorted(draw(st.lists(st.floats(-6, 6), min_size=2, max_size=2)))
    raw = {"dist": "normal", "mean": mu, "sd": sd}
    if draw(st.booleans()):
        raw["min"] = min(mu, mu + k[0] * sd) if sd == 0 else mu + k[0] * sd
    if draw(st.booleans()):
        raw["max"] = max(mu, mu + k[1] * sd) if sd == 0 else mu + k[1] * sd
    return raw


monotone_forms = st.one_of(
    finite,
    ordered(2).map(lambda v: {"dist": "uniform", "min": v[0], "max": v[1]}),
    ordered(3).map(lambda v: {"dist": "triangular", "min": v[0], "mode": v[1], "max": v[2]}),
    ordered(3).map(lambda v: {"dist": "pert", "min": v[0], "mode": v[1], "max": v[2]}),
    st.tuples(positive, st.floats(1, 10)).map(
        lambda t: {"dist": "lognormal", "median": t[0], "p90": t[0] * t[1]}),
    positive.map(lambda m: {"dist": "exponential", "mean": m}),
    normals(),
    st.lists(finite, min_size=1, max_size=8).map(lambda v: {"dist": "empirical", "values": v}),
)
all_forms = st.recursive(
    monotone_forms,
    lambda children: st.lists(
        st.tuples(st.floats(0, 10), children), min_size=1, max_size=4
    ).filter(lambda parts: sum(w for w, _ in parts) > 0).map(
        lambda parts: {"dist": "mixture", "parts": [
            {"weight": w, **(c if isinstance(c, dict) else {"dist": "fixed", "value": c})}
            for w, c in parts]}),
    max_leaves=6,
)


@settings(deadline=None, max_examples=120)
@given(monotone_forms, unit, unit)
def test_sample_is_monotone_in_u(raw: object, u1: float, u2: float) -> None:
    dist = parse_distribution(raw)
    lo, hi = sorted((u1, u2))
    a, b = dist.sample(lo), dist.sample(hi)
    assert a <= b + 1e-9 * (1 + abs(a) + abs(b))


@settings(deadline=None, max_examples=60)
@given(all_forms, st.lists(unit, min_size=1, max_size=10))
def test_samples_finite_and_vectorised_matches_scalar(raw: object, us: list[float]) -> None:
    dist = parse_distribution(raw)
    scalar = np.array([dist.sample(u) for u in us])
    assert np.isfinite(scalar).all()
    assert math.isfinite(dist.mean())
    np.testing.assert_allclose(sample_many(dist, np.array(us)), scalar, rtol=1e-9, atol=1e-9)


@settings(deadline=None, max_examples=60)
@given(all_forms)
def test_to_dict_round_trips(raw: object) -> None:
    dist = parse_distribution(raw)
    form = dist.to_dict()
    again = parse_distribution(form)
    assert again == dist
    assert again.to_dict() == form
    assert isinstance(dist, Distribution)


def test_to_dict_gives_floats_and_drops_metadata() -> None:
    dist = parse_distribution(
        {"dist": "triangular", "min": 1, "mode": 2, "max": 3, "source": "x", "confidence": "M"}
    )
    form = dist.to_dict()
    assert form == {"dist": "triangular", "min": 1.0, "mode": 2.0, "max": 3.0}
    assert all(type(v) is float for k, v in form.items() if k != "dist")
    assert parse_distribution(7).to_dict() == 7.0 and type(parse_distribution(7).to_dict()) is float
    assert parse_distribution({"dist": "fixed", "value": 7}) == fixed(7) == Fixed(7.0)
    mix = Mixture(weights=(1.0,), parts=(fixed(2),)).to_dict()
    assert mix == {"dist": "mixture", "parts": [{"weight": 1.0, "dist": "fixed", "value": 2.0}]}


def test_constructors_and_parse_agree() -> None:
    assert parse_distribution({"dist": "normal", "mean": 1, "sd": 2, "min": 0}) == Normal(1, 2, 0)
    assert parse_distribution({"dist": "exponential", "mean": 3}) == Exponential(3)
    assert parse_distribution({"dist": "lognormal", "median": 3, "p90": 4}) == Lognormal(3, 4)
    assert parse_distribution({"dist": "pert", "min": 1, "mode": 2, "max": 3}) == Pert(1, 2, 3)
    assert parse_distribution({"dist": "uniform", "min": 1, "max": 3}) == Uniform(1, 3)
    assert parse_distribution({"dist": "empirical", "values": [2, 1]}) == Empirical((1, 2))
    assert Triangular(1, 2, 3) == parse_distribution(Triangular(1, 2, 3))
    assert parse_distribution(np.float64(2.5)) == fixed(2.5)


# --------------------------------------------------------------------------- errors

TRI = {"dist": "triangular", "min": 1, "mode": 2, "max": 3}
ERRORS = [
    ({"dist": "lognormal", "median": 180, "p90": 90},
     "lognormal needs p90 >= median (got median=180, p90=90)"),
    ({"dist": "lognormal", "median": 0, "p90": 90}, "lognormal needs median > 0 (got median=0)"),
    ({"dist": "uniform", "min": 5, "max": 1}, "uniform needs min <= max (got min=5, max=1)"),
    ({"dist": "triangular", "min": 1, "mode": 5, "max": 3},
     "min <= mode <= max (got min=1, mode=5"),
    ({"dist": "pert", "min": 1, "mode": 0, "max": 3}, "pert needs min <= mode <= max"),
    ({"dist": "pert", "min": 4, "mode": 3, "max": 3}, "pert needs min <= max (got min=4, max=3)"),
    ({"dist": "normal", "mean": 0, "sd": -1}, "normal needs sd >= 0 (got sd=-1)"),
    ({"dist": "normal", "mean": 0, "sd": 1, "min": 2, "max": 1}, "normal needs min <= max"),
    ({"dist": "normal", "mean": 5, "sd": 0, "max": 1},
     "normal with sd=0 needs min <= mean <= max"),
    ({"dist": "exponential", "mean": 0}, "exponential needs mean > 0 (got mean=0)"),
    ({"dist": "exponential", "mean": -2.5}, "exponential needs mean > 0 (got mean=-2.5)"),
    ({"dist": "empirical", "values": []}, "empirical needs at least one value"),
    ({"dist": "empirical", "values": "1,2"}, "empirical: values must be a list of numbers"),
    ({"dist": "empirical", "values": [1, "x"]},
     "empirical: values[1] must be a number, got the string 'x'"),
    ({"dist": "mixture", "parts": []}, "mixture: parts must be a non-empty list"),
    ({"dist": "mixture", "parts": {"weight": 1}}, "mixture: parts must be a non-empty list"),
    ({"dist": "mixture", "parts": [{"weight": -1, **TRI}]},
     "mixture: parts[0].weight must be >= 0, got -1"),
    ({"dist": "mixture", "parts": [{"weight": 0, **TRI}, {"weight": 0, **TRI}]},
     "all weights are 0"),
    ({"dist": "mixture", "parts": [{"weight": "half", **TRI}]}, "parts[0].weight must be a number"),
    ({"dist": "mixture", "parts": [TRI]}, "mixture: parts[0] is missing key 'weight'"),
    ({"dist": "mixture", "parts": [{"weight": 1, **TRI}, 3]},
     "mixture: parts[1] must be a mapping"),
    ({"dist": "mixture", "parts": [{"weight": 1, **TRI}, {"weight": 1, **TRI, "mode": 9}]},
     "mixture parts[1]: triangular needs min <= mode <= max"),
    ({"dist": "mixture", "parts": [{"weight": 1, "min": 1}]},
     "mixture parts[0]: a distribution mapping needs a 'dist' key"),
    ({"dist": "uniform", "min": 1, "max": 2, "mode": 1.5}, "uniform: unknown key 'mode' = 1.5"),
    ({"dist": "triangular", "min": 1, "max": 2}, "triangular: missing key 'mode'"),
    ({"dist": "normal", "sd": 2}, "normal: missing key 'mean'"),
    ({"min": 1, "max": 2}, "a distribution mapping needs a 'dist' key (one of: fixed, uniform"),
    ({"dist": "gamma", "shape": 2}, "unknown distribution dist='gamma'"),
    ({"dist": "fixed", "value": "60e6"},
     "fixed: value must be a number, got the string '60e6' (write"),
    ({"dist": "fixed", "value": True}, "fixed: value must be a number, got the boolean True"),
    ({"dist": "uniform", "min": None, "max": 2},
     "uniform: min must be a number, got nothing (null)"),
    ({"dist": "uniform", "min": float("nan"), "max": 2}, "uniform: min must be a finite number"),
    ({"dist": "exponential", "mean": float("inf")}, "exponential: mean must be a finite number"),
    ("60e6", "must be a number or a mapping with a 'dist' key, got the string '60e6'"),
    (True, "got the boolean True"),
    (None, "got nothing (null)"),
    ([1, 2], "got list [1, 2]"),
]


@pytest.mark.parametrize("raw,message", ERRORS)
def test_malformed_forms_raise_distribution_error(raw: object, message: str) -> None:
    with pytest.raises(DistributionError) as info:
        parse_distribution(raw)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_constructors_validate_too() -> None:
    with pytest.raises(DistributionError, match="p90 >= median"):
        Lognormal(10, 5)
    with pytest.raises(DistributionError, match="one weight per part"):
        Mixture(weights=(1.0, 1.0), parts=(fixed(1),))
    with pytest.raises(DistributionError, match="value must be a number"):
        fixed("3")  # type: ignore[arg-type]
