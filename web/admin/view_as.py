"""View as subscriber, the admin's side: start a read-only view of a customer's portal (sets the
``view_as`` cookie for /account and goes there) and exit it (drops the cookie, back to the
customer). The portal's side, and why the cookie is safe, is ``web/portal/viewing.py``."""

from __future__ import annotations

from urllib.parse import quote

from litestar import post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from domain.shared.clock import Clock
from domain.shared.errors import NotFound
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.support.view_as import end_view_as, start_view_as
from domain.unit_of_work import UnitOfWork
from web.portal.viewing import clear_view_cookie, set_view_cookie
from web.settings import Settings

ID_LENGTH = 36  # the customer table's id column
READ = {"permission": Permission.CUSTOMERS_READ}


@post("/customers/{customer_id:str}/view-as", name="admin.customer.view_as", opt=READ)
async def submit_view_as(
    customer_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
) -> Redirect:
    if text_problem(customer_id, max_length=ID_LENGTH):  # never sent to the database
        raise NotFound("There is no customer with this id.")
    viewing = await start_view_as(staff, customer_id, uow=uow, clock=clock)
    response = Redirect("/account", status_code=303)
    set_view_cookie(response, viewing, settings=settings, now=clock.now())
    return response


@post("/customers/{customer_id:str}/view-as/exit", name="admin.customer.view_as.exit", opt=READ)
async def submit_view_as_exit(
    customer_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Redirect:
    if text_problem(customer_id, max_length=ID_LENGTH):
        raise NotFound("There is no customer with this id.")
    await end_view_as(staff, customer_id, uow=uow, clock=clock)
    response = Redirect(f"/admin/customers/{quote(customer_id)}", status_code=303)
    clear_view_cookie(response)
    return response
