"""/admin/customers/{customer_id}/notes: staff write a note on a customer (``customers.act``);
the record's notes panel and timeline show it. A refused note re-renders the record with the
message beside the box (422; the htmx request gets the notes panel)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.support.notes import MAX_NOTE, add_note
from domain.support.record import customer_record
from domain.unit_of_work import UnitOfWork
from web.admin.customers import ID_LENGTH, record_context
from web.display import tr
from web.forms import Field, FormSpec
from web.templating import is_fragment_request, redirect_after_post, render

NOTE_FORM = FormSpec(Field("body", MAX_NOTE, multiline=True))


@post(
    "/customers/{customer_id:str}/notes",
    name="admin.customer.notes.add",
    opt={"permission": Permission.CUSTOMERS_ACT},
)
async def submit_customer_note(
    request: Request[Any, Any, Any],
    customer_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    uow: NamedDependency[UnitOfWork],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    if text_problem(customer_id, max_length=ID_LENGTH):  # never sent to the database
        raise NotFound("There is no customer with this id.")
    form = NOTE_FORM.parse(await request.form())
    body = form.get("body")
    error = form.errors.get("body")
    if error is None:
        try:
            await add_note(staff, customer_id, body, uow=uow, clock=clock)
        except ValidationFailed as exc:
            error = exc.field_errors.get("body", exc.message)
    if error is None:
        flash(request, tr(request, "Note added."), "success")
        back = f"/admin/customers/{quote(customer_id)}"
        # htmx: the same address without the fragment, so the browser loads it again
        return redirect_after_post(
            request, back if is_fragment_request(request) else back + "#notes"
        )
    record = await customer_record(staff, customer_id, uow=read_uow, clock=clock)
    context = record_context(staff, record, note_error=error, note_text="" if form.errors else body)
    return render(request, "admin/customer.html", "admin/_customer_notes.html", context,
                  status_code=422)  # fmt: skip
