"""Who an /api/v1 request acts as: ``Authorization: Bearer <key>`` checked by the
``require_api_key`` guard before any handler or dependency runs. No key, a malformed, unknown or
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


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    raw = connection.headers.get("authorization", "")
    scheme, _, token = raw.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="api"'}


async def require_api_key(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    runtime: Runtime = connection.app.state.runtime
    secret = _bearer(connection)
    if secret is None:
        raise ApiRefusal(401, "Send your API key: Authorization: Bearer <key>.",
                         "api_key.missing", UNAUTHORIZED)  # fmt: skip
    try:
        key = await authenticate(
            secret, uow=runtime.read_uow(), new_uow=runtime.uow, clock=runtime.clock
        )
    except ApiKeyRefused:
        raise ApiRefusal(401, "This API key is not valid (unknown or revoked).",
                         "api_key.invalid", UNAUTHORIZED | {
                             "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'
                         }) from None  # fmt: skip
    limiter = runtime.api_limiter
    if limiter is not None:
        wait = limiter.hit(key.id, runtime.clock.now())
        if wait is not None:
            raise ApiRefusal(429, f"Too many requests for this key; retry in {wait} s.",
                             "api.rate_limited", {"Retry-After": str(wait)})  # fmt: skip
    if connection.scope.get("method", "GET") not in READS and not key.can_write:
        raise ApiRefusal(403, "This API key is read-only.", "api_key.read_only")
    connection.state.api_key = key


def provide_api_key(request: Request[Any, Any, Any]) -> ApiKey:
    """The key ``require_api_key`` accepted (a dependency: ``api_key``)."""
    key: ApiKey = request.state.api_key
    return key
