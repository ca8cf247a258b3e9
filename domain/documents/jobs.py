"""The documents' jobs: ``documents.render_invoice_pdf`` (kwargs ``invoice_id``) and
``documents.render_credit_note_pdf`` (kwargs ``credit_note_id``)."""

from __future__ import annotations

import logging

from domain.billing.issued import RENDER_CREDIT_NOTE_PDF_JOB, RENDER_PDF_JOB
from domain.documents.invoice_document import Seller
from domain.documents.ports import DocumentsUnit, PdfRenderer
from domain.documents.service import render_credit_note_pdf, render_invoice_pdf
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry

log = logging.getLogger(__name__)


def build_jobs(renderer: PdfRenderer, seller: Seller) -> JobRegistry:
    registry = JobRegistry()

    @registry.job(RENDER_PDF_JOB, max_attempts=5, timeout_s=60)
    async def render_invoice_pdf_job(ctx: JobContext[DocumentsUnit], *, invoice_id: str) -> None:
        """Render the invoice's PDF if what it shows changed; a repeat renders nothing."""
        result = await render_invoice_pdf(
            invoice_id, uow_factory=ctx.uow, renderer=renderer, seller=seller, clock=ctx.clock
        )
        log.info(
            "invoice pdf",
            extra={
                "invoice": result.number,
                "version": result.version,
                "rendered": result.rendered,
                "bytes": result.size,
            },
        )

    @registry.job(RENDER_CREDIT_NOTE_PDF_JOB, max_attempts=5, timeout_s=60)
    async def render_credit_note_pdf_job(
        ctx: JobContext[DocumentsUnit], *, credit_note_id: str
    ) -> None:
        """Render the credit note's PDF unless the stored one is current."""
        rendered = await render_credit_note_pdf(
            credit_note_id, uow_factory=ctx.uow, renderer=renderer, seller=seller, clock=ctx.clock
        )
        log.info("credit note pdf", extra={"credit_note": credit_note_id, "rendered": rendered})

    return registry
