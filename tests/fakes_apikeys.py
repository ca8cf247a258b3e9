"""In-memory API keys and idempotency records (``uow.api_keys``, ``uow.idempotency``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.apikeys.model import ApiKey, IdempotencyRecord
from domain.apikeys.ports import KeyedEntitlements
from domain.shared.ids import CustomerId


class InMemoryApiKeyRepository:
    def __init__(self) -> None:
        self.rows: dict[str, ApiKey] = {}

    async def add(self, key: ApiKey) -> None:
        self.rows[key.id] = key

    async def get(self, key_id: str) -> ApiKey | None:
        return self.rows.get(key_id)

    async def by_hash(self, secret_hash: str) -> ApiKey | None:
        return next((k for k in self.rows.values() if k.secret_hash == secret_hash), None)

    async def all(self) -> list[ApiKey]:
        return sorted(self.rows.values(), key=lambda k: k.created_at, reverse=True)

    async def revoke(self, key_id: str, *, at: datetime, by: str) -> None:
        key = self.rows[key_id]
        if key.revoked_at is None:
            self.rows[key_id] = replace(key, revoked_at=at, revoked_by=by)

    async def touch(self, key_id: str, *, at: datetime, unless_after: datetime) -> None:
        key = self.rows[key_id]
        if key.last_used_at is None or key.last_used_at <= unless_after:
            self.rows[key_id] = replace(key, last_used_at=at)


class InMemoryIdempotencyRepository:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], IdempotencyRecord] = {}

    async def claim(self, record: IdempotencyRecord) -> bool:
        if (record.api_key_id, record.key) in self.rows:
            return False
        self.rows[(record.api_key_id, record.key)] = record
        return True

    async def get(self, api_key_id: str, key: str) -> IdempotencyRecord | None:
        return self.rows.get((api_key_id, key))

    async def complete(
        self, api_key_id: str, key: str, *, status: int, body: str, media_type: str
    ) -> None:
        old = self.rows[(api_key_id, key)]
        self.rows[(api_key_id, key)] = replace(old, status=status, body=body, media_type=media_type)

    async def release(self, api_key_id: str, key: str) -> None:
        self.rows.pop((api_key_id, key), None)

    async def purge(self, *, before: datetime) -> int:
        gone = [k for k, r in self.rows.items() if r.expires_at < before]
        for k in gone:
            del self.rows[k]
        return len(gone)


class InMemoryApiReads:
    """``uow.api_reads`` over the fake unit's own keys, entitlement rows and customers (what the
    adapter's one statement joins)."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    async def key_and_entitlements(
        self, secret_hash: str, customer_id: CustomerId
    ) -> KeyedEntitlements | None:
        key = await self._uow.api_keys.by_hash(secret_hash)
        if key is None:
            return None
        rows = await self._uow.entitlements.for_customer(customer_id)
        exists = await self._uow.customers.get(customer_id) is not None
        return KeyedEntitlements(key, rows, exists)
