"""Webhook signatures in Stripe's scheme, for both gateways: ``t=<unix time>,v1=<hex HMAC-SHA256
of "<t>.<body>">``. The HMAC is checked by Stripe's SDK (``stripe.WebhookSignature``); the age is
checked here against the injected clock, in both directions (a timestamp from the future is as
suspect as an old one). A correctly signed body that is not an event is a ``DomainError`` (400),
never a crash."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from hashlib import sha256

import stripe

from domain.shared.errors import DomainError, ValidationFailed

DEFAULT_TOLERANCE_S = 300  # Stripe's default


def derive_secret(app_secret: str, purpose: str) -> str:
    """A per-installation secret for ``purpose`` from the app's secret key (HMAC-SHA256, so the
    derived value tells nothing about the key or about secrets derived for other purposes)."""
    return hmac.new(app_secret.encode(), f"tessera:{purpose}".encode(), sha256).hexdigest()


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The signature header for ``payload`` at ``timestamp`` (what the provider sends; over the
    raw bytes, which for UTF-8 text is what ``stripe.WebhookSignature`` computes)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    payload: bytes,
    header: str | None,
    secret: str | None,
    *,
    now: datetime,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> Mapping[str, object]:
    """Check the signature and its age, then read the body as an event object (a JSON object
    with string ``id`` and ``type``). ``ValidationFailed`` (422) for a missing secret, a missing,
    wrong or stale signature; ``DomainError`` (400) for a signed body that is not an event."""
    if not secret:
        raise ValidationFailed(
            {"signature": "no webhook secret is configured"},
            code="payments.webhook_secret_missing",
        )
    if not header:
        raise ValidationFailed(
            {"signature": "missing signature header"}, code="payments.webhook_signature_missing"
        )
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise _payload_invalid("the body is not UTF-8 text") from None
    try:
        stripe.WebhookSignature.verify_header(text, header, secret, tolerance=None)
    except stripe.SignatureVerificationError:
        raise ValidationFailed(
            {"signature": "the signature does not match the payload"},
            code="payments.webhook_signature_invalid",
        ) from None
    timestamp = _timestamp(header)
    age = now.timestamp() - timestamp
    if abs(age) > tolerance_s:
        raise ValidationFailed(
            {"signature": f"the signature's timestamp is outside the {tolerance_s} s tolerance"},
            code="payments.webhook_signature_expired",
        )
    try:
        data = json.loads(text)
    except ValueError:
        raise _payload_invalid("the body is not JSON") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("id"), str)
        or not data["id"]
        or not isinstance(data.get("type"), str)
    ):
        raise _payload_invalid("the body is not an event (a JSON object with an id and a type)")
    return data


def _timestamp(header: str) -> int:
    # the timestamp verify_header checked the HMAC with, read the way it reads it
    items = [item.split("=", 2) for item in header.split(",")]
    return int(next(item[1] for item in items if item[0] == "t"))


def _payload_invalid(why: str) -> DomainError:
    return DomainError(f"Webhook payload invalid: {why}.", code="payments.webhook_payload_invalid")


def event_object(data: Mapping[str, object]) -> Mapping[str, object]:
    """``data.object`` of an event, or an empty mapping."""
    inner = data.get("data")
    obj = inner.get("object") if isinstance(inner, Mapping) else None
    return obj if isinstance(obj, Mapping) else {}
