"""What documents need from the outside: a PDF renderer and storage for rendered files."""

from __future__ import annotations

from typing import Protocol

from domain.accounts.ports import AccountsUnit
from domain.billing.ports import BillingUnit
from domain.documents.credit_note_document import CreditNoteDocument
from domain.documents.invoice_document import InvoiceDocument
from domain.documents.model import StoredCreditNotePdf, StoredInvoicePdf


class InvoicePdfRenderer(Protocol):
    async def render(self, view: InvoiceDocument) -> bytes:
        """The invoice as PDF bytes. Rendering is CPU work; adapters run it off the event loop."""
        ...


class CreditNotePdfRenderer(Protocol):
    async def render_credit_note(self, view: CreditNoteDocument) -> bytes:
        """The credit note as PDF bytes (same pipeline and look as invoices)."""
        ...


class PdfRenderer(InvoicePdfRenderer, CreditNotePdfRenderer, Protocol):
    """Renders both kinds of document (the WeasyPrint adapter does)."""


class CreditNoteDocumentRepository(Protocol):
    async def get(self, credit_note_id: str) -> StoredCreditNotePdf | None: ...

    async def save(self, document: StoredCreditNotePdf) -> None:
        """Store the credit note's PDF, replacing the one stored before (one per note)."""
        ...


class InvoiceDocumentRepository(Protocol):
    async def get(self, invoice_id: str) -> StoredInvoicePdf | None: ...

    async def save(self, document: StoredInvoicePdf) -> None:
        """Store the invoice's PDF, replacing the one stored before (one per invoice)."""
        ...


class DocumentsUnit(BillingUnit, AccountsUnit, Protocol):
    """Rendered PDFs of the issued documents, and the accounts whose display they are printed
    in."""

    @property
    def documents(self) -> InvoiceDocumentRepository: ...

    @property
    def credit_note_documents(self) -> CreditNoteDocumentRepository: ...
