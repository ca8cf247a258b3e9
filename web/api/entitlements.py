"""/api/v1/customers/{id}/entitlements: what a customer may use, answered from the
``customer_entitlement`` read model (domain/subscriptions/entitlements.py). The key check and the
read are one statement (``domain/apikeys/entitlement_reads.py``; on PostgreSQL one round trip,
no transaction around it): the guard only checks a bearer secret was sent
(``KEY_READ_IN_USE_CASE``), the handler answers 401 for a refused key and applies the rate limit
and scope (``admit``) as the guard does for the other resources. A read-only key may ask; an
unknown customer answers 404 problem details."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Request, get
from litestar.params import FromPath
from msgspec import Struct

from domain.apikeys.auth import ApiKeyRefused
from domain.apikeys.entitlement_reads import entitlements_for_key
from domain.shared.ids import CustomerId
from domain.subscriptions.entitlement_rules import Entitlement
from web.api.auth import KEY_READ_IN_USE_CASE, admit, presented_secret, refused
from web.api.docs import read_op
from web.api.shapes import instant
from web.guard import guard_request
from web.runtime import Runtime

TAG = "Entitlements"


class EntitlementOut(Struct):
    """One feature: ``limit_type`` ``access`` (on or off, no quantity), ``quantity`` (``limit``
    is the most allowed, seats included) or ``unlimited``."""

    feature: str
    name: str
    limit_type: Literal["access", "quantity", "unlimited"]
    limit: int | None
    has_access: bool
    subscriptions: list[str]
    updated_at: str | None


class EntitlementList(Struct):
    customer_id: str
    data: list[EntitlementOut]


def entitlement_out(row: Entitlement) -> EntitlementOut:
    return EntitlementOut(
        feature=row.feature_key, name=row.feature_name, limit_type=row.kind.value,  # type: ignore[arg-type]
        limit=row.limit, has_access=row.has_access, subscriptions=list(row.subscriptions),
        updated_at=instant(row.updated_at),
    )  # fmt: skip


@get("/customers/{customer_id:str}/entitlements", name="api.customers.entitlements",
     opt={KEY_READ_IN_USE_CASE: True}, before_request=guard_request,
     **read_op(TAG, "A customer's entitlements: features, limits and whether access is on"))  # fmt: skip
async def customer_entitlements_api(
    customer_id: FromPath[str], request: Request[Any, Any, Any]
) -> EntitlementList:
    # No injected dependencies: the runtime is read from the app's state, as the API-key guard
    # reads it, so no dependency graph (and no task group for its three siblings) is resolved
    # per request on the API's hottest read. ``before_request`` is ``guard_request`` alone: the
    # app's other hooks resolve a page's signed-in viewer (never on /api/) and its display
    # (unused here: problem details negotiate ``Accept-Language`` themselves, web/errors.py).
    runtime: Runtime = request.app.state.runtime
    try:
        _, rows = await entitlements_for_key(
            presented_secret(request), CustomerId(customer_id), uow=runtime.statement_uow(),
            new_uow=runtime.uow, clock=runtime.clock, admit=lambda k: admit(request, k),
        )  # fmt: skip
    except ApiKeyRefused:
        raise refused() from None
    return EntitlementList(customer_id, [entitlement_out(r) for r in rows])
