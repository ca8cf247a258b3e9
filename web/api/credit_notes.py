"""/api/v1/credit-notes: a customer's credit notes (newest first, cursor pages), one in full,
and its PDF. Each handler calls one use case (domain/payments/history.py,
domain/documents/service.py)."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter, SkipValidation

from domain.documents.service import DocumentRendering, credit_note_pdf
from domain.payments.history import get_credit_note, list_credit_notes
from domain.shared.errors import ValidationFailed
from domain.unit_of_work import UnitOfWork
from web.api.docs import SECURITY, read_op
from web.api.invoices import PDF_RESPONSES
from web.api.shapes import CreditNoteList, CreditNoteOut, credit_note_out

TAG = "Credit notes"
Limit = Annotated[int, Parameter(ge=1, le=100, description="Items a page (1 to 100)")]
After = Annotated[str | None, Parameter(max_length=64, description="The next_cursor of the "
                                        "previous page")]  # fmt: skip
CustomerParam = Annotated[str, Parameter(min_length=1, max_length=64,
                                         description="The customer's id")]  # fmt: skip


@get("/credit-notes", name="api.credit_notes.list",
     **read_op(TAG, "List a customer's credit notes"))  # fmt: skip
async def list_credit_notes_api(
    read_uow: NamedDependency[SkipValidation[UnitOfWork]], customer: CustomerParam, limit: Limit = 10,
    starting_after: After = None,
) -> CreditNoteList:  # fmt: skip
    notes = await list_credit_notes(customer, uow=read_uow)
    ids = [n.id for n in notes]
    if starting_after is not None and starting_after not in ids:
        raise ValidationFailed({"starting_after": "Not a credit note of this customer."},
                               code="api.bad_cursor")  # fmt: skip
    start = ids.index(starting_after) + 1 if starting_after is not None else 0
    page = notes[start : start + limit]
    more = start + limit < len(notes)
    return CreditNoteList([credit_note_out(n) for n in page], more,
                          page[-1].id if more and page else None)  # fmt: skip


@get("/credit-notes/{credit_note_id:str}", name="api.credit_notes.get",
     **read_op(TAG, "Get a credit note"))  # fmt: skip
async def get_credit_note_api(
    credit_note_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> CreditNoteOut:
    return credit_note_out(await get_credit_note(credit_note_id, uow=read_uow))


@get("/credit-notes/{credit_note_id:str}/pdf", name="api.credit_notes.pdf",
     media_type="application/pdf", security=SECURITY, tags=[TAG], responses=PDF_RESPONSES,
     summary="The credit note's PDF (rendered on its first download, then as stored)")  # fmt: skip
async def credit_note_pdf_api(
    credit_note_id: FromPath[str], documents: NamedDependency[SkipValidation[DocumentRendering]]
) -> Response[bytes]:
    number, content = await credit_note_pdf(credit_note_id, rendering=documents)
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{number}.pdf"',
                             "Cache-Control": "private, no-store"})  # fmt: skip
