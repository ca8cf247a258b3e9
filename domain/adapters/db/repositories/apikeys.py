"""API keys and idempotency records on Piccolo (``uow.api_keys``, ``uow.idempotency``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.adapters.db.tables_apikeys import ApiIdempotencyTable, ApiKeyTable
from domain.apikeys.model import ApiKey, IdempotencyRecord, Mode, Scope

K = ApiKeyTable
I = ApiIdempotencyTable  # noqa: E741


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _key(row: Mapping[str, Any]) -> ApiKey:
    created = _instant(row["created_at"])
    assert created is not None
    return ApiKey(
        id=row["id"], name=row["name"], scope=Scope(row["scope"]), mode=Mode(row["mode"]),
        prefix=row["prefix"], secret_hash=row["secret_hash"], created_by=row["created_by"],
        created_at=created, last_used_at=_instant(row["last_used_at"]),
        revoked_at=_instant(row["revoked_at"]), revoked_by=row["revoked_by"],
    )  # fmt: skip


class PiccoloApiKeyRepository:
    async def add(self, key: ApiKey) -> None:
        await K.insert(K(
            id=key.id, name=key.name, scope=key.scope.value, mode=key.mode.value,
            prefix=key.prefix, secret_hash=key.secret_hash, created_by=key.created_by,
            created_at=key.created_at,
        ))  # fmt: skip

    async def get(self, key_id: str) -> ApiKey | None:
        row = await K.select().where(K.id == key_id).first()
        return _key(row) if row else None

    async def by_hash(self, secret_hash: str) -> ApiKey | None:
        row = await K.select().where(K.secret_hash == secret_hash).first()
        return _key(row) if row else None

    async def all(self) -> list[ApiKey]:
        rows = await K.select().order_by(K.created_at, ascending=False).order_by(K.id)
        return [_key(r) for r in rows]

    async def revoke(self, key_id: str, *, at: datetime, by: str) -> None:
        await K.update({K.revoked_at: at, K.revoked_by: by}).where(
            (K.id == key_id) & K.revoked_at.is_null()
        )

    async def touch(self, key_id: str, *, at: datetime, unless_after: datetime) -> None:
        await K.update({K.last_used_at: at}).where(
            (K.id == key_id) & (K.last_used_at.is_null() | (K.last_used_at <= unless_after))
        )


def _row_id(api_key_id: str, key: str) -> str:
    return hashlib.sha256(f"{api_key_id}\n{key}".encode()).hexdigest()


def _record(row: dict[str, Any]) -> IdempotencyRecord:
    created, expires = _instant(row["created_at"]), _instant(row["expires_at"])
    assert created is not None and expires is not None
    return IdempotencyRecord(
        api_key_id=row["api_key_id"], key=row["key"], fingerprint=row["fingerprint"],
        created_at=created, expires_at=expires, status=row["status"], body=row["body"],
        media_type=row["media_type"],
    )  # fmt: skip


class PiccoloIdempotencyRepository:
    async def claim(self, record: IdempotencyRecord) -> bool:
        rows = await (
            I.insert(
                I(
                    id=_row_id(record.api_key_id, record.key),
                    api_key_id=record.api_key_id,
                    key=record.key,
                    fingerprint=record.fingerprint,
                    created_at=record.created_at,
                    expires_at=record.expires_at,
                )
            )
            .on_conflict(target=I.id, action="DO NOTHING")
            .returning(I.id)
        )
        return bool(rows)

    async def get(self, api_key_id: str, key: str) -> IdempotencyRecord | None:
        row = await I.select().where(I.id == _row_id(api_key_id, key)).first()
        return _record(row) if row else None

    async def complete(
        self, api_key_id: str, key: str, *, status: int, body: str, media_type: str
    ) -> None:
        await I.update({I.status: status, I.body: body, I.media_type: media_type}).where(
            I.id == _row_id(api_key_id, key)
        )

    async def release(self, api_key_id: str, key: str) -> None:
        await I.delete().where(I.id == _row_id(api_key_id, key))

    async def purge(self, *, before: datetime) -> int:
        rows = await I.delete().where(I.expires_at < before).returning(I.id)
        return len(rows)
