"""Settling an invoice without charging it: void it, write it off (uncollectible), or record a
payment that came outside the gateway (bank transfer, cheque). Each runs in the caller's
transaction and does what Stripe does around it:

- the invoice's dunning case closes (recovered when paid, closed otherwise): no retry is left;
- its subscription, past due or unpaid for it, is active again once no other invoice of it is
  in dunning (Stripe moves a subscription to active when its latest invoice is paid, voided or
  marked uncollectible);
- an offline payment sends the receipt, as a card payment does.

``settle_dunning`` is the job billing queues when it moves an invoice's status itself
(``mark_invoice_paid``, ``void_invoice``): the same closing, once, after the fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.invoices import (
    mark_invoice_paid_in,
    mark_invoice_uncollectible_in,
    void_invoice_in,
)
from domain.billing.issued import IssuedInvoice, OfflinePayment
from domain.billing.model import InvoiceStatus
from domain.notifications.later import notify_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.payments.dunning import DunningStatus, closed, recovered
from domain.payments.ports import PaymentsUnit
from domain.shared.clock import Clock
from domain.shared.ids import SubscriptionId
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.payment_outcomes import invoice_forgiven_in, payment_succeeded_in

SETTLED = frozenset({InvoiceStatus.PAID, InvoiceStatus.VOID, InvoiceStatus.UNCOLLECTIBLE})


@dataclass(frozen=True, slots=True)
class SettlementEffect:
    """What settling an invoice does beside its status: the dunning case it ends (None: none
    was open) and the subscription status it moves from and to (None: unchanged)."""

    ends_dunning: bool
    subscription_from: SubscriptionStatus | None
    subscription_to: SubscriptionStatus | None


async def settlement_effect(
    uow: PaymentsUnit, issued: IssuedInvoice, to: InvoiceStatus
) -> SettlementEffect:
    """What settling ``issued`` as ``to`` would do (a read: the preview states it)."""
    case = await uow.dunning.get(issued.id)
    ends = case is not None and case.status is DunningStatus.OPEN
    sub = (
        await uow.subscriptions.get(SubscriptionId(issued.subscription_id))
        if issued.subscription_id
        else None
    )
    if sub is None or not await _only_case(uow, issued):
        return SettlementEffect(ends, None, None)
    moving = {SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID}
    if to is InvoiceStatus.PAID:
        moving.add(SubscriptionStatus.INCOMPLETE)
    if sub.status in moving:
        return SettlementEffect(ends, sub.status, SubscriptionStatus.ACTIVE)
    return SettlementEffect(ends, None, None)


async def _only_case(uow: PaymentsUnit, issued: IssuedInvoice) -> bool:
    """No other invoice of the subscription is in dunning."""
    assert issued.customer_id is not None
    return not [
        c
        for c in await uow.dunning.open_for_customer(issued.customer_id)
        if c.subscription_id == issued.subscription_id and c.invoice_id != issued.id
    ]


async def close_dunning_in(
    uow: PaymentsUnit, issued: IssuedInvoice, *, now: datetime, config: BillingConfig
) -> None:
    """After ``issued`` was paid, voided or written off: close its open dunning case, and move
    its subscription as Stripe does (see the module)."""
    if issued.status not in SETTLED:
        return
    case = await uow.dunning.get(issued.id)
    if case is not None and case.status is DunningStatus.OPEN:
        done = issued.status is InvoiceStatus.PAID
        await uow.dunning.save(recovered(case, now=now) if done else closed(case, now=now))
    if issued.subscription_id is None or not await _only_case(uow, issued):
        return
    sub_id = SubscriptionId(issued.subscription_id)
    if issued.status is InvoiceStatus.PAID:
        await payment_succeeded_in(uow, sub_id, now=now, config=config)
    else:
        await invoice_forgiven_in(uow, sub_id, now=now, config=config)


async def void_in(
    uow: PaymentsUnit, invoice_id: str, *, now: datetime, config: BillingConfig
) -> IssuedInvoice:
    """Void an open or uncollectible invoice: nothing is owed for it any more."""
    issued = await void_invoice_in(uow, invoice_id, now=now)
    await close_dunning_in(uow, issued, now=now, config=config)
    return issued


async def write_off_in(
    uow: PaymentsUnit, invoice_id: str, *, now: datetime, config: BillingConfig
) -> IssuedInvoice:
    """Mark an open invoice uncollectible (bad debt): retries stop; it may still be paid."""
    issued = await mark_invoice_uncollectible_in(uow, invoice_id, now=now)
    await close_dunning_in(uow, issued, now=now, config=config)
    return issued


async def pay_offline_in(
    uow: PaymentsUnit,
    invoice_id: str,
    payment: OfflinePayment,
    *,
    now: datetime,
    config: BillingConfig,
) -> IssuedInvoice:
    """Record money that arrived outside the gateway: the invoice is paid now (its
    ``offline_payment`` says how), the receipt goes out, dunning and the subscription follow."""
    issued = await mark_invoice_paid_in(uow, invoice_id, paid_at=now, offline=payment)
    if issued.customer_id is not None:
        notify_later(
            uow,
            EmailKind.RECEIPT,
            customer_id=issued.customer_id,
            key=dedupe_key(EmailKind.RECEIPT, issued.id),
            invoice_id=issued.id,
        )
    await close_dunning_in(uow, issued, now=now, config=config)
    return issued


UowFactory = Callable[[], PaymentsUnit]


async def settle_dunning(
    invoice_id: str, *, uow: UowFactory, clock: Clock, config: BillingConfig
) -> None:
    """The ``payments.invoice_settled`` job: billing moved the invoice's status by itself."""
    async with uow() as writer:
        issued = await writer.invoices.get_for_update(invoice_id)
        if issued is None:
            return
        await close_dunning_in(writer, issued, now=clock.now(), config=config)
        await writer.commit()
