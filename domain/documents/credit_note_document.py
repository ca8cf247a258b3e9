"""The printable credit note: a frozen view of an issued credit note, the invoice it credits and
the seller, with a fingerprint (like ``InvoiceDocument``; the renderer only lays it out).

A credit note is immutable, so its ``version`` moves only when the seller's letterhead or the
language it is printed in (its recipient's) does.
Its tax line reads the credited invoice's stored tax basis (rate, inclusive, reverse charge).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from zoneinfo import ZoneInfo

from domain.billing.issued import CustomerSnapshot, IssuedCreditNote, IssuedInvoice
from domain.documents.invoice_document import (
    Seller,
    TaxSummary,
    document_display,
    fingerprint,
    tax_summary,
)
from domain.shared.display import Display
from domain.shared.money import Currency, Money

REASON_LABELS = {
    "duplicate": "Duplicate charge",
    "fraudulent": "Fraudulent charge",
    "order_change": "Subscription change",
    "product_unsatisfactory": "Refund",
}


@dataclass(frozen=True, slots=True)
class CreditLine:
    description: str
    explanation: str
    amount: Money


@dataclass(frozen=True, slots=True)
class CreditNoteDocument:
    credit_note_id: str
    customer_id: str | None
    number: str
    invoice_id: str
    invoice_number: str
    invoice_issued_on: date
    reason: str  # "Subscription change", "Refund"
    issued_on: date
    seller: Seller
    buyer: CustomerSnapshot  # as printed on the credited invoice
    currency: str
    lines: tuple[CreditLine, ...]
    subtotal: Money
    discount: Money
    tax: TaxSummary
    total: Money
    refunded: Money  # back to the card that paid the invoice
    credited: Money  # to the customer's balance, used by the next invoices
    display: Display = field(
        default_factory=Display
    )  # printed in (part of the fingerprint, like invoices)
    version: str = ""

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


def build_credit_note_document(
    note: IssuedCreditNote, invoice: IssuedInvoice, seller: Seller, display: Display | None = None
) -> CreditNoteDocument:
    """The printable view of ``note``, which credits ``invoice``; dates in the seller's zone,
    printed in ``display`` (the recipient's; by default the site's)."""
    cn = note.note
    currency = Currency.of(note.currency)
    zone = ZoneInfo(seller.timezone)

    def money(minor: int) -> Money:
        return Money(minor, currency)

    document = CreditNoteDocument(
        credit_note_id=note.id,
        customer_id=note.customer_id,
        number=note.number,
        invoice_id=invoice.id,
        invoice_number=invoice.number or cn.invoice,
        invoice_issued_on=invoice.invoice.issued_at.astimezone(zone).date(),
        reason=REASON_LABELS.get(note.reason.value, note.reason.value.replace("_", " ")),
        issued_on=cn.issued_at.astimezone(zone).date(),
        seller=seller,
        buyer=invoice.customer,
        currency=currency.code,
        lines=tuple(  # a zero line (a free component's unused time) says nothing to a person
            CreditLine(line.description, line.shown_detail, money(line.amount))
            for line in cn.lines
            if line.amount
        ),
        subtotal=money(cn.subtotal),
        discount=money(cn.discount),
        tax=tax_summary(
            subtotal=cn.subtotal,
            discount=cn.discount,
            tax=cn.tax,
            total=cn.total,
            basis=invoice.invoice.tax_basis,
            buyer=invoice.customer,
            seller=seller,
            currency=currency,
        ),
        total=money(cn.total),
        refunded=money(cn.refunded),
        credited=money(cn.credited),
        display=display or document_display(None, seller),
    )
    return replace(document, version=fingerprint(document))
