"""Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits) on pyotp, a pure library.
The time is the injected clock's, never the system's."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

from domain.staff.ports import SecretBox

STEP_SECONDS = 30
SEALED = "sealed:"  # a stored secret encrypted by the SecretBox; without it, one from before


def sealed(secret: str, box: SecretBox) -> str:
    """How a TOTP secret is stored: encrypted, marked as such."""
    return SEALED + box.seal(secret)


def opened(stored: str, box: SecretBox) -> str | None:
    """The secret a stored value holds; None when the box cannot open it (another key). A value
    stored before encryption (no mark) is the secret itself: ``is_sealed`` says to rewrite it."""
    if not is_sealed(stored):
        return stored
    return box.open(stored.removeprefix(SEALED))


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED)


def new_totp_secret() -> str:
    return pyotp.random_base32()  # 160 bits, base32


def provisioning_uri(secret: str, *, email: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def code_at(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def matching_step(secret: str, code: str, at: datetime, *, after: int | None = None) -> int | None:
    """The 30-second step whose code this is (this step, or the one before or after, for clock
    drift), or None. A step at or before ``after`` (the last one used) does not count: a code
    works once (RFC 6238, section 5.2)."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(at.timestamp()) // STEP_SECONDS
    for step in (now_step - 1, now_step, now_step + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
