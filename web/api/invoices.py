"""/api/v1/invoices: a customer's finalized invoices (newest first, cursor pages), one invoice
with its lines, and its PDF (rendered on the first download, then served as stored, as in the portal). Each handler calls one use
case (domain/payments/history.py, domain/documents/service.py)."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, Parameter, SkipValidation

from domain.documents.service import DocumentRendering, invoice_pdf
from domain.payments.history import get_invoice, invoices_after
from domain.unit_of_work import UnitOfWork
from web.api.docs import READ, SECURITY, read_op
from web.api.shapes import InvoiceList, InvoiceOut, invoice_out, invoice_summary_out

TAG = "Invoices"
Limit = Annotated[int, Parameter(ge=1, le=100, description="Items a page (1 to 100)")]
After = Annotated[str | None, Parameter(max_length=64, description="The next_cursor of the "
                                        "previous page")]  # fmt: skip
CustomerParam = Annotated[str, Parameter(min_length=1, max_length=64,
                                         description="The customer's id")]  # fmt: skip


@get("/invoices", name="api.invoices.list",
     **read_op(TAG, "List a customer's finalized invoices (newest first)"))  # fmt: skip
async def list_invoices_api(
    read_uow: NamedDependency[SkipValidation[UnitOfWork]], customer: CustomerParam, limit: Limit = 10,
    starting_after: After = None,
) -> InvoiceList:  # fmt: skip
    page = await invoices_after(customer, after=starting_after, limit=limit, uow=read_uow)
    return InvoiceList([invoice_summary_out(s) for s in page.invoices], page.has_more,
                       page.next_cursor)  # fmt: skip


@get("/invoices/{invoice_id:str}", name="api.invoices.get", **read_op(TAG, "Get an invoice"))
async def get_invoice_api(
    invoice_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> InvoiceOut:
    return invoice_out(await get_invoice(invoice_id, uow=read_uow))


PDF_RESPONSES = READ | {
    200: ResponseSpec(data_container=bytes, media_type="application/pdf",
                      description="The invoice as printed", generate_examples=False),
}  # fmt: skip


@get("/invoices/{invoice_id:str}/pdf", name="api.invoices.pdf", media_type="application/pdf",
     security=SECURITY, tags=[TAG], responses=PDF_RESPONSES,
     summary="The invoice's PDF (rendered on its first download, then served as stored)")  # fmt: skip
async def invoice_pdf_api(
    invoice_id: FromPath[str], documents: NamedDependency[SkipValidation[DocumentRendering]]
) -> Response[bytes]:
    _, content = await invoice_pdf(invoice_id, rendering=documents)
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{invoice_id}.pdf"',
                             "Cache-Control": "private, no-store"})  # fmt: skip
