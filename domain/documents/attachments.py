"""Invoice and credit note PDFs as e-mail attachments: the outbox names the document, the PDF is
fetched (and rendered first when it is missing or out of date) at send time, in the send job."""

from __future__ import annotations

from collections.abc import Callable

from domain.documents.invoice_document import Seller
from domain.documents.ports import DocumentsUnit, PdfRenderer
from domain.documents.service import (
    get_credit_note_pdf,
    get_invoice_pdf,
    render_credit_note_pdf,
    render_invoice_pdf,
)
from domain.notifications.model import Attachment, AttachmentRef
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed


class InvoicePdfAttachments:
    """``AttachmentResolver`` for ``AttachmentRef("invoice_pdf", <invoice id>, filename)`` and
    ``AttachmentRef("credit_note_pdf", <credit note id>, filename)``."""

    def __init__(
        self,
        *,
        uow: Callable[[], DocumentsUnit],
        renderer: PdfRenderer,
        seller: Seller,
        clock: Clock,
    ) -> None:
        self._uow, self._renderer, self._seller, self._clock = uow, renderer, seller, clock

    async def resolve(self, ref: AttachmentRef) -> Attachment:
        if ref.kind == "credit_note_pdf":
            await render_credit_note_pdf(
                ref.ref,
                uow_factory=self._uow,
                renderer=self._renderer,
                seller=self._seller,
                clock=self._clock,
            )
            _, content = await get_credit_note_pdf(ref.ref, uow=self._uow())
            return Attachment(ref.filename, ref.content_type, content)
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
