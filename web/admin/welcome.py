"""/admin/welcome/{token}: a one-time sign-in link (``staff create --link``). The member chooses
a password and is signed in, or sent on to two-factor enrolment when the role needs it."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from domain.accounts.errors import BadToken
from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import MAX_PASSWORD
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.staff.links import link_view, redeem_link
from domain.staff.model import SessionStage
from domain.unit_of_work import UnitOfWork
from web.admin.access import OPEN, set_staff_cookie  # OPEN: the link is the credential
from web.auth.pages import Form, origin
from web.forms import Field, FormSpec
from web.settings import Settings
from web.templating import render

WELCOME_FORM = FormSpec(Field("password", MAX_PASSWORD))


def _page(request: Request[Any, Any, Any], context: dict[str, Any], status: int) -> Template:
    return render(request, "admin/welcome.html", None, context, status_code=status)


@get("/welcome/{token:str}", name="admin.welcome", opt=OPEN)
async def show_welcome(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    try:
        view = await link_view(token, uow=read_uow, clock=clock)
    except BadToken as exc:
        return _page(request, {"view": None, "error": exc.message, "token": ""}, 410)
    return _page(request, {"view": view, "error": None, "token": token}, 200)


@post("/welcome/{token:str}", name="admin.welcome.submit", opt=OPEN)
async def submit_welcome(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    data: Form,
    uow: NamedDependency[UnitOfWork],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    hasher: NamedDependency[PasswordHasher],
    settings: NamedDependency[Settings],
) -> Template | Redirect:
    form = WELCOME_FORM.parse(data)
    error = form.first_error
    if error is None:
        try:
            grant = await redeem_link(
                token,
                form.get("password"),
                **origin(request),
                uow=uow,
                clock=clock,
                hasher=hasher,
            )
        except BadToken as exc:
            return _page(request, {"view": None, "error": exc.message, "token": ""}, 410)
        except ValidationFailed as exc:
            error = exc.field_errors.get("password", exc.message)
        else:
            to = "/admin/enrol" if grant.signed_in.stage is SessionStage.ENROL else "/admin"
            response = Redirect(to, status_code=303)
            set_staff_cookie(response, grant.secret, settings)
            return response
    try:
        view = await link_view(token, uow=read_uow, clock=clock)
    except BadToken as exc:
        return _page(request, {"view": None, "error": exc.message, "token": ""}, 410)
    return _page(request, {"view": view, "error": error, "token": token}, 422)
