"""The Stripe adapter against localstripe: customers, cards (no number anywhere), charges and
their idempotency, declines, 3-D Secure, refunds, signed webhooks and an unreachable Stripe.

What localstripe cannot do (specific decline codes, processing errors, 5xx answers, refund
limits) is listed in docs/payments.md and covered by ``tests/unit/payments/test_stripe_mapping.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import stripe
from aiohttp import web

from domain.adapters.payments.stripe_gateway import CUSTOMER_ID_KEY, StripeGateway
from domain.payments.model import ChargeStatus, WebhookKind
from domain.shared.errors import PaymentDeclined, TransientError, ValidationFailed
from domain.shared.money import Money
from tests.integration.payments.conftest import WEBHOOK_SECRET
from tests.support.localstripe import LocalStripe, closed_port

pytestmark = [
    pytest.mark.integration,
    # localstripe registers plain-function handlers; the SDK's httpx client posts raw bytes
    pytest.mark.filterwarnings("ignore:Bare functions are deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload:DeprecationWarning"),
]

VISA = "4242424242424242"
DECLINED_AT_ATTACH = "4000000000000002"  # generic decline
INSUFFICIENT_FUNDS = "4000000000009995"
DECLINED_AT_CHARGE = "4000000000000341"  # attaches, then every charge fails
THREE_D_SECURE = "4000002500003155"  # authentication required on every charge


def usd(minor: int) -> Money:
    return Money.of_minor(minor, "USD")


async def customer_with_card(gateway: StripeGateway, number: str = VISA) -> tuple[str, str]:
    customer = await gateway.ensure_customer(
        customer_id="cust-1", email="ada@example.test", name="Ada Lovelace"
    )
    token = await gateway.tokenize_card(number=number, exp_month=12, exp_year=2030, cvc="123")
    card = await gateway.attach(gateway_customer=customer, token=token)
    return customer, card.method_ref


@pytest.fixture
async def stripe_api(localstripe: LocalStripe) -> AsyncIterator[stripe.StripeClient]:
    """The SDK without our adapter, to look at what localstripe holds."""
    http = stripe.HTTPXClient()
    yield stripe.StripeClient(
        "sk_test_tessera",
        base_addresses={"api": localstripe.api_base},
        max_network_retries=0,
        http_client=http,
    )
    await http.close_async()  # type: ignore[no-untyped-call]


def sign(payload: bytes, secret: str, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


# -- customers and cards -------------------------------------------------------------------------
async def test_attach_returns_card_details_and_the_number_appears_nowhere(
    gateway: StripeGateway,
    localstripe: LocalStripe,
    stripe_api: stripe.StripeClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    customer = await gateway.ensure_customer(
        customer_id="cust-1", email="ada@example.test", name="Ada Lovelace"
    )
    token = await gateway.tokenize_card(number=VISA, exp_month=12, exp_year=2030, cvc="123")
    card = await gateway.attach(gateway_customer=customer, token=token)

    assert customer.startswith("cus_")
    assert card.method_ref == token
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2030)
    assert card.fingerprint  # localstripe sends Stripe's field
    assert VISA not in repr(card)
    assert VISA not in caplog.text
    assert all(VISA not in str(r.args) for r in caplog.records)
    stored = await stripe_api.v1.payment_methods.retrieve_async(token)
    assert stored.customer == customer


async def test_ensure_customer_finds_the_customer_it_created(
    gateway: StripeGateway, localstripe: LocalStripe, stripe_api: stripe.StripeClient
) -> None:
    first = await gateway.ensure_customer(customer_id="c-1", email="a@example.test", name="A")
    again = await gateway.ensure_customer(customer_id="c-1", email="a@example.test", name="A")
    other = await gateway.ensure_customer(customer_id="c-2", email="a@example.test", name="B")

    assert again == first
    assert other != first
    stored = await stripe_api.v1.customers.retrieve_async(first)
    assert stored.to_dict()["metadata"] == {CUSTOMER_ID_KEY: "c-1"}


async def test_attach_refuses_the_generic_decline_card(gateway: StripeGateway) -> None:
    customer = await gateway.ensure_customer(customer_id="c", email="c@example.test", name="C")
    token = await gateway.tokenize_card(
        number=DECLINED_AT_ATTACH, exp_month=12, exp_year=2030, cvc="123"
    )

    with pytest.raises(PaymentDeclined) as declined:
        await gateway.attach(gateway_customer=customer, token=token)

    assert declined.value.code == "card_declined"
    assert declined.value.message == "Your card was declined."


async def test_insufficient_funds_card_is_refused_at_attach_without_its_decline_code(
    gateway: StripeGateway,
) -> None:
    """Stripe declines 4000000000009995 at charge time with ``insufficient_funds``; localstripe
    refuses it at attach with the generic ``card_declined`` (recorded in docs/payments.md)."""
    customer = await gateway.ensure_customer(customer_id="c", email="c@example.test", name="C")
    token = await gateway.tokenize_card(
        number=INSUFFICIENT_FUNDS, exp_month=12, exp_year=2030, cvc="123"
    )

    with pytest.raises(PaymentDeclined) as declined:
        await gateway.attach(gateway_customer=customer, token=token)

    assert declined.value.code == "card_declined"


async def test_tokenize_rejects_an_impossible_expiry_without_echoing_the_card(
    gateway: StripeGateway,
) -> None:
    with pytest.raises(ValidationFailed) as invalid:
        await gateway.tokenize_card(number=VISA, exp_month=12, exp_year=2010, cvc="123")

    assert invalid.value.code == "invalid_expiry_year"
    assert VISA not in str(invalid.value)
    assert invalid.value.__cause__ is None  # the SDK error (and its request) is not chained


async def test_detach_frees_the_card(
    gateway: StripeGateway, localstripe: LocalStripe, stripe_api: stripe.StripeClient
) -> None:
    customer, method = await customer_with_card(gateway)

    await gateway.detach(gateway_customer=customer, method_ref=method)

    stored = await stripe_api.v1.payment_methods.retrieve_async(method)
    assert stored.customer is None


# -- charges -------------------------------------------------------------------------------------
async def test_charge_succeeds_in_minor_units_and_lowercase_currency(
    gateway: StripeGateway, localstripe: LocalStripe, stripe_api: stripe.StripeClient
) -> None:
    customer, method = await customer_with_card(gateway)

    result = await gateway.charge(
        gateway_customer=customer,
        method_ref=method,
        amount=usd(2599),
        idempotency_key="invoice-1:attempt-1",
        description="INV-2024-000001",
    )

    assert result.status is ChargeStatus.SUCCEEDED
    assert result.payment_ref is not None and result.payment_ref.startswith("pi_")
    intent = await stripe_api.v1.payment_intents.retrieve_async(result.payment_ref)
    assert (intent.amount, intent.currency, intent.customer) == (2599, "usd", customer)
    assert intent.payment_method == method
    assert "invoice-1:attempt-1" in localstripe.idempotency_keys_seen
    assert (await gateway.confirm(payment_ref=result.payment_ref)).status is ChargeStatus.SUCCEEDED


async def test_the_same_idempotency_key_charges_once(
    gateway: StripeGateway, localstripe: LocalStripe, stripe_api: stripe.StripeClient
) -> None:
    """localstripe ignores the key; the fixture replays responses per key as Stripe does, so this
    proves the adapter sends the caller's key and reads a replay like a first answer."""
    customer, method = await customer_with_card(gateway)

    async def pay(key: str) -> str | None:
        result = await gateway.charge(
            gateway_customer=customer,
            method_ref=method,
            amount=usd(1000),
            idempotency_key=key,
            description="renewal",
        )
        assert result.status is ChargeStatus.SUCCEEDED
        return result.payment_ref

    first = await pay("renewal:sub-1:2024-02-29")
    assert first is not None
    second = await pay("renewal:sub-1:2024-02-29")
    other = await pay("renewal:sub-1:2024-03-31")

    assert second == first
    assert other != first
    intents = await stripe_api.v1.payment_intents.list_async()
    assert {i.id for i in intents.data} == {first, other}
    assert len(intents.data) == 2
    assert localstripe.idempotency_keys_seen.count("renewal:sub-1:2024-02-29") == 2


async def test_a_card_declined_at_charge_gives_declined_with_code_and_message(
    gateway: StripeGateway,
) -> None:
    customer, method = await customer_with_card(gateway, DECLINED_AT_CHARGE)

    result = await gateway.charge(
        gateway_customer=customer,
        method_ref=method,
        amount=usd(1000),
        idempotency_key="decline-1",
        description="renewal",
    )

    assert result.status is ChargeStatus.DECLINED
    assert result.code == "card_declined"
    assert result.message == "Your card was declined."
    assert not result.hard_decline  # a generic decline may succeed on a later retry


async def test_three_d_secure_requires_action_then_confirm_reads_the_outcome(
    gateway: StripeGateway, localstripe: LocalStripe, stripe_api: stripe.StripeClient
) -> None:
    customer, method = await customer_with_card(gateway, THREE_D_SECURE)

    result = await gateway.charge(
        gateway_customer=customer,
        method_ref=method,
        amount=usd(1000),
        idempotency_key="sca-1",
        description="renewal",
    )

    assert result.status is ChargeStatus.REQUIRES_ACTION
    assert result.payment_ref is not None
    assert result.action_url is None  # localstripe's next_action is use_stripe_sdk, no URL
    assert (await gateway.confirm(payment_ref=result.payment_ref)).status is (
        ChargeStatus.REQUIRES_ACTION
    )

    # the customer authenticates (localstripe's stand-in for the Stripe.js 3-D Secure modal)
    intent = await stripe_api.v1.payment_intents.retrieve_async(result.payment_ref)
    async with httpx.AsyncClient(base_url=localstripe.api_base) as http:
        response = await http.post(
            f"/v1/payment_intents/{intent.id}/_authenticate",
            data={"client_secret": intent.client_secret, "success": "true", "key": "pk_test_x"},
        )
    assert response.status_code == 200

    assert (await gateway.confirm(payment_ref=result.payment_ref)).status is (
        ChargeStatus.SUCCEEDED
    )


async def test_failed_authentication_confirms_as_declined(
    gateway: StripeGateway, localstripe: LocalStripe, stripe_api: stripe.StripeClient
) -> None:
    customer, method = await customer_with_card(gateway, THREE_D_SECURE)
    result = await gateway.charge(
        gateway_customer=customer,
        method_ref=method,
        amount=usd(1000),
        idempotency_key="sca-2",
        description="renewal",
    )
    assert result.payment_ref is not None
    intent = await stripe_api.v1.payment_intents.retrieve_async(result.payment_ref)
    async with httpx.AsyncClient(base_url=localstripe.api_base) as http:
        await http.post(
            f"/v1/payment_intents/{intent.id}/_authenticate",
            data={"client_secret": intent.client_secret, "success": "false", "key": "pk_test_x"},
        )

    confirmed = await gateway.confirm(payment_ref=result.payment_ref)

    assert confirmed.status is ChargeStatus.DECLINED
    assert confirmed.code == "payment_intent_authentication_failure"
    assert confirmed.message


# -- refunds -------------------------------------------------------------------------------------
async def paid(gateway: StripeGateway, minor: int, key: str) -> str:
    customer, method = await customer_with_card(gateway)
    result = await gateway.charge(
        gateway_customer=customer,
        method_ref=method,
        amount=usd(minor),
        idempotency_key=key,
        description="invoice",
    )
    assert result.payment_ref is not None
    return result.payment_ref


async def test_full_refund(
    gateway: StripeGateway, localstripe: LocalStripe, stripe_api: stripe.StripeClient
) -> None:
    payment = await paid(gateway, 4900, "pay-full")

    refund = await gateway.refund(payment_ref=payment, amount=usd(4900), idempotency_key="rf-1")

    assert refund.succeeded
    assert refund.refund_ref.startswith("re_")
    stored = await stripe_api.v1.refunds.retrieve_async(refund.refund_ref)
    assert (stored.amount, stored.currency, stored.payment_intent) == (4900, "usd", payment)


async def test_partial_refunds_are_idempotent_per_key(
    gateway: StripeGateway, localstripe: LocalStripe, stripe_api: stripe.StripeClient
) -> None:
    payment = await paid(gateway, 4900, "pay-partial")

    first = await gateway.refund(payment_ref=payment, amount=usd(1500), idempotency_key="rf-a")
    replay = await gateway.refund(payment_ref=payment, amount=usd(1500), idempotency_key="rf-a")
    second = await gateway.refund(payment_ref=payment, amount=usd(1000), idempotency_key="rf-b")

    assert first.succeeded and second.succeeded
    assert replay.refund_ref == first.refund_ref
    refunds = await stripe_api.v1.refunds.list_async({"payment_intent": payment})
    assert sorted(r.amount for r in refunds.data) == [1000, 1500]


# -- webhooks ------------------------------------------------------------------------------------
def event_payload(event_type: str, intent_id: str = "pi_123") -> bytes:
    event = {
        "id": "evt_1",
        "object": "event",
        "type": event_type,
        "data": {"object": {"id": intent_id, "object": "payment_intent", "status": "succeeded"}},
    }
    return json.dumps(event).encode()


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("payment_intent.succeeded", WebhookKind.PAYMENT_SUCCEEDED),
        ("payment_intent.payment_failed", WebhookKind.PAYMENT_FAILED),
        ("payment_intent.created", WebhookKind.OTHER),
    ],
)
def test_a_correctly_signed_webhook_is_read(
    gateway: StripeGateway, event_type: str, kind: WebhookKind
) -> None:
    payload = event_payload(event_type)

    event = gateway.parse_webhook(payload, sign(payload, WEBHOOK_SECRET))

    assert (event.event_id, event.kind, event.payment_ref, event.raw_type) == (
        "evt_1",
        kind,
        "pi_123",
        event_type,
    )


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        (None, "payments.webhook_signature_missing"),
        ("garbage", "payments.webhook_signature_invalid"),
        ("wrong-secret", "payments.webhook_signature_invalid"),
        ("tampered", "payments.webhook_signature_invalid"),
        ("stale", "payments.webhook_signature_expired"),
    ],
)
def test_a_badly_signed_webhook_is_refused(
    gateway: StripeGateway, signature: str | None, code: str
) -> None:
    payload = event_payload("payment_intent.succeeded")
    header = {
        None: None,
        "garbage": "t=1,v1=deadbeef",
        "wrong-secret": sign(payload, "whsec_other"),
        "tampered": sign(payload.replace(b"pi_123", b"pi_999"), WEBHOOK_SECRET),
        "stale": sign(payload, WEBHOOK_SECRET, at=int(time.time()) - 3600),
    }[signature]

    with pytest.raises(ValidationFailed) as refused:
        gateway.parse_webhook(payload, header)

    assert refused.value.code == code


async def test_a_webhook_delivered_by_localstripe_verifies(
    gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    """End to end: localstripe signs and posts its own event (about a second after the charge)."""
    received: asyncio.Queue[tuple[bytes, str | None]] = asyncio.Queue()

    async def receive(request: web.Request) -> web.Response:
        await received.put((await request.read(), request.headers.get("Stripe-Signature")))
        return web.Response()

    app = web.Application()
    app.router.add_post("/stripe/webhook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = closed_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        localstripe.add_webhook(
            "wh_test", f"http://127.0.0.1:{port}/stripe/webhook", WEBHOOK_SECRET
        )
        payment = await paid(gateway, 1200, "pay-webhook")

        async def succeeded_event() -> tuple[bytes, str | None]:
            while True:
                payload, signature = await received.get()
                if json.loads(payload)["type"] == "payment_intent.succeeded":
                    return payload, signature

        payload, signature = await asyncio.wait_for(succeeded_event(), timeout=10)
    finally:
        await runner.cleanup()

    event = gateway.parse_webhook(payload, signature)
    assert event.kind is WebhookKind.PAYMENT_SUCCEEDED
    assert event.payment_ref == payment
    assert event.event_id.startswith("evt_")
    with pytest.raises(ValidationFailed):
        StripeGateway("sk_test_x", webhook_secret="whsec_other").parse_webhook(payload, signature)


# -- an unreachable Stripe -----------------------------------------------------------------------
async def test_a_connection_error_raises_transient_error() -> None:
    unreachable = StripeGateway(
        "sk_test_tessera", api_base=f"http://127.0.0.1:{closed_port()}", max_network_retries=0
    )
    try:
        with pytest.raises(TransientError):
            await unreachable.ensure_customer(customer_id="c", email="c@example.test", name="C")
        with pytest.raises(TransientError):
            await unreachable.charge(
                gateway_customer="cus_x",
                method_ref="pm_x",
                amount=usd(100),
                idempotency_key="k",
                description="d",
            )
    finally:
        await unreachable.aclose()
