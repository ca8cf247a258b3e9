"""Reads of an order that exists: the order a declined card left behind (shown again, from what
is stored, so a retry pays exactly it) and the confirmation page's read of a placed order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.accounts.mailing import Mailing
from domain.billing.config import BillingConfig
from domain.billing.model import InvoiceStatus
from domain.catalog.model import Plan
from domain.checkout.completion import complete_in
from domain.checkout.model import CheckoutSession, CheckoutState
from domain.checkout.ports import CheckoutUnit, UowFactory
from domain.checkout.service import CheckoutErrorCode
from domain.checkout.summary import (
    OrderSummary,
    SummaryLine,
    interval_label,
    is_per_seat,
    price_order,
    promotion_terms,
    tax_for,
)
from domain.shared.clock import Clock
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId
from domain.shared.money import Currency, Money
from domain.subscriptions.engine import SubscriptionStatus


@dataclass(frozen=True, slots=True)
class OrderOnFile:
    """A checkout whose order exists but is not paid (a declined card): what was ordered, its
    summary from the stored first invoice, who it is for, and until when it is kept."""

    session: CheckoutSession
    summary: OrderSummary
    addons: tuple[tuple[Plan, int], ...]
    name: str
    email: str
    address_lines: tuple[str, ...]
    country: str
    account_created: bool  # the account was made by this checkout (not signed in before)
    kept_until: datetime | None  # the unpaid order expires then


async def order_on_file_in(
    uow: CheckoutUnit, token: str, *, account_id: str | None, config: BillingConfig
) -> OrderOnFile:
    """The order of checkout ``token`` for its buyer's account (anyone else: ``NotFound``),
    inside the caller's transaction.

    Today's lines and total are the stored first invoice's (what a retry charges); the schedule
    after it is priced on the subscription's stored terms at the instant it was created."""
    session = await uow.checkouts.get(token)
    if (
        session is None
        or session.subscription_id is None
        or session.invoice_id is None
        or session.account_id is None
        or session.account_id != account_id
    ):
        raise NotFound("No such order.", code=CheckoutErrorCode.NOT_FOUND)
    sub = await uow.subscriptions.get(session.subscription_id)  # type: ignore[arg-type]
    issued = await uow.invoices.get(session.invoice_id)
    customer = await uow.customers.get(CustomerId(session.customer_id or ""))
    assert sub is not None and issued is not None and customer is not None
    plan = await uow.plans.get(sub.plan_id)
    assert plan is not None
    addons: list[tuple[Plan, int]] = []
    for addon_id, n in sub.addons:
        addon = await uow.plans.get(addon_id)
        assert addon is not None
        addons.append((addon, n))
    rate, note = tax_for(
        config, country=customer.country, region=customer.region, tax_id=customer.tax_id,
        tax_exempt=customer.tax_exempt, rates=await uow.tax_rates.all(),
    )  # fmt: skip
    currency = Currency.of(sub.currency)
    coupon = sub.coupon.coupon if sub.coupon else None
    priced = price_order(
        plan, currency=currency, quantity=sub.quantity, addons=tuple(addons), coupon=coupon,
        tax_rate=rate, tax_note=note, balance_minor=0, at=sub.created_at, config=config,
        timezone=sub.timezone,
    )  # fmt: skip
    invoice = issued.invoice

    def money(minor: int) -> Money:
        return Money.of_minor(minor, currency)

    summary = OrderSummary(
        plan=plan,
        currency=currency,
        quantity=sub.quantity,
        per_seat=is_per_seat(plan.price_in(currency) or plan.prices[0]),
        lines=tuple(
            SummaryLine(line.description, money(line.amount), line.period) for line in invoice.lines
        ),
        subtotal=money(invoice.subtotal),
        discount=money(invoice.discount),
        tax=money(invoice.tax),
        tax_label=priced.tax_label,
        tax_note=priced.tax_note,
        total_today=money(invoice.amount_due),
        next_amount=priced.next_amount,
        next_billing_at=priced.next_billing_at,
        trial_ends_at=priced.trial_ends_at,
        interval_label=interval_label(plan),
        promotion_code=coupon.code if coupon else None,
        promotion_error=None,
        promotion=promotion_terms(coupon, currency) if coupon else None,
        schedule=priced.schedule,
        addons=priced.addons,
    )
    return OrderOnFile(
        session=session,
        summary=summary,
        addons=tuple(addons),
        name=customer.name,
        email=customer.email,
        address_lines=customer.address_lines,
        country=customer.country,
        account_created=session.account_created,
        kept_until=sub.incomplete_expires_at,
    )


@dataclass(frozen=True, slots=True)
class CompletedOrder:
    session: CheckoutSession
    plan_name: str
    quantity: int
    amount_charged: Money
    invoice_number: str
    next_billing_at: datetime | None
    trial_ends_at: datetime | None
    email: str
    paid: bool


async def show_order(
    token: str, *, account_id: str | None, uow: UowFactory, clock: Clock, mailing: Mailing
) -> CompletedOrder:
    """The confirmation of checkout ``token`` for its buyer (anyone else: ``NotFound``). A
    session waiting for the customer's action becomes ``complete`` once its invoice is paid
    (the confirmation page of the payment settled it)."""
    async with uow() as tx:
        session = await tx.checkouts.get(token)
        if (
            session is None
            or session.account_id is None
            or session.account_id != account_id
            or session.subscription_id is None
            or session.invoice_id is None
        ):
            raise NotFound("No such order.", code=CheckoutErrorCode.NOT_FOUND)
        sub = await tx.subscriptions.get(session.subscription_id)  # type: ignore[arg-type]
        issued = await tx.invoices.get(session.invoice_id)
        customer = await tx.customers.get(CustomerId(session.customer_id or ""))
        plan = await tx.plans.get(sub.plan_id) if sub else None
        assert sub is not None and issued is not None and customer is not None
        paid = issued.status is InvoiceStatus.PAID or issued.invoice.amount_due == 0
        if paid and session.state is CheckoutState.AWAITING_ACTION:
            session = await complete_in(tx, session, clock.now(), mailing)
            await tx.commit()
    trialing = sub.status is SubscriptionStatus.TRIALING
    return CompletedOrder(
        session=session,
        plan_name=plan.name if plan else session.plan_code,
        quantity=sub.quantity,
        amount_charged=Money.of_minor(
            issued.invoice.amount_due if paid else 0, issued.invoice.currency
        ),
        invoice_number=issued.number or "",
        next_billing_at=sub.period_end if sub.status.value in ("active", "trialing") else None,
        trial_ends_at=sub.period_end if trialing else None,
        email=customer.email,
        paid=paid,
    )


@dataclass(frozen=True, slots=True)
class OrderInProgress:
    """The order is still being placed (a second click got to the confirmation first): the page
    refreshes itself until it is done."""

    token: str


async def order_confirmation(
    token: str,
    *,
    account_id: str | None,
    uow: UowFactory,
    read_uow: UowFactory,
    clock: Clock,
    mailing: Mailing,
) -> CompletedOrder | OrderInProgress:
    """The confirmation page's read: an order still being placed is ``OrderInProgress``;
    otherwise ``show_order`` (its buyer only: anyone else, or no order, is ``NotFound``)."""
    async with read_uow() as reader:
        session = await reader.checkouts.get(token)
    if session is not None and session.state in (CheckoutState.PROCESSING, CheckoutState.OPEN):
        return OrderInProgress(token)
    return await show_order(token, account_id=account_id, uow=uow, clock=clock, mailing=mailing)
