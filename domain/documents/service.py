"""Document use cases: render an invoice's or a credit note's PDF when what it shows changed,
and download it (rendered lazily on the first download, then served as stored)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from domain.billing.model import InvoiceStatus
from domain.documents.credit_note_document import CreditNoteDocument, build_credit_note_document
from domain.documents.invoice_document import (
    DocumentErrorCode,
    InvoiceDocument,
    Seller,
    build_invoice_document,
    document_display,
)
from domain.documents.model import StoredCreditNotePdf, StoredInvoicePdf
from domain.documents.ports import (
    CreditNotePdfRenderer,
    DocumentsUnit,
    InvoicePdfRenderer,
    PdfRenderer,
)
from domain.shared.clock import Clock
from domain.shared.display import Display
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


@dataclass(frozen=True)
class DocumentRendering:
    """What a lazy PDF download renders with (built once by the composition root and shared by
    every request): the unit-of-work factory, the renderer port, the letterhead, the clock, and
    optionally a read-only unit-of-work factory for the download's first look (no write lock on
    SQLite when the stored PDF is current). ``_inflight`` makes concurrent downloads of one
    document in this process share one render."""

    uow_factory: Callable[[], DocumentsUnit]
    renderer: PdfRenderer
    seller: Seller
    clock: Clock
    read_uow_factory: Callable[[], DocumentsUnit] | None = None
    _inflight: dict[str, asyncio.Lock] = field(default_factory=dict, repr=False, compare=False)

    @asynccontextmanager
    async def single_flight(self, key: str) -> AsyncIterator[None]:
        lock = self._inflight.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._inflight.get(key) is lock:
                del self._inflight[key]


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
      most three rounds, then ``TransientError``); if another run stored the same version
      meanwhile, it is kept (one row per invoice either way: the store is an upsert).
    - Unknown invoice: ``NotFound``; a draft: ``ValidationFailed`` (``documents.invoice_is_draft``).
    """
    view, stored, rendered = await _current_invoice_pdf(
        invoice_id, uow_factory=uow_factory, renderer=renderer, seller=seller, clock=clock
    )
    return _result(view, stored, rendered=rendered)


async def _current_invoice_pdf(
    invoice_id: str,
    *,
    uow_factory: Callable[[], DocumentsUnit],
    renderer: InvoicePdfRenderer,
    seller: Seller,
    clock: Clock,
) -> tuple[InvoiceDocument, StoredInvoicePdf, bool]:
    """The stored PDF showing the invoice as it is now, rendered and stored first when missing or
    stale; and whether this call rendered it."""
    for _ in range(_MAX_ROUNDS):
        async with uow_factory() as uow:
            view, stored = await _load(uow, invoice_id, seller)
        if stored is not None and stored.version == view.version:
            return view, stored, False
        content = await renderer.render(view)
        async with uow_factory() as uow:
            now_view, stored = await _load(uow, invoice_id, seller)
            if stored is not None and stored.version == now_view.version:
                return now_view, stored, False
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
        return view, document, True
    raise TransientError(f"invoice {invoice_id} kept changing while its PDF was rendered")


async def invoice_pdf(
    invoice_id: str, *, rendering: DocumentRendering, customer_id: str | None = None
) -> tuple[str, bytes]:
    """A finalized invoice's PDF as a download (portal, API, e-mail attachments): its number
    (the file's name) and the PDF showing the invoice as it is now.

    Lazy and cached: the stored PDF is served when its version is the invoice's current one (one
    short read, no render); when it is missing or stale (the invoice was paid, voided, written
    off or credited since) it is rendered now, stored, and served, so a finalized invoice is
    never "not ready" and a paid invoice re-renders once. Concurrent downloads in one process
    share one render; across processes the store is an upsert of the same version (one row).

    ``NotFound`` for an unknown invoice, a draft, and, when ``customer_id`` is given, another
    customer's invoice (the same error: a subscriber learns nothing about others' invoices).
    """
    async with (rendering.read_uow_factory or rendering.uow_factory)() as uow:
        issued = await uow.invoices.get(invoice_id)
        if (
            issued is None
            or (customer_id is not None and issued.customer_id != customer_id)
            or issued.status is InvoiceStatus.DRAFT
        ):
            raise NotFound(
                "We could not find that invoice.", code=DocumentErrorCode.INVOICE_NOT_FOUND
            )
        view = build_invoice_document(
            issued, rendering.seller, await _recipient_display(uow, issued.customer_id,
                                                               rendering.seller)
        )  # fmt: skip
        stored = await uow.documents.get(invoice_id)
    if stored is None or stored.version != view.version:
        async with rendering.single_flight(f"invoice:{invoice_id}"):
            _, stored, _ = await _current_invoice_pdf(
                invoice_id,
                uow_factory=rendering.uow_factory,
                renderer=rendering.renderer,
                seller=rendering.seller,
                clock=rendering.clock,
            )
    return issued.number or "invoice", stored.content


async def _recipient_display(
    uow: DocumentsUnit, customer_id: str | None, seller: Seller
) -> Display:
    """The display a customer's documents are printed in: what the account that manages the
    customer saved, else the site's (``document_display``). It is part of the document's
    version, so the stored PDF is re-rendered when the recipient changes language."""
    account = await uow.accounts.get_by_customer(customer_id) if customer_id else None
    return document_display(account.display if account is not None else None, seller)


async def _load(
    uow: DocumentsUnit, invoice_id: str, seller: Seller
) -> tuple[InvoiceDocument, StoredInvoicePdf | None]:
    issued = await uow.invoices.get(invoice_id)
    if issued is None:
        raise NotFound("We could not find that invoice.", code=DocumentErrorCode.INVOICE_NOT_FOUND)
    display = await _recipient_display(uow, issued.customer_id, seller)
    view = build_invoice_document(issued, seller, display)
    return view, await uow.documents.get(invoice_id)


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
    display = await _recipient_display(uow, note.customer_id, seller)
    view = build_credit_note_document(note, invoice, seller, display)
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
    _, rendered = await _current_credit_note_pdf(
        credit_note_id, uow_factory=uow_factory, renderer=renderer, seller=seller, clock=clock
    )
    return rendered


async def _current_credit_note_pdf(
    credit_note_id: str,
    *,
    uow_factory: Callable[[], DocumentsUnit],
    renderer: CreditNotePdfRenderer,
    seller: Seller,
    clock: Clock,
) -> tuple[StoredCreditNotePdf, bool]:
    async with uow_factory() as uow:
        view, stored = await _load_credit_note(uow, credit_note_id, seller)
    if stored is not None and stored.version == view.version:
        return stored, False
    content = await renderer.render_credit_note(view)
    document = StoredCreditNotePdf(credit_note_id, view.version, clock.now(), content)
    async with uow_factory() as uow:
        stored = await uow.credit_note_documents.get(credit_note_id)
        if stored is not None and stored.version == view.version:
            return stored, False  # another download stored it meanwhile
        await uow.credit_note_documents.save(document)
        await uow.commit()
    return document, True


async def credit_note_pdf(
    credit_note_id: str, *, rendering: DocumentRendering, customer_id: str | None = None
) -> tuple[str, bytes]:
    """The credit note's number and PDF, rendered and stored on the first download (then
    served as stored, like invoices: ``invoice_pdf``). ``NotFound`` for an unknown note and,
    when ``customer_id`` is given, for another customer's note."""
    async with (rendering.read_uow_factory or rendering.uow_factory)() as uow:
        note = await uow.credit_notes.get(credit_note_id)
        if note is None or (customer_id is not None and note.customer_id != customer_id):
            raise NotFound("We could not find that credit note.", code=CREDIT_NOTE_NOT_FOUND)
        view, stored = await _load_credit_note(uow, credit_note_id, rendering.seller)
    if stored is None or stored.version != view.version:
        async with rendering.single_flight(f"credit_note:{credit_note_id}"):
            stored, _ = await _current_credit_note_pdf(
                credit_note_id,
                uow_factory=rendering.uow_factory,
                renderer=rendering.renderer,
                seller=rendering.seller,
                clock=rendering.clock,
            )
    return note.number, stored.content


async def credit_note_view(
    credit_note_id: str, *, customer_id: str, seller: Seller, uow: DocumentsUnit
) -> CreditNoteDocument:
    """The customer's credit note as printed (the same view as its PDF, which is rendered on
    its first download). Another customer's note is ``NotFound``, like an unknown one."""
    async with uow:
        note = await uow.credit_notes.get(credit_note_id)
        if note is None or note.customer_id != customer_id:
            raise NotFound("We could not find that credit note.", code=CREDIT_NOTE_NOT_FOUND)
        view, _ = await _load_credit_note(uow, credit_note_id, seller)
    return view
