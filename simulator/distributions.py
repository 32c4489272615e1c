"""Distributions of uncertain scenario inputs, each sampled by its inverse CDF.

A scenario writes an uncertain input (a lead time, a delay, a demand factor) as a bare
number or as a `{dist: ..., ...}` mapping in the forms experts give (median/p90,
min/mode/max); see SPEC.md sections 3 and 10. Every draw maps ONE uniform number u in
[0, 1) through the inverse CDF (a mixture picks its part with u and rescales the same u
into it), so changing a parameter changes the values drawn but never which uniform feeds
which draw: common random numbers stay aligned across scenarios. Samples are not clipped
here; callers clip (durations at 0, `build_days` at 1, factors at 0).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
from scipy import special

__all__ = [
    "Distribution",
    "DistributionError",
    "Empirical",
    "Exponential",
    "Fixed",
    "Lognormal",
    "Mixture",
    "Normal",
    "Pert",
    "Triangular",
    "Uniform",
    "fixed",
    "parse_distribution",
    "sample_many",
]

Z90 = 1.2815515655446004  # scipy.stats.norm.ppf(0.9), checked in the tests
_U_MIN = 1e-12  # guard for unbounded inverse CDFs: u is clipped to [_U_MIN, _U_MAX]
_U_MAX = 1.0 - 1e-12
_ONE_BELOW = math.nextafter(1.0, 0.0)  # largest float < 1: a rescaled u stays in [0, 1)
_META_KEYS = frozenset({"source", "confidence"})
_SQRT_2PI = math.sqrt(2.0 * math.pi)


class DistributionError(ValueError):
    """A distribution is malformed; the message names the offending key and value."""


@runtime_checkable
class Distribution(Protocol):
    """What the model needs of an uncertain input."""

    def sample(self, u: float) -> float:
        """Inverse CDF at one uniform `u` in [0, 1); not clipped."""
        ...

    def mean(self) -> float:
        """Closed-form mean (after truncation)."""
        ...

    def to_dict(self) -> dict[str, Any] | float:
        """The YAML form (a bare float for a fixed value)."""
        ...


# --------------------------------------------------------------------------- helpers


def _fmt(x: float) -> str:
    """A number as a reader wrote it: 180 rather than 180.0."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _describe(raw: object) -> str:
    """A non-number for an error message, with a hint for numbers written as strings."""
    if isinstance(raw, (bool, np.bool_)):
        return f"the boolean {raw}"
    if isinstance(raw, str):
        try:
            float(raw)
        except ValueError:
            return f"the string {raw!r}"
        return f"the string {raw!r} (write it as a number, unquoted)"
    if raw is None:
        return "nothing (null)"
    return f"{type(raw).__name__} {raw!r}"


def _is_number(raw: object) -> bool:
    return isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(
        raw, (bool, np.bool_)
    )


def _number(dist: str, key: str, raw: object) -> float:
    """`raw` as a finite float, or a DistributionError naming `dist` and `key`."""
    if not _is_number(raw):
        raise DistributionError(f"{dist}: {key} must be a number, got {_describe(raw)}")
    value = float(raw)  # type: ignore[arg-type]
    if not math.isfinite(value):
        raise DistributionError(f"{dist}: {key} must be a finite number, got {raw!r}")
    return value


def _set(obj: object, **values: Any) -> None:
    """Assign fields of a frozen dataclass (normalised inputs and precomputed constants)."""
    for name, value in values.items():
        object.__setattr__(obj, name, value)


def _check_order(dist: str, lo: float, hi: float) -> None:
    if lo > hi:
        raise DistributionError(f"{dist} needs min <= max (got min={_fmt(lo)}, max={_fmt(hi)})")


def _check_mode(dist: str, lo: float, mode: float, hi: float) -> None:
    _check_order(dist, lo, hi)
    if not lo <= mode <= hi:
        raise DistributionError(
            f"{dist} needs min <= mode <= max "
            f"(got min={_fmt(lo)}, mode={_fmt(mode)}, max={_fmt(hi)})"
        )


def _const(u: np.ndarray, value: float) -> np.ndarray:
    return np.full(np.shape(u), value, dtype=float)


def _phi(x: float) -> float:
    """Standard normal density; 0 at +-inf."""
    return math.exp(-0.5 * x * x) / _SQRT_2PI if math.isfinite(x) else 0.0


# --------------------------------------------------------------------------- families


@dataclass(frozen=True)
class Fixed:
    """A known value."""

    value: float
    name: ClassVar[str] = "fixed"

    def __post_init__(self) -> None:
        _set(self, value=_number("fixed", "value", self.value))

    def sample(self, u: float) -> float:
        return self.value

    def sample_many(self, u: np.ndarray) -> np.ndarray:
        return _const(u, self.value)

    def mean(self) -> float:
        return self.value

    def to_dict(self) -> float:
        return self.value


@dataclass(frozen=True)
class Uniform:
    """Uniform on [min, max]."""

    min: float
    max: float
    name: ClassVar[str] = "uniform"
    _width: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lo, hi = _number("uniform", "min", self.min), _number("uniform", "max", self.max)
        _check_order("uniform", lo, hi)
        _set(self, min=lo, max=hi, _width=hi - lo)

    def sample(self, u: float) -> float:
        return self.min + u * self._width

    def sample_many(self, u: np.ndarray) -> np.ndarray:
        return self.min + np.asarray(u, dtype=float) * self._width

    def mean(self) -> float:
        return 0.5 * (self.min + self.max)

    def to_dict(self) -> dict[str, Any]:
        return {"dist": "uniform", "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Triangular:
    """Triangular on [min, max] with its peak at mode."""

    min: float
    mode: float
    max: float
    name: ClassVar[str] = "triangular"
    _cut: float = field(init=False, repr=False, compare=False)  # CDF at the mode
    _left: float = field(init=False, repr=False, compare=False)
    _right: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lo = _number("triangular", "min", self.min)
        mode = _number("triangular", "mode", self.mode)
        hi = _number("triangular", "max", self.max)
        _check_mode("triangular", lo, mode, hi)
        width = hi - lo
        cut = (mode - lo) / width if width > 0 else 0.0
        _set(self, min=lo, mode=mode, max=hi, _cut=cut,
             _left=width * (mode - lo), _right=width * (hi - mode))

    def sample(self, u: float) -> float:
        if u < self._cut:
            return self.min + math.sqrt(u * self._left)
        return self.max - math.sqrt((1.0 - u) * self._right)

    def sample_many(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        left = self.min + np.sqrt(np.clip(u, 0.0, None) * self._left)
        right = self.max - np.sqrt(np.clip(1.0 - u, 0.0, None) * self._right)
        return np.where(u < self._cut, left, right)

    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3.0

    def to_dict(self) -> dict[str, Any]:
        return {"dist": "triangular", "min": self.min, "mode": self.mode, "max": self.max}


@dataclass(frozen=True)
class Pert:
    """PERT: a Beta(1 + 4(mode-min)/w, 1 + 4(max-mode)/w) scaled to [min, max], w = max-min."""

    min: float
    mode: float
    max: float
    name: ClassVar[str] = "pert"
    _alpha: float = field(init=False, repr=False, compare=False)
    _beta: float = field(init=False, repr=False, compare=False)
    _width: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lo = _number("pert", "min", self.min)
        mode = _number("pert", "mode", self.mode)
        hi = _number("pert", "max", self.max)
        _check_mode("pert", lo, mode, hi)
        width = hi - lo
        alpha = 1.0 + 4.0 * (mode - lo) / width if width > 0 else 1.0
        beta = 1.0 + 4.0 * (hi - mode) / width if width > 0 else 1.0
        _set(self, min=lo, mode=mode, max=hi, _alpha=alpha, _beta=beta, _width=width)

    def sample(self, u: float) -> float:
        if self._width == 0.0:
            return self.min
        x = float(special.betaincinv(self._alpha, self._beta, u))
        if x != x:  # betaincinv gives NaN for u below ~1e-100: use I_x(a, b) ~ x^a / (a B(a, b))
            scale = u * self._alpha * special.beta(self._alpha, self._beta)
            x = float(scale ** (1.0 / self._alpha))
        return self.min + self._width * x

    def sample_many(self, u: np.ndarray) -> np.ndarray:
        if self._width == 0.0:
            return _const(u, self.min)
        u = np.asarray(u, dtype=float)
        x = special.betaincinv(self._alpha, self._beta, u)
        tiny = np.isnan(x)
        if tiny.any():
            scale = self._alpha * special.beta(self._alpha, self._beta)
            x[tiny] = (u[tiny] * scale) ** (1.0 / self._alpha)
        return self.min + self._width * x

    def mean(self) -> float:
        return (self.min + 4.0 * self.mode + self.max) / 6.0

    def to_dict(self) -> dict[str, Any]:
        return {"dist": "pert", "min": self.min, "mode": self.mode, "max": self.max}


@dataclass(frozen=True)
class Lognormal:
    """Lognormal given its median and 90th percentile (p90 == median: always the median)."""

    median: float
    p90: float
    name: ClassVar[str] = "lognormal"
    _mu: float = field(init=False, repr=False, compare=False)
    _sigma: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        median = _number("lognormal", "median", self.median)
        p90 = _number("lognormal", "p90", self.p90)
        if median <= 0:
            raise DistributionError(f"lognormal needs median > 0 (got median={_fmt(median)})")
        if p90 < median:
            raise DistributionError(
                f"lognormal needs p90 >= median (got median={_fmt(median)}, p90={_fmt(p90)})"
            )
        mu = math.log(median)
        _set(self, median=median, p90=p90, _mu=mu, _sigma=(math.log(p90) - mu) / Z90)

    def sample(self, u: float) -> float:
        if self._sigma == 0.0:
            return self.median
        z = float(special.ndtri(u if u < _U_MAX else _U_MAX))
        return math.exp(self._mu + self._sigma * z)

    def sample_many(self, u: np.ndarray) -> np.ndarray:
        if self._sigma == 0.0:
            return _const(u, self.median)
        z = special.ndtri(np.minimum(np.asarray(u, dtype=float), _U_MAX))
        return np.exp(self._mu + self._sigma * z)

    def mean(self) -> float:
        return math.exp(self._mu + 0.5 * self._sigma**2)

    def to_dict(self) -> dict[str, Any]:
        return {"dist": "lognormal", "median": self.median, "p90": self.p90}


@dataclass(frozen=True)
class Exponential:
    """Exponential with the given mean (`scale`; written `mean` in YAML)."""

    scale: float
    name: ClassVar[str] = "exponential"

    def __post_init__(self) -> None:
        scale = _number("exponential", "mean", self.scale)
        if scale <= 0:
            raise DistributionError(f"exponential needs mean > 0 (got mean={_fmt(scale)})")
        _set(self, scale=scale)

    def sample(self, u: float) -> float:
        return -self.scale * math.log1p(-(u if u < _U_MAX else _U_MAX))

    def sample_many(self, u: np.ndarray) -> np.ndarray:
        return -self.scale * np.log1p(-np.minimum(np.asarray(u, dtype=float), _U_MAX))

    def mean(self) -> float:
        return self.scale

    def to_dict(self) -> dict[str, Any]:
        return {"dist": "exponential", "mean": self.scale}


@dataclass(frozen=True)
class Normal:
    """Normal(mu, sd), optionally truncated to [min, max] (`mu` is written `mean` in YAML).

    The truncated inverse CDF is mu + sd * ndtri(Phi(a) + u (Phi(b) - Phi(a))) with
    a, b the standardised bounds; a range above the mean is computed mirrored into the
    lower tail, where ndtr keeps its relative precision.
    """

    mu: float
    sd: float
    min: float | None = None
    max: float | None = None
    name: ClassVar[str] = "normal"
    _lo: float = field(init=False, repr=False, compare=False)  # bounds, +-inf if absent
    _hi: float = field(init=False, repr=False, compare=False)
    _point: float | None = field(init=False, repr=False, compare=False)  # degenerate value
    _sign: float = field(init=False, repr=False, compare=False)  # -1: computed mirrored
    _pa: float = field(init=False, repr=False, compare=False)  # Phi(a) in the computing frame
    _pz: float = field(init=False, repr=False, compare=False)  # Phi(b) - Phi(a)
    _mean: float = field(init=False, repr=False, compare=False)
    _umin: float = field(init=False, repr=False, compare=False)  # u guard, unbounded sides only
    _umax: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        mu, sd = _number("normal", "mean", self.mu), _number("normal", "sd", self.sd)
        lo = None if self.min is None else _number("normal", "min", self.min)
        hi = None if self.max is None else _number("normal", "max", self.max)
        if sd < 0:
            raise DistributionError(f"normal needs sd >= 0 (got sd={_fmt(sd)})")
        if lo is not None and hi is not None:
            _check_order("normal", lo, hi)
        _set(self, mu=mu, sd=sd, min=lo, max=hi,
             _lo=-math.inf if lo is None else lo, _hi=math.inf if hi is None else hi,
             _umin=_U_MIN if lo is None else 0.0, _umax=_U_MAX if hi is None else 1.0)
        self._precompute()

    def _precompute(self) -> None:
        mu, sd, lo, hi = self.mu, self.sd, self._lo, self._hi
        if sd == 0.0:
            if not lo <= mu <= hi:
                raise DistributionError(
                    f"normal with sd=0 needs min <= mean <= max (got mean={_fmt(mu)}, "
                    f"min={_fmt(lo)}, max={_fmt(hi)})"
                )
            _set(self, _point=mu, _sign=1.0, _pa=0.0, _pz=1.0, _mean=mu)
            return
        a, b, sign = (lo - mu) / sd, (hi - mu) / sd, 1.0
        if a > 0:  # the whole range lies above the mean: mirror it below
            a, b, sign = -b, -a, -1.0
        pa, pb = float(special.ndtr(a)), float(special.ndtr(b))
        pz = pb - pa
        if not pz > 0:  # range far out in a tail (or min == max): all mass at its near end
            near = hi if sign > 0 else lo
            _set(self, _point=near, _sign=sign, _pa=pa, _pz=1.0, _mean=near)
            return
        mean = mu + sign * sd * (_phi(a) - _phi(b)) / pz
        _set(self, _point=None, _sign=sign, _pa=pa, _pz=pz, _mean=mean)

    def sample(self, u: float) -> float:
        if self._point is not None:
            return self._point
        u = self._umin if u < self._umin else (self._umax if u > self._umax else u)
        if self._sign < 0:
            u = 1.0 - u
        x = self.mu + self._sign * self.sd * float(special.ndtri(self._pa + u * self._pz))
        return self._lo if x < self._lo else (self._hi if x > self._hi else x)

    def sample_many(self, u: np.ndarray) -> np.ndarray:
        if self._point is not None:
            return _const(u, self._point)
        u = np.clip(np.asarray(u, dtype=float), self._umin, self._umax)
        if self._sign < 0:
            u = 1.0 - u
        x = self.mu + self._sign * self.sd * special.ndtri(self._pa + u * self._pz)
        return np.clip(x, self._lo, self._hi)

    def mean(self) -> float:
        return self._mean

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dist": "normal", "mean": self.mu, "sd": self.sd}
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return out


@dataclass(frozen=True)
class Empirical:
    """Step quantile of observed values: sorted values[min(floor(u n), n - 1)]."""

    values: tuple[float, ...]
    name: ClassVar[str] = "empirical"
    _array: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        raw = self.values
        if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, (Sequence, np.ndarray)):
            raise DistributionError(
                f"empirical: values must be a list of numbers, got {_describe(raw)}"
            )
        if len(raw) == 0:
            raise DistributionError("empirical needs at least one value (got values=[])")
        values = tuple(sorted(_number("empirical", f"values[{i}]", v) for i, v in enumerate(raw)))
        _set(self, values=values, _array=np.array(values, dtype=float))

    def sample(self, u: float) -> float:
        n = len(self.values)
        i = int(u * n)
        return self.values[i if i < n else n - 1]

    def sample_many(self, u: np.ndarray) -> np.ndarray:
        n = len(self.values)
        i = np.floor(np.asarray(u, dtype=float) * n).astype(np.intp)
        return self._array[np.clip(i, 0, n - 1)]

    def mean(self) -> float:
        return math.fsum(self.values) / len(self.values)

    def to_dict(self) -> dict[str, Any]:
        return {"dist": "empirical", "values": list(self.values)}


@dataclass(frozen=True)
class Mixture:
    """Weighted mixture: u picks the part by cumulative weight, then is rescaled into it.

    Part i covers [lo_i, hi_i) of the normalised cumulative weights; it is the first part
    with hi_i > u, and it is sampled at (u - lo_i) / (hi_i - lo_i). Zero-weight parts are
    kept (for `to_dict`) but never chosen.
    """

    weights: tuple[float, ...]
    parts: tuple[Distribution, ...]
    name: ClassVar[str] = "mixture"
    _hi: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _lo: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _last: int = field(init=False, repr=False, compare=False)  # last part with weight > 0

    def __post_init__(self) -> None:
        weights = tuple(
            _number("mixture", f"parts[{i}].weight", w) for i, w in enumerate(self.weights)
        )
        parts = tuple(self.parts)
        if not parts or len(parts) != len(weights):
            raise DistributionError(
                f"mixture needs one weight per part and at least one part "
                f"(got {len(weights)} weights, {len(parts)} parts)"
            )
        for i, (w, part) in enumerate(zip(weights, parts, strict=True)):
            if w < 0:
                raise DistributionError(f"mixture: parts[{i}].weight must be >= 0, got {_fmt(w)}")
            if not isinstance(part, Distribution):
                raise DistributionError(f"mixture: parts[{i}] is not a distribution: {part!r}")
        total = math.fsum(weights)
        if total <= 0:
            raise DistributionError("mixture needs a positive weight (all weights are 0)")
        last = max(i for i, w in enumerate(weights) if w > 0)
        hi = [c / total for c in itertools.accumulate(weights)]
        hi[last:] = [1.0] * (len(hi) - last)
        _set(self, weights=weights, parts=parts, _hi=tuple(hi), _lo=(0.0, *hi[:-1]), _last=last)

    def sample(self, u: float) -> float:
        i = bisect.bisect_right(self._hi, u)
        if i > self._last:
            i = self._last
        lo = self._lo[i]
        v = (u - lo) / (self._hi[i] - lo)
        return self.parts[i].sample(v if v < _ONE_BELOW else _ONE_BELOW)

    def sample_many(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        hi, lo = np.array(self._hi), np.array(self._lo)
        idx = np.minimum(np.searchsorted(hi, u, side="right"), self._last)
        v = np.minimum((u - lo[idx]) / (hi[idx] - lo[idx]), _ONE_BELOW)
        out = np.empty(u.shape, dtype=float)
        for i in np.unique(idx):
            mask = idx == i
            out[mask] = sample_many(self.parts[i], v[mask])
        return out

    def mean(self) -> float:
        total = math.fsum(self.weights)
        pairs = zip(self.weights, self.parts, strict=True)
        return math.fsum(w * p.mean() for w, p in pairs) / total

    def to_dict(self) -> dict[str, Any]:
        return {
            "dist": "mixture",
            "parts": [{"weight": w, **_as_mapping(p)}
                      for w, p in zip(self.weights, self.parts, strict=True)],
        }


_FAMILIES = (Fixed, Uniform, Triangular, Pert, Lognormal, Exponential, Normal, Empirical, Mixture)


def _as_mapping(dist: Distribution) -> dict[str, Any]:
    """The mapping form of a distribution (a fixed value as `{dist: fixed, value: v}`)."""
    form = dist.to_dict()
    return form if isinstance(form, dict) else {"dist": "fixed", "value": float(form)}


# --------------------------------------------------------------------------- parsing


def _parse_parts(raw: object) -> Mixture:
    if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, Sequence) or not raw:
        raise DistributionError(
            "mixture: parts must be a non-empty list of {weight, dist, ...} mappings, "
            f"got {_describe(raw)}"
        )
    weights: list[object] = []
    parts: list[Distribution] = []
    for i, part in enumerate(raw):
        if not isinstance(part, Mapping):
            raise DistributionError(
                f"mixture: parts[{i}] must be a mapping {{weight, dist, ...}}, "
                f"got {_describe(part)}"
            )
        if "weight" not in part:
            raise DistributionError(f"mixture: parts[{i}] is missing key 'weight'")
        weights.append(part["weight"])
        try:
            parts.append(_parse_mapping({k: v for k, v in part.items() if k != "weight"}))
        except DistributionError as exc:
            raise DistributionError(f"mixture parts[{i}]: {exc}") from None
    return Mixture(weights=tuple(weights), parts=tuple(parts))  # type: ignore[arg-type]


# name -> (required keys, optional keys, builder from the checked parameters)
_Builder = Callable[[dict[str, Any]], Distribution]
_FORMS: dict[str, tuple[tuple[str, ...], tuple[str, ...], _Builder]] = {
    "fixed": (("value",), (), lambda p: Fixed(p["value"])),
    "uniform": (("min", "max"), (), lambda p: Uniform(p["min"], p["max"])),
    "triangular": (("min", "mode", "max"), (), lambda p: Triangular(p["min"], p["mode"], p["max"])),
    "pert": (("min", "mode", "max"), (), lambda p: Pert(p["min"], p["mode"], p["max"])),
    "lognormal": (("median", "p90"), (), lambda p: Lognormal(p["median"], p["p90"])),
    "exponential": (("mean",), (), lambda p: Exponential(p["mean"])),
    "normal": (
        ("mean", "sd"),
        ("min", "max"),
        lambda p: Normal(p["mean"], p["sd"], p.get("min"), p.get("max")),
    ),
    "empirical": (("values",), (), lambda p: Empirical(p["values"])),
    "mixture": (("parts",), (), lambda p: _parse_parts(p["parts"])),
}


def _parse_mapping(raw: Mapping[Any, Any]) -> Distribution:
    names = ", ".join(_FORMS)
    if "dist" not in raw:
        keys = ", ".join(map(str, raw)) or "none"
        raise DistributionError(
            f"a distribution mapping needs a 'dist' key (one of: {names}); got keys: {keys}"
        )
    name = raw["dist"]
    if not isinstance(name, str) or name not in _FORMS:
        raise DistributionError(f"unknown distribution dist={name!r} (known: {names})")
    required, optional, build = _FORMS[name]
    params = {k: v for k, v in raw.items() if k != "dist" and k not in _META_KEYS}
    for key in params:
        if key not in required and key not in optional:
            allowed = ", ".join((*required, *optional, *sorted(_META_KEYS)))
            raise DistributionError(
                f"{name}: unknown key {key!r} = {params[key]!r} (allowed: {allowed})"
            )
    for key in required:
        if key not in params:
            raise DistributionError(
                f"{name}: missing key {key!r} ({name} needs {', '.join(required)})"
            )
    return build(params)


def parse_distribution(raw: object) -> Distribution:
    """A distribution from its YAML form.

    Parameters
    ----------
    raw
        A bare int/float (a fixed value), a `{dist: <name>, ...}` mapping, or an
        already-parsed distribution (returned as is).

    Raises
    ------
    DistributionError
        If the form is malformed; the message names the offending key and value.
    """
    if isinstance(raw, _FAMILIES):
        return raw
    if _is_number(raw):
        return fixed(raw)  # type: ignore[arg-type]
    if isinstance(raw, Mapping):
        return _parse_mapping(raw)
    raise DistributionError(
        "a distribution must be a number or a mapping with a 'dist' key, "
        f"got {_describe(raw)}"
    )


def fixed(value: float) -> Distribution:
    """A distribution that always returns `value`."""
    return Fixed(value)


def sample_many(dist: Distribution, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of `dist` at each of the uniforms `u` (vectorised when `dist` can be)."""
    u = np.asarray(u, dtype=float)
    vectorised = getattr(dist, "sample_many", None)
    if vectorised is not None:
        return np.asarray(vectorised(u), dtype=float)
    return np.fromiter((dist.sample(float(x)) for x in u.ravel()), float, u.size).reshape(u.shape)
