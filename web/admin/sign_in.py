"""/admin/login (the password, then the code), two-factor enrolment, and sign-out. These routes
are the sign-in steps: their permission is None (open), and the use cases check the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import segno
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from markupsafe import Markup

from domain.accounts.errors import SignInFailed, TooManyAttempts
from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import MAX_EMAIL, MAX_PASSWORD
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, PermissionDenied, ValidationFailed
from domain.staff.model import SessionStage
from domain.staff.ports import SecretBox
from domain.staff.sessions import sign_out_staff
from domain.staff.sign_in import sign_in_staff, verify_second_factor
from domain.staff.two_factor import confirm_enrolment, start_enrolment
from domain.unit_of_work import UnitOfWork
from web.admin.access import (
    OPEN,
    STEP_PAGES,
    clear_staff_cookie,
    current_staff,
    set_staff_cookie,
    staff_secret,
)
from web.auth.pages import Form, client_ip, origin
from web.auth.session import safe_next
from web.forms import Field, FormSpec
from web.runtime import OidcProvider
from web.settings import Settings
from web.templating import render

LOGIN_FORM = FormSpec(
    Field("email", MAX_EMAIL), Field("password", MAX_PASSWORD), Field("next", 2_000)
)
CODE_FORM = FormSpec(Field("code", 40), Field("next", 2_000))


def login_page(
    request: Request[Any, Any, Any], sso: OidcProvider | None, *, email: str = "",
    next_path: str = "/admin", error: str | None = None, status_code: int = 200,
) -> Template:  # fmt: skip
    """The password form, and the single sign-on button when staff SSO is configured."""
    context = {
        "email": email,
        "next": next_path,
        "error": error,
        "sso_name": sso.name if sso is not None else None,
    }
    return render(request, "admin/login.html", None, context, status_code=status_code)


@get("/login", name="admin.login", opt=OPEN)
async def show_admin_login(
    request: Request[Any, Any, Any],
    staff_oidc: NamedDependency[OidcProvider | None],
    next: FromQuery[str | None] = None,
) -> Template | Redirect:
    target = safe_next(next, "/admin")
    who = await current_staff(request)
    if who is not None and who.stage is SessionStage.ACTIVE:
        return Redirect(target, status_code=303)
    return login_page(request, staff_oidc, next_path=target)


@post("/login", name="admin.login.submit", opt=OPEN)
async def submit_admin_login(
    request: Request[Any, Any, Any],
    data: Form,
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    hasher: NamedDependency[PasswordHasher],
    settings: NamedDependency[Settings],
    staff_oidc: NamedDependency[OidcProvider | None],
) -> Template | Redirect:
    form = LOGIN_FORM.parse(data)
    email = form.get("email").strip()
    target = safe_next(form.get("next"), "/admin")
    if form.errors:
        return login_page(
            request, staff_oidc, email=email, next_path=target, error=form.first_error,
            status_code=422,
        )  # fmt: skip
    try:
        grant = await sign_in_staff(
            email,
            form.get("password"),
            **origin(request),
            uow=uow,
            clock=clock,
            hasher=hasher,
        )
    except TooManyAttempts as exc:
        return login_page(
            request, staff_oidc, email=email, next_path=target, error=exc.message, status_code=429
        )
    except SignInFailed as exc:
        return login_page(
            request, staff_oidc, email=email, next_path=target, error=exc.message, status_code=401
        )
    step = STEP_PAGES.get(grant.signed_in.stage)
    to = f"{step}?next={quote(target, safe='/')}" if step else target
    response = Redirect(to, status_code=303)
    set_staff_cookie(response, grant.secret, settings)
    return response


def _code_page(
    request: Request[Any, Any, Any], *, next_path: str, error: str | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    context = {"next": next_path, "error": error}
    return render(request, "admin/login_code.html", None, context, status_code=status_code)


@get("/login/code", name="admin.login.code", opt=OPEN)
async def show_admin_code(
    request: Request[Any, Any, Any], next: FromQuery[str | None] = None
) -> Template | Redirect:
    who = await current_staff(request)
    if who is None or who.stage is not SessionStage.SECOND_FACTOR:
        return Redirect("/admin/login", status_code=303)
    return _code_page(request, next_path=safe_next(next, "/admin"))


@post("/login/code", name="admin.login.code.submit", opt=OPEN)
async def submit_admin_code(
    request: Request[Any, Any, Any],
    data: Form,
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    hasher: NamedDependency[PasswordHasher],
    secret_box: NamedDependency[SecretBox],
    staff_oidc: NamedDependency[OidcProvider | None],
) -> Template | Redirect:
    form = CODE_FORM.parse(data)
    target = safe_next(form.get("next"), "/admin")
    if form.errors:
        return _code_page(request, next_path=target, error=form.first_error, status_code=422)
    try:
        await verify_second_factor(
            staff_secret(request),
            form.get("code"),
            ip=client_ip(request),
            uow=uow,
            clock=clock,
            hasher=hasher,
            box=secret_box,
        )
    except TooManyAttempts as exc:
        return login_page(request, staff_oidc, next_path=target, error=exc.message, status_code=429)
    except SignInFailed as exc:
        if exc.message.startswith("Your sign-in expired"):
            return login_page(
                request, staff_oidc, next_path=target, error=exc.message, status_code=401
            )
        return _code_page(request, next_path=target, error=exc.message, status_code=401)
    return Redirect(target, status_code=303)


def _enrol_page(
    request: Request[Any, Any, Any], view: Any, *, next_path: str, error: str | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    qr = segno.make(view.uri, error="m")
    svg = Markup(qr.svg_inline(scale=5, border=2, dark="#0f172a", light="#ffffff"))  # noqa: S704
    context = {"view": view, "qr_svg": svg, "next": next_path, "error": error}
    return render(request, "admin/enrol.html", None, context, status_code=status_code)


@get("/enrol", name="admin.enrol", opt=OPEN)
async def show_enrolment(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
    secret_box: NamedDependency[SecretBox],
    next: FromQuery[str | None] = None,
) -> Template | Redirect:
    target = safe_next(next, "/admin")
    try:
        view = await start_enrolment(
            staff_secret(request),
            issuer=f"{settings.brand_name} admin",
            uow=uow,
            clock=clock,
            box=secret_box,
        )
    except PermissionDenied:
        return Redirect("/admin/login", status_code=303)
    except InvalidTransition:
        return Redirect(target, status_code=303)
    return _enrol_page(request, view, next_path=target)


@post("/enrol", name="admin.enrol.submit", opt=OPEN)
async def submit_enrolment(
    request: Request[Any, Any, Any],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    hasher: NamedDependency[PasswordHasher],
    settings: NamedDependency[Settings],
    secret_box: NamedDependency[SecretBox],
) -> Template | Redirect:
    form = CODE_FORM.parse(data)
    target = safe_next(form.get("next"), "/admin")
    secret = staff_secret(request)
    try:
        done = await confirm_enrolment(
            secret, form.get("code"), uow=new_uow(), clock=clock, hasher=hasher, box=secret_box
        )
    except PermissionDenied:
        return Redirect("/admin/login", status_code=303)
    except InvalidTransition:
        return Redirect(target, status_code=303)
    except ValidationFailed as exc:
        view = await start_enrolment(
            secret,
            issuer=f"{settings.brand_name} admin",
            uow=new_uow(),
            clock=clock,
            box=secret_box,
        )
        message = exc.field_errors.get("code", exc.message)
        return _enrol_page(request, view, next_path=target, error=message, status_code=422)
    context = {"codes": done.recovery_codes, "next": target}
    return render(request, "admin/enrolled.html", None, context)


@post("/logout", name="admin.logout", opt=OPEN)
async def submit_admin_logout(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
) -> Redirect:
    secret = staff_secret(request)
    if secret:
        await sign_out_staff(secret, uow=uow, clock=clock)
    response = Redirect("/admin/login", status_code=303)
    clear_staff_cookie(response, settings)
    return response
