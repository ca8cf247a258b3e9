"""One timeline of everything that happened to a customer, newest first, from the record's
parts (each event at its own instant)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    """Newest first; events at the same instant keep the order they are listed in here."""
    events: list[TimelineEvent] = []
    add = events.append
    if customer.created_at:
        add(
            TimelineEvent(
                customer.created_at, EventKind.CUSTOMER, "Customer created", ref=customer.id
            )
        )
    for sub in subscriptions:
        plan = plan_names.get(sub.id, "")
        add(
            TimelineEvent(
                sub.created_at, EventKind.SUBSCRIPTION, f"Subscribed to {plan}", ref=sub.id
            )
        )
        if sub.canceled_at:
            add(
                TimelineEvent(
                    sub.canceled_at, EventKind.SUBSCRIPTION, f"{plan} canceled", ref=sub.id
                )
            )
    for inv in invoices:
        add(
            TimelineEvent(
                inv.issued_at, EventKind.INVOICE, f"Invoice {inv.number} issued", inv.total, inv.id
            )
        )
        for at, what in (
            (inv.paid_at, "paid"),
            (inv.voided_at, "voided"),
            (inv.marked_uncollectible_at, "marked uncollectible"),
        ):
            if at:
                add(
                    TimelineEvent(
                        at, EventKind.INVOICE, f"Invoice {inv.number} {what}", inv.total, inv.id
                    )
                )
    for p in payments:
        text = f"Payment {p.number} of invoice {p.invoice_number} {_ATTEMPT[p.status]}"
        if p.code:
            text += f" ({p.code})"
        add(TimelineEvent(p.finished_at or p.created_at, EventKind.PAYMENT, text, p.amount, p.id))
    for n in credit_notes:
        text = f"Credit note {n.number} issued against invoice {n.invoice_number}"
        add(TimelineEvent(n.issued_at, EventKind.CREDIT_NOTE, text, n.total, n.id))
    for r in refunds:
        state = {
            RefundStatus.PENDING: "pending",
            RefundStatus.SUCCEEDED: "sent",
            RefundStatus.FAILED: f"failed ({r.code})" if r.code else "failed",
        }[r.status]
        add(
            TimelineEvent(
                r.finished_at or r.created_at, EventKind.REFUND, f"Refund {state}", r.amount, r.id
            )
        )
    for c in cards:
        add(
            TimelineEvent(
                c.added_at, EventKind.CARD, f"Card {c.brand} •••• {c.last4} added", ref=c.id
            )
        )
    for d in dunning:
        text = f"Invoice {d.invoice_number} entered dunning"
        add(TimelineEvent(d.first_failed_at, EventKind.DUNNING, text, ref=d.invoice_id))
    for e in emails:
        add(TimelineEvent(e.created_at, EventKind.EMAIL, f"E-mail queued: {e.subject}", ref=e.id))
        if e.sent_at and e.status is EmailStatus.SENT:
            add(TimelineEvent(e.sent_at, EventKind.EMAIL, f"E-mail sent: {e.subject}", ref=e.id))
    for note in notes:
        text = f"Note by {note.staff_name or note.staff_email}: {_excerpt(note.body)}"
        add(TimelineEvent(note.created_at, EventKind.NOTE, text, ref=note.id))
    for entry in staff_actions:
        if entry.action in _NOT_SHOWN:
            continue
        what = _STAFF_ACTIONS.get(entry.action) or entry.action
        text = f"{entry.actor.email}: {what}" + (f" — {entry.reason}" if entry.reason else "")
        add(TimelineEvent(entry.at, EventKind.STAFF, text, ref=entry.object_id))
    for b in balance:
        what = "granted" if b.amount_minor < 0 else "removed"
        text = (
            f"Balance credit {what}: {b.description}" if b.description else f"Balance credit {what}"
        )
        if b.created_by:
            text += f" (by {b.created_by})"
        amount = Money.of_minor(abs(b.amount_minor), b.currency)
        add(TimelineEvent(b.created_at, EventKind.BALANCE, text, amount, b.id))
    events.sort(key=lambda e: e.at, reverse=True)  # stable: same-instant events keep their order
    return tuple(events[:size])


def _excerpt(body: str, length: int = 80) -> str:
    """A note's first line, at most ``length`` characters; an ellipsis when there is more."""
    lines = body.strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > length:
        return first[: length - 1] + "…"
    return first + ("…" if len(lines) > 1 else "")
