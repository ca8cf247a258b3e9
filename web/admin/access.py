"""Who an /admin request acts as, and the one guard every /admin route passes.

Staff have their own session cookie (``admin_session``: httponly, ``Secure`` per settings,
SameSite=Strict, path /admin) holding the secret of a ``staff_session`` row. Every /admin route
declares ``opt={"permission": Permission.X}`` (or ``None`` for the sign-in steps); ``admin_guard``
resolves the session once per request and:

- no live session -> 303 to /admin/login?next=... (``AdminSignInRequired``);
- a session still at a sign-in step -> 303 to that step (the code, or two-factor enrolment);
- a role without the permission -> 403 (``PermissionDenied``, the error page).

A route without the ``permission`` key is a programming error and answers 500 loudly: the role
walk test (tests/web/admin/test_admin_roles.py) fails on it first.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template

from domain.shared.errors import NotFound, PermissionDenied
from domain.staff.model import SessionStage, SignedInStaff
from domain.staff.permissions import ROLE_PERMISSIONS, Permission, require
from domain.staff.sessions import resolve_staff_session
from web.auth.session import safe_next
from web.errors import handle_domain_error
from web.runtime import Runtime
from web.settings import Settings
from web.templating import is_fragment_request

ADMIN_COOKIE = "admin_session"
ADMIN_PATH = "/admin"
_CACHE = "signed_in_staff"
OPEN: dict[str, Permission | None] = {
    "permission": None
}  # a sign-in step: the guard lets anyone in
STEP_PAGES = {SessionStage.SECOND_FACTOR: "/admin/login/code", SessionStage.ENROL: "/admin/enrol"}


class AdminSignInRequired(Exception):
    """Anonymous (or mid-sign-in) on a guarded /admin page: go to ``to``."""

    def __init__(self, to: str) -> None:
        super().__init__("staff sign-in required")
        self.to = to


def staff_secret(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.cookies.get(ADMIN_COOKIE, "")


def set_staff_cookie(response: Response[Any], secret: str, settings: Settings) -> None:
    response.set_cookie(
        ADMIN_COOKIE,
        secret,
        path=ADMIN_PATH,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )


def clear_staff_cookie(response: Response[Any], settings: Settings) -> None:
    response.delete_cookie(ADMIN_COOKIE, path=ADMIN_PATH)


async def current_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> SignedInStaff | None:
    """The staff session of this request at whichever stage (resolved once per request)."""
    state = connection.scope.setdefault("state", {})
    if _CACHE in state:
        cached: SignedInStaff | None = state[_CACHE]
        return cached
    secret = staff_secret(connection)
    who = None
    if secret:
        runtime: Runtime = connection.app.state.runtime
        who = await resolve_staff_session(secret, uow=runtime.uow(), clock=runtime.clock)
    state[_CACHE] = who
    return who


def _here(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    query = connection.url.query
    path = connection.url.path + (f"?{query}" if query else "")
    return path if connection.scope.get("method") == "GET" else connection.url.path


async def admin_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    if "permission" not in handler.opt:
        raise RuntimeError(f"/admin route {handler} declares no permission")
    permission: Permission | None = handler.opt["permission"]
    if permission is None:
        return  # a sign-in step: open to anyone
    who = await current_staff(connection)
    if who is None:
        raise AdminSignInRequired(f"/admin/login?next={_quote(_here(connection))}")
    if who.stage is not SessionStage.ACTIVE:
        raise AdminSignInRequired(STEP_PAGES[who.stage])
    require(who, permission)


def _quote(path: str) -> str:
    return quote(safe_next(path, "/admin"), safe="/")


def provide_staff(request: Request[Any, Any, Any]) -> SignedInStaff:
    """The signed-in staff member the guard let through (guarded routes only)."""
    who: SignedInStaff | None = request.scope.get("state", {}).get(_CACHE)
    if who is None or who.stage is not SessionStage.ACTIVE:
        raise PermissionDenied("Sign in to the admin first.", code="staff.forbidden")
    return who


def on_sign_in_required(request: Request[Any, Any, Any], exc: AdminSignInRequired) -> Response[Any]:
    if is_fragment_request(request):
        return Response("", status_code=200, headers={"HX-Redirect": exc.to})
    return Redirect(exc.to, status_code=303)


def on_forbidden(request: Request[Any, Any, Any], exc: PermissionDenied) -> Response[Any]:
    """403 inside the admin: the admin's own page (its navigation, a way back), not the
    storefront's."""
    who: SignedInStaff | None = request.scope.get("state", {}).get(_CACHE)
    if who is None or is_fragment_request(request):
        return handle_domain_error(request, exc)
    context = {
        "staff": who,
        "nav_allowed": {p.value for p in ROLE_PERMISSIONS[who.role]},
        "detail": exc.message,
    }
    return Template("admin/forbidden.html", context=context, status_code=403)


def on_not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    """404 inside the admin: the admin's own page, with a way back to the customer search."""
    who: SignedInStaff | None = request.scope.get("state", {}).get(_CACHE)
    if who is None or is_fragment_request(request):
        return handle_domain_error(request, exc)
    context = {
        "staff": who,
        "nav_allowed": {p.value for p in ROLE_PERMISSIONS[who.role]},
        "detail": exc.message,
    }
    return Template("admin/not_found.html", context=context, status_code=404)


STAFF_SCOPE: dict[str, Provide] = {"staff": Provide(provide_staff, sync_to_thread=False)}
