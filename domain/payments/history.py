"""A subscriber's billing history: their invoices page by page (with their credit notes on the
first page), one invoice in full (lines with their explanations, payments, credit notes) and as
printed, and their credit notes. Read-only use cases; each is scoped to the customer, so another
customer's document is ``NotFound``, never forbidden."""

from __future__ import annotations

from dataclasses import dataclass

from domain.billing.issued import InvoiceSummary, IssuedCreditNote, IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.documents.invoice_document import InvoiceDocument, Seller, build_invoice_document
from domain.payments.model import PaymentAttempt
from domain.payments.ports import PaymentsUnit
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import CustomerId

PAGE_SIZE = 25
NOT_FOUND_CODE = "billing.invoice_not_found"


@dataclass(frozen=True, slots=True)
class InvoiceHistoryPage:
    invoices: tuple[InvoiceSummary, ...]
    page: int  # 1-based, clamped to the last page
    pages: int  # at least 1
    count: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True, slots=True)
class InvoiceDetail:
    issued: IssuedInvoice
    attempts: tuple[PaymentAttempt, ...]  # oldest first
    credit_notes: tuple[IssuedCreditNote, ...]

    @property
    def paid(self) -> int:
        """What was paid on the invoice (its amount due once settled, else nothing)."""
        return self.issued.invoice.amount_due if self.issued.status is InvoiceStatus.PAID else 0

    @property
    def due(self) -> int:
        open_ = self.issued.status in (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE)
        return self.issued.invoice.amount_due if open_ else 0

    @property
    def payable(self) -> bool:
        return self.due > 0


async def list_invoices(
    customer_id: str, page: int = 1, *, uow: PaymentsUnit, page_size: int = PAGE_SIZE
) -> InvoiceHistoryPage:
    """The customer's finalized invoices, newest first, ``page_size`` a page. A page past the end
    shows the last page; drafts are not history yet and never appear."""
    async with uow:
        return await _history_in(uow, customer_id, page, page_size)


async def _history_in(
    uow: PaymentsUnit, customer_id: str, page: int, page_size: int
) -> InvoiceHistoryPage:
    count = await uow.invoices.count_finalized(customer_id)
    pages = max(1, -(-count // page_size))
    page = min(max(1, page), pages)
    rows = await uow.invoices.history(customer_id, limit=page_size, offset=(page - 1) * page_size)
    return InvoiceHistoryPage(invoices=tuple(rows), page=page, pages=pages, count=count)


@dataclass(frozen=True, slots=True)
class BillingHistory:
    """A page of the customer's invoices and, on the first page, all their credit notes."""

    invoices: InvoiceHistoryPage
    credit_notes: list[IssuedCreditNote]


async def billing_history(
    customer_id: CustomerId | None,
    page: int = 1,
    *,
    uow: PaymentsUnit,
    page_size: int = PAGE_SIZE,
) -> BillingHistory:
    """The invoices page ``page`` (see ``list_invoices``) with the credit notes on the first
    page. An account that never bought (no customer) has neither."""
    if not customer_id:
        return BillingHistory(InvoiceHistoryPage((), 1, 1, 0), [])
    async with uow:
        invoices = await _history_in(uow, customer_id, page, page_size)
        notes = await uow.credit_notes.list_for_customer(customer_id) if invoices.page == 1 else []
    return BillingHistory(invoices, notes)


async def invoice_detail(invoice_id: str, customer_id: str, *, uow: PaymentsUnit) -> InvoiceDetail:
    """One finalized invoice of the customer, in full. A draft, an unknown id and another
    customer's invoice are all the same ``NotFound``."""
    async with uow:
        issued = await uow.invoices.get(invoice_id)
        if (
            issued is None
            or issued.customer_id != customer_id
            or issued.status is InvoiceStatus.DRAFT
        ):
            raise NotFound("We could not find that invoice.", code=NOT_FOUND_CODE)
        attempts = await uow.payment_attempts.for_invoice(invoice_id)
        notes = await uow.credit_notes.list_for_invoice(invoice_id)
    return InvoiceDetail(
        issued=issued,
        attempts=tuple(sorted(attempts, key=lambda a: a.number)),
        credit_notes=tuple(notes),
    )


@dataclass(frozen=True, slots=True)
class PrintedInvoice:
    """One invoice in full with its printed view (the same document as its PDF)."""

    detail: InvoiceDetail
    document: InvoiceDocument


async def printed_invoice(
    invoice_id: str, customer_id: str, *, seller: Seller, uow: PaymentsUnit
) -> PrintedInvoice:
    """``invoice_detail`` and the invoice as ``seller`` prints it (its tax line is the rate
    stored at issue; none when no tax applies)."""
    detail = await invoice_detail(invoice_id, customer_id, uow=uow)
    return PrintedInvoice(detail, build_invoice_document(detail.issued, seller))


async def list_credit_notes(customer_id: str, *, uow: PaymentsUnit) -> list[IssuedCreditNote]:
    """The customer's credit notes, newest first (there are few: one per refund or correction)."""
    async with uow:
        return await uow.credit_notes.list_for_customer(customer_id)


@dataclass(frozen=True, slots=True)
class InvoicePage:
    """A page of a customer's finalized invoices, newest first, after a cursor (an invoice id)."""

    invoices: tuple[InvoiceSummary, ...]
    has_more: bool

    @property
    def next_cursor(self) -> str | None:
        return self.invoices[-1].id if self.has_more and self.invoices else None


async def invoices_after(
    customer_id: str, *, after: str | None, limit: int, uow: PaymentsUnit
) -> InvoicePage:
    """The finalized invoices after ``after`` (the last id of the previous page; not one of
    the customer's: ``ValidationFailed``), ``limit`` a page."""
    async with uow:
        count = await uow.invoices.count_finalized(customer_id)
        rows = await uow.invoices.history(customer_id, limit=max(count, 1), offset=0)
    ids = [r.id for r in rows]
    if after is not None and after not in ids:
        raise ValidationFailed({"starting_after": "Not an invoice of this customer."},
                               code="api.bad_cursor")  # fmt: skip
    start = ids.index(after) + 1 if after is not None else 0
    page = rows[start : start + limit]
    return InvoicePage(tuple(page), has_more=start + limit < len(rows))


async def get_invoice(invoice_id: str, *, uow: PaymentsUnit) -> IssuedInvoice:
    """A finalized invoice of any customer (for the API: a key acts for the whole business); a
    draft and an unknown id are the same ``NotFound``."""
    async with uow:
        issued = await uow.invoices.get(invoice_id)
    if issued is None or issued.status is InvoiceStatus.DRAFT:
        raise NotFound("We could not find that invoice.", code=NOT_FOUND_CODE)
    return issued


async def get_credit_note(credit_note_id: str, *, uow: PaymentsUnit) -> IssuedCreditNote:
    """A credit note of any customer (for the API); an unknown id is ``NotFound``."""
    async with uow:
        note = await uow.credit_notes.get(credit_note_id)
    if note is None:
        raise NotFound("We could not find that credit note.", code="billing.credit_note_not_found")
    return note
