"""Loading a subscription's billing engine and storing what it did, shared by the subscription
use cases (this package only): the customer, subscription and current plan lookups, the tax
decision, coupon redemption, then numbering and storing the engine's invoices and credit notes,
saving the new state and queueing the collection, PDF and notice jobs it calls for."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from domain.billing.config import BillingConfig
from domain.billing.credit_notes import issue_credit_note_in
from domain.billing.issued import (
    BillingReason,
    CreditNoteReason,
    CustomerSnapshot,
    IssuedInvoice,
)
from domain.billing.model import Invoice, InvoiceStatus, LineKind
from domain.billing.service import issue_invoice_in
from domain.catalog.model import Plan
from domain.customers.model import Customer
from domain.notifications.later import notify_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.pricing.tax_policy import TaxDecision, TaxTreatment, decide_tax
from domain.promotions.model import Promotion
from domain.promotions.redemption import (
    check_minimum,
    check_redeemable,
    count_redemption,
    find_promotion,
    not_found,
)
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.shared.money import Currency
from domain.subscriptions.engine import BillingSettings, SubscriptionEngine, SubscriptionStatus
from domain.subscriptions.entitlement_rules import entitles_differently
from domain.subscriptions.entitlements import refresh_entitlements_in
from domain.subscriptions.errors import SubscriptionErrorCode
from domain.subscriptions.events import emit_change
from domain.subscriptions.model import Subscription, UsageTotal, counts_as_earlier_subscription
from domain.subscriptions.mrr_ledger import MrrTrail, record_change
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.state import billing_settings, engine_from, plan_ids_of, snapshot


def billing_settings_for(
    customer: Customer, config: BillingConfig, *, tax: TaxDecision | None
) -> BillingSettings:
    return BillingSettings(
        currency=Currency.of(customer.currency),
        tz=ZoneInfo(customer.timezone),
        proration=config.proration,
        rounding=config.rounding,
        tax_rounding=config.tax_rounding,
        tax_rate=tax.rate if tax else None,
        reverse_charge=tax is not None and tax.treatment is TaxTreatment.REVERSE_CHARGE,
        tax_note=tax.note if tax else None,
    )


async def tax_decision(
    uow: SubscriptionsUnit, customer: Customer, config: BillingConfig
) -> TaxDecision:
    return decide_tax(
        seller_country=config.seller_country,
        country=customer.country,
        region=customer.region,
        rates=await uow.tax_rates.all(),
        tax_exempt=customer.tax_exempt,
        tax_id=customer.tax_id,
    )


async def load_customer(
    uow: SubscriptionsUnit, customer_id: CustomerId, *, lock: bool = False
) -> Customer:
    customer = await uow.customers.get(customer_id, lock=lock)
    if customer is None:
        raise NotFound("No such customer.", code=SubscriptionErrorCode.CUSTOMER_NOT_FOUND)
    return customer


async def load_subscription(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    as_customer: CustomerId | None,
    *,
    lock: bool = False,
) -> Subscription:
    sub = await uow.subscriptions.get(subscription_id, lock=lock)
    # another subscriber's subscription is "not found", never "forbidden": ids leak nothing
    if sub is None or (as_customer is not None and sub.customer_id != as_customer):
        raise NotFound("No such subscription.", code=SubscriptionErrorCode.NOT_FOUND)
    return sub


async def current_plan(uow: SubscriptionsUnit, code: str) -> Plan:
    plan = await uow.plans.get_by_code(code)
    if plan is None:
        raise NotFound(f"There is no plan {code!r}.", code=SubscriptionErrorCode.PLAN_NOT_FOUND)
    return plan


async def redeem_coupon(
    uow: SubscriptionsUnit, promotion: Promotion, *, currency: str, order_minor: int | None
) -> None:
    """Count a redemption of ``promotion`` (found with ``lock=True`` in this transaction) once
    the order is known: ``order_minor`` the first invoice before discount and tax, None when the
    code is applied to a subscription that exists."""
    check_minimum(promotion, currency=currency, order_minor=order_minor)
    await count_redemption(uow, promotion)


async def redeemable_coupon(
    uow: SubscriptionsUnit,
    code: str,
    customer: Customer,
    plan: Plan,
    now: datetime,
    *,
    subscription_id: SubscriptionId | None = None,
    lock: bool = False,
) -> Promotion:
    """The promotion code ``code`` with its coupon if their limits let ``customer`` use it on
    ``plan`` now (``ValidationFailed`` on the ``coupon`` field otherwise); nothing is counted.
    The minimum order amount is checked by ``redeem_coupon``."""
    promotion = await find_promotion(uow, code, lock=lock)
    if promotion is None:
        raise not_found(code.strip().upper())
    earlier = [
        s
        for s in await uow.subscriptions.for_customer(customer.id)
        if s.id != subscription_id and counts_as_earlier_subscription(s)
    ]
    check_redeemable(
        promotion,
        now=now,
        plan_code=plan.code,
        currency=customer.currency,
        customer_has_subscribed_before=bool(earlier),
    )
    return promotion


async def load_engine(
    uow: SubscriptionsUnit,
    sub: Subscription,
    customer: Customer,
    config: BillingConfig,
    *,
    extra_plans: tuple[Plan, ...] = (),
    settled_before: datetime | None = None,
) -> SubscriptionEngine:
    """The subscription's engine with its current period's usage. ``settled_before``: the
    instant the caller runs the engine at (it cuts no period before it); the events before it
    and before the period's end reach the engine summed by the database, one folded event per
    meter and key (a month of a million events aggregated in SQL), the later ones one by one."""
    plans: dict[PlanId, Plan] = {plan.id: plan for plan in extra_plans}
    for plan_id in plan_ids_of(sub) - plans.keys():
        plan = await uow.plans.get(plan_id)
        if plan is None:
            raise NotFound("The subscription's plan is gone.", code="catalog.plan_not_found")
        plans[plan_id] = plan
    period_invoice = (
        await uow.invoices.get(sub.period_invoice_id) if sub.period_invoice_id else None
    )
    if sub.currency != customer.currency:
        raise ValidationFailed(
            {"currency": "the subscription and the customer use different currencies"},
            code=SubscriptionErrorCode.CURRENCY,
        )
    settings = billing_settings(
        sub,
        rounding=config.rounding,
        tax_rounding=config.tax_rounding,
        tax=await tax_decision(uow, customer, config),
    )
    bound = min(settled_before, sub.period_end) if settled_before is not None else None
    if bound is not None and bound <= sub.period_start:
        bound = None
    return engine_from(
        sub,
        settings=settings,
        plans=plans,
        usage=await uow.usage.since(sub.id, bound or sub.period_start),
        usage_totals=await _usage_totals(uow, sub, bound) if bound else (),
        period_invoice=period_invoice.invoice if period_invoice else None,
        balance_minor=customer.balance_minor,
    )


async def _usage_totals(
    uow: SubscriptionsUnit, sub: Subscription, bound: datetime
) -> list[UsageTotal]:
    """The period's events before ``bound`` summed, one range per plan: an immediate change
    from another plan left that plan's usage so far in the pending lines, ending at the change
    (``EngineState._usage_start``), so no folded event may span that instant."""
    cuts = sorted(
        {sub.period_start, bound}
        | {
            line.period.end
            for line in sub.pending_lines
            if line.kind is LineKind.USAGE and sub.period_start < line.period.end < bound
        }
    )
    totals: list[UsageTotal] = []
    for start, end in pairwise(cuts):
        totals += await uow.usage.totals(sub.id, start, end)
    return totals


def cycle_reason(invoice: Invoice) -> BillingReason:
    """A renewal invoice bills the period that starts at its own instant; an invoice issued by
    a renewal for the period that just ended (usage at a period-end cancellation, or usage
    recorded before a pause) is the subscription's closing bill for that period."""
    if invoice.period.start == invoice.issued_at:
        return BillingReason.SUBSCRIPTION_CYCLE
    return BillingReason.SUBSCRIPTION_ARREARS


def needs_collection(stored: IssuedInvoice, sub: Subscription) -> bool:
    """An invoice the payments context must charge once its transaction commits: open with an
    amount due, and not on a test clock (a test clock's advance collects on its own time)."""
    return (
        stored.invoice.status is InvoiceStatus.OPEN
        and stored.invoice.amount_due > 0
        and sub.test_clock_id is None
    )


async def store_outcome(
    uow: SubscriptionsUnit,
    sub: Subscription,
    engine: SubscriptionEngine,
    customer: Customer,
    config: BillingConfig,
    now: datetime,
    *,
    reasons: tuple[BillingReason, ...],
    collect_later: bool = True,
    trail: MrrTrail | None = None,
    number_later: bool = False,
) -> Outcome:
    """Number and store the engine's new invoices and credit notes, then save the state, its
    history, its MRR movements (``trail``: the readings on the way to ``now``) and the
    customer's entitlements (``entitlements.py``).
    ``number_later``: the invoices are stored without numbers (and their events), for the caller
    to number with ``billing.service.number_issued`` before it commits; not when a credit note
    was issued too (it names its invoice's number): those are numbered at once."""
    numbered = not number_later or bool(engine.credit_notes)
    snap = _snapshot_of(customer)
    issued: list[IssuedInvoice] = []
    by_engine_number: dict[str, IssuedInvoice] = {}
    for invoice, reason in zip(engine.invoices, reasons, strict=True):
        stored = await issue_invoice_in(
            uow,
            invoice,
            subscription_id=sub.id,
            customer_id=customer.id,
            reason=reason,
            customer=snap,
            series=config.invoice_series(invoice.issued_at),
            numbered=numbered,
        )
        issued.append(stored)
        by_engine_number[invoice.number] = stored
        if collect_later and needs_collection(stored, sub):
            # charged by the payments context, after this transaction commits
            uow.jobs.enqueue(
                "payments.collect_invoice", unique_key=f"collect:{stored.id}", invoice_id=stored.id
            )
    period_invoice_id = sub.period_invoice_id
    if engine.period_invoice is not None:
        current = by_engine_number.get(engine.period_invoice.number)
        if current is not None:
            period_invoice_id = current.id
    notes = []
    for note in engine.credit_notes:
        target = by_engine_number.get(note.invoice)
        invoice_id = target.id if target is not None else sub.period_invoice_id
        assert invoice_id is not None, "a credit note always credits a stored invoice"
        notes.append(
            await issue_credit_note_in(
                uow,
                note,
                invoice_id=invoice_id,
                customer_id=customer.id,
                subscription_id=sub.id,
                series=config.credit_note_series(note.issued_at),
                reason=CreditNoteReason.ORDER_CHANGE,
                unused_service=True,
            )
        )
        if note.refunded > 0:  # sent back to the card by the payments context
            uow.jobs.enqueue(
                "payments.refund_credit_note",
                unique_key=f"refund:{notes[-1].id}",
                credit_note_id=notes[-1].id,
            )
    saved = snapshot(sub, engine, period_invoice_id=period_invoice_id, now=now)
    await uow.subscriptions.save(saved)
    await record_change(uow, saved, engine, customer, now, trail)
    if entitles_differently(sub, saved):  # the customer_entitlement read model, kept live
        await refresh_entitlements_in(uow, customer.id, now=now)
    plan = await uow.plans.get(saved.plan_id)
    await emit_change(uow, sub, saved, at=now, plan_code=plan.code if plan else None)
    # no PDF jobs (issue 18): an invoice's PDF is rendered on its first download
    await _notices(uow, sub, saved, now)
    if engine.balance != customer.balance_minor:
        await uow.customers.save(replace(customer, balance_minor=engine.balance))
    return Outcome(saved, tuple(issued), tuple(notes))


async def _notices(
    uow: SubscriptionsUnit, before: Subscription, after: Subscription, now: datetime
) -> None:
    """The notices a change of state calls for (a new subscription gets the welcome notice
    from checkout, not from here)."""
    if before.version == 0:
        return
    kind: EmailKind | None = None
    ended_now = (
        after.status is SubscriptionStatus.CANCELED
        and before.status is not after.status
        and not before.cancel_at_period_end  # that one was announced when it was scheduled
    )
    if ended_now:
        kind = EmailKind.SUBSCRIPTION_CANCELED
    elif after.cancel_at_period_end and not before.cancel_at_period_end:
        kind = EmailKind.SUBSCRIPTION_CANCEL_SCHEDULED  # still active until the period ends
    elif (
        before.cancel_at_period_end
        and not after.cancel_at_period_end
        and after.status is not SubscriptionStatus.CANCELED
    ):
        kind = EmailKind.SUBSCRIPTION_CANCEL_UNDONE
    elif after.status is SubscriptionStatus.PAUSED and before.status is not after.status:
        kind = EmailKind.SUBSCRIPTION_PAUSED
    elif before.status is SubscriptionStatus.PAUSED and after.status is SubscriptionStatus.ACTIVE:
        kind = EmailKind.SUBSCRIPTION_RESUMED
    if kind is not None:
        notify_later(
            uow,
            kind,
            customer_id=after.customer_id,
            key=dedupe_key(kind, after.id, now),
            subscription_id=after.id,
        )
    if after.plan_id != before.plan_id:
        old, new = await uow.plans.get(before.plan_id), await uow.plans.get(after.plan_id)
        if old is not None and new is not None and old.code != new.code:
            notify_later(
                uow,
                EmailKind.PLAN_CHANGED,
                customer_id=after.customer_id,
                key=dedupe_key(EmailKind.PLAN_CHANGED, after.id, now),
                subscription_id=after.id,
                old_plan_name=old.name,
                new_plan_name=new.name,
                effective_at=now.isoformat(),
            )


def _snapshot_of(customer: Customer) -> CustomerSnapshot:
    return CustomerSnapshot(
        name=customer.name,
        email=customer.email,
        address_lines=customer.address_lines,
        country=customer.country,
        tax_id=customer.tax_id,
    )
