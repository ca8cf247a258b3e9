"""The session cookie carries one thing for sign-in: the secret of an ``auth_session`` row.

``begin(request, grant)`` rotates the cookie session at sign-in (everything in it is dropped,
so nothing from before sign-in, such as a planted value, survives); ``signed_in`` is the
dependency portal handlers declare: it resolves the secret through the accounts use case on
every request, so a session revoked anywhere (sign out everywhere, password reset) ends here at
once. An anonymous request to a guarded page is sent to the sign-in page and back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from domain.accounts.model import SignedIn
from domain.accounts.ports import AccountsUnit
from domain.accounts.rules import is_local_path
from domain.accounts.sessions import SessionGrant, resolve_session
from domain.shared.clock import Clock
from domain.unit_of_work import UnitOfWork
from web.runtime import Runtime

SESSION_SECRET_KEY = "auth"
CACHE_STATE = _CACHE = "signed_in"  # who the request is signed in as, once resolved


class SignInRequired(Exception):
    """Raised by the ``signed_in`` dependency for an anonymous request."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign-in required")
        self.next_path = next_path


def begin(request: Request[Any, Any, Any], grant: SessionGrant) -> None:
    request.clear_session()
    request.set_session({SESSION_SECRET_KEY: grant.secret})
    request.scope["state"][_CACHE] = grant.signed_in


def end(request: Request[Any, Any, Any]) -> None:
    request.clear_session()
    request.set_session({})  # a fresh, empty session (the flash message that follows lives here)
    request.scope["state"].pop(_CACHE, None)


def session_secret(request: Request[Any, Any, Any]) -> str:
    if "session" not in request.scope:
        return ""
    value = request.session.get(SESSION_SECRET_KEY, "")
    return value if isinstance(value, str) else ""


async def current(
    request: Request[Any, Any, Any], *, new_uow: Callable[[], AccountsUnit], clock: Clock
) -> SignedIn | None:
    """Who this request is signed in as (resolved once per request)."""
    state = request.scope.setdefault("state", {})
    if _CACHE in state:
        cached: SignedIn | None = state[_CACHE]
        return cached
    secret = session_secret(request)
    who = await resolve_session(secret, uow=new_uow(), clock=clock) if secret else None
    if who is None and secret:
        request.clear_session()  # a revoked or expired session: forget the stale cookie
    state[_CACHE] = who
    return who


async def resolve_viewer(request: Request[Any, Any, Any]) -> None:
    """``before_request``: resolve who is signed in for a page view that carries a session, so
    the storefront header can say "Your account" rather than "Sign in" (``signed_in_viewer``
    in templates). A request without a session secret costs nothing."""
    if request.method != "GET" or request.url.path.startswith(("/static/", "/api/", "/healthz")):
        return
    if session_secret(request):
        runtime: Runtime = request.app.state.runtime
        await current(request, new_uow=runtime.uow, clock=runtime.clock)


def viewer(request: Request[Any, Any, Any] | None) -> SignedIn | None:
    """Who this request was resolved to be signed in as (None: anonymous, or not resolved)."""
    if request is None:
        return None
    who: SignedIn | None = request.scope.get("state", {}).get(_CACHE)
    return who


def safe_next(value: str | None, default: str = "/account") -> str:
    """Only a local path may be a redirect target (no //host, no scheme)."""
    if value and is_local_path(value):
        return value
    return default


async def provide_signed_in(
    request: Request[Any, Any, Any],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> SignedIn:
    who = await current(request, new_uow=new_uow, clock=clock)
    if who is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path if request.method == "GET" else request.url.path)
    return who


async def provide_maybe_signed_in(
    request: Request[Any, Any, Any],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> SignedIn | None:
    return await current(request, new_uow=new_uow, clock=clock)
