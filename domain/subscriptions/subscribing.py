"""Starting a subscription: the first invoice is issued and stored with the new subscription."""

from __future__ import annotations

from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.catalog.rules import check_addon_attachable
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId, SubscriptionId, new_id
from domain.subscriptions._engine_store import (
    billing_settings_for,
    current_plan,
    load_customer,
    redeem_coupon,
    redeemable_coupon,
    store_outcome,
    tax_decision,
)
from domain.subscriptions.engine import SubscriptionEngine, SubscriptionStatus
from domain.subscriptions.model import Subscription
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.ports import SubscriptionsUnit


async def subscribe(
    customer_id: CustomerId,
    plan_code: str,
    *,
    quantity: int = 1,
    coupon_code: str | None = None,
    trial_days: int | None = None,
    addons: tuple[tuple[str, int], ...] = (),
    await_payment: bool = False,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
) -> Outcome:
    """Start a subscription on the current version of ``plan_code``.

    The first invoice is issued now (the trial's 0.00 invoice for a trial). With
    ``await_payment`` a first invoice with an amount due leaves the subscription ``incomplete``
    until it is paid (it expires after 23 hours), as Stripe's ``default_incomplete``."""
    async with uow:
        outcome = await subscribe_in(
            uow,
            customer_id,
            plan_code,
            quantity=quantity,
            coupon_code=coupon_code,
            trial_days=trial_days,
            addons=addons,
            await_payment=await_payment,
            now=clock.now(),
            config=config,
        )
        await uow.commit()
    return outcome


async def subscribe_in(
    uow: SubscriptionsUnit,
    customer_id: CustomerId,
    plan_code: str,
    *,
    quantity: int = 1,
    coupon_code: str | None = None,
    trial_days: int | None = None,
    addons: tuple[tuple[str, int], ...] = (),
    await_payment: bool = False,
    collect_later: bool = True,
    now: datetime,
    config: BillingConfig,
) -> Outcome:
    """``subscribe`` inside a transaction the caller holds. ``collect_later=False``: the first
    invoice is not queued for collection, because the caller charges it at once (checkout, with
    the card the buyer just entered; a queued collection could run before the card is saved)."""
    customer = await load_customer(uow, customer_id)
    plan = await current_plan(uow, plan_code)
    addon_plans = tuple([(await current_plan(uow, code), n) for code, n in addons])
    for addon, _ in addon_plans:
        check_addon_attachable(plan, addon)
    promotion = (
        await redeemable_coupon(uow, coupon_code, customer, plan, now, lock=True)
        if coupon_code
        else None
    )
    sub_id = SubscriptionId(new_id())
    settings = billing_settings_for(customer, config, tax=await tax_decision(uow, customer, config))
    engine = SubscriptionEngine(settings=settings, plans={plan.code: plan})
    engine.balance = customer.balance_minor
    engine.subscribe(
        now,
        plan,
        quantity=quantity,
        coupon=promotion.terms_in(customer.currency) if promotion else None,
        trial_days=trial_days,
        addons=addon_plans,
    )
    if promotion is not None:
        order_minor = engine.invoices[0].subtotal
        await redeem_coupon(uow, promotion, currency=customer.currency, order_minor=order_minor)
    if await_payment and engine.invoices[0].amount_due > 0:
        engine.mark_incomplete(now)
    assert engine.period is not None and engine.anchor is not None
    sub = Subscription(
        id=sub_id,
        customer_id=customer.id,
        currency=customer.currency,
        timezone=customer.timezone,
        proration=config.proration,
        plan_id=plan.id,
        quantity=quantity,
        status=SubscriptionStatus.ACTIVE,
        anchor=engine.anchor,
        period_start=engine.period.start,
        period_end=engine.period.end,
        created_at=now,
        test_clock_id=customer.test_clock_id,
    )
    await uow.subscriptions.add(sub)
    return await store_outcome(
        uow,
        sub,
        engine,
        customer,
        config,
        now,
        reasons=(BillingReason.SUBSCRIPTION_CREATE,),
        collect_later=collect_later,
    )
