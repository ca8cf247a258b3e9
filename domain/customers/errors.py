"""The error codes of the customer use cases (the ``code`` of their ``DomainError``)."""

from __future__ import annotations

from enum import StrEnum


class CustomerErrorCode(StrEnum):
    NOT_FOUND = "customer.not_found"
    INVALID = "customer.invalid"
    CREDIT_TOO_SMALL = "customer.credit_too_small"
