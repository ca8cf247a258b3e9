"""Payment webhooks: ``POST /api/v1/webhooks/{gateway}``, verified by the gateway adapter's
signature check and applied idempotently (``reconcile_webhook``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from domain.payments.service import reconcile_webhook
from web.runtime import Runtime

SIGNATURE_HEADERS = ("stripe-signature", "x-sandbox-signature")


@post("/webhooks/{gateway:str}", name="api.webhooks", status_code=200)
async def receive_webhook(
    request: Request[Any, Any, Any], gateway: FromPath[str], runtime: NamedDependency[Runtime]
) -> dict[str, Any]:
    if gateway != runtime.gateway.name:
        raise NotFoundException(f"no {gateway} gateway here")
    payload = await request.body()
    signature = next((request.headers[h] for h in SIGNATURE_HEADERS if h in request.headers), None)
    event = runtime.gateway.parse_webhook(payload, signature)  # ValidationFailed -> 422
    handled = await reconcile_webhook(
        event, uow=runtime.uow, clock=runtime.clock, config=runtime.settings.billing
    )
    return {"received": event.event_id, "handled": handled}
