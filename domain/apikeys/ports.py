"""What the API-key use cases need from storage: the keys, the idempotency records, the audit
log (every create and revoke is audited in the same transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.apikeys.model import ApiKey, IdempotencyRecord
from domain.audit.ports import AuditUnit
from domain.shared.ids import CustomerId
from domain.subscriptions.entitlement_rules import Entitlement


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


@dataclass(frozen=True, slots=True)
class KeyedEntitlements:
    """What ``key_and_entitlements`` reads: the key with the presented hash (whatever its state:
    the use case decides), the customer's entitlement rows (feature key order) and whether the
    customer exists (looked up only when there are no rows: True when there are)."""

    key: ApiKey
    rows: list[Entitlement]
    customer_exists: bool


class ApiReads(Protocol):
    """The API's hot reads, each one statement: the key check joined to what the request asks."""

    async def key_and_entitlements(
        self, secret_hash: str, customer_id: CustomerId
    ) -> KeyedEntitlements | None:
        """None when no key has this hash."""
        ...


class ApiReadsUnit(ApiKeysUnit, Protocol):
    @property
    def api_reads(self) -> ApiReads: ...
