"""A subscriber's standing as the portal shows it: every subscription with what needs the
subscriber's action (a payment waiting for the bank's check, a failed one asking for another
card, read from dunning and the payment attempts), the account overview, and the subscription
page's read model (``subscription_page``: the subscription, its next 12 months of invoices, usage
so far, the pause choices and, after a confirmed change, how it was paid).

It lives in payments because it reads payments; the views themselves are the subscriptions'
(``domain/subscriptions/subscription_views.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.payments.dunning import DunningStatus
from domain.payments.model import AttemptStatus
from domain.payments.ports import PaymentsUnit
from domain.payments.receipts import ChargeReceipt, receipt_in
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions.model import Subscription
from domain.subscriptions.pause import PauseOption, pause_options_in
from domain.subscriptions.reads import customer_in, subscription_in
from domain.subscriptions.subscription_views import (
    AccountOverview,
    ActionKind,
    ActionNeeded,
    SubscriptionDetail,
    detail_in,
    view_in,
)
from domain.subscriptions.usage import UsageSoFar, usage_in


async def actions_needed(uow: PaymentsUnit, sub: Subscription) -> tuple[ActionNeeded, ...]:
    """A payment waiting for the bank's check links to its confirmation page; a failed one (in
    dunning, or a first payment that did not go through) asks for another card."""
    invoice_ids: list[str] = [
        case.invoice_id
        for case in await uow.dunning.open_for_customer(sub.customer_id)
        if case.subscription_id == sub.id and case.status is DunningStatus.OPEN
    ]
    if sub.period_invoice_id and sub.period_invoice_id not in invoice_ids:
        invoice_ids.append(sub.period_invoice_id)
    actions: list[ActionNeeded] = []
    for invoice_id in invoice_ids:
        issued = await uow.invoices.get(invoice_id)
        if issued is None or issued.invoice.amount_due <= 0 or issued.paid_at is not None:
            continue
        attempts = await uow.payment_attempts.for_invoice(invoice_id)
        last = max(attempts, key=lambda a: a.number) if attempts else None
        if last is None:
            continue
        if last.status is AttemptStatus.REQUIRES_ACTION and last.payment_ref:
            actions.append(
                ActionNeeded(
                    ActionKind.CONFIRM_PAYMENT,
                    "Your bank asks you to confirm a payment.",
                    f"/pay/confirm/{last.payment_ref}",
                )
            )
        elif last.status in (AttemptStatus.DECLINED, AttemptStatus.ERROR):
            actions.append(
                ActionNeeded(
                    ActionKind.UPDATE_CARD,
                    f"A payment failed: {last.message or 'the card was declined'}. "
                    "Update your card and we will retry.",
                    "/account/payment-methods",
                )
            )
    return tuple(actions)


async def account_overview(
    customer_id: CustomerId, *, uow: PaymentsUnit, clock: Clock, config: BillingConfig
) -> AccountOverview:
    """Every subscription of the customer, live ones first, with its next bill as the engine
    computes it and what needs the subscriber's action."""
    now = clock.now()
    async with uow:
        customer = await customer_in(uow, customer_id)
        subs = await uow.subscriptions.for_customer(customer_id)
        views = [
            await view_in(uow, sub, now=now, config=config, actions=await actions_needed(uow, sub))
            for sub in subs
        ]
    views.sort(key=lambda v: (not v.is_live, -v.period_start.timestamp()))
    return AccountOverview(
        customer_id=customer_id,
        currency=customer.currency,
        credit_minor=max(0, -customer.balance_minor),
        subscriptions=tuple(views),
    )


@dataclass(frozen=True, slots=True)
class SubscriptionPage:
    detail: SubscriptionDetail
    usage: UsageSoFar | None
    pause_options: tuple[PauseOption, ...]  # empty: the subscription may not be paused now
    receipt: ChargeReceipt | None  # how a confirmed change was paid (``charged``)
    today: datetime


async def subscription_page(
    subscription_id: SubscriptionId,
    *,
    charged: str | None = None,
    uow: PaymentsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> SubscriptionPage:
    """One subscription with what needs the subscriber's action, its upcoming invoices, usage so
    far, the pause choices, and the receipt of the invoice ``charged`` (when given)."""
    now = clock.now()
    async with uow:
        receipt = await receipt_in(uow, charged, as_customer=as_customer) if charged else None
        sub = await subscription_in(uow, subscription_id, as_customer)
        detail = await detail_in(
            uow, sub, now=now, config=config, actions=await actions_needed(uow, sub)
        )
        pause_options = await pause_options_in(uow, sub, detail.view, now=now, config=config)
        usage = await usage_in(uow, sub, now=now, config=config)
    return SubscriptionPage(detail, usage, pause_options, receipt, now)
