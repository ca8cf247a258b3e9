"""Rendered invoice PDFs on Piccolo (``invoice_document``: one row per invoice, bytes inline)."""

from __future__ import annotations

from domain.adapters.db.tables import InvoiceDocumentTable
from domain.documents.model import StoredInvoicePdf
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
