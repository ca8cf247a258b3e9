"""What a subscriber sees about a subscription: plan, status, next bill, trial end, scheduled
change, add-ons, and the invoices it will issue over the next 12 months as things stand, each
annotated with what makes it differ. What needs the subscriber's action (a payment to confirm,
a card to update) is read by payments (``domain/payments/standing.py``), which fills ``actions``:
this context cannot read payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.billing.config import BillingConfig
from domain.billing.model import Invoice, LineKind
from domain.shared.ids import CustomerId, SubscriptionId
from domain.shared.money import Money
from domain.subscriptions._engine_store import load_customer
from domain.subscriptions.addons import AddonOffer, attached_addons_in
from domain.subscriptions.engine import ENDED, SubscriptionStatus
from domain.subscriptions.model import Subscription
from domain.subscriptions.plan_facts import has_seats, is_pausable
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.reads import upcoming_invoices_in

LIVE = frozenset(
    {
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.PAUSED,
    }
)


class ActionKind(StrEnum):
    CONFIRM_PAYMENT = "confirm_payment"
    UPDATE_CARD = "update_card"


@dataclass(frozen=True, slots=True)
class ActionNeeded:
    kind: ActionKind
    message: str
    href: str


@dataclass(frozen=True, slots=True)
class ScheduledChange:
    plan_name: str
    quantity: int
    at: datetime
    # a move to a newer version of the same plan (a price migration, announced by e-mail):
    # the portal shows it as a price change and offers no "keep my current plan"
    price_change: bool = False


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    id: SubscriptionId
    plan_code: str
    plan_name: str
    interval: str
    status: SubscriptionStatus
    quantity: int
    seats: bool
    currency: str
    period_start: datetime
    period_end: datetime
    next_invoice: Invoice | None  # the first one with an amount due the engine will issue
    trial_end: datetime | None
    scheduled: ScheduledChange | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    paused_at: datetime | None
    resume_at: datetime | None
    pausable: bool
    coupon_code: str | None
    actions: tuple[ActionNeeded, ...]  # filled by payments' standing (empty from here)
    addons: tuple[AddonOffer, ...] = ()  # attached, priced as bought

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def is_paused(self) -> bool:
        return self.status is SubscriptionStatus.PAUSED


@dataclass(frozen=True, slots=True)
class AccountOverview:
    customer_id: CustomerId
    currency: str
    credit_minor: int  # what the business owes the subscriber (positive), taken off next bills
    subscriptions: tuple[SubscriptionView, ...]

    @property
    def only_live(self) -> SubscriptionView | None:
        """The one live subscription, when there is exactly one."""
        live = [s for s in self.subscriptions if s.is_live]
        return live[0] if len(live) == 1 else None


@dataclass(frozen=True, slots=True)
class UpcomingInvoice:
    invoice: Invoice
    notes: tuple[str, ...]  # what makes it differ: "Trial ends", "Switches to Starter", ...

    @property
    def discount(self) -> Money:
        """The discount as the row shows it (taken off: negative)."""
        return Money.of_minor(-self.invoice.discount, self.invoice.currency)

    @property
    def credit_applied(self) -> Money:
        """The account credit used, as the row shows it (taken off: negative)."""
        return Money.of_minor(-self.invoice.credit_applied, self.invoice.currency)


@dataclass(frozen=True, slots=True)
class SubscriptionDetail:
    view: SubscriptionView
    upcoming: tuple[UpcomingInvoice, ...]
    credit_minor: int


def annotate_upcoming(view: SubscriptionView, invoices: list[Invoice]) -> list[UpcomingInvoice]:
    """Name what changes from one invoice to the next: the trial's end, a scheduled switch, a
    discount running out, credit being used, the subscription's final bill."""
    plan = view.plan_name
    discounted = view.coupon_code is not None
    notes_for: list[UpcomingInvoice] = []
    for n, invoice in enumerate(invoices):
        notes = []
        if n == 0 and view.trial_end is not None:
            notes.append("Trial ends")
        labels = [
            line.description.split(" (")[0]
            for line in invoice.lines
            if line.kind is LineKind.SUBSCRIPTION
        ]
        if labels and not any(label.startswith(plan) for label in labels):
            plan = labels[0]
            notes.append(f"Switches to {plan}")
        if discounted and invoice.discount == 0:
            notes.append("Discount ends")
        discounted = invoice.discount > 0
        if invoice.credit_applied:
            notes.append("Credit used")
        if not labels and n == len(invoices) - 1 and view.cancel_at_period_end:
            notes.append("Final bill")
        notes_for.append(UpcomingInvoice(invoice, tuple(notes)))
    return notes_for


async def view_in(
    uow: SubscriptionsUnit,
    sub: Subscription,
    *,
    now: datetime,
    config: BillingConfig,
    upcoming: list[Invoice] | None = None,
    actions: tuple[ActionNeeded, ...] = (),
) -> SubscriptionView:
    """The subscription as the portal shows it, inside the caller's transaction; its next bill
    from ``upcoming`` (computed over 13 months when not given)."""
    plan = await uow.plans.get(sub.plan_id)
    assert plan is not None
    if upcoming is None and sub.status not in ENDED:
        upcoming = await upcoming_invoices_in(uow, sub.id, now=now, config=config, months=13)
    scheduled = None
    if sub.scheduled_plan_id is not None:
        target = await uow.plans.get(sub.scheduled_plan_id)
        assert target is not None
        scheduled = ScheduledChange(
            plan_name=target.name,
            quantity=sub.scheduled_quantity or sub.quantity,
            at=max(sub.period_end, sub.scheduled_from or sub.period_end),
            price_change=target.code == plan.code and target.id != plan.id,
        )
    return SubscriptionView(
        id=sub.id,
        plan_code=plan.code,
        plan_name=plan.name,
        interval=str(plan.interval),
        status=sub.status,
        quantity=sub.quantity,
        seats=has_seats(plan, sub.currency),
        currency=sub.currency,
        period_start=sub.period_start,
        period_end=sub.period_end,
        next_invoice=next_bill(upcoming or []),
        trial_end=sub.period_end if sub.status is SubscriptionStatus.TRIALING else None,
        scheduled=scheduled,
        cancel_at_period_end=sub.cancel_at_period_end,
        canceled_at=sub.canceled_at,
        paused_at=sub.paused_at if sub.status is SubscriptionStatus.PAUSED else None,
        resume_at=sub.resume_at if sub.status is SubscriptionStatus.PAUSED else None,
        pausable=is_pausable(plan),
        coupon_code=sub.coupon.coupon.code if sub.coupon else None,
        actions=actions,
        addons=await attached_addons_in(uow, sub),
    )


def next_bill(upcoming: list[Invoice]) -> Invoice | None:
    """The next invoice that asks for money (a 0.00 closing bill for no usage is not a bill)."""
    return next((i for i in upcoming if i.amount_due > 0), upcoming[0] if upcoming else None)


async def detail_in(
    uow: SubscriptionsUnit,
    sub: Subscription,
    *,
    now: datetime,
    config: BillingConfig,
    actions: tuple[ActionNeeded, ...] = (),
) -> SubscriptionDetail:
    """One subscription and the invoices it will issue over the next 12 months as things stand
    (renewals, scheduled changes, a trial or a coupon ending), so nothing surprises."""
    customer = await load_customer(uow, sub.customer_id)
    upcoming = (
        await upcoming_invoices_in(uow, sub.id, now=now, config=config)
        if sub.status not in ENDED
        else []
    )
    view = await view_in(uow, sub, now=now, config=config, upcoming=upcoming, actions=actions)
    return SubscriptionDetail(
        view, tuple(annotate_upcoming(view, upcoming)), max(0, -customer.balance_minor)
    )
