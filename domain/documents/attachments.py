"""Invoice and credit note PDFs as e-mail attachments: the outbox names the document, the PDF is
fetched (and rendered first when it is missing or out of date) at send time, in the send job."""

from __future__ import annotations

from collections.abc import Callable

from domain.documents.invoice_document import Seller
from domain.documents.ports import DocumentsUnit, PdfRenderer
from domain.documents.service import DocumentRendering, credit_note_pdf, invoice_pdf
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
        self._rendering = DocumentRendering(uow, renderer, seller, clock)

    async def resolve(self, ref: AttachmentRef) -> Attachment:
        # both render first when no stored PDF shows the document as it is now (idempotent)
        if ref.kind == "credit_note_pdf":
            _, content = await credit_note_pdf(ref.ref, rendering=self._rendering)
        elif ref.kind == "invoice_pdf":
            _, content = await invoice_pdf(ref.ref, rendering=self._rendering)
        else:
            raise ValidationFailed(
                {"attachment": f"unknown attachment kind {ref.kind!r}"},
                code="documents.unknown_attachment",
            )
        return Attachment(ref.filename, ref.content_type, content)
