"""What the API-key use cases need from storage: the keys, the idempotency records, the audit
log (every create and revoke is audited in the same transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.apikeys.model import ApiKey, IdempotencyRecord
from domain.audit.ports import AuditUnit


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def get(self, key_id: str) -> ApiKey | None: ...

    async def by_hash(self, secret_hash: str) -> ApiKey | None: ...

    async def all(self) -> list[ApiKey]:
        """Newest first."""
        ...

    async def revoke(self, key_id: str, *, at: datetime, by: str) -> None: ...

    async def touch(self, key_id: str, *, at: datetime, unless_after: datetime) -> None:
        """Set ``last_used_at`` to ``at`` unless it is already later than ``unless_after``."""
        ...


class IdempotencyRepository(Protocol):
    async def claim(self, record: IdempotencyRecord) -> bool:
        """Insert the in-flight record; False when (api key, key) has one (a unique index)."""
        ...

    async def get(self, api_key_id: str, key: str) -> IdempotencyRecord | None: ...

    async def complete(self, api_key_id: str, key: str, *, status: int, body: str,
                       media_type: str) -> None: ...  # fmt: skip

    async def release(self, api_key_id: str, key: str) -> None:
        """Delete an in-flight record (the request failed before answering)."""
        ...

    async def purge(self, *, before: datetime) -> int:
        """Delete the records that expired before ``before``; how many."""
        ...


class ApiKeysUnit(AuditUnit, Protocol):
    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...
