"""An API key as stored (never its secret: the SHA-256 of it and a short visible prefix) and an
idempotency record (the first response to a POST with an ``Idempotency-Key``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Scope(StrEnum):
    READ_ONLY = "read_only"
    READ_WRITE = "read_write"


class Mode(StrEnum):
    """``live`` keys in production, ``test`` keys elsewhere (the secret's prefix says which)."""

    LIVE = "live"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    scope: Scope
    mode: Mode
    prefix: str  # the first characters of the secret, shown to identify the key ("tsk_test_AbC1")
    secret_hash: str  # hex SHA-256 of the whole secret
    created_by: str  # the owner's e-mail
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope is Scope.READ_WRITE


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A key just made and its secret: the only time the secret exists outside the caller."""

    key: ApiKey
    secret: str

    def __repr__(self) -> str:  # never print the secret
        return f"CreatedKey(key={self.key.id!r}, prefix={self.key.prefix!r})"


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """``status`` None while the first request runs; then its response, kept until ``expires_at``."""

    api_key_id: str
    key: str
    fingerprint: str
    created_at: datetime
    expires_at: datetime
    status: int | None = None
    body: str | None = None  # the response body as sent (JSON text)
    media_type: str | None = None
