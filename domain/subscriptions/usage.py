"""Usage so far in the current billing period, as the subscriber portal shows it: per meter, the
events recorded (the ``usage_event`` table, written by ``record_usage`` below), their aggregate
and what the period's invoice will charge for them as things stand, priced by the engine with the
invoice's own charge functions; and the meter's price tiers. Nothing is estimated beyond the
events actually recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.catalog.views import ChargeView, PlanCard
from domain.pricing.charges import fmt_units
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId
from domain.shared.money import Currency
from domain.subscriptions._engine_store import load_customer, load_engine, load_subscription
from domain.subscriptions.engine import BILLING, ENDED, SubscriptionStatus
from domain.subscriptions.errors import SubscriptionErrorCode
from domain.subscriptions.lifecycle import run_in
from domain.subscriptions.model import Subscription, UsageRecord
from domain.subscriptions.ports import SubscriptionsUnit


@dataclass(frozen=True, slots=True)
class MeterUsage:
    meter: str  # "api_calls"
    unit_label: str  # "API call"
    aggregation: str  # sum, count, max, unique_count, last
    events: int  # events recorded in the period so far
    units: Fraction  # their aggregate: what the invoice bills
    units_text: str  # "12,500"
    amount_minor: int  # the invoice line for it, as things stand (rounded once, as billed)
    explanation: str  # the engine's arithmetic, "10000 x $0.00 + 2500 x $0.002"
    charge: ChargeView  # the tiers


@dataclass(frozen=True, slots=True)
class UsageSoFar:
    period_start: datetime
    period_end: datetime  # the usage is billed on the invoice issued then
    as_of: datetime
    billed: bool  # False in a trial or a pause: usage then is not recorded for billing
    status: SubscriptionStatus
    meters: tuple[MeterUsage, ...]
    currency: str  # the amounts'

    @property
    def recorded(self) -> bool:
        return any(m.events for m in self.meters)

    @property
    def total_minor(self) -> int:
        return sum(m.amount_minor for m in self.meters)


async def _metered(uow: SubscriptionsUnit, sub: Subscription) -> bool:
    """Whether the subscription's plan meters anything (checked before loading its engine)."""
    plan = await uow.plans.get(sub.plan_id)
    price = plan.price_in(Currency.of(sub.currency)) if plan is not None else None
    return price is not None and any(c.is_usage for c in price.charges)


def _units_text(units: Fraction) -> str:
    return f"{units.numerator:,}" if units.denominator == 1 else fmt_units(units)


async def usage_this_period(
    subscription_id: SubscriptionId,
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> UsageSoFar | None:
    """The current period's usage of a plan with metered charges (None: no meter, or ended).
    Renewals due are run on the engine first (not stored), so the period is the current one."""
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        return await usage_in(uow, sub, now=clock.now(), config=config)


async def usage_in(
    uow: SubscriptionsUnit, sub: Subscription, *, now: datetime, config: BillingConfig
) -> UsageSoFar | None:
    """``usage_this_period`` inside a transaction the caller holds."""
    if sub.status in ENDED or not await _metered(uow, sub):
        return None
    customer = await load_customer(uow, sub.customer_id)
    engine = await load_engine(uow, sub, customer, config, settled_before=now)
    engine.advance_to(now)
    plan, period = engine.plan, engine.period
    assert plan is not None and period is not None and engine.status is not None
    price = plan.price_in(engine.currency)
    metered = [c for c in price.charges if c.meter is not None] if price else []
    if not metered or price is None:
        return None
    views = next(p for p in PlanCard.of(plan).prices if p.currency == engine.currency.code)
    charge_views = [v for v in views.charges if v.is_usage]
    lines = engine.usage_so_far(now)
    meters = []
    for charge, view, line in zip(metered, charge_views, lines, strict=True):
        assert charge.meter is not None
        events = sum(
            e.count
            for e in engine.usage
            if e.meter == charge.meter.name and period.start <= e.at <= now
        )
        meters.append(
            MeterUsage(
                meter=charge.meter.name,
                unit_label=charge.unit_label,
                aggregation=charge.meter.aggregation.value,
                events=events,
                units=line.quantity,
                units_text=_units_text(line.quantity),
                amount_minor=line.amount,
                explanation=line.explanation,
                charge=view,
            )
        )
    return UsageSoFar(
        period_start=period.start,
        period_end=period.end,
        as_of=now,
        billed=engine.status in BILLING,
        status=engine.status,
        meters=tuple(meters),
        currency=engine.currency.code,
    )


async def record_usage(
    subscription_id: SubscriptionId,
    meter: str,
    value: str | int | Decimal,
    *,
    key: str | None = None,
    idempotency_key: str | None = None,
    at: datetime | None = None,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
) -> bool:
    """Record a metered event (now, or at ``at`` within the current period). Returns False when
    the idempotency key was seen before, or the subscription is not billing usage (a trial, a
    pause): such events are not billed, as in the simulator."""
    now = clock.now()
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed(
            {"value": "a usage value is a number of at least 0"},
            code=SubscriptionErrorCode.BAD_USAGE,
        )
    when = at or now
    if when > now:
        raise ValidationFailed(
            {"at": "usage cannot be recorded in the future"}, code=SubscriptionErrorCode.BAD_USAGE
        )
    async with uow:
        outcome = await run_in(
            uow,
            subscription_id,
            None,
            reason=BillingReason.SUBSCRIPTION_CYCLE,
            now=now,
            config=config,
            as_customer=None,
        )
        sub = outcome.subscription
        plan = await uow.plans.get(sub.plan_id)
        assert plan is not None
        price = plan.price_in(Currency.of(sub.currency))
        meters = {c.meter.name for c in (price.charges if price else ()) if c.meter is not None}
        if meter not in meters:
            raise ValidationFailed(
                {"meter": f"{plan.name} has no meter named {meter!r}"},
                code=SubscriptionErrorCode.BAD_USAGE,
            )
        if when < sub.period_start:
            raise ValidationFailed(
                {"at": "usage can only be recorded in the current billing period"},
                code=SubscriptionErrorCode.BAD_USAGE,
            )
        billed = sub.status in (
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.PAST_DUE,
            SubscriptionStatus.UNPAID,
        )
        stored = billed and await uow.usage.add(
            UsageRecord(sub.id, meter, amount, when, key=key, idempotency_key=idempotency_key)
        )
        await uow.commit()
    return stored
