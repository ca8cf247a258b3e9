"""Invoice PDFs as e-mail attachments: the outbox names the invoice, the PDF is fetched (and
rendered first when it is missing or out of date) at send time, inside the send job."""

from __future__ import annotations

from collections.abc import Callable

from domain.documents.invoice_document import Seller
from domain.documents.ports import InvoicePdfRenderer
from domain.documents.service import get_invoice_pdf, render_invoice_pdf
from domain.notifications.model import Attachment, AttachmentRef
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.unit_of_work import UnitOfWork


class InvoicePdfAttachments:
    """``AttachmentResolver`` for ``AttachmentRef("invoice_pdf", <invoice id>, filename)``."""

    def __init__(
        self,
        *,
        uow: Callable[[], UnitOfWork],
        renderer: InvoicePdfRenderer,
        seller: Seller,
        clock: Clock,
    ) -> None:
        self._uow, self._renderer, self._seller, self._clock = uow, renderer, seller, clock

    async def resolve(self, ref: AttachmentRef) -> Attachment:
        if ref.kind != "invoice_pdf":
            raise ValidationFailed(
                {"attachment": f"unknown attachment kind {ref.kind!r}"},
                code="documents.unknown_attachment",
            )
        # idempotent: renders only when no stored PDF shows the invoice as it is now
        await render_invoice_pdf(
            ref.ref,
            uow_factory=self._uow,
            renderer=self._renderer,
            seller=self._seller,
            clock=self._clock,
        )
        content = await get_invoice_pdf(ref.ref, uow=self._uow())
        return Attachment(ref.filename, ref.content_type, content)
