"""The subscriber portal's read models and its cancellation flow: what a subscriber sees about
their subscriptions (next bill, trial end, scheduled changes, credit, what needs their action),
quotes explained in words, previews of a cancellation or a pause run on an engine copy, and
cancellation with the subscriber's stated reason."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.billing.model import CreditNote, Invoice, InvoiceLine, LineKind
from domain.catalog.model import Plan
from domain.catalog.quantities import licensed_total
from domain.payments.dunning import DunningStatus
from domain.payments.model import AttemptStatus
from domain.payments.ports import PaymentsUnit
from domain.pricing.model import ChargeModel
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId, new_id
from domain.shared.money import Currency
from domain.subscriptions._engine_store import load_customer, load_engine, load_subscription
from domain.subscriptions.addons import AddonOffer, AddonQuote, attached_addons_in
from domain.subscriptions.engine import (
    ENDED,
    Refund,
    SubscriptionEngine,
    SubscriptionStatus,
    Timing,
)
from domain.subscriptions.lifecycle import run_in
from domain.subscriptions.model import CancellationFeedback, CancellationReason, Subscription
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.plan_changes import plan_for_quote
from domain.subscriptions.quotes import ChangeQuote
from domain.subscriptions.reads import upcoming_invoices_in

MAX_PAUSE_PERIODS = 3
LIVE = frozenset(
    {
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.PAUSED,
    }
)


def is_pausable(plan: Plan) -> bool:
    """Plans may be paused unless the catalog says otherwise (plan metadata ``pausable=false``)."""
    return plan.metadata.get("pausable", "true").strip().lower() not in ("false", "no", "0")


def recurring_minor(plan: Plan, quantity: int, currency: str) -> int | None:
    """What one period of ``plan`` costs before usage, discounts and tax (None: not sold in it),
    each charge rounded once as on the invoice."""
    price = plan.price_in(Currency.of(currency))
    return None if price is None else licensed_total(price, quantity).minor


def is_metered(plan: Plan, currency: str) -> bool:
    price = plan.price_in(Currency.of(currency))
    return price is not None and any(c.is_usage for c in price.charges)


def has_seats(plan: Plan, currency: str) -> bool:
    price = plan.price_in(Currency.of(currency))
    return price is not None and any(
        not c.is_usage and c.model is not ChargeModel.FLAT for c in price.charges
    )


# -- views ----------------------------------------------------------------------------------------
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
    actions: tuple[ActionNeeded, ...]
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


async def account_overview(
    customer_id: CustomerId, *, uow: PaymentsUnit, clock: Clock, config: BillingConfig
) -> AccountOverview:
    """Every subscription of the customer, live ones first, with its next bill as the engine
    computes it and what needs the subscriber's action."""
    now = clock.now()
    async with uow:
        customer = await load_customer(uow, customer_id)
        subs = await uow.subscriptions.for_customer(customer_id)
        views = [await _view(uow, sub, now=now, config=config) for sub in subs]
    views.sort(key=lambda v: (not v.is_live, -v.period_start.timestamp()))
    return AccountOverview(
        customer_id=customer_id,
        currency=customer.currency,
        credit_minor=max(0, -customer.balance_minor),
        subscriptions=tuple(views),
    )


@dataclass(frozen=True, slots=True)
class UpcomingInvoice:
    invoice: Invoice
    notes: tuple[str, ...]  # what makes it differ: "Trial ends", "Switches to Starter", ...


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


async def subscription_detail(
    subscription_id: SubscriptionId,
    *,
    uow: PaymentsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> SubscriptionDetail:
    """One subscription and the invoices it will issue over the next 12 months as things stand
    (renewals, scheduled changes, a trial or a coupon ending), so nothing surprises."""
    now = clock.now()
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        customer = await load_customer(uow, sub.customer_id)
        upcoming = (
            await upcoming_invoices_in(uow, sub.id, now=now, config=config)
            if sub.status not in ENDED
            else []
        )
        view = await _view(uow, sub, now=now, config=config, upcoming=upcoming)
    return SubscriptionDetail(
        view, tuple(annotate_upcoming(view, upcoming)), max(0, -customer.balance_minor)
    )


async def _view(
    uow: PaymentsUnit,
    sub: Subscription,
    *,
    now: datetime,
    config: BillingConfig,
    upcoming: list[Invoice] | None = None,
) -> SubscriptionView:
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
        next_invoice=_next_bill(upcoming or []),
        trial_end=sub.period_end if sub.status is SubscriptionStatus.TRIALING else None,
        scheduled=scheduled,
        cancel_at_period_end=sub.cancel_at_period_end,
        canceled_at=sub.canceled_at,
        paused_at=sub.paused_at if sub.status is SubscriptionStatus.PAUSED else None,
        resume_at=sub.resume_at if sub.status is SubscriptionStatus.PAUSED else None,
        pausable=is_pausable(plan),
        coupon_code=sub.coupon.coupon.code if sub.coupon else None,
        actions=tuple(await _actions(uow, sub)),
        addons=await attached_addons_in(uow, sub),
    )


def _next_bill(upcoming: list[Invoice]) -> Invoice | None:
    """The next invoice that asks for money (a 0.00 closing bill for no usage is not a bill)."""
    return next((i for i in upcoming if i.amount_due > 0), upcoming[0] if upcoming else None)


async def _actions(uow: PaymentsUnit, sub: Subscription) -> list[ActionNeeded]:
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
    return actions


# -- change options and explained quotes ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PlanChoice:
    code: str
    name: str
    interval: str
    price_minor: int  # one period at the chosen quantity, before usage and tax
    seats: bool
    current: bool
    metered: bool = False  # usage is billed on top, in arrears


async def change_choices(
    subscription_id: SubscriptionId,
    *,
    uow: PaymentsUnit,
    as_customer: CustomerId | None,
    quantity: int | None = None,
) -> list[PlanChoice]:
    """The public base plans sold in the subscription's currency (its own plan included), each
    priced at ``quantity`` seats (default: the subscription's)."""
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        return await _choices_in(uow, sub, quantity)


async def _choices_in(
    uow: PaymentsUnit, sub: Subscription, quantity: int | None = None
) -> list[PlanChoice]:
    current = await uow.plans.get(sub.plan_id)
    assert current is not None
    choices = []
    for plan in [p for p in await uow.plans.list_public() if p.code != current.code] + [current]:
        price = recurring_minor(plan, quantity or sub.quantity, sub.currency)
        if price is None:
            continue
        choices.append(
            PlanChoice(
                plan.code,
                plan.name,
                str(plan.interval),
                price,
                has_seats(plan, sub.currency),
                plan.code == current.code,
                is_metered(plan, sub.currency),
            )
        )
    order = {p.code: p.sort_order for p in await uow.plans.list_public()}
    return sorted(choices, key=lambda c: (order.get(c.code, 0), c.code))


@dataclass(frozen=True, slots=True)
class ExplainedLine:
    text: str  # the engine's words: "Unused time on 3 x Team seats after Nov 13, 2026"
    detail: str  # its arithmetic in days: "18 of 30 days x 3 x 12.00"
    amount: int


def explain_line(line: InvoiceLine) -> ExplainedLine:
    """An invoice line as a quote shows it: the engine's description, which is already in words,
    and the arithmetic in days (not seconds) as a quiet second line."""
    return ExplainedLine(line.description, line.shown_detail, line.amount)


@dataclass(frozen=True, slots=True)
class ExplainedQuote:
    quote: ChangeQuote | AddonQuote
    lines: tuple[ExplainedLine, ...]
    due_now_minor: int  # charged at confirmation (0 when the change waits for the renewal)
    effective_at: datetime
    immediate: bool
    next_invoice: Invoice | None  # the first invoice after the change (for a scheduled one: it)


def explain_quote(quote: ChangeQuote | AddonQuote, *, period_end: datetime) -> ExplainedQuote:
    immediate = quote.timing is Timing.IMMEDIATE
    invoice = quote.invoice
    lines = [*(invoice.lines if invoice else ()), *quote.pending_lines]
    due = invoice.amount_due if invoice is not None and immediate else 0
    return ExplainedQuote(
        quote=quote,
        # a free component (a 0.00 platform fee) explains nothing; keep the lines that bill
        lines=tuple(explain_line(line) for line in lines if line.amount != 0),
        due_now_minor=due,
        effective_at=quote.at if immediate else period_end,
        immediate=immediate,
        next_invoice=invoice,
    )


async def renewal_after_change(
    subscription_id: SubscriptionId,
    quote: ChangeQuote,
    *,
    uow: PaymentsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> Invoice | None:
    """The first invoice after the one the quoted change issues now: for an immediate change,
    the next renewal on the new plan (what the subscriber pays from then on)."""
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        customer = await load_customer(uow, sub.customer_id)
        plan = await plan_for_quote(uow, sub, quote)
        engine = await load_engine(uow, sub, customer, config, extra_plans=(plan,) if plan else ())
    engine.advance_to(quote.at)
    engine.change(
        quote.at, plan=plan, quantity=quote.quantity, timing=quote.timing,
        proration=quote.proration,
    )  # fmt: skip
    issued = len(engine.invoices)
    assert engine.period is not None
    engine.advance_to(engine.period.end)
    later = engine.invoices[issued:]
    return later[0] if later else None


# -- previews on an engine copy -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Preview:
    """What a command would issue now and what comes next, computed on a copy (nothing written)."""

    invoices_now: tuple[Invoice, ...]
    credit_notes: tuple[CreditNote, ...]
    upcoming: tuple[Invoice, ...]

    @property
    def refunded_minor(self) -> int:
        return sum(n.refunded for n in self.credit_notes)

    @property
    def credited_minor(self) -> int:
        """What the credit notes put on the account balance."""
        return sum(n.credited for n in self.credit_notes)

    @property
    def billed_now_minor(self) -> int:
        """What the invoices issued now bill (a cancellation's usage so far), before any credit."""
        return sum(i.total for i in self.invoices_now if i.total > 0)

    @property
    def paid_by_credit_minor(self) -> int:
        """The part of those invoices that the account's credit pays."""
        return sum(i.credit_applied for i in self.invoices_now)

    @property
    def credit_kept_minor(self) -> int:
        """What stays on the balance of what the credit notes credited, after it paid those
        invoices (never below zero: older credit may have paid part of them)."""
        return max(0, self.credited_minor - self.paid_by_credit_minor)


async def _preview(
    subscription_id: SubscriptionId,
    command: Callable[[SubscriptionEngine, datetime], None],
    *,
    uow: PaymentsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
    months: int = 12,
) -> Preview:
    now = clock.now()
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        customer = await load_customer(uow, sub.customer_id)
        engine = copy.deepcopy(await load_engine(uow, sub, customer, config))
    engine.advance_to(now)
    invoices, notes = len(engine.invoices), len(engine.credit_notes)
    command(engine, now)
    issued_now = engine.invoices[invoices:]
    engine.advance_to(now + timedelta(days=31 * months))
    return Preview(
        tuple(issued_now),
        tuple(engine.credit_notes[notes:]),
        tuple(engine.invoices[invoices + len(issued_now) :]),
    )


async def preview_cancellation(
    subscription_id: SubscriptionId,
    *,
    refund: Refund,
    uow: PaymentsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> Preview:
    """What cancelling right now would refund, credit and still bill (usage so far)."""
    return await _preview(
        subscription_id,
        lambda e, at: e.cancel(at, timing=Timing.IMMEDIATE, refund=refund),
        uow=uow, clock=clock, config=config, as_customer=as_customer,
    )  # fmt: skip


async def preview_pause(
    subscription_id: SubscriptionId,
    *,
    resume_at: datetime | None,
    uow: PaymentsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> Preview:
    """The invoices the subscription would issue if paused now until ``resume_at``."""
    return await _preview(
        subscription_id,
        lambda e, at: e.pause(at, resume_at=resume_at),
        uow=uow, clock=clock, config=config, as_customer=as_customer,
    )  # fmt: skip


async def pause_resume_at(
    subscription_id: SubscriptionId,
    *,
    periods: int | None = None,
    until: datetime | None = None,
    uow: PaymentsUnit,
    clock: Clock,
    as_customer: CustomerId | None,
) -> datetime:
    """When a pause asked as "N billing periods" (1 to 3: the next N renewals are skipped) or
    "until a date" ends; refuses plans that cannot be paused."""
    now = clock.now()
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        plan = await uow.plans.get(sub.plan_id)
        assert plan is not None
    if not is_pausable(plan):
        raise ValidationFailed({"pause": f"{plan.name} cannot be paused."}, code="portal.no_pause")
    if until is not None:
        if until <= now:
            raise ValidationFailed({"until": "Choose a date after today."}, code="portal.bad_pause")
        if until > now + timedelta(days=366):
            raise ValidationFailed(
                {"until": "A pause can last up to a year."}, code="portal.bad_pause"
            )
        return until
    if periods is None or not 1 <= periods <= MAX_PAUSE_PERIODS:
        raise ValidationFailed(
            {"periods": f"Choose 1 to {MAX_PAUSE_PERIODS} billing periods."},
            code="portal.bad_pause",
        )
    return sub.period_end + plan.interval.step(periods - 1)


# -- cancellation with a reason -------------------------------------------------------------------
async def cancel_with_feedback(
    subscription_id: SubscriptionId,
    *,
    reason: str,
    comment: str = "",
    timing: Timing = Timing.PERIOD_END,
    refund: Refund = Refund.NONE,
    uow: PaymentsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> Outcome:
    """Cancel (at the period's end by default, or now with ``refund``) and keep the subscriber's
    reason, in one transaction. "Other" needs a comment; comments are capped at 2000 characters."""
    errors = {}
    try:
        why = CancellationReason(reason)
    except ValueError:
        why = None
        errors["reason"] = "Tell us why you are leaving."
    comment = comment.strip()
    if why is CancellationReason.OTHER and not comment:
        errors["comment"] = "Tell us a little more."
    if len(comment) > 2000:
        errors["comment"] = "Keep it under 2000 characters."
    if errors or why is None:
        raise ValidationFailed(errors, code="portal.bad_cancellation")
    async with uow:
        outcome = await run_in(
            uow,
            subscription_id,
            lambda e, at, _: e.cancel(at, timing=timing, refund=refund),
            reason=BillingReason.SUBSCRIPTION_CANCEL,
            now=clock.now(),
            config=config,
            as_customer=as_customer,
        )
        sub = outcome.subscription
        await uow.cancellation_feedback.add(
            CancellationFeedback(
                id=new_id(),
                subscription_id=sub.id,
                customer_id=sub.customer_id,
                reason=why,
                comment=comment,
                timing=timing.value,
                created_at=clock.now(),
            )
        )
        await uow.commit()
    return outcome


# -- after a confirmed change ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChargeReceipt:
    invoice_id: str
    number: str
    amount_minor: int
    currency: str
    paid: bool
    card: str | None  # "Visa •••• 4242"
    action_href: str | None  # the bank's check is waiting
    failed: str | None  # the decline message


async def charge_receipt(
    invoice_id: str, *, uow: PaymentsUnit, as_customer: CustomerId | None
) -> ChargeReceipt:
    """How the invoice of a confirmed change was paid: charged to which card, waiting for the
    bank's check, failed, or still being collected."""
    async with uow:
        issued = await uow.invoices.get(invoice_id)
        if issued is None or (as_customer is not None and issued.customer_id != as_customer):
            raise NotFound("No such invoice.", code="billing.invoice_not_found")
        attempts = await uow.payment_attempts.for_invoice(invoice_id)
        last = max(attempts, key=lambda a: a.number) if attempts else None
        card = None
        if last is not None and last.payment_method_id:
            method = await uow.payment_methods.get(last.payment_method_id)
            if method is not None:
                card = f"{method.brand.title()} •••• {method.last4}"
        if card is None and issued.customer_id is not None:
            methods = await uow.payment_methods.for_customer(issued.customer_id)
            default = next((m for m in methods if m.is_default), None)
            if default is not None:
                card = f"{default.brand.title()} •••• {default.last4}"
    return ChargeReceipt(
        invoice_id=invoice_id,
        number=issued.invoice.number,
        amount_minor=issued.invoice.amount_due,
        currency=issued.invoice.currency,
        paid=issued.paid_at is not None,
        card=card,
        action_href=f"/pay/confirm/{last.payment_ref}"
        if last is not None and last.status is AttemptStatus.REQUIRES_ACTION and last.payment_ref
        else None,
        failed=(last.message or "declined")
        if last is not None and last.status in (AttemptStatus.DECLINED, AttemptStatus.ERROR)
        else None,
    )


# -- what to offer instead of cancelling ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RetentionCoupon:
    code: str
    percent_off: str | None  # "20"
    amount_off_minor: int | None
    duration: str  # "once", "repeating", "forever"
    duration_in_months: int | None


@dataclass(frozen=True, slots=True)
class Offers:
    pause: bool
    coupon: RetentionCoupon | None
    cheaper: tuple[PlanChoice, ...]


async def cancellation_offers(
    subscription_id: SubscriptionId,
    *,
    reason: str,
    retention_coupon: str | None,
    uow: PaymentsUnit,
    clock: Clock,
    as_customer: CustomerId | None,
) -> Offers:
    """What fits the stated reason: too expensive gets the retention coupon (when one is
    configured, still redeemable and not already on the subscription), the cheaper plans of the
    catalog and a pause; not using it gets a pause; the others nothing but a clear way out."""
    now = clock.now()
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        choices = await _choices_in(uow, sub)
        plan = await uow.plans.get(sub.plan_id)
        assert plan is not None
        stored = (
            await uow.coupons.get(retention_coupon.strip().upper()) if retention_coupon else None
        )
    pausable = is_pausable(plan) and sub.status in (
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.TRIALING,
    )
    if reason == CancellationReason.TOO_EXPENSIVE:
        coupon = None
        usable = (
            stored is not None
            and (stored.expires_at is None or stored.expires_at > now)
            and (stored.max_redemptions is None or stored.times_redeemed < stored.max_redemptions)
            and (not stored.plan_codes or plan.code in stored.plan_codes)
            and (stored.percent_off is not None or sub.currency in stored.amounts_off)
            and (sub.coupon is None or sub.coupon.coupon.code != stored.code)
        )
        if usable and stored is not None:
            coupon = RetentionCoupon(
                code=stored.code,
                percent_off=f"{stored.percent_off.normalize():f}" if stored.percent_off else None,
                amount_off_minor=stored.amounts_off.get(sub.currency)
                if stored.percent_off is None
                else None,
                duration=stored.duration.value,
                duration_in_months=stored.duration_in_months,
            )
        current = next(c for c in choices if c.current)
        cheaper = tuple(
            c
            for c in choices
            if not c.current
            and c.interval == current.interval
            and c.price_minor < current.price_minor
        )
        return Offers(pause=pausable, coupon=coupon, cheaper=cheaper)
    if reason == CancellationReason.NOT_USING:
        return Offers(pause=pausable, coupon=None, cheaper=())
    return Offers(pause=False, coupon=None, cheaper=())
