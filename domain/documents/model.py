"""Rendered invoice and credit note PDFs at rest: which version they show, when, how big."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StoredInvoicePdf:
    invoice_id: str
    version: str  # the InvoiceDocument fingerprint it was rendered from
    rendered_at: datetime
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


# the job that renders an invoice's PDF (kwargs: invoice_id); other contexts enqueue it by name
RENDER_PDF_JOB = "documents.render_invoice_pdf"


@dataclass(frozen=True, slots=True)
class StoredCreditNotePdf:
    credit_note_id: str
    version: str  # the CreditNoteDocument fingerprint it was rendered from
    rendered_at: datetime
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


# the job that renders a credit note's PDF (kwargs: credit_note_id)
RENDER_CREDIT_NOTE_PDF_JOB = "documents.render_credit_note_pdf"
