"""/admin/customers/{customer_id}/{list}?page=N (one static path per list, so that
``/notes`` is also where a note is posted): one list of the customer record a page at a
time (invoices, payments, refunds, emails, notes), past the newest 50 the record shows. A full
page without JavaScript; htmx swaps just the list (``admin/_customer_list.html``) in place on the
record or on this page."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from domain.shared.errors import NotFound
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.support.actions.base import TargetKind
from domain.support.actions.registry import actions_for
from domain.support.record_lists import MAX_PAGE, customer_list, list_kind
from domain.unit_of_work import UnitOfWork
from web.admin.customers import ID_LENGTH
from web.admin.pages import admin_context
from web.templating import render

TITLES = {
    "invoices": "Invoices",
    "payments": "Payments and attempts",
    "refunds": "Refunds",
    "emails": "E-mails sent",
    "notes": "Notes",
}


@get(
    [f"/customers/{{customer_id:str}}/{kind}" for kind in TITLES],
    name="admin.customer.list",
    opt={"permission": Permission.CUSTOMERS_READ},
)
async def show_customer_list(
    request: Request[Any, Any, Any],
    customer_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    if text_problem(customer_id, max_length=ID_LENGTH):  # never sent to the database
        raise NotFound("There is no customer with this id.")
    which = list_kind(request.url.path.rstrip("/").rsplit("/", 1)[-1])
    raw = request.query_params.get("page", "1")
    page = int(raw) if raw.isdigit() and len(raw) <= 6 else 1
    found = await customer_list(staff, customer_id, which, page=min(page, MAX_PAGE), uow=read_uow)
    context = admin_context(
        staff,
        customer=found.customer,
        kind=which.value,
        title=TITLES[which.value],
        page=found.page,
        customer_id=found.customer.id,
        **(
            {
                "menus": {
                    i.id: actions_for(staff, TargetKind.INVOICE, i.status.value)
                    for i in found.page.items
                }
            }
            if which.value == "invoices"
            else {}
        ),
    )
    return render(request, "admin/customer_list.html", "admin/_customer_list.html", context)
