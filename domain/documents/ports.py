"""What documents need from the outside: a PDF renderer and storage for rendered files."""

from __future__ import annotations

from typing import Protocol

from domain.documents.invoice_document import InvoiceDocument
from domain.documents.model import StoredInvoicePdf


class InvoicePdfRenderer(Protocol):
    async def render(self, view: InvoiceDocument) -> bytes:
        """The invoice as PDF bytes. Rendering is CPU work; adapters run it off the event loop."""
        ...


class InvoiceDocumentRepository(Protocol):
    async def get(self, invoice_id: str) -> StoredInvoicePdf | None: ...

    async def save(self, document: StoredInvoicePdf) -> None:
        """Store the invoice's PDF, replacing the one stored before (one per invoice)."""
        ...
