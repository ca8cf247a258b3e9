"""Idempotent POSTs as Stripe does them. The first request with an ``Idempotency-Key`` claims
(api key, idempotency key) by inserting a row in its own transaction (a unique index); it runs,
and its response (status and body) is stored for 24 hours. Another request with the same key:

- while the first is still running: ``InFlight`` (the caller answers 409; retry later);
- with the same method, path and body: ``Replay`` of the stored response;
- with anything else: ``Mismatch`` (the caller answers 422).

A request that fails without an answer (an unexpected error) releases its claim, so a retry
runs. Expired records are deleted by the ``apikeys.purge_idempotency`` job."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from domain.apikeys.model import IdempotencyRecord
from domain.apikeys.ports import ApiKeysUnit
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed

KEEP = timedelta(hours=24)
MAX_KEY = 255
BAD_KEY = "idempotency.bad_key"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")  # tabs too: a key is one token


def check_idempotency_key(value: str) -> str:
    """A key of 1 to 255 printable characters (``ValidationFailed`` otherwise; the API says 400)."""
    if not value or len(value) > MAX_KEY or _CONTROL.search(value):
        raise ValidationFailed(
            {"Idempotency-Key": f"Send 1 to {MAX_KEY} characters without control characters."},
            code=BAD_KEY,
        )
    return value


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Claimed:
    """This request runs; store its response with ``complete``."""


@dataclass(frozen=True, slots=True)
class Replay:
    status: int
    body: str
    media_type: str


@dataclass(frozen=True, slots=True)
class InFlight:
    """The first request with this key is still running."""


@dataclass(frozen=True, slots=True)
class Mismatch:
    """The key was used for another request (method, path or body)."""


Outcome = Claimed | Replay | InFlight | Mismatch


async def claim(
    api_key_id: str, key: str, print_: str, *, uow: ApiKeysUnit, clock: Clock
) -> Outcome:
    now = clock.now()
    record = IdempotencyRecord(api_key_id=api_key_id, key=key, fingerprint=print_,
                               created_at=now, expires_at=now + KEEP)  # fmt: skip
    async with uow:
        existing = await uow.idempotency.get(api_key_id, key)
        if existing is not None and existing.expires_at <= now:
            await uow.idempotency.release(api_key_id, key)  # expired: as if never seen
            existing = None
        if existing is None and await uow.idempotency.claim(record):
            await uow.commit()
            return Claimed()
        if existing is None:  # claimed by a concurrent request since our read
            existing = await uow.idempotency.get(api_key_id, key)
    if existing is None:
        return InFlight()
    if existing.fingerprint != print_:
        return Mismatch()
    if existing.status is None or existing.body is None:
        return InFlight()
    return Replay(existing.status, existing.body, existing.media_type or "application/json")


async def complete(
    api_key_id: str, key: str, *, status: int, body: str, media_type: str, uow: ApiKeysUnit
) -> None:
    async with uow:
        await uow.idempotency.complete(api_key_id, key, status=status, body=body,
                                       media_type=media_type)  # fmt: skip
        await uow.commit()


async def release(api_key_id: str, key: str, *, uow: ApiKeysUnit) -> None:
    async with uow:
        await uow.idempotency.release(api_key_id, key)
        await uow.commit()


async def purge_expired(*, uow: ApiKeysUnit, clock: Clock) -> int:
    async with uow:
        count = await uow.idempotency.purge(before=clock.now())
        await uow.commit()
    return count
