"""Parse and validate a simulation scenario into typed values; every error names its field."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.catalog.model import Plan, PlanPrice
from domain.pricing.coupons import Coupon, CouponDuration
from domain.pricing.model import Aggregation, Charge, ChargeModel, Meter, Tier
from domain.pricing.proration import ProrationUnit
from domain.pricing.totals import TaxRate, TaxRounding
from domain.shared.errors import ValidationFailed
from domain.shared.ids import PlanId
from domain.shared.money import Currency, Rounding
from domain.shared.periods import Interval, IntervalUnit
from domain.subscriptions.engine import ProrationBehavior, Refund, Timing

E = TypeVar("E")


class InvalidScenario(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class Event:
    index: int
    at: datetime
    type: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"events[{self.index}]"


@dataclass(frozen=True, slots=True)
class Scenario:
    currency: Currency
    tz: ZoneInfo
    proration: ProrationUnit
    rounding: Rounding
    tax_rounding: TaxRounding
    plans: dict[str, Plan]
    coupons: dict[str, Coupon]
    tax_rate: TaxRate | None
    events: tuple[Event, ...]
    until: datetime


# -- primitives ---------------------------------------------------------------------------------
def _obj(value: Any, path: str, allowed: set[str], required: Iterable[str] = ()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidScenario(path, "must be an object")
    for key in value:
        if key not in allowed:
            raise InvalidScenario(f"{path}.{key}" if path else key, "unknown field")
    for key in required:
        if key not in value:
            raise InvalidScenario(f"{path}.{key}" if path else key, "is required")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidScenario(path, "must be a list")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidScenario(path, "must be a non-empty string")
    return value


def _enum(value: Any, path: str, enum: Callable[[str], E], choices: list[str]) -> E:
    if not isinstance(value, str) or value not in choices:
        raise InvalidScenario(path, f"must be one of {', '.join(choices)}")
    return enum(value)


def _int(value: Any, path: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidScenario(path, "must be a whole number")
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise InvalidScenario(path, "must be a whole number")
        value = int(value)
    if value < minimum:
        raise InvalidScenario(path, f"must be at least {minimum}")
    return int(value)


def _decimal(value: Any, path: str, *, minimum: Decimal | None = Decimal(0)) -> Decimal:
    if isinstance(value, bool):
        raise InvalidScenario(path, "must be a decimal number")
    try:
        number = Decimal(value) if isinstance(value, str | int | Decimal) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidScenario(path, f"{value!r} is not a decimal number")
    if minimum is not None and number < minimum:
        raise InvalidScenario(path, f"must not be below {minimum}")
    return number


def _amount_minor(value: Any, path: str, currency: Currency) -> int:
    """A price in major units that must fit the currency's minor units ("12.50" USD)."""
    number = _decimal(value, path)
    minor = Fraction(number) * currency.minor_per_major
    if minor.denominator != 1:
        raise InvalidScenario(
            path, f"{value} has more than {currency.exponent} decimals for {currency.code}"
        )
    return int(minor)


def _unit_minor(value: Any, path: str, currency: Currency) -> Decimal:
    """A unit price in major units; may be finer than a minor unit (0.0005 per call)."""
    return _decimal(value, path) * currency.minor_per_major


def _instant(value: Any, path: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidScenario(path, "must be an ISO 8601 instant with an offset")
    try:
        parsed = datetime.fromisoformat(
            value.replace("Z", "+00:00") if value.endswith("Z") else value
        )
    except ValueError:
        raise InvalidScenario(path, f"{value!r} is not an ISO 8601 instant") from None
    if parsed.tzinfo is None:
        raise InvalidScenario(path, "needs a UTC offset (e.g. 2024-01-31T00:00:00Z)")
    return parsed.astimezone(UTC)


# -- catalog ------------------------------------------------------------------------------------
_MODEL_FIELDS = {
    ChargeModel.FLAT: {"amount"},
    ChargeModel.PER_UNIT: {"unit_amount"},
    ChargeModel.GRADUATED: {"tiers"},
    ChargeModel.VOLUME: {"tiers"},
    ChargeModel.PACKAGE: {"package_size", "package_amount", "free_units"},
}
_REQUIRED_FIELDS = {
    ChargeModel.FLAT: {"amount"},
    ChargeModel.PER_UNIT: {"unit_amount"},
    ChargeModel.GRADUATED: {"tiers"},
    ChargeModel.VOLUME: {"tiers"},
    ChargeModel.PACKAGE: {"package_size", "package_amount"},
}


def _charge(value: Any, path: str, currency: Currency) -> Charge:
    raw = _obj(value, path, {"model", "usage", *set().union(*_MODEL_FIELDS.values())}, {"model"})
    model = _enum(raw["model"], f"{path}.model", ChargeModel, [m.value for m in ChargeModel])
    for key in raw:
        if key not in ("model", "usage") and key not in _MODEL_FIELDS[model]:
            raise InvalidScenario(f"{path}.{key}", f"is not a field of a {model.value} charge")
    for key in _REQUIRED_FIELDS[model]:
        if key not in raw:
            raise InvalidScenario(f"{path}.{key}", f"is required for a {model.value} charge")
    meter = None
    if "usage" in raw:
        usage = _obj(raw["usage"], f"{path}.usage", {"meter", "aggregation"}, {"meter"})
        meter = Meter(
            _str(usage["meter"], f"{path}.usage.meter"),
            _enum(
                usage.get("aggregation", "sum"),
                f"{path}.usage.aggregation",
                Aggregation,
                [a.value for a in Aggregation],
            ),
        )
    tiers: tuple[Tier, ...] = ()
    if "tiers" in raw:
        tier_list = _list(raw["tiers"], f"{path}.tiers")
        if not tier_list:
            raise InvalidScenario(f"{path}.tiers", "needs at least one tier")
        parsed = []
        previous: Decimal | None = None
        for i, tier in enumerate(tier_list):
            tp = f"{path}.tiers[{i}]"
            t = _obj(tier, tp, {"up_to", "unit_amount", "flat_amount"}, {"up_to"})
            up_to = None if t["up_to"] is None else _decimal(t["up_to"], f"{tp}.up_to")
            last = i == len(tier_list) - 1
            if up_to is None and not last:
                raise InvalidScenario(f"{tp}.up_to", "only the last tier may be open-ended (null)")
            if up_to is not None and last:
                raise InvalidScenario(f"{tp}.up_to", "the last tier must be open-ended (null)")
            if up_to is not None and previous is not None and up_to <= previous:
                raise InvalidScenario(f"{tp}.up_to", "tier bounds must increase")
            previous = up_to if up_to is not None else previous
            parsed.append(
                Tier(
                    up_to=up_to,
                    unit_minor=_unit_minor(
                        t.get("unit_amount", "0"), f"{tp}.unit_amount", currency
                    ),
                    flat_minor=_amount_minor(
                        t.get("flat_amount", "0"), f"{tp}.flat_amount", currency
                    ),
                )
            )
        tiers = tuple(parsed)
    try:
        return Charge(
            model=model,
            amount_minor=_amount_minor(
                raw.get("amount", raw.get("package_amount", "0")),
                f"{path}.{'amount' if 'amount' in raw else 'package_amount'}",
                currency,
            ),
            unit_minor=_unit_minor(raw.get("unit_amount", "0"), f"{path}.unit_amount", currency),
            tiers=tiers,
            package_size=_int(raw["package_size"], f"{path}.package_size", 1)
            if "package_size" in raw
            else 0,
            free_units=_int(raw.get("free_units", 0), f"{path}.free_units", 0),
            meter=meter,
        )
    except ValidationFailed as exc:
        key, message = next(iter(exc.field_errors.items()))
        raise InvalidScenario(f"{path}.{key}", message) from None


def plan_name(code: str) -> str:
    return " ".join(part.capitalize() for part in code.replace("_", " ").replace("-", " ").split())


def _plan(value: Any, path: str, currency: Currency, index: int) -> Plan:
    raw = _obj(
        value,
        path,
        {"code", "interval", "interval_count", "trial_days", "setup_fee", "charges"},
        {"code", "interval", "charges"},
    )
    code = _str(raw["code"], f"{path}.code")
    interval = Interval(
        _enum(raw["interval"], f"{path}.interval", IntervalUnit, [u.value for u in IntervalUnit]),
        _int(raw.get("interval_count", 1), f"{path}.interval_count", 1),
    )
    charges = tuple(
        _charge(c, f"{path}.charges[{i}]", currency)
        for i, c in enumerate(_list(raw["charges"], f"{path}.charges"))
    )
    return Plan(
        id=PlanId(code),
        code=code,
        name=plan_name(code),
        description="",
        interval=interval,
        prices=(
            PlanPrice(
                currency,
                charges,
                _amount_minor(raw.get("setup_fee", "0"), f"{path}.setup_fee", currency),
            ),
        ),
        trial_days=_int(raw.get("trial_days", 0), f"{path}.trial_days", 0),
        sort_order=index,
    )


def _coupon(value: Any, path: str, currency: Currency) -> Coupon:
    raw = _obj(
        value,
        path,
        {"code", "percent_off", "amount_off", "duration", "duration_in_months"},
        {"code", "duration"},
    )
    code = _str(raw["code"], f"{path}.code")
    duration = _enum(
        raw["duration"], f"{path}.duration", CouponDuration, [d.value for d in CouponDuration]
    )
    if ("percent_off" in raw) == ("amount_off" in raw):
        raise InvalidScenario(path, "give exactly one of percent_off and amount_off")
    percent = None
    if "percent_off" in raw:
        percent = _decimal(raw["percent_off"], f"{path}.percent_off")
        if not 0 < percent <= 100:
            raise InvalidScenario(f"{path}.percent_off", "must be more than 0 and at most 100")
    amount = (
        _amount_minor(raw["amount_off"], f"{path}.amount_off", currency)
        if "amount_off" in raw
        else None
    )
    if amount is not None and amount <= 0:
        raise InvalidScenario(f"{path}.amount_off", "must be more than 0")
    months = None
    if duration is CouponDuration.REPEATING:
        if "duration_in_months" not in raw:
            raise InvalidScenario(
                f"{path}.duration_in_months", "is required for a repeating coupon"
            )
        months = _int(raw["duration_in_months"], f"{path}.duration_in_months", 1)
    elif "duration_in_months" in raw:
        raise InvalidScenario(
            f"{path}.duration_in_months", "only a repeating coupon has a duration in months"
        )
    return Coupon(
        code, duration, percent_off=percent, amount_off_minor=amount, duration_in_months=months
    )


def _tax_rate(value: Any, path: str) -> TaxRate:
    raw = _obj(value, path, {"code", "percentage", "inclusive"}, {"code", "percentage"})
    inclusive = raw.get("inclusive", False)
    if not isinstance(inclusive, bool):
        raise InvalidScenario(f"{path}.inclusive", "must be true or false")
    percentage = _decimal(raw["percentage"], f"{path}.percentage")
    if percentage > 100:
        raise InvalidScenario(f"{path}.percentage", "must be at most 100")
    return TaxRate(_str(raw["code"], f"{path}.code"), percentage, inclusive)


# -- events -------------------------------------------------------------------------------------
_EVENT_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "subscribe": ({"plan", "quantity", "coupon", "trial_days", "anchor"}, {"plan"}),
    "change_plan": ({"plan", "quantity", "timing", "proration"}, {"plan"}),
    "change_quantity": ({"quantity", "timing", "proration"}, {"quantity"}),
    "usage": ({"meter", "value", "key"}, {"meter", "value"}),
    "apply_coupon": ({"coupon"}, {"coupon"}),
    "cancel": ({"timing", "refund"}, set()),
    "pause": ({"resume_at"}, set()),
    "resume": (set(), set()),
    "uncancel": (set(), set()),
}


def _event(value: Any, index: int, scenario: dict[str, Any]) -> Event:
    path = f"events[{index}]"
    if not isinstance(value, dict):
        raise InvalidScenario(path, "must be an object")
    kind = value.get("type")
    if kind not in _EVENT_FIELDS:
        raise InvalidScenario(f"{path}.type", f"must be one of {', '.join(_EVENT_FIELDS)}")
    allowed, required = _EVENT_FIELDS[kind]
    raw = _obj(value, path, allowed | {"at", "type"}, required | {"at"})
    at = _instant(raw["at"], f"{path}.at")
    fields: dict[str, Any] = {}
    plans, coupons = scenario["plans"], scenario["coupons"]
    currency: Currency = scenario["currency"]
    if "plan" in raw:
        code = _str(raw["plan"], f"{path}.plan")
        if code not in plans:
            raise InvalidScenario(f"{path}.plan", f"unknown plan {code!r}")
        fields["plan"] = plans[code]
    if "quantity" in raw:
        fields["quantity"] = _int(raw["quantity"], f"{path}.quantity", 1)
    if "coupon" in raw:
        code = _str(raw["coupon"], f"{path}.coupon")
        if code not in coupons:
            raise InvalidScenario(f"{path}.coupon", f"unknown coupon {code!r}")
        fields["coupon"] = coupons[code]
    if "trial_days" in raw:
        fields["trial_days"] = _int(raw["trial_days"], f"{path}.trial_days", 0)
    if "anchor" in raw:
        fields["anchor"] = _instant(raw["anchor"], f"{path}.anchor")
    if "resume_at" in raw:
        fields["resume_at"] = _instant(raw["resume_at"], f"{path}.resume_at")
    if kind in ("change_plan", "change_quantity"):
        fields["timing"] = _enum(
            raw.get("timing", "immediate"), f"{path}.timing", Timing, [t.value for t in Timing]
        )
        fields["proration"] = _enum(
            raw.get("proration", "next_invoice"),
            f"{path}.proration",
            ProrationBehavior,
            [p.value for p in ProrationBehavior],
        )
    if kind == "cancel":
        fields["timing"] = _enum(
            raw.get("timing", "period_end"), f"{path}.timing", Timing, [t.value for t in Timing]
        )
        fields["refund"] = _enum(
            raw.get("refund", "none"), f"{path}.refund", Refund, [r.value for r in Refund]
        )
    if kind == "usage":
        fields["meter"] = _str(raw["meter"], f"{path}.meter")
        fields["value"] = Fraction(_decimal(raw["value"], f"{path}.value", minimum=None))
        fields["key"] = None if raw.get("key") is None else str(raw["key"])
    del currency
    return Event(index, at, kind, fields)


def parse(text: str) -> Scenario:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InvalidScenario("", f"not valid JSON: {exc}") from None
    top = _obj(
        data,
        "",
        {"currency", "timezone", "settings", "catalog", "customer", "events", "until"},
        {"currency", "catalog", "events"},
    )
    try:
        currency = Currency.of(_str(top["currency"], "currency"))
    except ValidationFailed:
        raise InvalidScenario(
            "currency", f"{top['currency']!r} is not an ISO 4217 currency code"
        ) from None
    try:
        tz = ZoneInfo(_str(top.get("timezone", "UTC"), "timezone"))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidScenario("timezone", f"{top['timezone']!r} is not an IANA time zone") from None
    settings = _obj(top.get("settings", {}), "settings", {"proration", "rounding", "tax_rounding"})
    proration = _enum(
        settings.get("proration", "day"),
        "settings.proration",
        ProrationUnit,
        [p.value for p in ProrationUnit],
    )
    rounding = _enum(
        settings.get("rounding", "half_up"),
        "settings.rounding",
        Rounding,
        [r.value for r in Rounding],
    )
    tax_rounding = _enum(
        settings.get("tax_rounding", "per_invoice"),
        "settings.tax_rounding",
        TaxRounding,
        [t.value for t in TaxRounding],
    )
    catalog = _obj(top["catalog"], "catalog", {"plans", "coupons", "tax_rates"}, {"plans"})
    plans: dict[str, Plan] = {}
    for i, raw_plan in enumerate(_list(catalog["plans"], "catalog.plans")):
        plan = _plan(raw_plan, f"catalog.plans[{i}]", currency, i)
        if plan.code in plans:
            raise InvalidScenario(f"catalog.plans[{i}].code", f"duplicate plan code {plan.code!r}")
        plans[plan.code] = plan
    coupons: dict[str, Coupon] = {}
    for i, raw_coupon in enumerate(_list(catalog.get("coupons", []), "catalog.coupons")):
        coupon = _coupon(raw_coupon, f"catalog.coupons[{i}]", currency)
        if coupon.code in coupons:
            raise InvalidScenario(
                f"catalog.coupons[{i}].code", f"duplicate coupon code {coupon.code!r}"
            )
        coupons[coupon.code] = coupon
    rates: dict[str, TaxRate] = {}
    for i, raw_rate in enumerate(_list(catalog.get("tax_rates", []), "catalog.tax_rates")):
        rate = _tax_rate(raw_rate, f"catalog.tax_rates[{i}]")
        if rate.code in rates:
            raise InvalidScenario(
                f"catalog.tax_rates[{i}].code", f"duplicate tax rate code {rate.code!r}"
            )
        rates[rate.code] = rate
    customer = _obj(top.get("customer", {}), "customer", {"tax_rate"})
    tax_rate = None
    if customer.get("tax_rate") is not None:
        code = _str(customer["tax_rate"], "customer.tax_rate")
        if code not in rates:
            raise InvalidScenario("customer.tax_rate", f"unknown tax rate {code!r}")
        tax_rate = rates[code]
    context = {"plans": plans, "coupons": coupons, "currency": currency}
    events = tuple(_event(e, i, context) for i, e in enumerate(_list(top["events"], "events")))
    if not events or events[0].type != "subscribe":
        raise InvalidScenario(
            "events[0].type" if events else "events", "the first event must be a subscribe"
        )
    for event in events[1:]:
        if event.type == "subscribe":
            raise InvalidScenario(
                f"{event.path}.type", "a scenario has one subscription; subscribe only once"
            )
    for previous, event in itertools.pairwise(events):
        if event.at < previous.at:
            raise InvalidScenario(f"{event.path}.at", "events must be in time order")
    until = _instant(top["until"], "until") if "until" in top else events[-1].at
    if until < events[-1].at:
        raise InvalidScenario("until", "must not be before the last event")
    return Scenario(
        currency, tz, proration, rounding, tax_rounding, plans, coupons, tax_rate, events, until
    )
