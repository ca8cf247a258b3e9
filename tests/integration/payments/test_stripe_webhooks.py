"""The Stripe gateway's webhooks (issue 11): the same guarantees as the sandbox's. Signatures are
timed on the injected clock with the configured tolerance, an event id applies once, and an event
settles an invoice only when the PaymentIntent read back from Stripe (localstripe) agrees."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import InvoiceTable, PaymentWebhookEventTable
from domain.adapters.payments.stripe_gateway import StripeGateway
from domain.adapters.payments.webhook_signing import sign
from domain.payments.model import ChargeStatus
from domain.shared.clock import FrozenClock
from domain.shared.errors import DomainError, NotFound, ValidationFailed
from domain.shared.money import Money
from tests.integration.payments.conftest import WEBHOOK_SECRET
from tests.support.database import TestDatabase
from tests.support.localstripe import LocalStripe
from tests.web.conftest import make_settings, serve
from tests.web.test_payment_pages import _open_invoice_needing_action
from web.app import create_app

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:Bare functions are deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload:DeprecationWarning"),
]


def _event(ref: str, event_id: str, kind: str = "payment_intent.succeeded") -> bytes:
    obj = {"id": ref, "object": "payment_intent", "status": "succeeded"}
    return json.dumps(
        {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}
    ).encode()


@pytest.fixture
async def timed_gateway(
    localstripe: LocalStripe, clock: FrozenClock
) -> AsyncIterator[StripeGateway]:
    gw = StripeGateway(
        "sk_test_tessera",
        api_base=localstripe.api_base,
        webhook_secret=WEBHOOK_SECRET,
        webhook_tolerance_s=60,
        clock=clock,
    )
    yield gw
    await gw.aclose()


async def test_the_signature_age_is_checked_on_the_clock_with_the_tolerance(
    timed_gateway: StripeGateway, clock: FrozenClock
) -> None:
    body = _event("pi_1", "evt_1")
    now = int(clock.now().timestamp())
    for offset in (-60, 0, 60):
        assert timed_gateway.parse_webhook(body, sign(body, WEBHOOK_SECRET, now + offset))
    for offset in (-61, 61, -365 * 86400):
        with pytest.raises(ValidationFailed) as refused:
            timed_gateway.parse_webhook(body, sign(body, WEBHOOK_SECRET, now + offset))
        assert refused.value.code == "payments.webhook_signature_expired"


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": "evt_1"}', b"\xff\xfe"])
def test_a_signed_body_that_is_not_an_event_is_payload_invalid(
    timed_gateway: StripeGateway, clock: FrozenClock, body: bytes
) -> None:
    with pytest.raises(DomainError) as refused:
        timed_gateway.parse_webhook(body, sign(body, WEBHOOK_SECRET, int(clock.now().timestamp())))
    assert not isinstance(refused.value, ValidationFailed)  # a 400, not a 422
    assert refused.value.code == "payments.webhook_payload_invalid"


async def test_retrieve_reads_the_payment_intent_back(timed_gateway: StripeGateway) -> None:
    customer = await timed_gateway.ensure_customer(
        customer_id="c1", email="ada@example.test", name="Ada"
    )
    token = await timed_gateway.tokenize_card(
        number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"
    )
    card = await timed_gateway.attach(gateway_customer=customer, token=token)
    charged = await timed_gateway.charge(
        gateway_customer=customer,
        method_ref=card.method_ref,
        amount=Money.of_minor(1234, "EUR"),
        idempotency_key="rb-1",
        description="read back",
    )
    assert charged.payment_ref is not None

    back = await timed_gateway.retrieve(payment_ref=charged.payment_ref)

    assert (back.status, back.amount_minor, back.currency) == (ChargeStatus.SUCCEEDED, 1234, "EUR")
    with pytest.raises(NotFound):
        await timed_gateway.retrieve(payment_ref="pi_unknown")


@pytest.fixture
def stripe_app(db: TestDatabase, clock: FrozenClock, timed_gateway: StripeGateway) -> Litestar:
    return create_app(
        make_settings(db), clock=clock, engine=db.engine, start_runner=False, gateway=timed_gateway
    )


async def _post(client: httpx.AsyncClient, body: bytes, signature: str) -> httpx.Response:
    return await client.post(
        "/api/v1/webhooks/stripe", content=body, headers={"stripe-signature": signature}
    )


async def _invoice_statuses() -> list[str]:
    return [r["status"] for r in await InvoiceTable.select(InvoiceTable.status)]


async def test_a_stripe_event_settles_only_what_stripe_confirms_and_only_once(
    stripe_app: Litestar, localstripe: LocalStripe, clock: FrozenClock
) -> None:
    async with serve(stripe_app) as client:
        ref = await _open_invoice_needing_action(stripe_app, clock)
        now = int(clock.now().timestamp())

        # correctly signed (a leaked secret), but Stripe still says requires_action: held
        body = _event(ref, "evt_early")
        held = await _post(client, body, sign(body, WEBHOOK_SECRET, now))
        assert held.status_code == 200 and held.json()["outcome"] == "held"
        assert await _invoice_statuses() == ["open"]
        # a year-old signature is refused before anything is read
        stale = await _post(client, body, sign(body, WEBHOOK_SECRET, now - 365 * 86400))
        assert stale.status_code == 422

        # the customer passes the bank's check at Stripe; its event settles the invoice once
        intent = await stripe_app.state.runtime.gateway._client.v1.payment_intents.retrieve_async(
            ref
        )
        async with httpx.AsyncClient(base_url=localstripe.api_base) as http:
            done = await http.post(
                f"/v1/payment_intents/{ref}/_authenticate",
                data={"client_secret": intent.client_secret, "success": "true", "key": "pk_x"},
            )
        assert done.status_code == 200
        body = _event(ref, "evt_paid")
        applied = await _post(client, body, sign(body, WEBHOOK_SECRET, now))
        assert applied.json()["outcome"] == "applied"
        assert await _invoice_statuses() == ["paid"]

        clock.advance(seconds=30)
        replay = await _post(client, body, sign(body, WEBHOOK_SECRET, now + 30))
        assert replay.status_code == 200 and replay.json()["outcome"] == "replayed"
        rows = await PaymentWebhookEventTable.select().order_by(PaymentWebhookEventTable.event_id)
        assert [(r["event_id"], r["outcome"]) for r in rows] == [
            ("evt_early", "held"),
            ("evt_paid", "applied"),
        ]
        assert "the gateway says requires_action" in rows[0]["detail"]
