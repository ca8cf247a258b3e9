"""View as subscriber, the portal's side: staff read a subscriber's portal pages read-only.

An /admin POST (``web/admin/view_as.py``) starts a view and sets the ``view_as`` cookie:
``Path=/account`` (only portal requests carry it), ``HttpOnly``, ``SameSite=Strict``, ``Secure``
per settings, expiring with the view. Its value is the ``Viewing`` (view id, the staff session's
id — the SHA-256 of the admin cookie's secret, never the secret itself —, customer id, expiry)
with an HMAC under ``APP_SECRET_KEY``, so it cannot be forged or pointed at another customer.

While the cookie is present:

- ``refuse_while_viewing`` (a guard on both portal routers, before any dependency) refuses every
  request that is not a GET or HEAD, and the GETs in ``NOT_WHILE_VIEWING`` (PDF downloads render
  and store a document; the e-mail change link carries the subscriber's secret): 403, with a page
  saying why. The subscriber's own data can never be changed by a viewing staff member.
- ``viewed_subscriber`` (called by the ``Subscriber`` scope, ``web/portal/scope.py``) resolves
  the view on every request through ``domain/support/view_as.py::resolve_view_as``: the staff
  session must still be live (signing out of the admin ends every view it started), the member
  enabled and allowed ``customers.read``. A page view (not an htmx fragment) is audited
  (``customer.view_as_page``). An ended view answers a page saying so and drops the cookie.
- The portal layout shows the banner ("Viewing as <email> — read only — Exit") and no sign-out.

The subscriber's own session cookie is neither read for the view nor changed: the view acts as
the subscriber's account with no session of theirs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Template

from domain.shared.clock import Clock
from domain.support.view_as import ViewedAs, Viewing, resolve_view_as
from domain.unit_of_work import UnitOfWork
from web.settings import Settings
from web.templating import VIEWING_STATE, is_fragment_request

VIEW_COOKIE = "view_as"
VIEW_PATH = "/account"
SAFE_METHODS = frozenset({"GET", "HEAD"})
NOT_WHILE_VIEWING = frozenset(
    {"portal.invoice.pdf", "portal.credit_note.pdf", "portal.profile.email.confirm"}
)
_PURPOSE = b"view-as:"


class ViewingRefused(Exception):
    """A request the view may not make (``ended`` False), or a view that has ended."""

    def __init__(self, *, ended: bool) -> None:
        super().__init__("view has ended" if ended else "read-only view")
        self.ended = ended


def _mac(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), _PURPOSE + body, hashlib.sha256).hexdigest()


def sign_viewing(viewing: Viewing, secret: str) -> str:
    fields = {
        "v": viewing.viewing_id,
        "s": viewing.staff_session_id,
        "c": viewing.customer_id,
        "e": viewing.expires_at.isoformat(),
    }
    body = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(body).decode().rstrip("=") + "." + _mac(body, secret)


def read_viewing(token: str, secret: str) -> Viewing | None:
    """The view this server signed, or None (missing, altered, garbage)."""
    encoded, _, mac = token.strip().partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (ValueError, binascii.Error):
        return None
    if not mac or not hmac.compare_digest(_mac(body, secret), mac):
        return None
    try:
        fields = json.loads(body)
        return Viewing(
            viewing_id=str(fields["v"]),
            staff_session_id=str(fields["s"]),
            customer_id=str(fields["c"]),
            expires_at=datetime.fromisoformat(fields["e"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def set_view_cookie(
    response: Response[Any], viewing: Viewing, *, settings: Settings, now: datetime
) -> None:
    response.set_cookie(
        VIEW_COOKIE,
        sign_viewing(viewing, settings.secret_key),
        path=VIEW_PATH,
        max_age=max(1, int((viewing.expires_at - now).total_seconds())),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )


def clear_view_cookie(response: Response[Any]) -> None:
    response.delete_cookie(VIEW_COOKIE, path=VIEW_PATH)


def is_viewing(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return bool(connection.cookies.get(VIEW_COOKIE))


async def refuse_while_viewing(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The portal routers' guard: while viewing, only GET and HEAD, and not every GET."""
    if not is_viewing(connection):
        return
    method = connection.scope.get("method", "GET")
    if method not in SAFE_METHODS or handler.name in NOT_WHILE_VIEWING:
        raise ViewingRefused(ended=False)


async def viewed_subscriber(
    request: Request[Any, Any, Any],
    *,
    new_uow: Callable[[], UnitOfWork],
    clock: Clock,
    settings: Settings,
) -> ViewedAs | None:
    """The subscriber a viewing staff member reads (None: no view cookie; the subscriber's own
    session applies). Raises ``ViewingRefused(ended=True)`` for a view that has ended."""
    token = request.cookies.get(VIEW_COOKIE, "")
    if not token:
        return None
    state = request.scope.setdefault("state", {})
    cached: ViewedAs | None = state.get(VIEWING_STATE)
    if cached is not None:
        return cached
    viewing = read_viewing(token, settings.secret_key)
    page = None if is_fragment_request(request) else request.url.path
    viewed = (
        await resolve_view_as(viewing, uow=new_uow(), clock=clock, page=page)
        if viewing is not None
        else None
    )
    if viewed is None:
        raise ViewingRefused(ended=True)
    state[VIEWING_STATE] = viewed
    return viewed


def on_viewing_refused(request: Request[Any, Any, Any], exc: ViewingRefused) -> Response[Any]:
    """403: a change refused while viewing, or a view that has ended (its cookie dropped)."""
    response = Template(
        "portal/viewing_refused.html", context={"ended": exc.ended}, status_code=403
    )
    if exc.ended:
        clear_view_cookie(response)
    return response
