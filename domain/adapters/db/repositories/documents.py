"""Rendered PDFs on Piccolo: ``invoice_document`` (one row per invoice) and
``credit_note_document`` (one per credit note), bytes inline."""

from __future__ import annotations

from domain.adapters.db.tables import CreditNoteDocumentTable, InvoiceDocumentTable
from domain.documents.model import StoredCreditNotePdf, StoredInvoicePdf
from domain.shared.ids import new_id


class PiccoloInvoiceDocumentRepository:
    async def get(self, invoice_id: str) -> StoredInvoicePdf | None:
        row = (
            await InvoiceDocumentTable.select(
                InvoiceDocumentTable.version,
                InvoiceDocumentTable.rendered_at,
                InvoiceDocumentTable.content,
            )
            .where(InvoiceDocumentTable.invoice == invoice_id)
            .first()
        )
        if row is None:
            return None
        return StoredInvoicePdf(
            invoice_id=invoice_id,
            version=row["version"],
            rendered_at=row["rendered_at"],
            content=bytes(row["content"]),
        )

    async def save(self, document: StoredInvoicePdf) -> None:
        # an upsert on the unique invoice column: a concurrent first render cannot fail
        await InvoiceDocumentTable.insert(
            InvoiceDocumentTable(
                id=new_id(),
                invoice=document.invoice_id,
                version=document.version,
                rendered_at=document.rendered_at,
                size_bytes=document.size,
                content=document.content,
            )
        ).on_conflict(
            target=InvoiceDocumentTable.invoice,
            action="DO UPDATE",
            values=[
                InvoiceDocumentTable.version,
                InvoiceDocumentTable.rendered_at,
                InvoiceDocumentTable.size_bytes,
                InvoiceDocumentTable.content,
            ],
        )


class PiccoloCreditNoteDocumentRepository:
    async def get(self, credit_note_id: str) -> StoredCreditNotePdf | None:
        row = (
            await CreditNoteDocumentTable.select(
                CreditNoteDocumentTable.version,
                CreditNoteDocumentTable.rendered_at,
                CreditNoteDocumentTable.content,
            )
            .where(CreditNoteDocumentTable.credit_note == credit_note_id)
            .first()
        )
        if row is None:
            return None
        return StoredCreditNotePdf(
            credit_note_id=credit_note_id,
            version=row["version"],
            rendered_at=row["rendered_at"],
            content=bytes(row["content"]),
        )

    async def save(self, document: StoredCreditNotePdf) -> None:
        await CreditNoteDocumentTable.insert(
            CreditNoteDocumentTable(
                id=new_id(),
                credit_note=document.credit_note_id,
                version=document.version,
                rendered_at=document.rendered_at,
                size_bytes=document.size,
                content=document.content,
            )
        ).on_conflict(
            target=CreditNoteDocumentTable.credit_note,
            action="DO UPDATE",
            values=[
                CreditNoteDocumentTable.version,
                CreditNoteDocumentTable.rendered_at,
                CreditNoteDocumentTable.size_bytes,
                CreditNoteDocumentTable.content,
            ],
        )
