"""Between the stored ``Subscription`` and a live ``SubscriptionEngine`` (pure, both ways).

Loading gives the engine everything it needs to continue exactly where it stopped: plan versions
by id, the current period's usage, the invoice that paid the current period (for cancellation
credits), the customer's balance. Saving reads the state back; the invoices and credit notes the
engine issued in between are returned by the use case for numbering and storage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from domain.billing.model import Invoice
from domain.catalog.model import Plan
from domain.pricing.coupons import AppliedCoupon
from domain.pricing.tax_policy import TaxDecision, TaxTreatment
from domain.pricing.totals import TaxRounding
from domain.shared.ids import PlanId
from domain.shared.money import Currency, Rounding
from domain.shared.periods import Period
from domain.subscriptions.engine import (
    AddOnItem,
    BillingSettings,
    SubscriptionEngine,
    SubscriptionStatus,
    UsageEvent,
)
from domain.subscriptions.model import AppliedCouponState, Subscription, UsageRecord, UsageTotal


def billing_settings(
    sub: Subscription,
    *,
    rounding: Rounding,
    tax_rounding: TaxRounding,
    tax: TaxDecision | None,
) -> BillingSettings:
    return BillingSettings(
        currency=Currency.of(sub.currency),
        tz=ZoneInfo(sub.timezone),
        proration=sub.proration,
        rounding=rounding,
        tax_rounding=tax_rounding,
        tax_rate=tax.rate if tax else None,
        reverse_charge=tax is not None and tax.treatment is TaxTreatment.REVERSE_CHARGE,
        tax_note=tax.note if tax else None,
    )


def engine_from(
    sub: Subscription,
    *,
    settings: BillingSettings,
    plans: Mapping[PlanId, Plan],
    usage: list[UsageRecord],
    period_invoice: Invoice | None,
    balance_minor: int,
    usage_totals: Sequence[UsageTotal] = (),
) -> SubscriptionEngine:
    """The engine of a stored subscription; its usage the recorded events and (``usage_totals``)
    the database's sums of the earlier ones, each folded into one event."""
    coupon = sub.coupon
    return SubscriptionEngine(
        settings=settings,
        plans={plan.code: plan for plan in plans.values()},
        plan=plans[sub.plan_id],
        quantity=sub.quantity,
        status=sub.status,
        anchor=sub.anchor,
        period=Period(sub.period_start, sub.period_end),
        pending_anchor=sub.pending_anchor,
        cancel_at_period_end=sub.cancel_at_period_end,
        scheduled=(plans[sub.scheduled_plan_id], sub.scheduled_quantity or sub.quantity)
        if sub.scheduled_plan_id is not None
        else None,
        scheduled_from=sub.scheduled_from,
        addons={
            plans[plan_id].code: AddOnItem(plans[plan_id], quantity)
            for plan_id, quantity in sub.addons
        },
        incomplete_expires_at=sub.incomplete_expires_at,
        resume_at=sub.resume_at,
        paused_at=sub.paused_at,
        coupon=AppliedCoupon(coupon.coupon, coupon.applied_at, coupon.invoices_discounted)
        if coupon is not None
        else None,
        carry=sub.carry_minor,
        balance=balance_minor,
        pending=list(sub.pending_lines),
        usage=sorted(
            [_folded(t) for t in usage_totals]
            + [UsageEvent(u.at, u.meter, Fraction(u.value), u.key) for u in usage],
            key=lambda u: u.at,
        ),
        period_invoice=period_invoice,
    )


def _folded(t: UsageTotal) -> UsageEvent:
    return UsageEvent(
        t.last_at,
        t.meter,
        Fraction(t.last_value),
        t.key,
        count=t.count,
        total=Fraction(t.total),
        peak=Fraction(t.peak),
    )


def plan_ids_of(sub: Subscription) -> set[PlanId]:
    ids = {sub.plan_id, *(plan_id for plan_id, _ in sub.addons)}
    if sub.scheduled_plan_id is not None:
        ids.add(sub.scheduled_plan_id)
    return ids


def snapshot(
    sub: Subscription,
    engine: SubscriptionEngine,
    *,
    period_invoice_id: str | None,
    now: datetime,
) -> Subscription:
    """The subscription as the engine left it at ``now`` (``version`` bumped)."""
    assert engine.plan is not None and engine.status is not None
    assert engine.period is not None and engine.anchor is not None
    coupon = engine.coupon
    scheduled = engine.scheduled
    return replace(
        sub,
        plan_id=engine.plan.id,
        quantity=engine.quantity,
        status=engine.status,
        anchor=engine.anchor,
        period_start=engine.period.start,
        period_end=engine.period.end,
        pending_anchor=engine.pending_anchor,
        cancel_at_period_end=engine.cancel_at_period_end,
        scheduled_plan_id=scheduled[0].id if scheduled else None,
        scheduled_quantity=scheduled[1] if scheduled else None,
        scheduled_from=engine.scheduled_from if scheduled else None,
        resume_at=engine.resume_at,
        paused_at=engine.paused_at,
        incomplete_expires_at=engine.incomplete_expires_at,
        coupon=AppliedCouponState(coupon.coupon, coupon.applied_at, coupon.invoices_discounted)
        if coupon is not None
        else None,
        carry_minor=engine.carry,
        pending_lines=tuple(engine.pending),
        addons=tuple((item.plan.id, item.quantity) for item in engine.addons.values()),
        period_invoice_id=period_invoice_id,
        canceled_at=sub.canceled_at
        or (now if engine.status is SubscriptionStatus.CANCELED else None),
        version=sub.version + 1,
    )
