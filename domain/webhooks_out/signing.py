"""Standard Webhooks signatures (https://www.standardwebhooks.com): a ``whsec_`` secret of
random bytes, and ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` keyed with the
secret's decoded bytes. The tests check these against the ``standardwebhooks`` package."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets: tuple[str, ...], msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The request headers of one delivery attempt, signed with each of ``secrets`` (the current
    one, and the previous during a rotation's overlap): Standard Webhooks puts the signatures in
    one header, space-separated; a receiver accepts the delivery when any of them verifies."""
    if isinstance(secrets, str) or not secrets:
        raise TypeError("headers() takes a non-empty tuple of secrets")
    return {
        "content-type": "application/json",
        "user-agent": "Tessera-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets),
    }
