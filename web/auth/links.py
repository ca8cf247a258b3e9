"""Sign-in by e-mailed link: "forgot your password" (request, then set a new one) and sign-in
links (request, then press "Sign in" on the page the link opens).

The request forms answer the same whether or not the address has an account. Opening a link
never spends it: the reset link shows a form, the sign-in link a button, and only the POST
redeems it (mail scanners that fetch every link leave it usable).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from domain.accounts.email_links import check_token
from domain.accounts.errors import BadToken
from domain.accounts.magic_links import request_magic_link, sign_in_with_magic_link
from domain.accounts.mailing import Mailing
from domain.accounts.model import TokenPurpose
from domain.accounts.password_reset import request_password_reset, reset_password
from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import MAX_EMAIL, MAX_PASSWORD, MIN_PASSWORD
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.unit_of_work import UnitOfWork
from web.auth import session
from web.auth.pages import MAX_NEXT, Form, client_ip, origin
from web.display import tr
from web.forms import Field, FormSpec
from web.messages import number
from web.templating import render

EMAIL_FORM = FormSpec(Field("email", MAX_EMAIL), Field("next", MAX_NEXT))
PASSWORD_FORM = FormSpec(Field("password", MAX_PASSWORD))
NEXT_FORM = FormSpec(Field("next", MAX_NEXT))


def password_help(request: Request[Any, Any, Any]) -> str:
    return tr(
        request,
        "At least %(n)s characters. A few unrelated words are easy to remember and hard to guess.",
        n=number(request, MIN_PASSWORD),
    )


def _link_invalid(request: Request[Any, Any, Any], purpose: TokenPurpose, message: str) -> Template:
    again = "/auth/forgot" if purpose is TokenPurpose.PASSWORD_RESET else "/auth/magic"
    context = {"message": message, "again_url": again, "purpose": purpose.value}
    return render(request, "auth/link_invalid.html", None, context, status_code=410)


# -- password reset -------------------------------------------------------------------------------
def _forgot_page(
    request: Request[Any, Any, Any],
    *,
    email: str = "",
    error: str | None = None,
    sent: bool = False,
    status_code: int = 200,
) -> Template:
    context = {"email": email, "error": error, "sent": sent}
    return render(request, "auth/forgot.html", None, context, status_code=status_code)


@get("/auth/forgot", name="auth.forgot")
async def show_forgot_password(
    request: Request[Any, Any, Any], sent: FromQuery[bool] = False
) -> Template:
    return _forgot_page(request, sent=sent)


@post("/auth/forgot", name="auth.forgot.submit")
async def submit_forgot_password(
    request: Request[Any, Any, Any],
    data: Form,
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    mailing: NamedDependency[Mailing],
) -> Template | Redirect:
    form = EMAIL_FORM.parse(data)
    email = form.get("email").strip()
    if form.errors:
        return _forgot_page(request, email=email, error=form.first_error, status_code=422)
    try:
        await request_password_reset(
            email,
            ip=client_ip(request),
            uow=uow,
            clock=clock,
            mailing=mailing,
        )
    except ValidationFailed as exc:
        return _forgot_page(
            request, email=email, error=exc.field_errors.get("email"), status_code=422
        )
    return Redirect("/auth/forgot?sent=true", status_code=303)


def _reset_page(
    request: Request[Any, Any, Any], token: str, *, error: str | None = None, status_code: int = 200
) -> Template:
    context = {
        "action": f"/auth/reset/{token}",
        "error": error,
        "password_help": password_help(request),
    }
    return render(request, "auth/reset.html", None, context, status_code=status_code)


@get("/auth/reset/{token:str}", name="auth.reset")
async def show_reset_password(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    try:
        await check_token(token, TokenPurpose.PASSWORD_RESET, uow=uow, clock=clock)
    except BadToken as exc:
        return _link_invalid(request, TokenPurpose.PASSWORD_RESET, exc.message)
    return _reset_page(request, token)


@post("/auth/reset/{token:str}", name="auth.reset.submit")
async def submit_reset_password(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    data: Form,
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    hasher: NamedDependency[PasswordHasher],
) -> Template | Redirect:
    form = PASSWORD_FORM.parse(data)
    if form.errors:
        return _reset_page(request, token, error=form.first_error, status_code=422)
    try:
        grant = await reset_password(
            token,
            form.get("password"),
            **origin(request),
            uow=uow,
            clock=clock,
            hasher=hasher,
        )
    except BadToken as exc:
        return _link_invalid(request, TokenPurpose.PASSWORD_RESET, exc.message)
    except ValidationFailed as exc:
        return _reset_page(
            request, token, error=exc.field_errors.get("password", exc.message), status_code=422
        )
    session.begin(request, grant)
    flash(
        request,
        tr(
            request,
            "Your password is changed and you are signed in. Every other session was signed out.",
        ),
        "success",
    )
    return Redirect("/account", status_code=303)


# -- sign-in links --------------------------------------------------------------------------------
def _magic_page(
    request: Request[Any, Any, Any],
    *,
    email: str = "",
    next_path: str = "/account",
    error: str | None = None,
    sent: bool = False,
    status_code: int = 200,
) -> Template:
    context = {"email": email, "next": next_path, "error": error, "sent": sent}
    return render(request, "auth/magic.html", None, context, status_code=status_code)


@get("/auth/magic", name="auth.magic")
async def show_magic_link_request(
    request: Request[Any, Any, Any],
    next: FromQuery[str | None] = None,
    sent: FromQuery[bool] = False,
) -> Template:
    return _magic_page(request, next_path=session.safe_next(next), sent=sent)


@post("/auth/magic", name="auth.magic.submit")
async def submit_magic_link_request(
    request: Request[Any, Any, Any],
    data: Form,
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    mailing: NamedDependency[Mailing],
) -> Template | Redirect:
    form = EMAIL_FORM.parse(data)
    email = form.get("email").strip()
    target = session.safe_next(form.get("next"))
    if form.errors:
        return _magic_page(
            request, email=email, next_path=target, error=form.first_error, status_code=422
        )
    try:
        await request_magic_link(
            email,
            ip=client_ip(request),
            next_path=target,
            uow=uow,
            clock=clock,
            mailing=mailing,
        )
    except ValidationFailed as exc:
        return _magic_page(
            request,
            email=email,
            next_path=target,
            error=exc.field_errors.get("email"),
            status_code=422,
        )
    return Redirect("/auth/magic?" + urlencode({"sent": "true", "next": target}), status_code=303)


@get("/auth/magic/{token:str}", name="auth.magic.open")
async def show_magic_link(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    next: FromQuery[str | None] = None,
) -> Template:
    try:
        await check_token(token, TokenPurpose.MAGIC_LINK, uow=uow, clock=clock)
    except BadToken as exc:
        return _link_invalid(request, TokenPurpose.MAGIC_LINK, exc.message)
    context = {"action": f"/auth/magic/{token}", "next": session.safe_next(next)}
    return render(request, "auth/magic_confirm.html", None, context)


@post("/auth/magic/{token:str}", name="auth.magic.redeem")
async def redeem_magic_link(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    data: Form,
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template | Redirect:
    try:
        grant = await sign_in_with_magic_link(
            token,
            **origin(request),
            uow=uow,
            clock=clock,
        )
    except BadToken as exc:
        return _link_invalid(request, TokenPurpose.MAGIC_LINK, exc.message)
    session.begin(request, grant)
    return Redirect(session.safe_next(NEXT_FORM.parse(data).get("next")), status_code=303)
