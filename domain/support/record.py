"""The customer record ("360") support staff read: profile and billing details, balance,
subscriptions with their next invoice and usage so far, invoices, every payment attempt, credit notes, refunds,
cards, dunning, e-mails sent, staff notes, and one timeline of all of it. One read transaction;
the acting staff member needs ``customers.read``."""

from __future__ import annotations

from domain.audit.model import AuditFilter
from domain.billing.config import BillingConfig
from domain.payments.standing import actions_needed
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.subscriptions.reads import customer_in
from domain.subscriptions.subscription_views import view_in
from domain.subscriptions.usage import usage_in
from domain.support.ports import SupportUnit
from domain.support.record_lists import payment_entries, refund_entry
from domain.support.record_model import (
    PAGE_SIZE,
    TIMELINE_SIZE,
    CardEntry,
    CreditNoteEntry,
    CustomerRecord,
    DunningEntry,
    Page,
    SubscriptionUsage,
)
from domain.support.timeline import timeline


async def customer_record(
    actor: SignedInStaff,
    customer_id: str,
    *,
    uow: SupportUnit,
    clock: Clock,
    config: BillingConfig | None = None,
    page_size: int = PAGE_SIZE,
) -> CustomerRecord:
    """Everything about one customer, the newest ``page_size`` of each list with its count;
    ``NotFound`` for an unknown customer, ``PermissionDenied`` for a role without
    ``customers.read``."""
    require(actor, Permission.CUSTOMERS_READ)
    config = config or BillingConfig()
    now = clock.now()
    async with uow:
        customer = await customer_in(uow, CustomerId(customer_id))
        account = await uow.accounts.get_by_customer(customer.id)
        subs = await uow.subscriptions.for_customer(customer.id)
        views = [
            await view_in(uow, sub, now=now, config=config, actions=await actions_needed(uow, sub))
            for sub in subs
        ]
        views.sort(key=lambda v: (not v.is_live, -v.period_start.timestamp()))
        usage: dict[str, SubscriptionUsage] = {}
        for sub in subs:
            so_far = await usage_in(uow, sub, now=now, config=config)
            if so_far is not None:
                usage[sub.id] = SubscriptionUsage.of(so_far)
        invoices = await uow.directory.invoices_of(customer.id, limit=page_size)
        invoice_count = await uow.invoices.count_finalized(customer.id)
        numbers = {row.id: row.number for row in invoices}
        attempts, attempt_count = await uow.directory.attempts_of(customer.id, limit=page_size)
        notes = await uow.credit_notes.list_for_customer(customer.id)
        refunds, refund_count = await uow.directory.refunds_of(customer.id, limit=page_size)
        cards = await uow.payment_methods.for_customer(customer.id)
        cases = await uow.dunning.open_for_customer(customer.id)
        emails, email_count = await uow.directory.emails_to(customer.email, limit=page_size)
        staff_notes, note_count = await uow.notes.for_customer(customer.id, limit=page_size)
        staff_actions = await uow.audit.find(
            AuditFilter(customer_id=customer.id), limit=TIMELINE_SIZE
        )
        adjustments = await uow.balance_transactions.for_customer(customer.id, limit=page_size)
        wanted = {a.invoice_id for a in attempts} | {n.invoice_id for n in notes[:page_size]}
        for invoice_id in sorted((wanted | {c.invoice_id for c in cases}) - numbers.keys()):
            issued = await uow.invoices.get(invoice_id)
            numbers[invoice_id] = (issued.number if issued else None) or "draft"
        payments = tuple(await payment_entries(uow, attempts, numbers))

    credit_notes = tuple(
        CreditNoteEntry(
            id=n.id,
            number=n.number,
            invoice_id=n.invoice_id,
            invoice_number=numbers[n.invoice_id],
            reason=n.reason,
            issued_at=n.note.issued_at,
            total=Money.of_minor(n.note.total, n.currency),
            refunded=Money.of_minor(n.note.refunded, n.currency),
            credited=Money.of_minor(n.note.credited, n.currency),
        )
        for n in notes[:page_size]
    )
    refund_entries = tuple(refund_entry(r) for r in refunds)
    card_entries = tuple(
        CardEntry(
            id=m.id,
            brand=m.brand,
            last4=m.last4,
            exp_month=m.exp_month,
            exp_year=m.exp_year,
            is_default=m.is_default,
            expired=m.expires_before(now),
            added_at=m.created_at,
        )
        for m in cards
    )
    dunning = tuple(
        DunningEntry(
            invoice_id=c.invoice_id,
            invoice_number=numbers[c.invoice_id],
            subscription_id=c.subscription_id,
            status=c.status,
            failures=c.failures,
            first_failed_at=c.first_failed_at,
            next_attempt_at=c.next_attempt_at,
            awaiting_new_method=c.awaiting_new_method,
        )
        for c in sorted(cases, key=lambda c: c.first_failed_at, reverse=True)
    )
    balance = Money.of_minor(customer.balance_minor, customer.currency)
    return CustomerRecord(
        customer=customer,
        balance=balance,
        credit=Money.of_minor(max(0, -customer.balance_minor), customer.currency),
        account_id=account.id if account else None,
        email_verified=account.email_verified if account else False,
        subscriptions=tuple(views),
        invoices=Page(tuple(invoices), invoice_count),
        payments=Page(payments, attempt_count),
        credit_notes=Page(credit_notes, len(notes)),
        refunds=Page(refund_entries, refund_count),
        payment_methods=card_entries,
        dunning=dunning,
        emails=Page(tuple(emails), email_count),
        notes=Page(tuple(staff_notes), note_count),
        timeline=timeline(
            customer,
            subs,
            {v.id: v.plan_name for v in views},
            invoices=invoices,
            payments=payments,
            credit_notes=credit_notes,
            refunds=refund_entries,
            cards=card_entries,
            dunning=dunning,
            emails=emails,
            notes=staff_notes,
            staff_actions=staff_actions,
            balance=adjustments,
        ),
        now=now,
        usage=usage,
    )
