"""Payment webhooks: ``POST /api/v1/webhooks/{gateway}``. The gateway adapter checks the signature
and its age (422 when missing, wrong or stale; 400 for a signed body that is not an event); the
domain applies the event once per event id and only after reading the payment back from the
gateway (``reconcile_webhook``). A replay answers 200 and changes nothing."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, SkipValidation
from litestar.response import Response

from domain.billing.config import BillingConfig
from domain.payments.model import WebhookOutcome
from domain.payments.ports import PaymentGateway
from domain.payments.webhooks import reconcile_webhook
from domain.shared.clock import Clock
from domain.shared.errors import TransientError
from web.deps import UowFactory
from web.errors import problem_title

SIGNATURE_HEADERS = ("stripe-signature", "x-sandbox-signature")


@post("/webhooks/{gateway:str}", name="api.webhooks", status_code=200)
async def receive_webhook(
    request: Request[Any, Any, Any],
    gateway: FromPath[str],
    payment_gateway: NamedDependency[PaymentGateway],
    new_uow: NamedDependency[UowFactory],
    clock: NamedDependency[SkipValidation[Clock]],
    billing: NamedDependency[BillingConfig],
) -> Response[dict[str, Any]]:
    if gateway != payment_gateway.name:
        raise NotFoundException(f"no {gateway} gateway here")
    payload = await request.body()
    signature = next((request.headers[h] for h in SIGNATURE_HEADERS if h in request.headers), None)
    event = payment_gateway.parse_webhook(payload, signature)  # ValidationFailed -> 422
    try:
        outcome = await reconcile_webhook(
            event,
            gateway=payment_gateway,
            uow=new_uow,
            clock=clock,
            config=billing,
        )
    except TransientError:
        # the gateway could not be asked (or the payment is still processing): the provider
        # delivers again later
        title, language_headers = problem_title(request, 503)
        return Response(
            {
                "type": "about:blank",
                "title": title,
                "status": 503,
                "detail": "The payment could not be read back from the gateway; deliver again.",
                "instance": request.url.path,
            },
            status_code=503,
            media_type="application/problem+json",
            headers={"Retry-After": "60"} | language_headers,
        )
    return Response(
        {
            "received": event.event_id,
            "outcome": outcome.value,
            "handled": outcome is not WebhookOutcome.IGNORED,
        }
    )
