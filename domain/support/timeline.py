"""One timeline of everything that happened to a customer, newest first, from the record's
parts (each event at its own instant)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from domain.audit.model import AuditEntry
from domain.customers.model import BalanceTransaction, Customer
from domain.notifications.model import EmailStatus, EmailSummary
from domain.payments.model import AttemptStatus, RefundStatus
from domain.shared.money import Money
from domain.subscriptions.model import Subscription
from domain.support.actions.registry import ACTIONS
from domain.support.record_model import (
    TIMELINE_SIZE,
    CardEntry,
    CreditNoteEntry,
    DunningEntry,
    EventKind,
    InvoiceRow,
    PaymentEntry,
    RefundEntry,
    StaffNote,
    TimelineEvent,
)

# staff actions in words (the audit log's codes); the registry's own titles for customer actions
_STAFF_ACTIONS = {
    **{code: action.title for code, action in ACTIONS.items()},
    "customer.view_as_started": "Viewed the portal as the subscriber",
    "customer.view_as_ended": "Stopped viewing the portal",
    "test_clock.customer_added": "Created on a test clock (sandbox)",
}
# notes and balance adjustments are events of their own already
_NOT_SHOWN = {
    "customer.note_added",
    "customer.view_as_page",
    "customer.grant_credit",
    "customer.remove_credit",
}

_ATTEMPT = {
    AttemptStatus.PENDING: "pending",
    AttemptStatus.SUCCEEDED: "succeeded",
    AttemptStatus.REQUIRES_ACTION: "awaits the bank's check",
    AttemptStatus.DECLINED: "declined",
    AttemptStatus.ERROR: "failed (gateway error)",
}


def timeline(
    customer: Customer,
    subscriptions: Sequence[Subscription],
    plan_names: Mapping[str, str],
    *,
    invoices: Sequence[InvoiceRow],
    payments: Sequence[PaymentEntry],
    credit_notes: Sequence[CreditNoteEntry],
    refunds: Sequence[RefundEntry],
    cards: Sequence[CardEntry],
    dunning: Sequence[DunningEntry],
    emails: Sequence[EmailSummary],
    notes: Sequence[StaffNote] = (),
    staff_actions: Sequence[AuditEntry] = (),
    balance: Sequence[BalanceTransaction] = (),
    size: int = TIMELINE_SIZE,
) -> tuple[TimelineEvent, ...]:
    """Newest first; events at the same instant keep the order they are listed in here. Each
    event carries its English ``text`` and, for a page in another language, what happened as a
    code (``what``) with the values the text was written with."""
    events: list[TimelineEvent] = []

    def add(
        at: datetime,
        kind: EventKind,
        what: str,
        text: str,
        amount: Money | None = None,
        ref: str = "",
        **values: str,
    ) -> None:
        events.append(TimelineEvent(at, kind, text, amount, ref, what, tuple(values.items())))

    if customer.created_at:
        add(customer.created_at, EventKind.CUSTOMER, "customer.created", "Customer created",
            ref=customer.id)  # fmt: skip
    for sub in subscriptions:
        plan = plan_names.get(sub.id, "")
        add(sub.created_at, EventKind.SUBSCRIPTION, "subscription.created",
            f"Subscribed to {plan}", ref=sub.id, plan=plan)  # fmt: skip
        if sub.canceled_at:
            add(sub.canceled_at, EventKind.SUBSCRIPTION, "subscription.canceled",
                f"{plan} canceled", ref=sub.id, plan=plan)  # fmt: skip
    for inv in invoices:
        add(inv.issued_at, EventKind.INVOICE, "invoice.issued", f"Invoice {inv.number} issued",
            inv.total, inv.id, number=inv.number)  # fmt: skip
        for at, what, word in (
            (inv.paid_at, "invoice.paid", "paid"),
            (inv.voided_at, "invoice.voided", "voided"),
            (inv.marked_uncollectible_at, "invoice.marked_uncollectible", "marked uncollectible"),
        ):
            if at:
                add(at, EventKind.INVOICE, what, f"Invoice {inv.number} {word}", inv.total,
                    inv.id, number=inv.number)  # fmt: skip
    for p in payments:
        text = f"Payment {p.number} of invoice {p.invoice_number} {_ATTEMPT[p.status]}"
        if p.code:
            text += f" ({p.code})"
        add(p.finished_at or p.created_at, EventKind.PAYMENT, f"payment.{p.status.value}", text,
            p.amount, p.id, number=str(p.number), invoice=p.invoice_number,
            code=p.code or "")  # fmt: skip
    for n in credit_notes:
        text = f"Credit note {n.number} issued against invoice {n.invoice_number}"
        add(n.issued_at, EventKind.CREDIT_NOTE, "credit_note.issued", text, n.total, n.id,
            number=n.number, invoice=n.invoice_number)  # fmt: skip
    for r in refunds:
        state = {
            RefundStatus.PENDING: "pending",
            RefundStatus.SUCCEEDED: "sent",
            RefundStatus.FAILED: f"failed ({r.code})" if r.code else "failed",
        }[r.status]
        add(r.finished_at or r.created_at, EventKind.REFUND, f"refund.{r.status.value}",
            f"Refund {state}", r.amount, r.id, code=r.code or "")  # fmt: skip
    for c in cards:
        add(c.added_at, EventKind.CARD, "card.added", f"Card {c.brand} •••• {c.last4} added",
            ref=c.id, brand=c.brand, last4=c.last4)  # fmt: skip
    for d in dunning:
        add(d.first_failed_at, EventKind.DUNNING, "dunning.started",
            f"Invoice {d.invoice_number} entered dunning", ref=d.invoice_id,
            invoice=d.invoice_number)  # fmt: skip
    for e in emails:
        add(e.created_at, EventKind.EMAIL, "email.queued", f"E-mail queued: {e.subject}",
            ref=e.id, subject=e.subject)  # fmt: skip
        if e.sent_at and e.status is EmailStatus.SENT:
            add(e.sent_at, EventKind.EMAIL, "email.sent", f"E-mail sent: {e.subject}", ref=e.id,
                subject=e.subject)  # fmt: skip
    for note in notes:
        by, excerpt = note.staff_name or note.staff_email, _excerpt(note.body)
        add(note.created_at, EventKind.NOTE, "note.added", f"Note by {by}: {excerpt}",
            ref=note.id, by=by, excerpt=excerpt)  # fmt: skip
    for entry in staff_actions:
        if entry.action in _NOT_SHOWN:
            continue
        what = _STAFF_ACTIONS.get(entry.action) or entry.action
        text = f"{entry.actor.email}: {what}" + (f" — {entry.reason}" if entry.reason else "")
        add(entry.at, EventKind.STAFF, "staff.action", text, ref=entry.object_id,
            by=entry.actor.email, action=entry.action, title=what,
            reason=entry.reason or "")  # fmt: skip
    for b in balance:
        what = "granted" if b.amount_minor < 0 else "removed"
        text = (
            f"Balance credit {what}: {b.description}" if b.description else f"Balance credit {what}"
        )
        if b.created_by:
            text += f" (by {b.created_by})"
        amount = Money.of_minor(abs(b.amount_minor), b.currency)
        add(b.created_at, EventKind.BALANCE, f"balance.{what}", text, amount, b.id,
            description=b.description or "", by=b.created_by or "")  # fmt: skip
    events.sort(key=lambda e: e.at, reverse=True)  # stable: same-instant events keep their order
    return tuple(events[:size])


def _excerpt(body: str, length: int = 80) -> str:
    """A note's first line, at most ``length`` characters; an ellipsis when there is more."""
    lines = body.strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > length:
        return first[: length - 1] + "…"
    return first + ("…" if len(lines) > 1 else "")
