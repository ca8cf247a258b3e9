"""Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits) on pyotp, a pure library.
The time is the injected clock's, never the system's."""

from __future__ import annotations

from datetime import datetime

import pyotp


def new_totp_secret() -> str:
    return pyotp.random_base32()  # 160 bits, base32


def provisioning_uri(secret: str, *, email: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def code_at(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def verify(secret: str, code: str, at: datetime) -> bool:
    """The code of this 30-second step, or of the one before or after (clock drift)."""
    return (
        len(code) == 6
        and code.isdigit()
        and pyotp.TOTP(secret).verify(code, for_time=at, valid_window=1)
    )
