"""Key secrets: ``tsk_live_`` or ``tsk_test_`` and 32 random bytes (base64url, 43 characters).
Only the SHA-256 of a secret is stored: a random 256-bit secret cannot be guessed from its hash,
so a slow password hash buys nothing (Stripe stores its keys the same way). A secret is looked up
by its hash and the hashes compared again in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _random

from domain.apikeys.model import Mode

PREFIX = "tsk_"
VISIBLE = 13  # "tsk_test_" and four characters of the random part
_SHAPE = re.compile(r"^tsk_(live|test)_[A-Za-z0-9_-]{43}$")


def new_secret(mode: Mode) -> str:
    return f"{PREFIX}{mode.value}_{_random.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def visible_prefix(secret: str) -> str:
    return secret[:VISIBLE]


def well_formed(secret: str) -> bool:
    """A string that could be one of our secrets (checked before any lookup)."""
    return bool(_SHAPE.match(secret))


def same_hash(stored: str, presented: str) -> bool:
    return hmac.compare_digest(stored.encode("ascii"), presented.encode("ascii"))
