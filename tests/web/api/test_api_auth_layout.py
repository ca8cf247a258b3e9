"""Every /api/v1 resource meets the API key: either the ``require_api_key`` guard runs before it,
or (``KEY_READ_IN_USE_CASE``, ``key_read_router``) its handler reads the key itself in its use
case's statement. Never both (the rate limit would count the request twice), never neither
(only the public plans, the gateways' webhooks and the OpenAPI document need no key)."""

from __future__ import annotations

import pytest
from litestar import Litestar

from web.api.auth import KEY_READ_IN_USE_CASE, require_api_key
from web.api.router import key_read_router
from web.api.router import router as public_router

pytestmark = pytest.mark.web


def test_every_resource_is_guarded_or_reads_its_key_itself(app: Litestar) -> None:
    public = {h.fn for r in public_router.routes for h in getattr(r, "route_handlers", [])}
    flagged: set[str] = set()
    guarded: set[str] = set()
    for route in app.routes:
        if not route.path.startswith("/api/v1"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if handler.fn in public or handler.http_methods <= {"OPTIONS"}:  # CORS preflight
                continue
            reads_key = bool(handler.opt.get(KEY_READ_IN_USE_CASE))
            has_guard = require_api_key in handler.resolve_guards()
            assert reads_key != has_guard, (route.path, handler.name, reads_key, has_guard)
            (flagged if reads_key else guarded).add(handler.name or route.path)
    assert flagged == {"api.customers.entitlements"}
    assert len(guarded) > 20
    assert all(
        h.opt.get(KEY_READ_IN_USE_CASE)
        for r in key_read_router.routes
        for h in getattr(r, "route_handlers", [])
        if not h.http_methods <= {"OPTIONS"}
    )
