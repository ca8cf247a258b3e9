"""Stored billing documents: invoices (draft, then numbered and immutable, with a snapshot of the
customer) and the credit notes issued against them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from domain.billing.invoice_states import check_transition
from domain.billing.model import CreditNote, Invoice, InvoiceStatus


class BillingReason(StrEnum):
    SUBSCRIPTION_CREATE = "subscription_create"
    SUBSCRIPTION_CYCLE = "subscription_cycle"
    SUBSCRIPTION_UPDATE = "subscription_update"
    SUBSCRIPTION_CANCEL = "subscription_cancel"
    # a renewal's bill for the period that just ended (usage at a period-end cancellation, or
    # usage recorded before a pause): not a new cycle, so no cycle key
    SUBSCRIPTION_ARREARS = "subscription_arrears"
    MANUAL = "manual"


class IssueErrorCode(StrEnum):
    DUPLICATE_CYCLE = "billing.duplicate_cycle"
    BAD_SERIES = "billing.bad_series_prefix"
    INVOICE_NOT_FOUND = "billing.invoice_not_found"
    NO_LINES = "billing.invoice_without_lines"
    NEGATIVE_TOTAL = "billing.invoice_negative_total"
    BAD_AMOUNT = "billing.bad_amount"
    NAIVE_INSTANT = "billing.naive_instant"
    INCONSISTENT = "billing.invoice_inconsistent_amounts"


@dataclass(frozen=True, slots=True)
class CustomerSnapshot:
    """The buyer as printed on the invoice; later profile edits never change an issued invoice."""

    name: str
    email: str
    address_lines: tuple[str, ...] = ()
    country: str = ""
    tax_id: str | None = None


class OfflineMethod(StrEnum):
    """How an invoice was paid outside the gateway (Stripe's "paid out of band")."""

    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"
    CASH = "cash"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class OfflinePayment:
    """A payment recorded by staff, not charged: how, the bank's or cheque's reference, and the
    day the money arrived."""

    method: OfflineMethod
    reference: str
    received_on: date


@dataclass(frozen=True, slots=True)
class IssuedInvoice:
    """A stored invoice. A draft has no number (``invoice.number`` is ``""``); finalizing numbers
    it and fixes its issue instant. After that only its status moves (``invoice_states``), and
    each move records its instant."""

    id: str
    subscription_id: str | None
    customer_id: str | None
    reason: BillingReason
    customer: CustomerSnapshot
    invoice: Invoice  # its ``number`` is the series number ("" while a draft)
    paid_at: datetime | None = None
    voided_at: datetime | None = None
    marked_uncollectible_at: datetime | None = None
    # printed on the invoice and its PDF when set: a note to the customer and their purchase
    # order number (one-off invoices), and the day payment is due (net terms; None: on receipt)
    memo: str = ""
    po_number: str = ""
    due_at: datetime | None = None
    offline_payment: OfflinePayment | None = None  # paid outside the gateway (recorded by staff)

    @property
    def number(self) -> str | None:
        return self.invoice.number or None

    @property
    def status(self) -> InvoiceStatus:
        return self.invoice.status

    @property
    def cycle_key(self) -> str | None:
        if self.reason is not BillingReason.SUBSCRIPTION_CYCLE or self.subscription_id is None:
            return None
        return f"{self.subscription_id}:{self.invoice.period.start.isoformat()}"

    def _moved(self, status: InvoiceStatus) -> IssuedInvoice:
        check_transition(self.status, status, invoice=self.number)
        return replace(self, invoice=replace(self.invoice, status=status))

    def finalize(self, number: str, *, issued_at: datetime) -> IssuedInvoice:
        """Draft -> open with its series number, issued at ``issued_at``. An invoice with nothing
        to pay (``amount_due`` 0: a zero or negative total, or one covered by balance credit) is
        paid at once, at its issue instant, as Stripe does."""
        check_transition(self.status, InvoiceStatus.OPEN, invoice=self.number)
        opened = replace(
            self,
            invoice=replace(
                self.invoice, number=number, issued_at=issued_at, status=InvoiceStatus.OPEN
            ),
        )
        return opened.mark_paid(issued_at) if opened.invoice.amount_due == 0 else opened

    def mark_paid(self, at: datetime, offline: OfflinePayment | None = None) -> IssuedInvoice:
        return replace(self._moved(InvoiceStatus.PAID), paid_at=at, offline_payment=offline)

    def credit_open(self, amount: int) -> IssuedInvoice:
        """A credit note against this open invoice lowers what it still owes (as Stripe's
        pre-payment credit notes do): ``amount`` more is applied, so ``amount_due`` falls by it
        and ``total - credit_applied = amount_due`` still holds. Settled at zero."""
        inv = self.invoice
        if inv.status is not InvoiceStatus.OPEN or not 0 < amount <= inv.amount_due:
            raise ValueError("only an open invoice's amount due can be credited")
        return replace(
            self,
            invoice=replace(
                inv, credit_applied=inv.credit_applied + amount, amount_due=inv.amount_due - amount
            ),
        )

    def void(self, at: datetime) -> IssuedInvoice:
        return replace(self._moved(InvoiceStatus.VOID), voided_at=at)

    def mark_uncollectible(self, at: datetime) -> IssuedInvoice:
        return replace(self._moved(InvoiceStatus.UNCOLLECTIBLE), marked_uncollectible_at=at)


class CreditNoteReason(StrEnum):
    """Why a credit note was issued (Stripe's reasons)."""

    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    ORDER_CHANGE = "order_change"
    PRODUCT_UNSATISFACTORY = "product_unsatisfactory"


class CreditNoteErrorCode(StrEnum):
    EXCEEDS_INVOICE = "billing.credit_note_exceeds_invoice"
    INVOICE_DRAFT = "billing.credit_note_invoice_draft"
    INVOICE_VOID = "billing.credit_note_invoice_void"
    NOT_POSITIVE = "billing.credit_note_not_positive"
    INCONSISTENT = "billing.credit_note_inconsistent_amounts"
    WRONG_PARTY = "billing.credit_note_wrong_party"


@dataclass(frozen=True, slots=True)
class IssuedCreditNote:
    """A stored credit note: ``note.number`` is its series number, ``note.invoice`` the number of
    the invoice it credits (``invoice_id``); amounts are in ``currency``, the invoice's."""

    id: str
    invoice_id: str
    customer_id: str | None
    subscription_id: str | None
    reason: CreditNoteReason
    currency: str
    note: CreditNote

    @property
    def number(self) -> str:
        return self.note.number


@dataclass(frozen=True, slots=True)
class InvoiceSummary:
    """One row of a customer's invoice history (no lines: the list never needs them)."""

    id: str
    number: str
    issued_at: datetime
    status: InvoiceStatus
    currency: str
    total: int
    amount_due: int


# The jobs that render an issued document's PDF ahead of its first download (handlers in
# ``domain.documents.jobs``). Billing and charging queue none (issue 18): a PDF is rendered on its
# first download or when an e-mail attaches it; these jobs stay for re-rendering on demand.
RENDER_PDF_JOB = "documents.render_invoice_pdf"
RENDER_CREDIT_NOTE_PDF_JOB = "documents.render_credit_note_pdf"
# Asked of payments (a layer above) when an invoice is paid, voided or written off here: close
# its dunning case (``domain.payments.jobs``).
INVOICE_SETTLED_JOB = "payments.invoice_settled"
# Asked of payments by the batch renewal (``domain.subscriptions.renewal_batches``): charge the
# open invoices a batch issued (kwargs ``invoice_ids``), handled in ``domain.payments.jobs``.
COLLECT_BATCH_JOB = "payments.collect_batch"
