"""A subscription's monthly recurring revenue (MRR) at an instant, from its billing engine's state.

The rules (SIMULATION.md, "Recurring revenue"; where it is silent, ChartMogul's; every one is in
docs/analytics.md, "MRR rules"):

- **What counts**: the charges billed in advance (no ``usage``) of the current plan at the current
  quantity, and of each attached add-on at its quantity, priced exactly as an invoice prices them
  (flat once; per-unit, graduated, volume and package with the quantity as the units). Usage
  charges, setup fees, prorations and credit notes never count.
- **Normalised to one month**, each plan by its own interval: ``month`` / interval_count,
  ``year`` / (12 x interval_count), ``week`` x 52/12 / interval_count, ``day`` x 365/12 /
  interval_count.
- **Discounts while they apply**: a ``forever`` coupon always; a ``repeating`` one while the
  current period began before the end of its window (so MRR goes back up at the first renewal that
  is no longer discounted); a ``once`` coupon never (one-off). A percent coupon takes its
  percentage; a fixed one its amount normalised like the base plan; never below zero.
- **Without tax**: an inclusive tax rate's share is taken out (``amount / (1 + rate)``); an
  exclusive rate was never in the prices.
- **Only a paying state counts**: active, past due and unpaid (invoices still come). A trial, a
  subscription waiting for its first payment (incomplete), a paused and an ended one are zero.
- The exact value is **rounded once** to minor units with the subscription's rounding
  (``domain.shared.money.round_minor``).

The engine (``domain.subscriptions.engine.SubscriptionEngine``) has the shape of ``Subscription``
below; this context sits below ``subscriptions`` so that its use cases can write the ledger in
their own transaction, hence a structural type rather than an import. Advance the engine to the
instant first: the function reads the state as it stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.catalog.model import Plan
from domain.pricing.charges import price_charge
from domain.pricing.coupons import AppliedCoupon, CouponDuration
from domain.pricing.model import Charge, ChargeModel
from domain.pricing.totals import TaxRate
from domain.shared.money import Currency, Money, Rounding, round_minor
from domain.shared.periods import Interval, IntervalUnit, Period

# The subscription statuses (``SubscriptionStatus`` values) in which a subscription is paying.
# Every other status is worth nothing; tests/unit/analytics checks that the two sets cover every
# status the engine has.
PAYING_STATUSES = frozenset({"active", "past_due", "unpaid"})
NOT_PAYING_STATUSES = frozenset(
    {"incomplete", "incomplete_expired", "trialing", "paused", "canceled"}
)


class Settings(Protocol):
    """What MRR reads from the engine's ``BillingSettings``."""

    @property
    def currency(self) -> Currency: ...

    @property
    def tz(self) -> ZoneInfo: ...

    @property
    def rounding(self) -> Rounding: ...

    @property
    def tax_rate(self) -> TaxRate | None: ...


class Item(Protocol):
    """An attached add-on (``AddOnItem``): a plan and its quantity."""

    @property
    def plan(self) -> Plan: ...

    @property
    def quantity(self) -> int: ...


class Subscription(Protocol):
    """What MRR reads from a subscription's engine (``SubscriptionEngine``)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def status(self) -> str | None: ...

    @property
    def plan(self) -> Plan | None: ...

    @property
    def quantity(self) -> int: ...

    @property
    def addons(self) -> Mapping[str, Item]: ...

    @property
    def coupon(self) -> AppliedCoupon | None: ...

    @property
    def period(self) -> Period | None: ...


def months_in(interval: Interval) -> Fraction:
    """How many months one billing period of ``interval`` is worth (SIMULATION.md's factors):
    a year 12, a week 12/52, a day 12/365, times the interval count."""
    per_unit = {
        IntervalUnit.MONTH: Fraction(1),
        IntervalUnit.YEAR: Fraction(12),
        IntervalUnit.WEEK: Fraction(12, 52),
        IntervalUnit.DAY: Fraction(12, 365),
    }[interval.unit]
    return per_unit * interval.count


def recurring_per_period(plan: Plan, quantity: int, currency: Currency) -> Fraction:
    """The exact minor units ``plan`` bills in advance for one period at ``quantity``: its charges
    without ``usage``, each priced as an invoice line prices it (before the line's rounding)."""
    price = plan.price_in(currency)
    assert price is not None, f"{plan.code} is not sold in {currency.code}"  # the engine checks
    return sum(
        (
            price_charge(charge, _units(charge, quantity), currency).amount
            for charge in price.charges
            if not charge.is_usage
        ),
        Fraction(0),
    )


def _units(charge: Charge, quantity: int) -> Fraction:
    return Fraction(1) if charge.model is ChargeModel.FLAT else Fraction(quantity)


def monthly(plan: Plan, quantity: int, currency: Currency) -> Fraction:
    """``plan`` at ``quantity`` normalised to one month, exact, before discounts."""
    return recurring_per_period(plan, quantity, currency) / months_in(plan.interval)


def coupon_applies(applied: AppliedCoupon, period: Period, tz: ZoneInfo) -> bool:
    """Whether a coupon reduces MRR now, in ``period`` (the subscription's current period).

    ``once`` never does (a one-off discount); ``forever`` always; ``repeating`` while the current
    period began before the instant ``duration_in_months`` after it was applied, the instant from
    which the billing rules stop discounting invoices (``AppliedCoupon.is_eligible``): the period
    whose invoice was the last discounted one still counts at the discounted rate, and MRR goes
    back up at the first renewal that is no longer discounted. A coupon applied during a period
    counts from the instant it was applied."""
    match applied.coupon.duration:
        case CouponDuration.ONCE:
            return False
        case CouponDuration.FOREVER:
            return True
        case CouponDuration.REPEATING:
            return applied.is_eligible(max(period.start, applied.applied_at), tz)
    raise AssertionError(applied.coupon.duration)  # pragma: no cover


def exact_mrr(subscription: Subscription) -> Fraction:
    """The subscription's MRR in exact minor units of its currency (see the module's rules)."""
    if subscription.status not in PAYING_STATUSES:
        return Fraction(0)
    plan, period = subscription.plan, subscription.period
    assert plan is not None and period is not None
    settings = subscription.settings
    currency = settings.currency
    items: Iterable[tuple[Plan, int]] = [
        (plan, subscription.quantity),
        *((item.plan, item.quantity) for item in subscription.addons.values()),
    ]
    value = sum((monthly(p, q, currency) for p, q in items), Fraction(0))
    applied = subscription.coupon
    if applied is not None and coupon_applies(applied, period, settings.tz):
        coupon = applied.coupon
        if coupon.percent_off is not None:
            value -= value * Fraction(coupon.percent_off) / 100
        elif coupon.amount_off_minor is not None:
            value -= Fraction(coupon.amount_off_minor) / months_in(plan.interval)
        value = max(value, Fraction(0))
    rate = settings.tax_rate
    if rate is not None and rate.inclusive:
        value /= 1 + rate.rate
    return value


def mrr(subscription: Subscription) -> Money:
    """The subscription's MRR rounded once to minor units with its rounding setting."""
    settings = subscription.settings
    return Money(round_minor(exact_mrr(subscription), settings.rounding), settings.currency)


class MrrMemo:
    """``mrr`` for many readings of few distinct states: the ledger rebuild reads MRR after every
    renewal of every subscription, mostly at a plan, quantity, coupon and tax rate it has read
    before. A reading is remembered by everything ``exact_mrr`` reads (the paying status, the
    plan versions and quantities, the currency and rounding, whether and which discount applies
    now, an inclusive tax rate), so a repeated state costs one ``coupon_applies`` and a lookup.
    Plan versions are known by id: use one memo with one catalog (plan versions never change)."""

    def __init__(self) -> None:
        self._values: dict[tuple[object, ...], Money] = {}

    def __call__(self, subscription: Subscription) -> Money:
        key = _memo_key(subscription)
        value = self._values.get(key)
        if value is None:
            value = self._values[key] = mrr(subscription)
        return value


def _memo_key(subscription: Subscription) -> tuple[object, ...]:
    settings = subscription.settings
    if subscription.status not in PAYING_STATUSES:
        return (settings.currency.code,)
    plan, period = subscription.plan, subscription.period
    assert plan is not None and period is not None
    applied = subscription.coupon
    discount: tuple[object, ...] | None = None
    if applied is not None and coupon_applies(applied, period, settings.tz):
        discount = (applied.coupon.percent_off, applied.coupon.amount_off_minor)
    rate = settings.tax_rate
    return (
        settings.currency.code,
        settings.rounding,
        plan.id,
        subscription.quantity,
        tuple((item.plan.id, item.quantity) for item in subscription.addons.values()),
        discount,
        rate.percentage if rate is not None and rate.inclusive else None,
    )


__all__ = [
    "NOT_PAYING_STATUSES",
    "PAYING_STATUSES",
    "MrrMemo",
    "Subscription",
    "coupon_applies",
    "exact_mrr",
    "monthly",
    "months_in",
    "mrr",
    "recurring_per_period",
]
