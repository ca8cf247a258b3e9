"""Usage so far in the current billing period, as the subscriber portal shows it: per meter, the
events recorded (the ``usage_event`` table, written by ``service.record_usage``), their aggregate
and what the period's invoice will charge for them as things stand, priced by the engine with the
invoice's own charge functions; and the meter's price tiers. Nothing is estimated beyond the
events actually recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from domain.billing.engine import BILLING, ENDED, SubscriptionStatus
from domain.catalog.views import ChargeView, PlanCard
from domain.pricing.charges import fmt_units
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId, SubscriptionId
from domain.shared.money import Currency
from domain.subscriptions.config import BillingConfig
from domain.subscriptions.model import Subscription
from domain.subscriptions.service import _customer, _load_engine, _subscription
from domain.unit_of_work import UnitOfWork


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

    @property
    def recorded(self) -> bool:
        return any(m.events for m in self.meters)

    @property
    def total_minor(self) -> int:
        return sum(m.amount_minor for m in self.meters)


async def _metered(uow: UnitOfWork, sub: Subscription) -> bool:
    """Whether the subscription's plan meters anything (checked before loading its engine)."""
    plan = await uow.plans.get(sub.plan_id)
    price = plan.price_in(Currency.of(sub.currency)) if plan is not None else None
    return price is not None and any(c.is_usage for c in price.charges)


def _units_text(units: Fraction) -> str:
    return f"{units.numerator:,}" if units.denominator == 1 else fmt_units(units)


async def usage_this_period(
    subscription_id: SubscriptionId,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> UsageSoFar | None:
    """The current period's usage of a plan with metered charges (None: no meter, or ended).
    Renewals due are run on the engine first (not stored), so the period is the current one."""
    now = clock.now()
    async with uow:
        sub = await _subscription(uow, subscription_id, as_customer)
        if sub.status in ENDED or not await _metered(uow, sub):
            return None
        customer = await _customer(uow, sub.customer_id)
        engine = await _load_engine(uow, sub, customer, config)
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
        events = [
            e for e in engine.usage if e.meter == charge.meter.name and period.start <= e.at <= now
        ]
        meters.append(
            MeterUsage(
                meter=charge.meter.name,
                unit_label=charge.unit_label,
                aggregation=charge.meter.aggregation.value,
                events=len(events),
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
    )
