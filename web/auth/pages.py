"""Sign-in with e-mail and password, sign-out, and sign-out everywhere."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from domain.accounts.errors import SignInFailed, TooManyAttempts
from domain.accounts.model import SignedIn
from domain.accounts.passwords import sign_in_with_password
from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import MAX_EMAIL, MAX_PASSWORD
from domain.accounts.sessions import sign_out, sign_out_everywhere
from domain.shared.clock import Clock
from domain.unit_of_work import UnitOfWork
from web.auth import session
from web.display import tr
from web.forms import Field, FormSpec
from web.messages import number
from web.runtime import OidcProvider
from web.templating import render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MAX_NEXT = 2_000  # a return path on this site
LOGIN_FORM = FormSpec(
    Field("email", MAX_EMAIL), Field("password", MAX_PASSWORD), Field("next", MAX_NEXT)
)


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


class Origin(TypedDict):
    """Where a sign-in comes from, as every audience's sign-in use cases record it."""

    ip: str
    user_agent: str


def origin(request: Request[Any, Any, Any]) -> Origin:
    """``**origin(request)`` passes the client's address and browser to a sign-in use case."""
    return {"ip": client_ip(request), "user_agent": request.headers.get("user-agent", "")}


def login_page(
    request: Request[Any, Any, Any],
    oidc_providers: dict[str, OidcProvider],
    *,
    email: str = "",
    next_path: str = "/account",
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    """The sign-in page, with a "Sign in with ..." button per configured provider."""
    providers = [{"slug": p.slug, "name": p.name} for p in oidc_providers.values()]
    context = {"email": email, "next": next_path, "error": error, "oidc_providers": providers}
    return render(request, "auth/login.html", None, context, status_code=status_code)


@get("/auth/login", name="auth.login")
async def show_login(
    request: Request[Any, Any, Any],
    maybe_signed_in: NamedDependency[SignedIn | None],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
    next: FromQuery[str | None] = None,
) -> Template | Redirect:
    target = session.safe_next(next)
    if maybe_signed_in is not None:
        return Redirect(target, status_code=303)
    return login_page(request, oidc_providers, next_path=target)


@post("/auth/login", name="auth.login.submit")
async def submit_login(
    request: Request[Any, Any, Any],
    data: Form,
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    hasher: NamedDependency[PasswordHasher],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
) -> Template | Redirect:
    form = LOGIN_FORM.parse(data)
    email = form.get("email").strip()
    target = session.safe_next(form.get("next"))
    if form.errors:
        return login_page(
            request,
            oidc_providers,
            email=email,
            next_path=target,
            error=form.first_error,
            status_code=422,
        )
    try:
        grant = await sign_in_with_password(
            email,
            form.get("password"),
            **origin(request),
            uow=uow,
            clock=clock,
            hasher=hasher,
        )
    except TooManyAttempts as exc:
        return login_page(
            request,
            oidc_providers,
            email=email,
            next_path=target,
            error=exc.message,
            status_code=429,
        )
    except SignInFailed as exc:
        return login_page(
            request,
            oidc_providers,
            email=email,
            next_path=target,
            error=exc.message,
            status_code=401,
        )
    session.begin(request, grant)
    return Redirect(target, status_code=303)


@post("/auth/logout", name="auth.logout")
async def submit_logout(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork], clock: NamedDependency[Clock]
) -> Redirect:
    secret = session.session_secret(request)
    if secret:
        await sign_out(secret, uow=uow, clock=clock)
    session.end(request)
    flash(request, tr(request, "You are signed out."), "success")
    return Redirect("/auth/login", status_code=303)


@post("/auth/logout-everywhere", name="auth.logout_everywhere")
async def submit_logout_everywhere(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    signed_in: NamedDependency[SignedIn],
) -> Redirect:
    ended = await sign_out_everywhere(signed_in.account_id, uow=uow, clock=clock)
    session.end(request)
    flash(
        request,
        tr(
            request,
            "You are signed out on every device (%(n)s sessions ended).",
            n=number(request, ended),
        ),
        "success",
    )
    return Redirect("/auth/login", status_code=303)
