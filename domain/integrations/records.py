"""The accounting documents as the export reads them: invoices, payments (by card through the
gateway, or recorded offline by staff), credit notes and refunds. Amounts are exact integer minor
units in the document's currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    id: str
    number: str
    customer_id: str
    customer_name: str
    customer_email: str
    currency: str
    status: str
    issued_at: datetime
    subtotal: int
    discount: int
    tax: int
    total: int
    credit_applied: int
    amount_due: int
    paid_at: datetime | None = None
    voided_at: datetime | None = None
    written_off_at: datetime | None = None  # marked uncollectible


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    id: str
    invoice_number: str
    customer_id: str
    customer_name: str
    currency: str
    amount: int
    paid_at: datetime
    method: str  # "card" or how staff recorded it (bank_transfer, cheque, cash, other)
    reference: str
    status: str = "succeeded"


@dataclass(frozen=True, slots=True)
class CreditNoteRecord:
    id: str
    number: str
    invoice_number: str
    customer_id: str
    customer_name: str
    currency: str
    reason: str
    issued_at: datetime
    subtotal: int
    discount: int
    tax: int
    total: int
    refunded: int  # paid back through a refund (the refund moves the cash)
    credited: int  # added to the customer's credit balance


@dataclass(frozen=True, slots=True)
class RefundRecord:
    id: str
    credit_note_number: str
    invoice_number: str
    customer_id: str
    customer_name: str
    currency: str
    amount: int
    status: str
    refunded_at: datetime
    reference: str
