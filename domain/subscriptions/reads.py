"""Reads of a subscription: the subscription itself and the invoices it will issue as things
stand (the engine run forward on a copy; nothing is written)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.billing.config import BillingConfig
from domain.billing.model import Invoice
from domain.customers.model import Customer
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions._engine_store import load_customer, load_engine, load_subscription
from domain.subscriptions.model import Subscription
from domain.subscriptions.ports import SubscriptionsUnit


async def upcoming_invoices(
    subscription_id: SubscriptionId,
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    months: int = 12,
    as_customer: CustomerId | None = None,
) -> list[Invoice]:
    """The invoices the subscription will issue over the next ``months`` as things stand
    (renewals, scheduled changes, a trial's end, a coupon running out), computed by running
    the engine forward on a copy: nothing is written."""
    async with uow:
        return await upcoming_invoices_in(
            uow, subscription_id, now=clock.now(), config=config, months=months,
            as_customer=as_customer,
        )  # fmt: skip


async def upcoming_invoices_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    *,
    now: datetime,
    config: BillingConfig,
    months: int = 12,
    as_customer: CustomerId | None = None,
) -> list[Invoice]:
    """``upcoming_invoices`` inside a transaction the caller holds."""
    sub = await load_subscription(uow, subscription_id, as_customer)
    customer = await load_customer(uow, sub.customer_id)
    engine = await load_engine(uow, sub, customer, config)
    engine.advance_to(now)
    already = len(engine.invoices)
    horizon = now + timedelta(days=31 * months)
    engine.advance_to(horizon)
    return [i for i in engine.invoices[already:] if i.issued_at <= horizon]


async def upcoming_with_balance_in(
    uow: SubscriptionsUnit,
    sub: Subscription,
    balance_minor: int,
    *,
    now: datetime,
    config: BillingConfig,
    months: int = 13,
) -> Invoice | None:
    """The subscription's next invoice as the engine would issue it were the customer's balance
    ``balance_minor`` (a balance adjustment's preview); None when none comes within ``months``."""
    customer = await load_customer(uow, sub.customer_id)
    engine = await load_engine(uow, sub, replace(customer, balance_minor=balance_minor), config)
    engine.advance_to(now)
    already = len(engine.invoices)
    engine.advance_to(now + timedelta(days=31 * months))
    later = engine.invoices[already:]
    return later[0] if later else None


async def get_subscription(
    subscription_id: SubscriptionId,
    *,
    uow: SubscriptionsUnit,
    as_customer: CustomerId | None = None,
) -> Subscription:
    async with uow:
        return await load_subscription(uow, subscription_id, as_customer)


async def subscription_in(
    uow: SubscriptionsUnit, subscription_id: SubscriptionId, as_customer: CustomerId | None
) -> Subscription:
    """The subscription inside a transaction the caller holds; another customer's is "not
    found" (``NotFound``), never "forbidden"."""
    return await load_subscription(uow, subscription_id, as_customer)


async def customer_in(uow: SubscriptionsUnit, customer_id: CustomerId) -> Customer:
    """The customer inside a transaction the caller holds (``NotFound`` when there is none)."""
    return await load_customer(uow, customer_id)


async def subscriptions_of(
    customer_id: CustomerId, *, uow: SubscriptionsUnit
) -> list[Subscription]:
    """The customer's subscriptions, oldest first (``NotFound`` when there is no such customer)."""
    async with uow:
        await load_customer(uow, customer_id)
        subs = await uow.subscriptions.for_customer(customer_id)
    return sorted(subs, key=lambda s: (s.created_at, s.id))
