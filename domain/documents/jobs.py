"""The documents' jobs: ``documents.render_invoice_pdf`` (kwargs ``invoice_id``)."""

from __future__ import annotations

import logging

from domain.documents.invoice_document import Seller
from domain.documents.model import RENDER_PDF_JOB
from domain.documents.ports import InvoicePdfRenderer
from domain.documents.service import render_invoice_pdf
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry

log = logging.getLogger(__name__)


def build_jobs(renderer: InvoicePdfRenderer, seller: Seller) -> JobRegistry:
    registry = JobRegistry()

    @registry.job(RENDER_PDF_JOB, max_attempts=5, timeout_s=60)
    async def render_invoice_pdf_job(ctx: JobContext, *, invoice_id: str) -> None:
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

    return registry
