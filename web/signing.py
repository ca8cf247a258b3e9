"""Values a form carries back signed: a quote's terms, the checkout's summary, a staff
action's preview. The token is the JSON value and an HMAC under ``APP_SECRET_KEY`` with a
purpose, so a form can neither claim a value the server never showed nor reuse one signed for
another purpose. No expiry: every use prices or previews again and compares."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any


def _mac(purpose: str, body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), purpose.encode() + b":" + body, hashlib.sha256).hexdigest()


def sign(value: dict[str, Any], secret: str, *, purpose: str) -> str:
    body = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(body).decode() + "." + _mac(purpose, body, secret)


def unsign(token: str | None, secret: str, *, purpose: str) -> dict[str, Any] | None:
    """The value this server signed for ``purpose``, or None (missing, altered, garbage)."""
    encoded, _, mac = (token or "").strip().partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded.encode())
    except (ValueError, binascii.Error):
        return None
    if not mac or not hmac.compare_digest(_mac(purpose, body, secret), mac):
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
