"""Document use cases: render an invoice's or a credit note's PDF when what it shows changed,
and fetch it (for the customer: download it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.billing.issued import IssueErrorCode
from domain.billing.model import InvoiceStatus
from domain.documents.credit_note_document import CreditNoteDocument, build_credit_note_document
from domain.documents.invoice_document import (
    DocumentErrorCode,
    InvoiceDocument,
    Seller,
    build_invoice_document,
)
from domain.documents.model import StoredCreditNotePdf, StoredInvoicePdf
from domain.documents.ports import CreditNotePdfRenderer, DocumentsUnit, InvoicePdfRenderer
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, TransientError

# how often the invoice may change under a render before the job gives up (and is retried)
_MAX_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class RenderedInvoicePdf:
    invoice_id: str
    number: str
    version: str
    rendered_at: datetime
    size: int
    rendered: bool  # False: the stored PDF already showed this version


async def render_invoice_pdf(
    invoice_id: str,
    *,
    uow_factory: Callable[[], DocumentsUnit],
    renderer: InvoicePdfRenderer,
    seller: Seller,
    clock: Clock,
) -> RenderedInvoicePdf:
    """Render and store the invoice's PDF unless the stored one shows exactly the same thing.

    - Idempotent: the stored PDF carries the view's ``version`` (a hash of everything shown,
      status included); a second run with nothing changed renders nothing. A payment, a void or
      a write-off changes the version, so the next run renders again.
    - Rendering happens between two short transactions, never inside one (a render takes tens of
      milliseconds of CPU; SQLite would hold its single write lock all along). The second
      transaction checks the invoice again: if it changed meanwhile, the round starts over (at
      most three rounds, then ``TransientError`` so the job retries later); if another run
      stored the same version meanwhile, it is kept.
    - Unknown invoice: ``NotFound``; a draft: ``ValidationFailed`` (``documents.invoice_is_draft``).
    """
    for _ in range(_MAX_ROUNDS):
        async with uow_factory() as uow:
            view, stored = await _load(uow, invoice_id, seller)
        if stored is not None and stored.version == view.version:
            return _result(view, stored, rendered=False)
        content = await renderer.render(view)
        async with uow_factory() as uow:
            now_view, stored = await _load(uow, invoice_id, seller)
            if stored is not None and stored.version == now_view.version:
                return _result(now_view, stored, rendered=False)
            if now_view.version != view.version:
                continue  # paid or voided while we rendered: render what it shows now
            document = StoredInvoicePdf(
                invoice_id=invoice_id,
                version=view.version,
                rendered_at=clock.now(),
                content=content,
            )
            await uow.documents.save(document)
            await uow.commit()
        return _result(view, document, rendered=True)
    raise TransientError(f"invoice {invoice_id} kept changing while its PDF was rendered")


async def get_invoice_pdf(
    invoice_id: str, *, uow: DocumentsUnit, customer_id: str | None = None
) -> bytes:
    """The stored PDF of the invoice (the last one rendered).

    ``NotFound`` when the PDF has not been rendered yet, and when ``customer_id`` is given and is
    not the invoice's customer (the same error as an unknown invoice: a subscriber learns
    nothing about other customers' invoices).
    """
    async with uow:
        if customer_id is not None:
            issued = await uow.invoices.get(invoice_id)
            if issued is None or issued.customer_id != customer_id:
                raise NotFound(
                    "We could not find that invoice.", code=DocumentErrorCode.INVOICE_NOT_FOUND
                )
        stored = await uow.documents.get(invoice_id)
    if stored is None:
        raise NotFound(
            "The invoice's PDF is not ready yet; try again in a minute.",
            code=DocumentErrorCode.NOT_RENDERED,
        )
    return stored.content


async def customer_invoice_pdf(
    invoice_id: str, *, customer_id: str, uow: DocumentsUnit
) -> tuple[str, bytes]:
    """The customer's invoice as a download: its number (the file's name; "invoice" when it has
    none) and its stored PDF. Another customer's invoice is ``NotFound`` like an unknown one; a
    PDF not rendered yet is ``NotFound`` (not ready), and so is a draft's."""
    async with uow:
        issued = await uow.invoices.get(invoice_id)
        if issued is None or issued.customer_id != customer_id:
            raise NotFound(
                "We could not find that invoice.", code=DocumentErrorCode.INVOICE_NOT_FOUND
            )
        stored = await uow.documents.get(invoice_id)
    if stored is None:
        raise NotFound(
            "The invoice's PDF is not ready yet; try again in a minute.",
            code=DocumentErrorCode.NOT_RENDERED,
        )
    if issued.status is InvoiceStatus.DRAFT:  # not a document yet (as on the invoice's page)
        raise NotFound("We could not find that invoice.", code=IssueErrorCode.INVOICE_NOT_FOUND)
    return issued.number or "invoice", stored.content


async def _load(
    uow: DocumentsUnit, invoice_id: str, seller: Seller
) -> tuple[InvoiceDocument, StoredInvoicePdf | None]:
    issued = await uow.invoices.get(invoice_id)
    if issued is None:
        raise NotFound("We could not find that invoice.", code=DocumentErrorCode.INVOICE_NOT_FOUND)
    return build_invoice_document(issued, seller), await uow.documents.get(invoice_id)


def _result(
    view: InvoiceDocument, stored: StoredInvoicePdf, *, rendered: bool
) -> RenderedInvoicePdf:
    return RenderedInvoicePdf(
        invoice_id=view.invoice_id,
        number=view.number,
        version=stored.version,
        rendered_at=stored.rendered_at,
        size=stored.size,
        rendered=rendered,
    )


CREDIT_NOTE_NOT_FOUND = "documents.credit_note_not_found"


async def _load_credit_note(
    uow: DocumentsUnit, credit_note_id: str, seller: Seller
) -> tuple[CreditNoteDocument, StoredCreditNotePdf | None]:
    note = await uow.credit_notes.get(credit_note_id)
    invoice = await uow.invoices.get(note.invoice_id) if note is not None else None
    if note is None or invoice is None:
        raise NotFound("We could not find that credit note.", code=CREDIT_NOTE_NOT_FOUND)
    view = build_credit_note_document(note, invoice, seller)
    return view, await uow.credit_note_documents.get(credit_note_id)


async def render_credit_note_pdf(
    credit_note_id: str,
    *,
    uow_factory: Callable[[], DocumentsUnit],
    renderer: CreditNotePdfRenderer,
    seller: Seller,
    clock: Clock,
) -> bool:
    """Render and store the credit note's PDF unless the stored one shows the same (a credit
    note never changes; only a new letterhead makes a new version). Renders outside any
    transaction, like invoices. Returns whether it rendered; ``NotFound`` for an unknown note."""
    async with uow_factory() as uow:
        view, stored = await _load_credit_note(uow, credit_note_id, seller)
    if stored is not None and stored.version == view.version:
        return False
    content = await renderer.render_credit_note(view)
    async with uow_factory() as uow:
        await uow.credit_note_documents.save(
            StoredCreditNotePdf(credit_note_id, view.version, clock.now(), content)
        )
        await uow.commit()
    return True


async def get_credit_note_pdf(
    credit_note_id: str, *, uow: DocumentsUnit, customer_id: str | None = None
) -> tuple[str, bytes]:
    """The credit note's number and stored PDF. ``NotFound`` when it is not rendered yet, and
    when ``customer_id`` is given and is not the note's customer (as for an unknown note)."""
    async with uow:
        note = await uow.credit_notes.get(credit_note_id)
        if note is None or (customer_id is not None and note.customer_id != customer_id):
            raise NotFound("We could not find that credit note.", code=CREDIT_NOTE_NOT_FOUND)
        stored = await uow.credit_note_documents.get(credit_note_id)
    if stored is None:
        raise NotFound(
            "The credit note's PDF is not ready yet; try again in a minute.",
            code=DocumentErrorCode.NOT_RENDERED,
        )
    return note.number, stored.content


async def credit_note_view(
    credit_note_id: str, *, customer_id: str, seller: Seller, uow: DocumentsUnit
) -> tuple[CreditNoteDocument, bool]:
    """The customer's credit note as printed (the same view as its PDF) and whether its PDF is
    ready. Another customer's note is ``NotFound``, like an unknown one."""
    async with uow:
        note = await uow.credit_notes.get(credit_note_id)
        if note is None or note.customer_id != customer_id:
            raise NotFound("We could not find that credit note.", code=CREDIT_NOTE_NOT_FOUND)
        view, stored = await _load_credit_note(uow, credit_note_id, seller)
    return view, stored is not None
