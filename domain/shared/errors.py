"""Domain errors: a stable machine code plus a human message; the web layer maps them to statuses."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class ErrorCode(StrEnum):
    """Codes shared by every context. Contexts add their own ``StrEnum`` of codes."""

    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    VALIDATION_FAILED = "validation_failed"
    INVALID_TRANSITION = "invalid_transition"
    CONFLICT = "conflict"
    PAYMENT_DECLINED = "payment_declined"
    CURRENCY_MISMATCH = "currency_mismatch"
    TRANSIENT = "transient"


class DomainError(Exception):
    """A business rule said no. ``code`` is for machines and tests, ``message`` for people."""

    default_code: str = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code: str = code or self.default_code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class NotFound(DomainError):
    default_code = ErrorCode.NOT_FOUND


class PermissionDenied(DomainError):
    default_code = ErrorCode.PERMISSION_DENIED


class ValidationFailed(DomainError):
    """Input broke a rule; ``field_errors`` maps a field name to what is wrong with it."""

    default_code = ErrorCode.VALIDATION_FAILED

    def __init__(
        self,
        field_errors: Mapping[str, str],
        *,
        message: str | None = None,
        code: str | None = None,
    ) -> None:
        self.field_errors: dict[str, str] = dict(field_errors)
        summary = message or "; ".join(f"{k}: {v}" for k, v in self.field_errors.items())
        super().__init__(summary or "invalid input", code=code)


class InvalidTransition(DomainError):
    default_code = ErrorCode.INVALID_TRANSITION


class Conflict(DomainError):
    default_code = ErrorCode.CONFLICT


class PaymentDeclined(DomainError):
    default_code = ErrorCode.PAYMENT_DECLINED


class CurrencyMismatch(DomainError):
    default_code = ErrorCode.CURRENCY_MISMATCH

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine amounts in {left} and {right}")


class TransientError(DomainError):
    """A temporary failure (network, gateway timeout): jobs retry on it, callers may retry later."""

    default_code = ErrorCode.TRANSIENT
