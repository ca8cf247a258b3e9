"""/admin/customers: find a customer (search as you type; a plain GET form without JavaScript),
and /admin/customers/{customer_id}: the customer record ("360") support staff read."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.money import Money
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.support.actions.base import StaffAction, TargetKind
from domain.support.actions.registry import actions_for
from domain.support.model import MatchKind
from domain.support.notes import MAX_NOTE
from domain.support.record import customer_record
from domain.support.record_model import CustomerRecord
from domain.support.search import MAX_QUERY, search_customers
from domain.unit_of_work import UnitOfWork
from web.admin.pages import admin_context
from web.forms import Field, FormSpec
from web.templating import is_fragment_request, render

ID_LENGTH = 36  # the customer table's id column
READ = {"permission": Permission.CUSTOMERS_READ}
SEARCH = FormSpec(Field("q", MAX_QUERY))
# an exact hit of these kinds is the one customer meant: a plain submit goes straight there
SEARCH_FORM_ID = "customer-search-form"  # templates/admin/customers.html
EXACT = frozenset({MatchKind.CUSTOMER_ID, MatchKind.INVOICE, MatchKind.CREDIT_NOTE})


@get("/customers", name="admin.customers", opt=READ)
async def show_admin_customers(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template | Redirect | Response[str]:
    form = SEARCH.parse(request.query_params)
    query = form.get("q")
    error = form.errors.get("q")
    hits = None
    if not error and query.strip():
        try:
            hits = await search_customers(staff, query, uow=read_uow)
        except ValidationFailed as exc:
            error = exc.field_errors.get("q", exc.message)
    if hits and len(hits) == 1 and hits[0].kind in EXACT and _submitted(request):
        to = f"/admin/customers/{quote(hits[0].customer_id)}"
        if is_fragment_request(request):  # Enter pressed with JavaScript on: htmx goes there
            return Response("", status_code=200, headers={"HX-Redirect": to})
        return Redirect(to, status_code=303)
    context = admin_context(staff, query=query, hits=hits, error=error)
    return render(request, "admin/customers.html", "admin/customer_results.html", context,
                  status_code=422 if error else 200)  # fmt: skip


def _submitted(request: Request[Any, Any, Any]) -> bool:
    """A plain GET, or htmx submitting the form (Enter, the button); not a search as you type."""
    if not is_fragment_request(request):
        return True
    return request.headers.get("HX-Trigger") == SEARCH_FORM_ID


@get("/customers/{customer_id:str}", name="admin.customer", opt=READ)
async def show_admin_customer(
    request: Request[Any, Any, Any],
    customer_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    if text_problem(customer_id, max_length=ID_LENGTH):  # never sent to the database
        raise NotFound("There is no customer with this id.")
    record = await customer_record(staff, customer_id, uow=read_uow, clock=clock)
    return render(request, "admin/customer.html", None, record_context(staff, record))


def record_context(staff: SignedInStaff, record: CustomerRecord, **extra: Any) -> dict[str, Any]:
    """What admin/customer.html shows (the notes form's error and text on a refused note)."""
    next_due = {
        s.id: Money.of_minor(s.next_invoice.amount_due, s.currency)
        for s in record.subscriptions
        if s.next_invoice is not None
    }
    menus: dict[str, list[StaffAction]] = {
        **{
            i.id: actions_for(staff, TargetKind.INVOICE, i.status.value)
            for i in record.invoices.items
        },
        **{
            s.id: actions_for(
                staff,
                TargetKind.SUBSCRIPTION,
                s.status.value,
                frozenset({"cancel_at_period_end"}) if s.cancel_at_period_end else frozenset(),
            )
            for s in record.subscriptions
        },
    }
    context: dict[str, Any] = {
        "record": record,
        "next_due": next_due,
        "menus": menus,
        "customer_actions": actions_for(staff, TargetKind.CUSTOMER),
        "may_act": can(staff.role, Permission.CUSTOMERS_ACT),
        "note_error": None,
        "note_text": "",
        "max_note": MAX_NOTE,
    }
    return admin_context(staff, **(context | extra))
