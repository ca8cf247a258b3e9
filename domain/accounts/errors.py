"""Account error codes and the two refusals sign-in can give."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from math import ceil

from domain.shared.errors import DomainError


class AccountErrorCode(StrEnum):
    BAD_SIGN_UP = "bad_sign_up"
    ACCOUNT_EXISTS = "account_exists"
    SIGN_IN_FAILED = "sign_in_failed"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    BAD_TOKEN = "bad_token"
    BAD_PASSWORD = "bad_password"
    OIDC_EMAIL_UNVERIFIED = "oidc_email_unverified"
    IDENTITY_TAKEN = "identity_taken"


class SignInFailed(DomainError):
    """Wrong e-mail or password (one message for both: it never tells which)."""

    default_code = AccountErrorCode.SIGN_IN_FAILED

    def __init__(self, message: str = "That e-mail and password don't match an account.") -> None:
        super().__init__(message)


class TooManyAttempts(DomainError):
    default_code = AccountErrorCode.TOO_MANY_ATTEMPTS

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        minutes = max(1, ceil(retry_after.total_seconds() / 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            "Too many failed sign-in attempts. Sign-in with a password is locked for "
            f"{minutes} {unit}; you can still reset your password or get a sign-in link by e-mail."
        )


class BadToken(DomainError):
    default_code = AccountErrorCode.BAD_TOKEN

    def __init__(self, message: str = "This link has expired or was already used.") -> None:
        super().__init__(message)
