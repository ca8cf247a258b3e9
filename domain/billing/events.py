"""Invoices and credit notes as webhook events carry them (``invoice.*``, ``credit_note.issued``),
emitted in the transaction that moves them (``domain/outbound/events.py``)."""

from __future__ import annotations

from datetime import datetime

from domain.billing.issued import IssuedCreditNote, IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.jobs.model import JsonValue
from domain.outbound.events import EventType, OutboundEvent, emit, new_event
from domain.outbound.ports import OutboundUnit


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _money(amount: int, currency: str) -> dict[str, JsonValue]:
    return {"amount_minor": amount, "currency": currency}


def invoice_data(issued: IssuedInvoice) -> dict[str, JsonValue]:
    inv = issued.invoice
    cur = inv.currency
    return {
        "object": "invoice",
        "id": issued.id,
        "number": issued.number,
        "status": issued.status.value,
        "customer_id": issued.customer_id,
        "subscription_id": issued.subscription_id,
        "billing_reason": issued.reason.value,
        "currency": cur,
        "subtotal": _money(inv.subtotal, cur),
        "discount": _money(inv.discount, cur),
        "tax": _money(inv.tax, cur),
        "total": _money(inv.total, cur),
        "credit_applied": _money(inv.credit_applied, cur),
        "amount_due": _money(inv.amount_due, cur),
        "period": {"start": _iso(inv.period.start), "end": _iso(inv.period.end)},
        "issued_at": _iso(inv.issued_at) if inv.number else None,
        "due_at": _iso(issued.due_at),
        "paid_at": _iso(issued.paid_at),
        "voided_at": _iso(issued.voided_at),
        "lines": [
            {"description": line.description, "amount": _money(line.amount, cur)}
            for line in inv.lines
        ],
    }


def credit_note_data(issued: IssuedCreditNote) -> dict[str, JsonValue]:
    note, cur = issued.note, issued.currency
    return {
        "object": "credit_note",
        "id": issued.id,
        "number": issued.number,
        "invoice_id": issued.invoice_id,
        "invoice_number": note.invoice or None,
        "customer_id": issued.customer_id,
        "subscription_id": issued.subscription_id,
        "reason": issued.reason.value,
        "currency": cur,
        "subtotal": _money(note.subtotal, cur),
        "tax": _money(note.tax, cur),
        "total": _money(note.total, cur),
        "refunded": _money(note.refunded, cur),
        "credited": _money(note.credited, cur),
        "issued_at": _iso(note.issued_at),
    }


async def invoice_event(
    uow: OutboundUnit, type: EventType, issued: IssuedInvoice, *, at: datetime
) -> None:
    await emit(uow, type, invoice_data(issued), at=at)


async def invoice_issued(uow: OutboundUnit, issued: IssuedInvoice) -> None:
    """``invoice.issued`` for a newly numbered invoice, and ``invoice.paid`` too when it had
    nothing to pay (paid at its issue instant)."""
    for event in invoice_issued_events(issued):
        await uow.outbound_events.add(event)


def invoice_issued_events(issued: IssuedInvoice) -> list[OutboundEvent]:
    """The events of ``invoice_issued`` (none has a key: each is stored)."""
    at = issued.invoice.issued_at
    events = [new_event(EventType.INVOICE_ISSUED, invoice_data(issued), at=at)]
    if issued.status is InvoiceStatus.PAID:
        paid_at = issued.paid_at or at
        events.append(new_event(EventType.INVOICE_PAID, invoice_data(issued), at=paid_at))
    return events


async def credit_note_issued(uow: OutboundUnit, note: IssuedCreditNote) -> None:
    await emit(uow, EventType.CREDIT_NOTE_ISSUED, credit_note_data(note), at=note.note.issued_at)
