"""The scenario schema: one pydantic model per mapping of a scenario file.

Field names are SPEC.md's (see docs/design/internal-contracts.md §2); each field's
description gives its unit, and `docs/reference/scenario-schema.md` is generated from
them (`python -m simulator.scenario.reference`). Unknown fields are refused everywhere.
Defaults that depend on other fields are filled in here too: line ids (`<plant>#<n>`),
tranche ids (the date, `#2`, `#3` for repeats), stage `start` (= `scenario.start`), and a
stage with `enabled: false` becomes None. Checks that relate several fields live in
`checks.py`; the estimate of a replication's work in `workload.py`.

Bounds that no real plant, market or budget comes near (`limits.py`) are part of the
fields: rates, money, durations, review and failure intervals, replications. Ids may hold
no control character, other text (names, units, `description`, `source`) only tabs and
line breaks: a bell or NUL in a name would pass here and break the spreadsheet report
long after the simulating.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    SerializationInfo,
    TypeAdapter,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simulator import policies
from simulator.distributions import Distribution, DistributionError, fixed, parse_distribution
from simulator.scenario.errors import describe_value, pydantic_message
from simulator.scenario.limits import (
    MAX_DAYS,
    MAX_DISCOUNT_RATE,
    MAX_FACTOR,
    MAX_MIXTURE_DEPTH,
    MAX_MONEY,
    MAX_REPLICATIONS,
    MAX_RUN_DAYS,
    MAX_TOOLING_ORDERS,
    MAX_UNITS_PER_VEHICLE,
    MAX_UNITS_PER_YEAR,
    MIN_DISCOUNT_RATE,
    MIN_MTBF_DAYS,
    MIN_REVIEW_DAYS,
    MIN_UNITS_PER_VEHICLE,
    explain,
)

STAGE_NAMES = ("sharing", "procurement", "investment")
DEFAULT_END = dt.date(2030, 12, 31)
NOTE_KEYS = ("source", "confidence")

# --------------------------------------------------------------------------- value types


def _error(message: str) -> PydanticCustomError:
    """A validation error whose message is `message`, verbatim."""
    return PydanticCustomError("scenario", "{message}", {"message": message})


_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})\s*")
_LOOSE_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")


def to_date(value: Any) -> dt.date:
    """A `datetime.date` from a YAML date or an ISO `YYYY-MM-DD` string.

    `2024-1-1` is refused, with the ISO spelling suggested: SPEC.md writes dates ISO, and
    one date spelled two ways in a `{date: value}` mapping must be seen as one.
    """
    if isinstance(value, dt.datetime):
        raise _error(f"expected a date (YYYY-MM-DD) without a time, got {value}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return _calendar_date(value)
    if isinstance(value, str) and _LOOSE_DATE.fullmatch(value):
        day = _calendar_date(value)
        raise _error(f"write dates as YYYY-MM-DD (ISO): {day.isoformat()}, not {value!r}")
    raise _error(f"expected a date (YYYY-MM-DD), got {describe_value(value)}")


def _calendar_date(text: str) -> dt.date:
    try:
        year, month, day = (int(x) for x in text.strip().split("-"))
        return dt.date(year, month, day)
    except ValueError as err:
        raise _error(f"{text!r} is not a valid date ({err})") from None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL, C1
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # but tab, LF, CR


def _no_control(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    """A check refusing text with a character `pattern` matches (C0/C1 controls)."""
    def check(text: str) -> str:
        found = pattern.search(text)
        if found:
            raise _error(f"control character U+{ord(found.group()):04X} at position "
                         f"{found.start() + 1} of {describe_value(text)}: {what}")
        return text

    return check


check_id = _no_control(_CONTROL, "an id is one line of printable text")
check_text = _no_control(_CONTROL_IN_TEXT, "text may hold tabs and line breaks, no other "
                         "control character")


def id_text(value: Any) -> Any:
    """An id as text: numbers and dates written as ids are taken as their text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, dt.date)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return value


def _limits(**bounds: str) -> dict[str, Any]:
    """Field metadata naming the `limits.py` constant behind each bound (`ge="MIN_..."`),
    so that a refusal can give the limit's reason (`limit_note`)."""
    return {"limits": bounds}


Day = Annotated[dt.date, BeforeValidator(to_date)]
Text = Annotated[str, AfterValidator(check_text)]
Ref = Annotated[str, AfterValidator(check_id)]  # an id written to refer to another item
Id = Annotated[str, BeforeValidator(id_text), Field(min_length=1), AfterValidator(check_id)]
Money = Annotated[float, Field(ge=0, le=MAX_MONEY, strict=True,
                               json_schema_extra=_limits(le="MAX_MONEY"))]
Rate = Annotated[float, Field(ge=0, le=MAX_UNITS_PER_YEAR, strict=True,
                              json_schema_extra=_limits(le="MAX_UNITS_PER_YEAR"))]
Fraction = Annotated[float, Field(ge=0, le=1, strict=True)]


@dataclass(frozen=True)
class DistributionSpec:
    """Marks a field that takes a distribution; `unit` is what its samples measure and
    `limit` the largest size of a parameter (`limits.py`)."""

    unit: str
    limit: float
    limit_name: str
    nonnegative: bool = True


def _validate_distribution(spec: DistributionSpec) -> Callable[[Any], Distribution]:
    def validate(raw: Any) -> Distribution:
        if isinstance(raw, dict):
            _check_notes(raw)
        _check_parameters(raw, spec)
        try:
            dist = parse_distribution(raw)
            mean = dist.mean()
        except DistributionError as err:
            raise _error(str(err)) from None
        except ArithmeticError as err:  # e.g. weights of 1e308, whose sum overflows
            raise _error(f"cannot be computed with ({err}): a parameter or weight is too "
                         "large or too small") from None
        if not abs(mean) <= spec.limit:  # a lognormal's mean outgrows its parameters
            raise _error(f"has a mean of {mean:g} {spec.unit}, beyond {spec.limit:g} "
                         f"(limit {explain(spec.limit_name)})")
        if spec.nonnegative:
            form = dist.to_dict()
            if isinstance(form, (int, float)) and form < 0:
                raise _error(f"must be >= 0, got {form:g}")
            if mean < 0:
                raise _error(f"cannot be negative on average (mean {mean:g} {spec.unit})")
        return dist

    return validate


_NOT_PARAMETERS = frozenset({"dist", "weight", *NOTE_KEYS})


def _check_parameters(raw: Any, spec: DistributionSpec) -> None:
    """Refuse a parameter larger than `spec.limit` and mixtures nested deeper than
    MAX_MIXTURE_DEPTH; walked with a stack, so that no nesting exhausts Python's."""
    todo: list[tuple[Any, str, int]] = [(raw, "", 0)]
    while todo:
        value, where, depth = todo.pop()
        if isinstance(value, dict):
            if value.get("dist") == "mixture":
                depth += 1
                if depth > MAX_MIXTURE_DEPTH:
                    raise _error(f"mixtures nested more than {MAX_MIXTURE_DEPTH} deep, at "
                                 f"{where.rstrip('.')} (limit {explain('MAX_MIXTURE_DEPTH')})")
            todo += [(v, f"{where}{k}.", depth) for k, v in value.items()
                     if k not in _NOT_PARAMETERS]
        elif isinstance(value, list):
            todo += [(v, f"{where.rstrip('.')}[{i}].", depth) for i, v in enumerate(value)]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if abs(value) > spec.limit:
                name = where.rstrip(".")
                raise _error(f"{name + ' ' if name else ''}must be at most {spec.limit:g} "
                             f"{spec.unit} in size, got {describe_value(value)} "
                             f"(limit {explain(spec.limit_name)})")


def _check_notes(raw: dict[str, Any]) -> None:
    if "source" in raw and raw["source"] is not None and not isinstance(raw["source"], str):
        raise _error(f"source must be text, got {raw['source']!r}")
    if isinstance(raw.get("source"), str):
        check_text(raw["source"])
    if raw.get("confidence") not in (None, "H", "M", "L"):
        raise _error(f"confidence must be one of 'H', 'M', 'L', got {raw['confidence']!r}")


def _dump_distribution(dist: Any) -> Any:
    return None if dist is None else dist.to_dict()


_DAYS = DistributionSpec("days", MAX_DAYS, "MAX_DAYS")
_PER_YEAR = DistributionSpec("units/year", MAX_UNITS_PER_YEAR, "MAX_UNITS_PER_YEAR")
_FACTOR = DistributionSpec("factor", MAX_FACTOR, "MAX_FACTOR")
_PRICE = DistributionSpec("currency/unit", MAX_MONEY, "MAX_MONEY")
Days = Annotated[Distribution, _DAYS, PlainValidator(_validate_distribution(_DAYS)),
                 PlainSerializer(_dump_distribution)]
PerYear = Annotated[Distribution, _PER_YEAR, PlainValidator(_validate_distribution(_PER_YEAR)),
                    PlainSerializer(_dump_distribution)]
Factor = Annotated[Distribution, _FACTOR, PlainValidator(_validate_distribution(_FACTOR)),
                   PlainSerializer(_dump_distribution)]
_CHANGE = DistributionSpec("share per year", MAX_FACTOR, "MAX_FACTOR", nonnegative=False)
_SHIFT = DistributionSpec("share", MAX_FACTOR, "MAX_FACTOR", nonnegative=False)
Change = Annotated[Distribution, _CHANGE, PlainValidator(_validate_distribution(_CHANGE)),
                   PlainSerializer(_dump_distribution)]
Shift = Annotated[Distribution, _SHIFT, PlainValidator(_validate_distribution(_SHIFT)),
                  PlainSerializer(_dump_distribution)]
Price = Annotated[Distribution, _PRICE, PlainValidator(_validate_distribution(_PRICE)),
                  PlainSerializer(_dump_distribution)]


def _policy(kind: str) -> AfterValidator:
    def check(name: str) -> str:
        known = policies.registered(kind)
        if name not in known:
            what = kind.replace("_", " ") + ("" if kind.endswith("policy") else " policy")
            raise _error(f"unknown {what} {name!r}; registered: {', '.join(known)}")
        return name

    return AfterValidator(check)


# --------------------------------------------------------------------------- base model


class Node(BaseModel):
    """A mapping of a scenario file: unknown fields refused, `source`/`confidence` allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    source: Text | None = Field(None, description="Where the figures come from (free text; "
                                "shown in reports' assumption tables)")
    confidence: Literal["H", "M", "L"] | None = Field(
        None, description="Confidence in the figures: H (high), M (medium) or L (low)")
    # source/confidence written inside distribution mappings, by field name
    _notes: dict[str, dict[str, str]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_distribution_notes(cls, data: Any, handler: Any) -> Any:
        model = handler(data)
        if isinstance(data, dict):
            notes = {
                name: {k: data[name][k] for k in NOTE_KEYS if data[name].get(k) is not None}
                for name in distribution_fields(cls)
                if isinstance(data.get(name), dict)
            }
            model._notes = {k: v for k, v in notes.items() if v}
        return model

    @model_serializer(mode="wrap")
    def _dump(self, handler: Any) -> Any:
        out = handler(self)
        for name, notes in self._notes.items():
            form = out.get(name)
            if isinstance(form, dict):
                out[name] = {**form, **notes}
            elif isinstance(form, (int, float)):
                out[name] = {"dist": "fixed", "value": form, **notes}
        for key in NOTE_KEYS:  # notes read best after the figures
            if key in out:
                out[key] = out.pop(key)
        return out


def distribution_fields(model: type[BaseModel]) -> list[str]:
    """Names of the fields of `model` that take a distribution."""
    return [name for name, info in model.model_fields.items()
            if distribution_spec(info) is not None]


def distribution_spec(info: Any) -> DistributionSpec | None:
    """The DistributionSpec of a field (FieldInfo), if it takes a distribution."""
    for meta in info.metadata:
        if isinstance(meta, DistributionSpec):
            return meta
    for arg in get_args(info.annotation):  # X | None
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(meta, DistributionSpec):
                return meta
    return None


# --------------------------------------------------------------------------- the models


def _none_is_empty(value: Any) -> Any:
    """`null` written for a `{date: value}` mapping means no points (a variant clearing
    what the file it extends gave)."""
    return {} if value is None else value


class Regime(Node):
    """`scenario.demand_process.regimes[]` — a market regime and its yearly growth."""

    id: Id = Field(description="Unique regime id")
    growth: Change = Field(description=(
        "Relative change of the market level in a year spent in this regime, one draw per "
        "year (share per year; -0.2 = a 20% fall; clipped at -1)"))


class DemandProcess(Node):
    """`scenario.demand_process` — a yearly random market level multiplying demand
    (docs/background/model.md, "A market that moves")."""

    kind: Literal["log_random_walk", "regimes"] = Field(description=(
        "log_random_walk: the log level changes by normal(drift, volatility) a year; "
        "regimes: a Markov chain of regimes, each with its growth distribution"))
    start_year: int = Field(ge=1900, le=2200, strict=True, description=(
        "First calendar year whose level is drawn; the level is 1 at mid-year of the year "
        "before (year)"))
    drift: float | None = Field(None, ge=-10, le=10, strict=True, description=(
        "log_random_walk: mean yearly change of the log level (per year; default 0)"))
    volatility: float | None = Field(None, ge=0, le=10, strict=True, description=(
        "log_random_walk: standard deviation of the yearly change of the log level (per "
        "year)"))
    regimes: list[Regime] | None = Field(None, min_length=1, description=(
        "regimes: the regimes, each with its yearly growth distribution"))
    transitions: dict[Ref, dict[Ref, Fraction]] | None = Field(None, description=(
        "regimes: {from: {to: probability}}, each row summing to 1; a missing entry is 0"))
    initial: Ref | None = Field(None, description=(
        "regimes: the regime of the year before start_year (default the first listed)"))

    @model_validator(mode="after")
    def _check_kind(self) -> DemandProcess:
        problems = (check_random_walk(self) if self.kind == "log_random_walk"
                    else check_regimes(self))
        if problems:
            raise _error("; ".join(problems))
        return self


def check_random_walk(p: DemandProcess) -> list[str]:
    """A log random walk needs its volatility and takes no regime fields."""
    problems = [f"{name} belongs to kind regimes, not log_random_walk"
                for name in ("regimes", "transitions", "initial")
                if getattr(p, name) is not None]
    if p.volatility is None:
        problems.append("kind log_random_walk needs volatility (0 for a fixed path)")
    return problems


def check_regimes(p: DemandProcess) -> list[str]:
    """Regimes need unique ids, known names in the transitions, rows summing to 1."""
    problems = [f"{name} belongs to kind log_random_walk, not regimes"
                for name in ("drift", "volatility") if getattr(p, name) is not None]
    if not p.regimes or p.transitions is None:
        return problems + ["kind regimes needs regimes and transitions"]
    ids = [r.id for r in p.regimes]
    if len(set(ids)) < len(ids):
        problems.append(f"regime ids must be unique, got {', '.join(ids)}")
    for name in [p.initial, *p.transitions, *(k for row in p.transitions.values() for k in row)]:
        if name is not None and name not in ids:
            problems.append(f"unknown regime {name!r}; regimes are {', '.join(ids)}")
    for r in ids:
        total = sum(p.transitions.get(r, {}).values())
        if abs(total - 1.0) > 1e-9:
            problems.append(f"transitions from {r!r} sum to {total:g}, not 1")
    return problems


class Meta(Node):
    """`scenario:` — the run as a whole."""

    name: Text = Field(description="Scenario name (used for the results folder)")
    description: Text | None = Field(None, description="Free text about the scenario")
    start: Day = Field(description="First day of the run, t = 0 (date)")
    end: Day = Field(DEFAULT_END, description="Last day of the run, inclusive (date; after start)")
    seed: int = Field(0, ge=0, strict=True, description="Seed of all random draws")
    replications: int = Field(100, ge=1, le=MAX_REPLICATIONS, strict=True,
                              description="Number of Monte Carlo replications",
                              json_schema_extra=_limits(le="MAX_REPLICATIONS"))
    currency: Text = Field("", description="Currency label of all money fields (e.g. RUB)")
    price_year: int | None = Field(None, strict=True,
                                   description="Year whose prices the money fields are in")
    close_threshold: float = Field(0.05, ge=0, lt=1, strict=True, description=(
        "A component is closed while its shortfall ratio is at most this (share of demand, "
        "or of the initial gap: close_relative_to)"))
    close_relative_to: Literal["demand", "initial_gap"] = Field("demand", description=(
        "What the shortfall ratio is a share of: demand (SPEC §6), or the future's gap on "
        "day 0"))
    close_threshold_neighbours: list[float] | None = Field(
        None, min_length=2, max_length=2, description=(
            "The lower and the higher threshold the headline is also shown under; default "
            "the nearest of 1%, 2%, 5%, 10%, 20%, 50% below and above close_threshold"))
    close_hold_days: int = Field(90, ge=1, le=MAX_RUN_DAYS, strict=True,
                                 description="Days the ratio must stay closed to count (days)",
                                 json_schema_extra=_limits(le="MAX_RUN_DAYS"))
    close_smoothing_days: int = Field(1, ge=1, le=MAX_RUN_DAYS, strict=True, description=(
        "Trailing window over which the shortfall ratio is smoothed (days; 1 = daily)"),
        json_schema_extra=_limits(le="MAX_RUN_DAYS"))
    discount_rate: float = Field(
        0.0, ge=MIN_DISCOUNT_RATE, le=MAX_DISCOUNT_RATE, strict=True,
        description=("Discount rate of the KPI `npv`, gross value served less capex (per "
                     "year; 0 = undiscounted); the economic NPV uses "
                     "economics.real_discount_rate"),
        json_schema_extra=_limits(ge="MIN_DISCOUNT_RATE", le="MAX_DISCOUNT_RATE"))
    demand_factor: Factor | None = Field(None, description=(
        "Market-wide demand multiplier, one draw per replication shared by all components "
        "(factor)"))
    demand_process: DemandProcess | None = Field(None, description=(
        "A yearly random market level multiplying every component's demand (optional; "
        "docs/background/model.md)"))


class Component(Node):
    """`components[]` — a group of components with its demand and domestic supply."""

    id: Id = Field(description="Unique component id")
    name: Text = Field(description="Display name")
    unit: Text = Field("units", description="Unit the component is counted in (e.g. pcs)")
    unit_value: Money = Field(description="Value of one unit (currency/unit)")
    units_per_vehicle: float | None = Field(
        None, ge=MIN_UNITS_PER_VEHICLE, strict=True, description=(
            "Units per vehicle; links the component to vehicle output (units/vehicle)"),
        json_schema_extra=_limits(ge="MIN_UNITS_PER_VEHICLE"))
    demand: dict[Day, Rate] = Field(min_length=1, description=(
        "Demand as {date: value} points, interpolated linearly, flat outside (units/year)"),
        json_schema_extra=_limits(le="MAX_UNITS_PER_YEAR"))
    domestic_supply: Annotated[dict[Day, Rate], BeforeValidator(_none_is_empty)] = Field(
        default_factory=dict, description=(
        "Domestic supply already reaching buyers, {date: value} points (units/year); null "
        "= none, so that a variant can switch to import_share"),
        json_schema_extra=_limits(le="MAX_UNITS_PER_YEAR"))
    demand_factor: Factor | None = Field(None, description=(
        "Demand multiplier for this component, one draw per replication (factor)"))
    import_share: dict[Day, Fraction] | None = Field(None, description=(
        "Share of demand that is imported, {date: value} points, interpolated linearly, "
        "flat outside (0-1); domestic supply = demand x (1 - share); instead of "
        "domestic_supply"))
    import_share_shift: Shift | None = Field(None, description=(
        "Added to every import_share point, one draw per replication; the sum is clipped "
        "to [0, 1] (share)"))

    @model_validator(mode="after")
    def _one_supply_form(self) -> Component:
        if self.import_share is not None and self.domestic_supply:
            raise _error("give domestic_supply or import_share, not both")
        if self.import_share_shift is not None and self.import_share is None:
            raise _error("import_share_shift needs import_share")
        if self.import_share is not None and not self.import_share:
            raise _error("import_share needs at least one {date: share} point")
        return self
    qualification_days: Days | None = Field(None, description=(
        "Overrides the sharing stage's qualification_days for this component "
        "(days)"))
    qualification_failure_probability: float = Field(0.0, ge=0, lt=1, strict=True,
                                                     description=(
        "Probability that one qualification attempt of shared capacity or of a new plant "
        "fails (0-1)"))
    qualification_retry_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "From a failed qualification attempt to the next attempt's result (days)"))
    qualification_attempts: int = Field(3, ge=1, le=100, strict=True, description=(
        "Attempts before offered capacity is given up as never qualified"))
    import_price: Price | None = Field(None, description=(
        "What one imported unit costs the buyers, at scenario.price_year prices; drawn "
        "once per replication (currency/unit; with domestic_unit_cost and economics)"))
    domestic_unit_cost: Price | None = Field(None, description=(
        "Operating cost of one unit made at home by the stages' capacity, capex excluded, "
        "at scenario.price_year prices; drawn once per replication (currency/unit)"))


class Line(Node):
    """`plants[].lines[]` — a production line making one component."""

    id: Id = Field(description="Unique line id in the scenario", json_schema_extra={
        "default_text": "`<plant id>#<index>` (index from 0 within the plant)"})
    component: Ref = Field(description="Id of the component the line makes")
    capacity: Rate = Field(description="Output at full availability (units/year)")
    committed: PerYear = Field(default_factory=lambda: fixed(0.0), description=(
        "Output already sold to existing customers, drawn once per replication and capped "
        "at capacity (units/year)"))
    mtbf_days: float | None = Field(
        None, ge=MIN_MTBF_DAYS, le=MAX_DAYS, strict=True, description=(
            "Mean up-time between failures, exponential; omitted = never fails (days; at "
            "least 1/24, an hour)"),
        json_schema_extra=_limits(ge="MIN_MTBF_DAYS", le="MAX_DAYS"))
    repair_days: Days = Field(default_factory=lambda: fixed(0.0),
                              description="Time to repair after a failure (days)")
    machine_capacity: Rate = Field(0.0, description=(
        "Capacity one added machine gives (units/year; > 0 when max_machines > 0)"))
    machine_cost: Money = Field(0.0, description="Cost of one added machine (currency)")
    max_machines: int = Field(0, ge=0, strict=True,
                              description="Machines that can be added in stage 2 (count)")


class Plant(Node):
    """`plants[]` — a plant and its lines."""

    id: Id = Field(description="Unique plant id")
    name: Text = Field(description="Display name")
    country: Text = Field("", description="Country code (e.g. BY, RU)")
    lines: list[Line] = Field(default_factory=list, description="The plant's lines")

    @model_validator(mode="before")
    @classmethod
    def _default_line_ids(cls, data: Any) -> Any:
        return default_line_ids(data)


class Tranche(Node):
    """`stages.*.tranches[]` — money released into a stage's budget."""

    id: Id = Field(description="Unique tranche id in its stage", json_schema_extra={
        "default_text": "the date; repeats get `#2`, `#3`"})
    date: Day = Field(description="Date the tranche is due (date; not after scenario.end)")
    amount: Money = Field(description="Money released (currency)")
    delay_days: Days = Field(default_factory=lambda: fixed(0.0),
                             description="Delay of payment after date (days)")
    probability: Fraction = Field(1.0, description="Probability that it is paid at all (0-1)")


class Supplier(Node):
    """`stages.procurement.suppliers[]` — a machine-tool supplier."""

    id: Id = Field(description="Unique supplier id")
    name: Text | None = Field(None, description="Display name")
    slots: int = Field(ge=1, strict=True, description="Orders built at the same time (count)")
    lead_time_days: Days = Field(description="Time to build one machine (days)")
    shipping_days: Days = Field(default_factory=lambda: fixed(0.0),
                                description="Time to ship a built machine (days)")
    block_probability: float = Field(0.0, ge=0, lt=1, strict=True, description=(
        "Probability that an order is blocked at placement, e.g. export controls (0-1, < 1)"))
    reorder_delay_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "Delay before a blocked order is placed again (days)"))
    supplier_class: Id | None = Field(None, description=(
        "Class of machine tools it makes, matched by a project's tooling `supplier_class` "
        "(omitted: it takes only tooling orders of no class)"))


class Tooling(Node):
    """`stages.investment.projects[].tooling[]` — machine tools a new plant orders through the
    machine-tool suppliers of stage 2 (issue 10, item 1)."""

    orders: int | None = Field(None, ge=1, le=MAX_TOOLING_ORDERS, strict=True, description=(
        "Supplier orders (a machine, cell or small line each, one slot each; count; or give "
        "capex_share and order_cost)"),
        json_schema_extra=_limits(le="MAX_TOOLING_ORDERS"))
    capex_share: float | None = Field(None, gt=0, le=1, strict=True, description=(
        "Share of the project's capex spent on these tools (0-1, with order_cost): orders = "
        "ceil(capex x capex_share / order_cost)"))
    order_cost: float | None = Field(None, gt=0, le=MAX_MONEY, strict=True, description=(
        "Cost of one order, to turn capex_share into orders (currency)"),
        json_schema_extra=_limits(le="MAX_MONEY"))
    supplier_class: Id | None = Field(None, description=(
        "Only suppliers of this class build these orders (omitted: suppliers of no class)"))
    installation_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "Installation of each order after delivery (days)"))

    @model_validator(mode="after")
    def _one_quantity(self) -> Tooling:
        by_share = self.capex_share is not None or self.order_cost is not None
        if self.orders is not None and by_share:
            raise ValueError("give either orders, or capex_share with order_cost, not both")
        if self.orders is None and (self.capex_share is None or self.order_cost is None):
            raise ValueError("needs orders, or both capex_share and order_cost")
        return self

    def order_count(self, capex: float) -> int:
        """Orders this item places for a project of `capex`."""
        if self.orders is not None:
            return int(self.orders)
        assert self.capex_share is not None and self.order_cost is not None
        return max(1, math.ceil(capex * float(self.capex_share) / float(self.order_cost)
                                - 1e-9))


class Project(Node):
    """`stages.investment.projects[]` — a candidate new line or plant."""

    id: Id = Field(description="Unique project id")
    name: Text | None = Field(None, description="Display name")
    component: Ref = Field(description="Id of the component the project makes")
    capacity: float = Field(gt=0, le=MAX_UNITS_PER_YEAR, strict=True,
                            description="Nameplate capacity (units/year)",
                            json_schema_extra=_limits(le="MAX_UNITS_PER_YEAR"))
    capex: Money = Field(description="Total investment (currency)")
    upfront_share: Fraction = Field(0.0, description="Share of capex paid at the start (0-1)")
    preparation_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "Design and permits before building; no money drawn (days)"))
    build_days: Days = Field(description="Building time, clipped at 1 (days)")
    ramp_up_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "Linear ramp to capacity after building (days)"))
    earliest_start: Day | None = Field(None, description=(
        "No start before this (date within the run; default the stage start)"))
    progress_at_start: Fraction = Field(0.0, description=(
        "Share of the build (and capex) done before the run; > 0 starts at t = 0 (0-1)"))
    tooling: list[Tooling] = Field(default_factory=list, description=(
        "Machine tools ordered through stage 2's suppliers when building begins; the plant "
        "produces only once they are installed (empty: none needed)"))
    tooling_start_share: float = Field(1.0, gt=0, le=1, strict=True, description=(
        "Share of the tooling orders installed before the finished plant starts producing; "
        "below 1 it produces in proportion to the orders installed (0-1)"))

    def tooling_orders(self) -> int:
        """All the supplier orders of its tooling."""
        return sum(t.order_count(float(self.capex)) for t in self.tooling)


class Stage(Node):
    """What every stage has: a switch and a start date."""

    enabled: bool = Field(True, exclude=True, strict=True, description=(
        "false: the stage does nothing (its fields are still checked for unknown names)"))
    start: Day = Field(description="Stage start (date within the run)",
                       json_schema_extra={"default_text": "`scenario.start`"})


class FundedStage(Stage):
    """A stage with its own money: a budget at the start, tranches and periodic reviews."""

    budget: Money = Field(0.0, description="Money available at the stage start (currency)")
    tranches: list[Tranche] = Field(default_factory=list, description="Further money")
    review_days: float = Field(90.0, ge=MIN_REVIEW_DAYS, le=MAX_DAYS, strict=True,
                               description="Time between reviews (days)",
                               json_schema_extra=_limits(ge="MIN_REVIEW_DAYS", le="MAX_DAYS"))

    @model_validator(mode="before")
    @classmethod
    def _default_tranche_ids(cls, data: Any) -> Any:
        return default_tranche_ids(data)


class Sharing(Stage):
    """`stages.sharing` — stage 1: pool existing spare capacity."""

    share: Fraction = Field(description="Share of each line's spare capacity offered (0-1)")
    qualification_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "Time until an offer is usable, per line (days)"))
    ramp_up_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "Linear ramp of an offer to full rate, per line (days)"))


class Procurement(FundedStage):
    """`stages.procurement` — stage 2: order machines for lines with room to expand."""

    tranches: list[Tranche] = Field(default_factory=list,
                                    description="Further money, e.g. yearly credit lines")
    review_days: float = Field(90.0, ge=MIN_REVIEW_DAYS, le=MAX_DAYS, strict=True,
                               description="Time between order reviews (days)",
                               json_schema_extra=_limits(ge="MIN_REVIEW_DAYS", le="MAX_DAYS"))
    approval_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "Delay from a review's decision to the order's placement (days)"))
    installation_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "Installation after delivery (days)"))
    ramp_up_days: Days = Field(default_factory=lambda: fixed(0.0), description=(
        "Linear ramp of an installed machine to machine_capacity (days)"))
    target_offset_days: float | None = Field(
        None, ge=0, le=MAX_DAYS, strict=True, description=(
            "Review target = review time + this; default the mean total lead time (days)"),
        json_schema_extra=_limits(le="MAX_DAYS"))
    suppliers: list[Supplier] = Field(min_length=1, description="Machine-tool suppliers (>= 1)")
    order_quantity: Annotated[str, _policy("order_quantity")] = Field(
        "full_gap", description="Rule for how much capacity a review orders for a component "
        "(registered order_quantity policy)")
    adjustment_fraction: float = Field(1.0, gt=0, le=1, strict=True, description=(
        "Share of the net gap a review corrects (anchoring_and_adjustment)"))
    supply_line_weight: float = Field(1.0, ge=0, le=1, strict=True, description=(
        "Weight of the capacity on its way in the net gap (anchoring_and_adjustment)"))
    ordering: Annotated[str, _policy("ordering")] = Field(
        "lowest_cost_per_capacity", description="Rule choosing the line that gets the next "
        "machine (registered ordering policy)")
    supplier_choice: Annotated[str, _policy("supplier_choice")] = Field(
        "earliest_delivery", description="Rule choosing an order's supplier "
        "(registered supplier_choice policy)")


class Investment(FundedStage):
    """`stages.investment` — stage 3: a programme of new lines and plants paid by tranches."""

    tranches: list[Tranche] = Field(default_factory=list,
                                    description="Money released into the programme")
    review_days: float = Field(90.0, ge=MIN_REVIEW_DAYS, le=MAX_DAYS, strict=True,
                               description="Time between start decisions (days)",
                               json_schema_extra=_limits(ge="MIN_REVIEW_DAYS", le="MAX_DAYS"))
    policy: Annotated[str, _policy("project_policy")] = Field(
        "largest_gap_first", description="Order in which candidates are started "
        "(registered project_policy)")
    projects: list[Project] = Field(default_factory=list, description="Candidate projects")


def _number_or_points(number: Any) -> PlainValidator:
    """A number or `{date: number}` points, each checked as `number`; a problem is reported
    at the field, naming the date (one message, not one per form tried)."""
    single = TypeAdapter(number)

    def check(raw: Any, day: str = "") -> float:
        try:
            return float(single.validate_python(raw))
        except ValidationError as err:
            message = pydantic_message(err.errors()[0])
            raise _error(f"on {day}: {message}" if day else message) from None

    def validate(raw: Any) -> Any:
        if not isinstance(raw, dict):
            return check(raw)
        if not raw:
            raise _error("give a number or at least one {date: value} point")
        days = [to_date(key) for key in raw]
        return {day: check(value, day.isoformat())
                for day, value in zip(days, raw.values(), strict=True)}

    return PlainValidator(validate)


def _dump_points(value: Any, info: SerializationInfo) -> Any:
    if isinstance(value, dict) and info.mode == "json":
        return {day.isoformat(): x for day, x in value.items()}
    return value


_POINTS_DUMP = PlainSerializer(_dump_points, return_type=Any)
ShareOrPoints = Annotated[float | dict[dt.date, float], _number_or_points(Fraction), _POINTS_DUMP]
RateOrPoints = Annotated[float | dict[dt.date, float], _number_or_points(Rate), _POINTS_DUMP]
UnitsPerVehicle = Annotated[float, Field(ge=0, le=MAX_UNITS_PER_VEHICLE, strict=True,
                                         json_schema_extra=_limits(le="MAX_UNITS_PER_VEHICLE"))]


class VehicleFamily(Node):
    """`vehicle_families[]` — a kind of vehicle with its own parts list (assembly view).

    Its output is given as a `share` of all vehicles or as `vehicles_per_year` (every
    family the same way); the components' supply is split among the families in
    proportion to their demand for it (docs/background/model.md, "Vehicle families")."""

    id: Id = Field(description="Unique family id (not `all`)")
    name: Text = Field(description="Display name")
    share: ShareOrPoints | None = Field(None, description=(
        "Share of vehicle output, a number or {date: value} points interpolated linearly, "
        "flat outside; the families' shares sum to 1 (0-1)"))
    vehicles_per_year: RateOrPoints | None = Field(None, description=(
        "Vehicle output of the family, a number or {date: value} points; only the mix "
        "matters (vehicles/year)"))
    units_per_vehicle: dict[Ref, UnitsPerVehicle] = Field(min_length=1, description=(
        "Units of each component one vehicle of the family needs, by component id; 0 or "
        "omitted: not needed (units/vehicle)"))


STAGE_MODELS: dict[str, type[Node]] = {
    "sharing": Sharing, "procurement": Procurement, "investment": Investment}


class Stages(Node):
    """`stages:` — each stage optional; omitted or `enabled: false` means None."""

    sharing: Sharing | None = Field(None, description="Stage 1 (optional)")
    procurement: Procurement | None = Field(None, description="Stage 2 (optional)")
    investment: Investment | None = Field(None, description="Stage 3 (optional)")

    @model_validator(mode="before")
    @classmethod
    def _drop_disabled(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {k: None if k in STAGE_NAMES and is_disabled(v) else v for k, v in data.items()}


class Economics(Node):
    """`economics:` — how the economic value of import substitution is measured."""

    real_discount_rate: float = Field(
        ge=MIN_DISCOUNT_RATE, le=MAX_DISCOUNT_RATE, strict=True, description=(
            "Real discount rate of the economic NPV, IRR comparisons and discounted "
            "payback (per year)"),
        json_schema_extra=_limits(ge="MIN_DISCOUNT_RATE", le="MAX_DISCOUNT_RATE"))
    money_terms: Literal["real", "nominal"] = Field("real", description=(
        "What the stages' money (budgets, tranches, machine_cost, capex) is given in: "
        "real (scenario.price_year prices) or nominal (prices of the day it is spent, "
        "deflated by price_index)"))
    price_index: dict[int, float] = Field(default_factory=dict, description=(
        "Price level per calendar year, {year: index} (any base; > 0); needed for nominal "
        "money: every year of the run and scenario.price_year"))

    @model_validator(mode="after")
    def _positive_index(self) -> Economics:
        bad = {y: v for y, v in self.price_index.items() if not v > 0}
        if bad:
            year, value = next(iter(bad.items()))
            raise _error(f"price_index values must be > 0, got {value!r} for {year}")
        return self


class Scenario(Node):
    """A whole scenario file, resolved (`extends` applied, defaults filled in)."""

    scenario: Meta = Field(description="The run as a whole")
    components: list[Component] = Field(min_length=1, description="Component groups (>= 1)")
    plants: list[Plant] = Field(default_factory=list, description="Plants and their lines")
    stages: Stages = Field(default_factory=lambda: Stages.model_validate({}),
                           description="The three stages")
    vehicle_families: list[VehicleFamily] | None = Field(None, description=(
        "Kinds of vehicle for the assembly view, each with its own units per vehicle; "
        "omitted: one family, the components' units_per_vehicle"))
    economics: Economics | None = Field(None, description=(
        "Economic value of import substitution (optional; with import_price and "
        "domestic_unit_cost on every component)"))

    _source_file: str | None = PrivateAttr(None)
    _source_hash: str = PrivateAttr("")
    _stage2_off: Procurement | None = PrivateAttr(None)  # see `tooling_market`

    @model_validator(mode="before")
    @classmethod
    def _default_stage_starts(cls, data: Any) -> Any:
        return default_stage_starts(data)

    def __eq__(self, other: object) -> bool:
        """Equal content; where it was read from does not matter."""
        return type(other) is type(self) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    @property
    def source_file(self) -> str | None:
        """The file it was loaded from (None when loaded from text)."""
        return self._source_file

    @property
    def source_hash(self) -> str:
        """sha256 (hex) of the bytes of every file read, `extends` chain included, in order."""
        return self._source_hash

    @property
    def n_days(self) -> int:
        """Days in the run, `end` included."""
        return (self.scenario.end - self.scenario.start).days + 1

    def day(self, d: dt.date) -> float:
        """Days from `scenario.start` to `d`."""
        return float((d - self.scenario.start).days)

    def enabled_stages(self) -> tuple[str, ...]:
        """The stages this scenario enables, in the announced order."""
        return tuple(n for n in STAGE_NAMES if getattr(self.stages, n) is not None)

    def with_stages(self, names: Iterable[str]) -> Scenario:
        """The same scenario with only the named stages (as configured) enabled."""
        names = set(names)
        unknown = names - set(STAGE_NAMES)
        if unknown:
            raise ValueError(f"unknown stage(s) {', '.join(sorted(unknown))}; "
                             f"stages are {', '.join(STAGE_NAMES)}")
        update = {n: getattr(self.stages, n) if n in names else None for n in STAGE_NAMES}
        copy = self.model_copy(update={"stages": self.stages.model_copy(update=update)})
        copy._stage2_off = None if "procurement" in names else self.tooling_market()
        return copy

    def tooling_market(self) -> Procurement | None:
        """Where new plants order their tooling: stage 2's suppliers and supplier choice.
        A stage set without stage 2 keeps them (its reviews and money are off; the machine-
        tool market is not), so switching stage 2 off only removes its own orders."""
        return self.stages.procurement if self.stages.procurement is not None \
            else self._stage2_off

    def resolved_dict(self) -> dict[str, Any]:
        """Plain YAML-able dict of the resolved scenario (dates as ISO text)."""
        return self.model_dump(mode="json", exclude_none=True)


# --------------------------------------------------------------------------- defaults


def is_disabled(raw: Any) -> bool:
    """Whether a stage's raw value means "off": omitted, null or `enabled: false`."""
    if raw is None:
        return True
    if isinstance(raw, dict) and "enabled" in raw:
        # only a real boolean counts; anything else is left to the schema, which refuses it
        return raw["enabled"] is False
    return False


def default_line_ids(plant: Any) -> Any:
    """`plant` with each line lacking an `id` given `<plant id>#<index>`."""
    if not isinstance(plant, dict) or not isinstance(plant.get("lines"), list):
        return plant
    pid = id_text(plant.get("id"))
    lines = [
        {**line, "id": f"{pid}#{i}"} if isinstance(line, dict) and line.get("id") is None else line
        for i, line in enumerate(plant["lines"])
    ]
    return {**plant, "lines": lines}


def default_tranche_ids(stage: Any) -> Any:
    """`stage` with each tranche lacking an `id` named by its date (`#2`, `#3` for repeats)."""
    if not isinstance(stage, dict) or not isinstance(stage.get("tranches"), list):
        return stage
    seen: dict[str, int] = {}
    tranches = []
    for i, tranche in enumerate(stage["tranches"]):
        if isinstance(tranche, dict) and tranche.get("id") is None:
            date = tranche.get("date")
            base = id_text(date) if isinstance(date, (str, dt.date)) else f"#{i}"
            seen[base] = seen.get(base, 0) + 1
            tranche = {**tranche, "id": base if seen[base] == 1 else f"{base}#{seen[base]}"}
        tranches.append(tranche)
    return {**stage, "tranches": tranches}


def default_stage_starts(root: Any) -> Any:
    """`root` with each enabled stage lacking `start` given `scenario.start`."""
    if not isinstance(root, dict) or not isinstance(root.get("stages"), dict):
        return root
    meta = root.get("scenario")
    start = meta.get("start") if isinstance(meta, dict) else None
    stages = dict(root["stages"])
    for name in STAGE_NAMES:
        stage = stages.get(name)
        if isinstance(stage, dict) and stage.get("start") is None and start is not None:
            stages[name] = {**stage, "start": start}
    return {**root, "stages": stages}


def fill_defaults(root: Any) -> Any:
    """The raw scenario with every context default applied (as validation applies them)."""
    root = default_stage_starts(root)
    if not isinstance(root, dict):
        return root
    out = dict(root)
    if isinstance(out.get("plants"), list):
        out["plants"] = [default_line_ids(p) for p in out["plants"]]
    if isinstance(out.get("stages"), dict):
        stages = {k: None if k in STAGE_NAMES and is_disabled(v) else v
                  for k, v in out["stages"].items()}
        for name in ("procurement", "investment"):
            stages[name] = default_tranche_ids(stages.get(name))
        out["stages"] = stages
    return out


# --------------------------------------------------------------------------- introspection


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as `list[Line]` or `Sharing | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union) or type(annotation).__name__ == "UnionType":
        for arg in get_args(annotation):
            found = model_in(arg)
            if found is not None:
                return found
    return None


def fields_at(loc: tuple[Any, ...], model: type[BaseModel] | None = None) -> list[str]:
    """Field names allowed in the mapping at `loc` (list indices skipped); [] if unknown."""
    model = model or Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        found = model_in(info.annotation) if info is not None else None
        if found is None:
            return []
        model = found
    return list(model.model_fields)


def limit_note(loc: tuple[Any, ...], kind: str) -> str | None:
    """The `limits.py` constant and reason behind a bound error (`kind` as pydantic's:
    `less_than_equal`, ...) of the field at `loc`, if the bound is such a limit."""
    model: type[BaseModel] | None = Scenario
    info = None
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        found = model.model_fields.get(str(part))
        if found is None:
            break  # a key inside a field's value (a date in `demand`): the field's limits
        info, model = found, model_in(found.annotation)
    extra = info.json_schema_extra if info is not None else None
    limits = extra.get("limits", {}) if isinstance(extra, dict) else {}
    side = "le" if kind.startswith("less") else "ge"
    name = limits.get(side) if isinstance(limits, dict) else None
    return explain(str(name)) if name else None
