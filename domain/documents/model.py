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


@dataclass(frozen=True, slots=True)
class StoredCreditNotePdf:
    credit_note_id: str
    version: str  # the CreditNoteDocument fingerprint it was rendered from
    rendered_at: datetime
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)
