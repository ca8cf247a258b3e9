"""Who an /api/v1 request acts as: ``Authorization: Bearer <key>`` checked by the
``require_api_key`` guard before any handler or dependency runs (or, on a route whose use case
reads the key in its own statement, ``KEY_READ_IN_USE_CASE``, by its handler before anything
else, with the same answers). No key, a malformed, unknown or
revoked one answers 401 (``WWW-Authenticate: Bearer``); a read-only key on anything but GET or
HEAD answers 403; over the key's rate limit answers 429 with ``Retry-After``. The key is never
logged: only its id reaches the request's state."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler

from domain.apikeys.auth import ApiKeyRefused, authenticate
from domain.apikeys.model import ApiKey
from web.runtime import Runtime

READS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiRefusal(HTTPException):
    """An API refusal with a stable ``code`` for the problem details (web/errors.py)."""

    def __init__(self, status_code: int, detail: str, code: str,
                 headers: dict[str, str] | None = None) -> None:  # fmt: skip
        super().__init__(detail=detail, status_code=status_code, headers=headers)
        self.code = code


def _authorization(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The first ``Authorization`` header, read from the scope (building the connection's
    ``Headers`` decodes every header: a measurable part of the entitlements read)."""
    for name, value in connection.scope["headers"]:
        if name.lower() == b"authorization":
            return value.decode("latin-1")
    return ""


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    raw = _authorization(connection)
    scheme, _, token = raw.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="api"'}


KEY_READ_IN_USE_CASE = "api_key_read_in_use_case"
"""A route handler's ``opt`` flag: its use case reads the key in the same statement as what the
request asks (``entitlements_for_key``), so it is served without this guard (``key_read_router``
in web/api/router.py) and calls ``presented_secret``, ``refused`` and ``admit`` itself; every
/api/v1 resource is either guarded or flagged, never both (tests/web/api/test_api_auth_layout.py)."""


def presented_secret(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The bearer secret sent; none is 401 ``api_key.missing``."""
    secret = _bearer(connection)
    if secret is None:
        raise ApiRefusal(401, "Send your API key: Authorization: Bearer <key>.",
                         "api_key.missing", UNAUTHORIZED)  # fmt: skip
    return secret


def refused() -> ApiRefusal:
    """The 401 for a malformed, unknown or revoked key (``ApiKeyRefused``), alike."""
    return ApiRefusal(401, "This API key is not valid (unknown or revoked).",
                      "api_key.invalid", UNAUTHORIZED | {
                          "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'
                      })  # fmt: skip


async def require_api_key(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    runtime: Runtime = connection.app.state.runtime
    secret = presented_secret(connection)
    try:
        # one SELECT: the single-statement read unit (no transaction around it on PostgreSQL)
        key = await authenticate(
            secret, uow=runtime.statement_uow(), new_uow=runtime.uow, clock=runtime.clock
        )
    except ApiKeyRefused:
        raise refused() from None
    admit(connection, key)


def admit(connection: ASGIConnection[Any, Any, Any, Any], key: ApiKey) -> None:
    """What every accepted key meets: its rate limit (429 with ``Retry-After``) and its scope
    (a read-only key on anything but GET or HEAD is 403); then the key is the request's."""
    runtime: Runtime = connection.app.state.runtime
    limiter = runtime.api_limiter
    if limiter is not None:
        wait = limiter.hit(key.id, runtime.clock.now())
        if wait is not None:
            raise ApiRefusal(429, f"Too many requests for this key; retry in {wait} s.",
                             "api.rate_limited", {"Retry-After": str(wait)})  # fmt: skip
    if connection.scope.get("method", "GET") not in READS and not key.can_write:
        raise ApiRefusal(403, "This API key is read-only.", "api_key.read_only")
    # the scope's state directly: ``connection.state`` wraps it in a new locked ``State`` each time
    connection.scope.setdefault("state", {})["api_key"] = key


def provide_api_key(request: Request[Any, Any, Any]) -> ApiKey:
    """The key ``require_api_key`` accepted (a dependency: ``api_key``)."""
    key: ApiKey = request.state.api_key
    return key
