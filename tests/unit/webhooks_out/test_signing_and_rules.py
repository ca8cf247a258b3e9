"""The Standard Webhooks signature as the ``standardwebhooks`` package computes and verifies
it; the payload's shape; which URLs an endpoint may have in production and in development; the
retry schedule covers three days."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from domain.outbound.events import EventType, OutboundEvent
from domain.webhooks_out.model import (
    DISABLE_AFTER,
    RETRY_SCHEDULE,
    ROTATION_OVERLAP,
    Endpoint,
    excerpt,
)
from domain.webhooks_out.signing import headers, new_secret, sign
from domain.webhooks_out.urls import check_url

pytestmark = pytest.mark.unit

AT = datetime(2024, 1, 31, 23, 59, 30, tzinfo=UTC)


def test_secrets_are_whsec_and_base64_of_32_random_bytes() -> None:
    one, two = new_secret(), new_secret()
    assert one.startswith("whsec_") and one != two
    assert len(base64.b64decode(one.removeprefix("whsec_"))) == 32


def test_the_package_verifies_our_signature_and_refuses_a_tampered_body() -> None:
    secret = new_secret()
    event = OutboundEvent("evt_1", EventType.INVOICE_PAID, AT, {"id": "inv_1", "total": 1})
    body = event.body()
    now = int(datetime.now(UTC).timestamp())
    sent = headers((secret,), event.id, now, body)
    assert Webhook(secret).verify(body, sent) == json.loads(body)
    assert sent["webhook-signature"] == Webhook(secret).sign(
        "evt_1", datetime.fromtimestamp(now, tz=UTC), body
    )
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("inv_1", "inv_2"), sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, sent)
    # the raw algorithm, as the docs give it
    assert sign(secret, "evt_1", 1700000000, "{}").startswith("v1,")


def test_during_a_rotation_both_secrets_sign_and_either_verifies() -> None:
    new, old = new_secret(), new_secret()
    event = OutboundEvent("evt_2", EventType.INVOICE_PAID, AT, {"id": "inv_2"})
    body = event.body()
    now = int(datetime.now(UTC).timestamp())
    sent = headers((new, old), event.id, now, body)
    assert sent["webhook-signature"] == (
        f"{sign(new, 'evt_2', now, body)} {sign(old, 'evt_2', now, body)}"
    )
    for secret in (new, old):
        assert Webhook(secret).verify(body, sent) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, sent)
    with pytest.raises(TypeError):
        headers(new, event.id, now, body)  # type: ignore[arg-type]


def test_a_rotation_overlaps_for_24_hours_and_keeps_two_secrets_at_most() -> None:
    made = Endpoint("we_1", "https://x.example.com/h", "", (), "whsec_a", True, AT, AT)
    assert made.signing_secrets(AT) == ("whsec_a",)
    once = made.rotated("whsec_b", AT)
    assert once.signing_secrets(AT) == ("whsec_b", "whsec_a")
    assert once.signing_secrets(AT + ROTATION_OVERLAP - timedelta(seconds=1)) == (
        "whsec_b",
        "whsec_a",
    )
    assert once.signing_secrets(AT + ROTATION_OVERLAP) == ("whsec_b",)
    assert once.without_expired_secret(AT) is once
    assert once.without_expired_secret(AT + ROTATION_OVERLAP).previous_secret is None
    twice = once.rotated("whsec_c", AT + timedelta(hours=1))
    assert twice.signing_secrets(AT + timedelta(hours=1)) == ("whsec_c", "whsec_b")


def test_the_payload_has_the_recommended_shape() -> None:
    event = OutboundEvent("evt_1", EventType.CUSTOMER_CREATED, AT, {"id": "c1"})
    assert json.loads(event.body()) == {
        "type": "customer.created", "timestamp": "2024-01-31T23:59:30Z", "data": {"id": "c1"},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("url", "local_ok", "prod_ok"),
    [
        ("https://hooks.example.com/tessera", True, True),
        ("https://hooks.example.com:8443/x?y=1", True, True),
        ("https://93.184.216.34/hook", True, True),
        ("http://127.0.0.1:9000/hook", True, False),
        ("http://localhost:9000/hook", True, False),
        ("https://127.0.0.1/hook", True, False),
        ("http://hooks.example.com/", False, False),
        ("https://10.1.2.3/", False, False),
        ("https://192.168.0.10/", False, False),
        ("https://169.254.169.254/latest/meta-data", False, False),
        ("https://[fe80::1]/", False, False),
        ("https://[::1]/", True, False),
        ("https://0.0.0.0/", False, False),
        ("https://printer.local/", False, False),
        ("https://intranet/", False, False),
        ("https://a:b@hooks.example.com/", False, False),
        ("https://hooks.example.com/#frag", False, False),
        ("javascript:alert(1)", False, False),
        ("https://", False, False),
        ("https://hooks.example.com:99999/", False, False),
    ],
)
def test_which_urls_an_endpoint_may_have(url: str, local_ok: bool, prod_ok: bool) -> None:
    assert (check_url(url, allow_local=True)[1] is None) is local_ok, url
    assert (check_url(url, allow_local=False)[1] is None) is prod_ok, url


def test_retries_span_three_days_and_the_endpoint_is_disabled_before_the_last() -> None:
    assert RETRY_SCHEDULE[:5] == (timedelta(seconds=5), timedelta(minutes=5),
                                  timedelta(minutes=30), timedelta(hours=2), timedelta(hours=5))  # fmt: skip
    total = sum(RETRY_SCHEDULE, timedelta())
    assert timedelta(days=3) <= total < timedelta(days=4)
    assert DISABLE_AFTER == timedelta(days=3) <= total


def test_an_excerpt_keeps_a_kilobyte_on_a_character_boundary() -> None:
    assert len(excerpt("é" * 1000).encode()) <= 1024
    assert excerpt("ok") == "ok"
